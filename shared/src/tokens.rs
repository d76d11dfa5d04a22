//! Access tokens: ES256 JWTs signed by a KMS key, so the private key never leaves KMS (not in an
//! environment variable, a parameter or the repo) and anyone can verify a token from the public
//! key set (`GET /.well-known/jwks.json`).
//!
//! The template names two keys by alias and which of them signs (`ActiveTokenSigningKey`). Both
//! are always published and accepted, so a rotation (flip the parameter, redeploy) keeps every
//! token signed before it valid until it expires. `kid` is the KMS key id.
//!
//! Every function verifies for itself, with the public keys it reads from KMS once per instance
//! (lazily, on the first token it checks): an ES256 check costs well under a millisecond, and the
//! same function then answers `sam local invoke` and `cargo lambda invoke` with a bearer token in
//! the event exactly as behind API Gateway. README "Tokens" says why not the HttpApi JWT authorizer.

use crate::error::ApiError;
use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::{KeySpec, KeyUsageType, MessageType, SigningAlgorithmSpec};
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use jsonwebtoken::jwk::{
    AlgorithmParameters, CommonParameters, EllipticCurve, EllipticCurveKeyParameters, EllipticCurveKeyType, Jwk,
    JwkSet, KeyAlgorithm, PublicKeyUse,
};
use jsonwebtoken::{decode, decode_header, Algorithm, DecodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub iss: String,
    /// One audience, or several (an app's token names the API's app audience and the app).
    pub aud: serde_json::Value,
    pub iat: u64,
    pub exp: u64,
    /// The session the token was issued for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    /// On a game server's token (client-credentials grant): its app, and what it may do.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}

/// A game server, as its token proves it: the app it belongs to and its scopes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GameServer {
    pub client_id: String,
    pub scopes: Vec<String>,
}

/// An app acting for a player who signed in with the platform: the player, the app, the scopes
/// the player granted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppGrant {
    pub user_id: String,
    pub client_id: String,
    pub scopes: Vec<String>,
}

impl AppGrant {
    pub fn require(&self, scope: &'static str) -> Result<(), ApiError> {
        if self.scopes.iter().any(|s| s == scope) {
            Ok(())
        } else {
            Err(ApiError::Forbidden(match scope {
                "openid" => "this token lacks the openid scope",
                "profile" => "this token lacks the profile scope",
                _ => "this token lacks the library:read scope",
            }))
        }
    }
}

/// Access tokens live at most 15 minutes: they are not checked against the session store, so
/// this is how long a token outlives a logout. Refresh tokens carry a session on.
pub const MAX_ACCESS_TTL_SECS: u64 = 15 * 60;

/// The only algorithm issued or accepted: a token naming another (`none`, `HS256` keyed with the
/// public key...) is refused before any key is looked at.
pub const ALGORITHM: Algorithm = Algorithm::ES256;

/// What the template gives a function about tokens.
#[derive(Debug, Clone)]
pub struct TokenSettings {
    pub issuer: String,
    pub audience: String,
    pub ttl_secs: u64,
    /// The alias of the key this function signs with; `None` for functions that only verify.
    pub signing_key: Option<String>,
    /// Aliases of every key whose tokens are accepted (and published).
    pub verifying_keys: Vec<String>,
}

impl TokenSettings {
    /// From `JWT_ISSUER`, `JWT_AUDIENCE`, `JWT_TTL_SECONDS`, `TOKEN_SIGNING_KEY`, `TOKEN_VERIFYING_KEYS`.
    pub fn from_env() -> Result<Self, String> {
        Self::from_vars(|name| std::env::var(name).ok())
    }

    /// The same variables from another source (tools and tests read a function's template entry).
    pub fn from_vars(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let var = |name: &str| lookup(name).filter(|v| !v.is_empty());
        let verifying_keys: Vec<String> = var("TOKEN_VERIFYING_KEYS")
            .ok_or("TOKEN_VERIFYING_KEYS is not set")?
            .split(',')
            .map(|alias| alias.trim().to_owned())
            .filter(|alias| !alias.is_empty())
            .collect();
        let signing_key = var("TOKEN_SIGNING_KEY");
        if let Some(signing) = &signing_key {
            if !verifying_keys.contains(signing) {
                return Err(format!("TOKEN_SIGNING_KEY {signing} is not one of TOKEN_VERIFYING_KEYS"));
            }
        }
        Ok(TokenSettings {
            issuer: var("JWT_ISSUER").unwrap_or_else(|| "game-platform".into()),
            audience: var("JWT_AUDIENCE").unwrap_or_else(|| "game-platform-api".into()),
            ttl_secs: var("JWT_TTL_SECONDS")
                .and_then(|v| v.parse().ok())
                .unwrap_or(MAX_ACCESS_TTL_SECS)
                .min(MAX_ACCESS_TTL_SECS),
            signing_key,
            verifying_keys,
        })
    }
}

