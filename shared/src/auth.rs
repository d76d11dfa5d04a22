//! Passwords (argon2id, OWASP baseline) and the bearer header. Tokens themselves are `tokens`.

use crate::error::ApiError;
use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

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

/// The identity a verified token proves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Player {
    pub user_id: String,
    pub session_id: Option<String>,
    /// When the token that authenticated the request expires (epoch seconds).
    pub expires_at: u64,
}

/// The token of `Authorization: Bearer <token>`. The scheme name is case-insensitive
/// (RFC 9110 section 11.1): `BEARER x` is fine too.
pub fn bearer_token(req: &http::Request<lambda_http::Body>) -> Result<&str, ApiError> {
    let header = req
        .headers()
        .get(http::header::AUTHORIZATION)
        .ok_or(ApiError::Unauthorized("an Authorization: Bearer token is required"))?;
    header
        .to_str()
        .ok()
        .and_then(|h| h.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
        .filter(|t| !t.is_empty())
        .ok_or(ApiError::Unauthorized("the Authorization header must be `Bearer <token>`"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_round_trip_and_unknown_user_never_verifies() {
        let hash = hash_password("correct horse").unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify_password(Some(&hash), "correct horse"));
        assert!(!verify_password(Some(&hash), "wrong horse"));
        assert!(!verify_password(None, "correct horse"));
        assert!(DUMMY_HASH.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "same cost as real hashes");
    }

    fn with_authorization(value: &str) -> http::Request<lambda_http::Body> {
        http::Request::builder().header("authorization", value).body(lambda_http::Body::Empty).unwrap()
    }

    #[test]
    fn the_bearer_scheme_is_case_insensitive() {
        for scheme in ["Bearer", "bearer", "BEARER", "bEaReR"] {
            assert_eq!(bearer_token(&with_authorization(&format!("{scheme}  t.o.k "))).unwrap(), "t.o.k", "{scheme}");
        }
        assert!(bearer_token(&with_authorization("Basic t.o.k")).is_err());
        assert!(bearer_token(&with_authorization("Bearer ")).is_err());
        let none = http::Request::builder().body(lambda_http::Body::Empty).unwrap();
        assert!(bearer_token(&none).is_err());
    }
}
