//! `GET /.well-known/jwks.json`: the public keys of every token signing key (RFC 7517), so a game
//! or site verifies the platform's tokens with any JWT library and no secret of ours.
//! `GET /.well-known/openid-configuration`: OpenID Connect Discovery metadata: the key set and the
//! OAuth 2.0 endpoints ("Sign in with the platform").
//!
//! Both keys are always published, the one that signs and the other, so a verifier that caches
//! this document (it may, for `max-age`) already knows the key a rotation switches to.

use lambda_http::{Body, Request, RequestExt, Response};
use platform::domain::apps::SERVER_SCOPES;
use platform::domain::oauth::USER_SCOPES;
use platform::http::HttpResult;
use platform::tokens::ALGORITHM;
use platform::{ApiError, App};
use serde_json::json;

/// How long verifiers may cache the answers.
const MAX_AGE_SECS: u32 = 300;

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let tokens = app.tokens()?;
    let body = match req.raw_http_path() {
        "/.well-known/jwks.json" => serde_json::to_value(tokens.jwks().await?).map_err(ApiError::internal)?,
        _ => {
            let base = public_base_url(&req);
            let scopes: Vec<&str> = USER_SCOPES.iter().map(|(scope, _)| *scope).chain(SERVER_SCOPES).collect();
            json!({
                "issuer": tokens.settings().issuer,
                "jwks_uri": format!("{base}/.well-known/jwks.json"),
                "authorization_endpoint": format!("{base}/oauth/authorize"),
                "token_endpoint": format!("{base}/oauth/token"),
                "userinfo_endpoint": format!("{base}/oauth/userinfo"),
                "scopes_supported": scopes,
                "response_types_supported": ["code"],
                "response_modes_supported": ["query"],
                "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
                "code_challenge_methods_supported": ["S256"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
                "id_token_signing_alg_values_supported": [ALGORITHM],
                "subject_types_supported": ["public"],
                "claims_supported": [
                    "sub", "iss", "aud", "azp", "iat", "exp", "auth_time", "nonce", "sid",
                    "preferred_username", "name", "picture", "locale"
                ],
            })
        }
    };
    Response::builder()
        .status(200)
        .header("content-type", "application/json")
        .header("cache-control", format!("public, max-age={MAX_AGE_SECS}"))
        .body(Body::Text(body.to_string()))
        .map_err(ApiError::internal)
}

/// The scheme and host the caller reached: API Gateway sets `x-forwarded-proto` (https), and
/// the request context names the domain.
fn public_base_url(req: &Request) -> String {
    let scheme = req.headers().get("x-forwarded-proto").and_then(|v| v.to_str().ok()).unwrap_or("https");
    let host = match req.request_context() {
        lambda_http::request::RequestContext::ApiGatewayV2(context) => context.domain_name,
        _ => None,
    };
    let host = host.or_else(|| req.headers().get("host").and_then(|v| v.to_str().ok()).map(str::to_owned));
    format!("{scheme}://{}", host.unwrap_or_else(|| "localhost".into()))
}