/// One published key: its KMS identity, its JWK and the verifier built from it.
struct PublishedKey {
    alias: String,
    arn: String,
    jwk: Jwk,
    decoding: DecodingKey,
}

pub struct Tokens {
    kms: aws_sdk_kms::Client,
    settings: TokenSettings,
    /// Players' tokens: audience `settings.audience`.
    validation: Validation,
    /// Game servers' tokens: audience `<audience>/servers`; apps acting for a player:
    /// `<audience>/apps`. No kind passes for another.
    server_validation: Validation,
    app_validation: Validation,
    /// Read from KMS on first use; a failed read is not kept, so the next request tries again.
    keys: tokio::sync::OnceCell<Vec<PublishedKey>>,
}

impl Tokens {
    pub fn new(kms: aws_sdk_kms::Client, settings: TokenSettings) -> Tokens {
        let validation_for = |audience: &str| {
            let mut validation = Validation::new(ALGORITHM);
            validation.set_issuer(&[&settings.issuer]);
            validation.set_audience(&[audience]);
            validation.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
            validation.leeway = 5;
            validation
        };
        let validation = validation_for(&settings.audience);
        let server_validation = validation_for(&server_audience(&settings.audience));
        let app_validation = validation_for(&app_audience(&settings.audience));
        Tokens { kms, settings, validation, server_validation, app_validation, keys: tokio::sync::OnceCell::new() }
    }

    pub fn server_audience(&self) -> String {
        server_audience(&self.settings.audience)
    }

    /// An app's access token for a player's session with it, valid for `ttl_secs`.
    pub async fn issue_for_app(
        &self,
        user_id: &str,
        session_id: &str,
        client_id: &str,
        scope: &str,
    ) -> Result<String, ApiError> {
        let now = crate::clock::now_secs();
        self.sign(&Claims {
            sub: user_id.into(),
            iss: self.settings.issuer.clone(),
            // The app's own client id too: another app's backend checking `aud` refuses it.
            aud: serde_json::json!([app_audience(&self.settings.audience), client_id]),
            iat: now,
            exp: now + self.settings.ttl_secs,
            sid: Some(session_id.into()),
            client_id: Some(client_id.into()),
            scope: Some(scope.into()),
        })
        .await
    }

    /// The player and app an app's token names, or 401 (a player's own token is not one).
    pub async fn verify_app(&self, token: &str) -> Result<AppGrant, ApiError> {
        let claims = self.verified_claims(token, &self.app_validation).await?;
        let client_id = claims.client_id.ok_or(INVALID_TOKEN)?;
        let scopes = claims.scope.unwrap_or_default().split(' ').filter(|s| !s.is_empty()).map(str::to_owned).collect();
        Ok(AppGrant { user_id: claims.sub, client_id, scopes })
    }

    pub fn settings(&self) -> &TokenSettings {
        &self.settings
    }

    /// An access token of a session, valid for `ttl_secs`.
    pub async fn issue_for_session(&self, user_id: &str, session_id: &str) -> Result<String, ApiError> {
        let now = crate::clock::now_secs();
        self.sign(&Claims {
            sub: user_id.into(),
            iss: self.settings.issuer.clone(),
            aud: self.settings.audience.clone().into(),
            iat: now,
            exp: now + self.settings.ttl_secs,
            sid: Some(session_id.into()),
            client_id: None,
            scope: None,
        })
        .await
    }

    /// A game server's access token (client-credentials grant), valid for `ttl_secs`.
    pub async fn issue_for_server(&self, client_id: &str, scope: &str) -> Result<String, ApiError> {
        let now = crate::clock::now_secs();
        self.sign(&Claims {
            sub: client_id.into(),
            iss: self.settings.issuer.clone(),
            aud: self.server_audience().into(),
            iat: now,
            exp: now + self.settings.ttl_secs,
            sid: None,
            client_id: Some(client_id.into()),
            scope: Some(scope.into()),
        })
        .await
    }

