//! Passwords (argon2id, OWASP baseline) and bearer tokens (HS256 pinned, exp/iat/iss/aud/sub).
//! `TokenKeys::authenticate` is the one place a request's identity is checked.

use crate::error::ApiError;
use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use jsonwebtoken::{decode, encode, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

/// OWASP's argon2id baseline: 19 MiB, 2 passes, 1 lane.
fn argon2() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("static argon2 parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

pub fn hash_password(password: &str) -> Result<String, ApiError> {
    let salt = SaltString::generate(&mut OsRng);
    argon2().hash_password(password.as_bytes(), &salt).map(|hash| hash.to_string()).map_err(ApiError::internal)
}

/// A hash with the same parameters as real ones, so a missing user costs one real verification.
/// A constant, not computed per instance: computing it would double the first such login's work.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$1/WLUxZc18RY5pWTp4YrLQ$wH0sl9mPS/ohmTXjEY38jyQv25JNVnKh/QWNO/x30fc";

/// Verifies against a stored PHC string; with `None` (no such user) it burns the same time against
/// a dummy hash and fails, so response timing does not reveal which usernames exist.
pub fn verify_password(stored: Option<&str>, password: &str) -> bool {
    let phc = stored.unwrap_or(DUMMY_HASH);
    let Ok(parsed) = PasswordHash::new(phc) else {
        return false;
    };
    argon2().verify_password(password.as_bytes(), &parsed).is_ok() && stored.is_some()
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub iss: String,
    pub aud: String,
    pub iat: u64,
    pub exp: u64,
    /// The session the token was issued for (absent on tokens from before sessions existed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
}

/// The identity a verified token proves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Player {
    pub user_id: String,
    pub session_id: Option<String>,
}

/// Access tokens live at most 15 minutes: they are not checked against the session store, so
/// this is how long a token outlives a logout. Refresh tokens carry a session on.
pub const MAX_ACCESS_TTL_SECS: u64 = 15 * 60;

pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    issuer: String,
    audience: String,
    pub ttl_secs: u64,
}

pub const MIN_SECRET_BYTES: usize = 32;

impl TokenKeys {
    pub fn new(secret: &[u8], issuer: &str, audience: &str, ttl_secs: u64) -> Result<Self, String> {
        if secret.len() < MIN_SECRET_BYTES {
            return Err(format!("JWT_SECRET must be at least {MIN_SECRET_BYTES} bytes (256 bits)"));
        }
        let mut validation = Validation::new(jsonwebtoken::Algorithm::HS256);
        validation.set_issuer(&[issuer]);
        validation.set_audience(&[audience]);
        validation.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
        validation.leeway = 5;
        Ok(TokenKeys {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            issuer: issuer.into(),
            audience: audience.into(),
            ttl_secs,
        })
    }

    /// From `JWT_SECRET`, `JWT_ISSUER`, `JWT_AUDIENCE`, `JWT_TTL_SECONDS`.
    pub fn from_env() -> Result<Self, String> {
        let secret = std::env::var("JWT_SECRET").map_err(|_| "JWT_SECRET is not set".to_string())?;
        let issuer = std::env::var("JWT_ISSUER").unwrap_or_else(|_| "game-platform".into());
        let audience = std::env::var("JWT_AUDIENCE").unwrap_or_else(|_| "game-platform-api".into());
        let ttl = std::env::var("JWT_TTL_SECONDS").ok().and_then(|v| v.parse().ok()).unwrap_or(MAX_ACCESS_TTL_SECS);
        Self::new(secret.as_bytes(), &issuer, &audience, ttl.min(MAX_ACCESS_TTL_SECS))
    }

    pub fn issue(&self, user_id: &str) -> Result<String, ApiError> {
        let now = crate::clock::now_secs();
        self.issue_at(user_id, now, now + self.ttl_secs)
    }

    /// An access token of a session.
    pub fn issue_for_session(&self, user_id: &str, session_id: &str) -> Result<String, ApiError> {
        let now = crate::clock::now_secs();
        self.encode(Claims { sid: Some(session_id.into()), ..self.claims(user_id, now, now + self.ttl_secs) })
    }

