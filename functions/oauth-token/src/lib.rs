//! `POST /oauth/token`: the OAuth 2.0 token endpoint (RFC 6749). Today it serves the
//! client-credentials grant (section 4.4): a game's server authenticates with its app's client id
//! and secret (HTTP Basic or form fields, section 2.3.1) and gets a short-lived ES256 access token
//! for its own games (`aud` = the API audience + `/servers`, so it never passes as a player's).
//! Errors are RFC 6749 section 5.2 JSON (`{"error": "invalid_client", ...}`), which OAuth client
//! libraries read, not the API's problem documents.

use base64::Engine;
use lambda_http::{Body, Request, Response};
use platform::domain::apps::SERVER_SCOPES;
use platform::http::HttpResult;
use platform::store::apps as app_store;
use platform::{ApiError, App};
use serde_json::json;
use std::collections::HashMap;

/// RFC 6749 section 5.2 error codes this endpoint answers.
enum OAuthError {
    InvalidRequest(&'static str),
    InvalidClient,
    UnsupportedGrantType,
    InvalidScope,
}

const MAX_FORM_BYTES: usize = 4096;

pub async fn handle(req: Request, app: &App) -> HttpResult {
    match token(&req, app).await {
        Ok(Ok(body)) => respond(200, body, None),
        Ok(Err(error)) => {
            let (status, code, description, challenge) = match error {
                OAuthError::InvalidRequest(why) => (400, "invalid_request", why, None),
                OAuthError::InvalidClient => {
                    (401, "invalid_client", "unknown client or wrong secret", Some(r#"Basic realm="game-platform""#))
                }
                OAuthError::UnsupportedGrantType => {
                    (400, "unsupported_grant_type", "grant_type must be client_credentials", None)
                }
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
    match form.get("grant_type").map(String::as_str) {
        Some("client_credentials") => {}
        Some(_) => return Ok(Err(OAuthError::UnsupportedGrantType)),
        None => return Ok(Err(OAuthError::InvalidRequest("grant_type is required"))),
    }
    // Unknown clients and wrong secrets answer alike.
    let registered = if client_id.len() <= 100 { app_store::get(app, &client_id).await? } else { None };
    let Some(registered) = registered.filter(|a| a.secret_matches(&secret)) else {
        return Ok(Err(OAuthError::InvalidClient));
    };
    let scope = match form.get("scope").map(|s| s.split(' ').filter(|s| !s.is_empty()).collect::<Vec<_>>()) {
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

/// The `application/x-www-form-urlencoded` body (section 3.2); a repeated parameter is an error.
fn form(req: &Request) -> Result<HashMap<String, String>, OAuthError> {
    let content_type = req.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default();
    if !content_type.to_ascii_lowercase().starts_with("application/x-www-form-urlencoded") {
        return Err(OAuthError::InvalidRequest("the body must be application/x-www-form-urlencoded"));
    }
    let bytes: &[u8] = match req.body() {
        Body::Text(text) => text.as_bytes(),
        Body::Binary(bytes) => bytes,
        _ => b"",
    };
    if bytes.len() > MAX_FORM_BYTES {
        return Err(OAuthError::InvalidRequest("the body is too large"));
    }
    let mut form = HashMap::new();
    for (key, value) in form_urlencoded::parse(bytes) {
        if form.insert(key.into_owned(), value.into_owned()).is_some() {
            return Err(OAuthError::InvalidRequest("a parameter was given twice"));
        }
    }
    Ok(form)
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
        (Some(_), (Some(_), _) | (_, Some(_))) => {
            Err(OAuthError::InvalidRequest("authenticate the client one way: Basic or form fields"))
        }
        (Some((_, encoded)), _) => {
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(encoded.trim())
                .ok()
                .and_then(|bytes| String::from_utf8(bytes).ok())
                .ok_or(OAuthError::InvalidClient)?;
            let (id, secret) = decoded.split_once(':').ok_or(OAuthError::InvalidClient)?;
            let unescape =
                |s: &str| form_urlencoded::parse(format!("v={s}").as_bytes()).next().map(|(_, v)| v.into_owned());
            Ok((unescape(id).ok_or(OAuthError::InvalidClient)?, unescape(secret).ok_or(OAuthError::InvalidClient)?))
        }
        (None, (Some(id), Some(secret))) => Ok((id.clone(), secret.clone())),
        (None, _) => Err(OAuthError::InvalidClient),
    }
}