    /// Signs `claims` with this function's signing key: `header.claims` goes to KMS, whose DER
    /// signature becomes JWS's fixed 64-byte `r || s` (RFC 7518 section 3.4).
    pub async fn sign(&self, claims: &impl Serialize) -> Result<String, ApiError> {
        let alias =
            self.settings.signing_key.as_ref().ok_or_else(|| ApiError::internal("TOKEN_SIGNING_KEY is not set"))?;
        let keys = self.keys().await?;
        let key = keys.iter().find(|k| &k.alias == alias).expect("the signing key is one of the verifying keys");
        let mut header = Header::new(ALGORITHM);
        header.kid = key.jwk.common.key_id.clone();
        let signing_input = format!("{}.{}", json_b64(&header)?, json_b64(claims)?);
        let signed = self
            .kms
            .sign()
            .key_id(&key.arn)
            .message(Blob::new(signing_input.as_bytes()))
            .message_type(MessageType::Raw)
            .signing_algorithm(SigningAlgorithmSpec::EcdsaSha256)
            .send()
            .await?;
        let der = signed.signature.ok_or_else(|| ApiError::internal("KMS returned no signature"))?;
        let signature = p256::ecdsa::Signature::from_der(der.as_ref()).map_err(ApiError::internal)?;
        // Low-S form: some verifiers refuse the high-S twin of a valid signature.
        let signature = signature.normalize_s().unwrap_or(signature);
        Ok(format!("{signing_input}.{}", B64.encode(signature.to_bytes())))
    }

    /// The player a token signed by one of the published keys names, or 401.
    pub async fn verify(&self, token: &str) -> Result<crate::auth::Player, ApiError> {
        let claims = self.verified_claims(token, &self.validation).await?;
        Ok(crate::auth::Player { user_id: claims.sub, session_id: claims.sid, expires_at: claims.exp })
    }

    /// The game server a server token names, or 401 (a player's token is not one).
    pub async fn verify_server(&self, token: &str) -> Result<GameServer, ApiError> {
        let claims = self.verified_claims(token, &self.server_validation).await?;
        let client_id = claims.client_id.filter(|c| *c == claims.sub).ok_or(INVALID_TOKEN)?;
        let scopes = claims.scope.unwrap_or_default().split(' ').filter(|s| !s.is_empty()).map(str::to_owned).collect();
        Ok(GameServer { client_id, scopes })
    }

    async fn verified_claims(&self, token: &str, validation: &Validation) -> Result<Claims, ApiError> {
        let header = decode_header(token).map_err(|_| INVALID_TOKEN)?;
        if header.alg != ALGORITHM {
            return Err(INVALID_TOKEN);
        }
        let kid = header.kid.ok_or(INVALID_TOKEN)?;
        let keys = self.keys().await?;
        let key = keys.iter().find(|k| k.jwk.common.key_id.as_deref() == Some(&kid)).ok_or(INVALID_TOKEN)?;
        let data = decode::<Claims>(token, &key.decoding, validation).map_err(|_| INVALID_TOKEN)?;
        if data.claims.sub.is_empty() {
            return Err(ApiError::Unauthorized("the bearer token names no subject"));
        }
        Ok(data.claims)
    }

    /// The public key set, as `/.well-known/jwks.json` serves it.
    pub async fn jwks(&self) -> Result<JwkSet, ApiError> {
        Ok(JwkSet { keys: self.keys().await?.iter().map(|k| k.jwk.clone()).collect() })
    }

    async fn keys(&self) -> Result<&Vec<PublishedKey>, ApiError> {
        self.keys
            .get_or_try_init(|| {
                futures::future::try_join_all(
                    self.settings.verifying_keys.iter().map(|alias| published_key(&self.kms, alias)),
                )
            })
            .await
    }
}

const INVALID_TOKEN: ApiError = ApiError::Unauthorized("the bearer token is invalid or expired");

/// Game servers' tokens name the API's audience with `/servers`.
fn server_audience(audience: &str) -> String {
    format!("{audience}/servers")
}

/// Apps' tokens for a player name the API's audience with `/apps`.
fn app_audience(audience: &str) -> String {
    format!("{audience}/apps")
}

fn json_b64(value: &impl Serialize) -> Result<String, ApiError> {
    Ok(B64.encode(serde_json::to_vec(value).map_err(ApiError::internal)?))
}