    pub fn issue_at(&self, user_id: &str, iat: u64, exp: u64) -> Result<String, ApiError> {
        self.encode(self.claims(user_id, iat, exp))
    }

    fn claims(&self, user_id: &str, iat: u64, exp: u64) -> Claims {
        Claims { sub: user_id.into(), iss: self.issuer.clone(), aud: self.audience.clone(), iat, exp, sid: None }
    }

    fn encode(&self, claims: Claims) -> Result<String, ApiError> {
        encode(&Header::new(jsonwebtoken::Algorithm::HS256), &claims, &self.encoding).map_err(ApiError::internal)
    }

    pub fn verify(&self, token: &str) -> Result<Player, ApiError> {
        let data = decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|_| ApiError::Unauthorized("the bearer token is invalid or expired"))?;
        if data.claims.sub.is_empty() {
            return Err(ApiError::Unauthorized("the bearer token names no subject"));
        }
        Ok(Player { user_id: data.claims.sub, session_id: data.claims.sid })
    }

    /// The one identity check of every protected endpoint: `Authorization: Bearer <jwt>`.
    pub fn authenticate(&self, req: &http::Request<lambda_http::Body>) -> Result<Player, ApiError> {
        let header = req
            .headers()
            .get(http::header::AUTHORIZATION)
            .ok_or(ApiError::Unauthorized("an Authorization: Bearer token is required"))?;
        let token = header
            .to_str()
            .ok()
            // The scheme name is case-insensitive (RFC 9110 section 11.1): `BEARER x` is fine too.
            .and_then(|h| h.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token.trim())
            .filter(|t| !t.is_empty())
            .ok_or(ApiError::Unauthorized("the Authorization header must be `Bearer <token>`"))?;
        self.verify(token)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> TokenKeys {
        TokenKeys::new(&[7u8; 32], "iss", "aud", 60).unwrap()
    }

    #[test]
    fn password_round_trip_and_unknown_user_never_verifies() {
        let hash = hash_password("correct horse").unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify_password(Some(&hash), "correct horse"));
        assert!(!verify_password(Some(&hash), "wrong horse"));
        assert!(!verify_password(None, "correct horse"));
        assert!(DUMMY_HASH.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "same cost as real hashes");
    }

    #[test]
    fn short_secrets_are_refused() {
        assert!(TokenKeys::new(&[1u8; 31], "i", "a", 60).is_err());
    }

    #[test]
    fn token_round_trip_names_the_subject() {
        let k = keys();
        let token = k.issue("user-1").unwrap();
        assert_eq!(k.verify(&token).unwrap().user_id, "user-1");
    }

    #[test]
    fn expired_wrong_audience_and_alg_none_tokens_are_rejected() {
        let k = keys();
        let now = crate::clock::now_secs();
        assert!(k.verify(&k.issue_at("u", now - 7200, now - 3600).unwrap()).is_err());
        let other = TokenKeys::new(&[7u8; 32], "iss", "other-aud", 60).unwrap();
        assert!(k.verify(&other.issue("u").unwrap()).is_err());
        use base64::Engine;
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let header = b64.encode(br#"{"alg":"none","typ":"JWT"}"#);
        let body = b64.encode(format!(r#"{{"sub":"u","iss":"iss","aud":"aud","iat":{now},"exp":{}}}"#, now + 60));
        assert!(k.verify(&format!("{header}.{body}.")).is_err());
    }

    #[test]
    fn the_bearer_scheme_is_case_insensitive() {
        let k = keys();
        let token = k.issue("user-1").unwrap();
        for scheme in ["Bearer", "bearer", "BEARER", "bEaReR"] {
            let req = http::Request::builder()
                .header("authorization", format!("{scheme} {token}"))
                .body(lambda_http::Body::Empty)
                .unwrap();
            assert_eq!(k.authenticate(&req).unwrap().user_id, "user-1", "{scheme}");
        }
        let basic = http::Request::builder()
            .header("authorization", format!("Basic {token}"))
            .body(lambda_http::Body::Empty)
            .unwrap();
        assert!(k.authenticate(&basic).is_err());
    }
}
