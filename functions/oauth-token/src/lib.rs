//! `POST /oauth/token`: the OAuth 2.0 token endpoint (RFC 6749). Every grant authenticates the
//! app with its client id and secret (HTTP Basic or form fields, section 2.3.1):
//! - `client_credentials` (section 4.4): a game's server gets a short-lived token for its own
//!   games (`aud` = the API audience + `/servers`, so it never passes as a player's);
//! - `authorization_code` (section 4.1.3, PKCE required): the code the consent page gave, its
//!   redirect URI and verifier, for an access token acting for the player (`aud` + `/apps`), a
//!   refresh token and, with `openid`, an ID token;
//! - `refresh_token` (section 6): the app's refresh token, rotated.
//!
//! Errors are RFC 6749 section 5.2 JSON (`{"error": "invalid_grant", ...}`), which OAuth client
//! libraries read, not the API's problem documents.

use base64::Engine;
use lambda_http::{Body, Request, Response};
use platform::domain::apps::SERVER_SCOPES;
use platform::flows::app_grants;
use platform::http::HttpResult;
use platform::store::apps as app_store;
use platform::{ApiError, App};
use serde_json::json;
use std::collections::HashMap;

/// RFC 6749 section 5.2 error codes this endpoint answers.
enum OAuthError {
    InvalidRequest(&'static str),
    InvalidClient,
    InvalidGrant,
    UnsupportedGrantType,
    InvalidScope,
}

pub async fn handle(req: Request, app: &App) -> HttpResult {
    match token(&req, app).await {
        Ok(Ok(body)) => respond(200, body, None),
        Ok(Err(error)) => {
            let (status, code, description, challenge) = match error {
                OAuthError::InvalidRequest(why) => (400, "invalid_request", why, None),
                OAuthError::InvalidClient => {
                    (401, "invalid_client", "unknown client or wrong secret", Some(r#"Basic realm="game-platform""#))
                }
                OAuthError::InvalidGrant => (
                    400,
                    "invalid_grant",
                    "the code or refresh token is invalid, expired, used or another client's",
                    None,
                ),
                OAuthError::UnsupportedGrantType => (
                    400,
                    "unsupported_grant_type",
                    "grant_type is authorization_code, refresh_token or client_credentials",
                    None,
                ),
                OAuthError::InvalidScope => {
                    (400, "invalid_scope", "scopes a game server may ask: games:ownership", None)
                }
            };
            respond(status, json!({ "error": code, "error_description": description }), challenge)
        }
        Err(internal) => Err(internal),
    }
}

fn respond(status: u16, body: serde_json::Value, challenge: Option<&str>) -> HttpResult {
    let mut builder = Response::builder()
        .status(status)
        .header("content-type", "application/json")
        // Section 5.1: tokens and their errors are never cached.
        .header("cache-control", "no-store")
        .header("pragma", "no-cache");
    if let Some(challenge) = challenge {
        builder = builder.header("www-authenticate", challenge);
    }
    builder.body(Body::Text(body.to_string())).map_err(ApiError::internal)
}

async fn token(req: &Request, app: &App) -> Result<Result<serde_json::Value, OAuthError>, ApiError> {
    let form = match form(req) {
        Ok(form) => form,
        Err(e) => return Ok(Err(e)),
    };
    let (client_id, secret) = match client_credentials(req, &form) {
        Ok(credentials) => credentials,
        Err(e) => return Ok(Err(e)),
    };
    let grant = match form.get("grant_type").map(String::as_str) {
        Some(grant @ ("client_credentials" | "authorization_code" | "refresh_token")) => grant,
        Some(_) => return Ok(Err(OAuthError::UnsupportedGrantType)),
        None => return Ok(Err(OAuthError::InvalidRequest("grant_type is required"))),
    };
    // Unknown clients and wrong secrets answer alike.
    let registered = app_store::get(app, &client_id).await?;
    let Some(registered) = registered.filter(|a| a.secret_matches(&secret)) else {
        return Ok(Err(OAuthError::InvalidClient));
    };
    let required = |name: &'static str| form.get(name).filter(|v| !v.is_empty() && v.len() <= 512);
    let granted = match grant {
        "authorization_code" => {
            let (Some(code), Some(redirect_uri), Some(verifier)) =
                (required("code"), required("redirect_uri"), required("code_verifier"))
            else {
                return Ok(Err(OAuthError::InvalidRequest("code, redirect_uri and code_verifier are required")));
            };
            app_grants::redeem_code(app, &registered, code, redirect_uri, verifier).await
        }
        "refresh_token" => {
            let Some(presented) = required("refresh_token") else {
                return Ok(Err(OAuthError::InvalidRequest("refresh_token is required")));
            };
            app_grants::refresh(app, &registered, presented).await
        }
        _ => return client_credentials_grant(app, &registered, &form).await,
    };
    match granted {
        Ok(tokens) => Ok(Ok(tokens.response())),
        Err(ApiError::Unauthorized(_)) => Ok(Err(OAuthError::InvalidGrant)),
        Err(other) => Err(other),
    }
}

/// Section 4.4: a game server's token for the app's own games.
async fn client_credentials_grant(
    app: &App,
    registered: &platform::domain::apps::App,
    form: &HashMap<String, String>,
) -> Result<Result<serde_json::Value, OAuthError>, ApiError> {
    // An empty parameter counts as omitted (section 3.1).
    let asked = form.get("scope").filter(|s| !s.trim().is_empty());
    let scope = match asked.map(|s| s.split(' ').filter(|s| !s.is_empty()).collect::<Vec<_>>()) {
        None => SERVER_SCOPES.to_vec(),
        Some(asked) if !asked.is_empty() && asked.iter().all(|s| SERVER_SCOPES.contains(s)) => asked,
        Some(_) => return Ok(Err(OAuthError::InvalidScope)),
    }
    .join(" ");
    let tokens = app.tokens()?;
    let access_token = tokens.issue_for_server(&registered.client_id, &scope).await?;
    Ok(Ok(json!({
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": tokens.settings().ttl_secs,
        "scope": scope,
    })))
}

/// The `application/x-www-form-urlencoded` body (section 3.2).
fn form(req: &Request) -> Result<HashMap<String, String>, OAuthError> {
    platform::http::form_fields(req).map_err(OAuthError::InvalidRequest)
}

/// The client's id and secret, from HTTP Basic (names and secrets form-urlencoded inside,
/// section 2.3.1) or from the body; both at once is an error.
fn client_credentials(req: &Request, form: &HashMap<String, String>) -> Result<(String, String), OAuthError> {
    let basic = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|h| h.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("basic"));
    let in_form = (form.get("client_id"), form.get("client_secret"));
    match (basic, in_form) {
        // Two ways of presenting a secret is an error; a body `client_id` beside Basic is allowed
        // (RFC 6749 section 2.3.1 forbids two methods; many clients send the id anyway) if it agrees.
        (Some(_), (_, Some(_))) => {
            Err(OAuthError::InvalidRequest("authenticate the client one way: Basic or form fields"))
        }
        (Some((_, encoded)), (body_id, None)) => {
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(encoded.trim())
                .ok()
                .and_then(|bytes| String::from_utf8(bytes).ok())
                .ok_or(OAuthError::InvalidClient)?;
            let (id, secret) = decoded.split_once(':').ok_or(OAuthError::InvalidClient)?;
            let unescape =
                |s: &str| form_urlencoded::parse(format!("v={s}").as_bytes()).next().map(|(_, v)| v.into_owned());
            let id = unescape(id).ok_or(OAuthError::InvalidClient)?;
            if body_id.is_some_and(|body_id| *body_id != id) {
                return Err(OAuthError::InvalidRequest("client_id in the body differs from the Basic one"));
            }
            Ok((id, unescape(secret).ok_or(OAuthError::InvalidClient)?))
        }
        (None, (Some(id), Some(secret))) => Ok((id.clone(), secret.clone())),
        (None, _) => Err(OAuthError::InvalidClient),
    }
}