/// Reads a key's public half from KMS and checks it is a P-256 signing key.
async fn published_key(kms: &aws_sdk_kms::Client, alias: &str) -> Result<PublishedKey, ApiError> {
    let out = kms.get_public_key().key_id(alias).send().await?;
    if out.key_spec != Some(KeySpec::EccNistP256) || out.key_usage != Some(KeyUsageType::SignVerify) {
        return Err(ApiError::internal(format!("{alias} is not an ECC_NIST_P256 SIGN_VERIFY key")));
    }
    let arn = out.key_id.ok_or_else(|| ApiError::internal("KMS returned no key id"))?;
    let der = out.public_key.ok_or_else(|| ApiError::internal("KMS returned no public key"))?;
    let jwk = p256_jwk(der.as_ref(), key_id_of(&arn))?;
    let decoding = DecodingKey::from_jwk(&jwk).map_err(ApiError::internal)?;
    Ok(PublishedKey { alias: alias.to_owned(), arn, jwk, decoding })
}

/// `arn:aws:kms:region:account:key/<id>` -> `<id>`.
fn key_id_of(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or(arn)
}

/// The JWK (RFC 7517, 7518 section 6.2) of a P-256 public key given as SPKI DER.
fn p256_jwk(spki_der: &[u8], kid: &str) -> Result<Jwk, ApiError> {
    use p256::elliptic_curve::sec1::ToEncodedPoint;
    use p256::pkcs8::DecodePublicKey;
    let point = p256::PublicKey::from_public_key_der(spki_der).map_err(ApiError::internal)?.to_encoded_point(false);
    let coordinate =
        |c: Option<&p256::FieldBytes>| c.map(|c| B64.encode(c)).ok_or_else(|| ApiError::internal("identity point"));
    Ok(Jwk {
        common: CommonParameters {
            public_key_use: Some(PublicKeyUse::Signature),
            key_algorithm: Some(KeyAlgorithm::ES256),
            key_id: Some(kid.to_owned()),
            ..Default::default()
        },
        algorithm: AlgorithmParameters::EllipticCurve(EllipticCurveKeyParameters {
            key_type: EllipticCurveKeyType::EC,
            curve: EllipticCurve::P256,
            x: coordinate(point.x())?,
            y: coordinate(point.y())?,
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kms_public_key_becomes_a_p256_jwk_that_verifies_its_signatures() {
        use p256::ecdsa::signature::Signer;
        use p256::pkcs8::EncodePublicKey;
        // A key made here stands in for KMS's: the same SPKI DER and DER signature formats.
        let signing = p256::ecdsa::SigningKey::from_slice(&[7u8; 32]).unwrap();
        let spki = signing.verifying_key().to_public_key_der().unwrap();
        let jwk = p256_jwk(spki.as_bytes(), "key-1").unwrap();
        let value = serde_json::to_value(&jwk).unwrap();
        assert_eq!(
            (value["kty"].as_str(), value["crv"].as_str(), value["alg"].as_str()),
            (Some("EC"), Some("P-256"), Some("ES256"))
        );
        assert_eq!((value["kid"].as_str(), value["use"].as_str()), (Some("key-1"), Some("sig")));

        let header = json_b64(&Header { kid: Some("key-1".into()), ..Header::new(ALGORITHM) }).unwrap();
        let claims = Claims {
            sub: "u".into(),
            iss: "i".into(),
            aud: "a".into(),
            iat: 1,
            exp: u64::MAX / 2,
            sid: None,
            client_id: None,
            scope: None,
        };
        let input = format!("{header}.{}", json_b64(&claims).unwrap());
        let der: p256::ecdsa::DerSignature = signing.sign(input.as_bytes());
        let raw = p256::ecdsa::Signature::from_der(der.as_bytes()).unwrap();
        let token = format!("{input}.{}", B64.encode(raw.to_bytes()));
        let mut validation = Validation::new(ALGORITHM);
        validation.set_audience(&["a"]);
        let decoded = decode::<Claims>(&token, &DecodingKey::from_jwk(&jwk).unwrap(), &validation).unwrap();
        assert_eq!(decoded.claims.sub, "u");
    }

    #[test]
    fn key_ids_are_the_last_segment_of_the_arn() {
        assert_eq!(key_id_of("arn:aws:kms:us-east-1:000000000000:key/1234-abcd"), "1234-abcd");
    }
}
