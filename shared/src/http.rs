//! Request parsing and the Lambda entry point every HTTP function runs through. Errors become
//! problem+json here and nowhere else.

use crate::error::ApiError;
use lambda_http::{Body, Request, RequestExt, Response};
use serde::{de::DeserializeOwned, Serialize};
use std::future::Future;

/// The largest request body any endpoint accepts. API Gateway allows 10 MB; we need a few hundred bytes.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

pub type HttpResult = Result<Response<Body>, ApiError>;

/// Runs an HTTP function: logs, the request id, and the one mapping from `ApiError` to a response.
pub async fn run<F, Fut>(handler: F) -> Result<(), lambda_http::Error>
where
    F: Fn(Request) -> Fut + Send + Sync,
    Fut: Future<Output = HttpResult> + Send,
{
    crate::telemetry::init();
    let handler = &handler;
    lambda_http::run(lambda_http::service_fn(move |req: Request| async move {
        let request_id = request_id(&req);
        let route = format!("{} {}", req.method(), req.raw_http_path());
        let mut response = match handler(req).await {
            Ok(response) => response,
            Err(err) => {
                if err.status().is_server_error() {
                    tracing::error!(%request_id, %route, error = ?err, "request failed");
                } else {
                    tracing::info!(%request_id, %route, code = err.code(), "request rejected");
                }
                err.to_response(&request_id)
            }
        };
        if let Ok(value) = request_id.parse() {
            response.headers_mut().insert("x-request-id", value);
        }
        Ok::<_, lambda_http::Error>(response)
    }))
    .await
}

/// The API Gateway request id (what the client sees), or the Lambda invocation id.
pub fn request_id(req: &Request) -> String {
    use lambda_http::request::RequestContext;
    match req.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(ctx)) => ctx.request_id.clone().unwrap_or_default(),
        _ => req.lambda_context_ref().map(|c| c.request_id.clone()).unwrap_or_default(),
    }
}

/// The caller's IP as API Gateway saw it.
/// The client's User-Agent, or "" when it sends none.
pub fn user_agent(req: &Request) -> &str {
    req.headers().get(http::header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or_default()
}

pub fn source_ip(req: &Request) -> String {
    use lambda_http::request::RequestContext;
    match req.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(ctx)) => ctx.http.source_ip.clone().unwrap_or_default(),
        _ => String::new(),
    }
}

/// Parses a JSON body into `T`, rejecting oversized, non-JSON and ill-typed bodies with the field named.
pub fn json_body<T: DeserializeOwned>(req: &Request) -> Result<T, ApiError> {
    if let Some(content_type) = req.headers().get(http::header::CONTENT_TYPE) {
        let content_type = content_type.to_str().unwrap_or_default().to_ascii_lowercase();
        if !content_type.starts_with("application/json") {
            return Err(ApiError::UnsupportedMediaType);
        }
    }
    let bytes: &[u8] = match req.body() {
        Body::Empty => b"",
        Body::Text(text) => text.as_bytes(),
        Body::Binary(bytes) => bytes,
        _ => b"",
    };
    if bytes.len() > MAX_BODY_BYTES {
        return Err(ApiError::PayloadTooLarge { limit: MAX_BODY_BYTES });
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::Validation { field: None, detail: "a JSON request body is required".into() });
    }
    // serde would also take a struct from a positional array; every body here is an object.
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return match serde_json::from_slice::<serde::de::IgnoredAny>(bytes) {
            Ok(_) => Err(ApiError::Validation { field: None, detail: "the request body must be a JSON object".into() }),
            Err(e) => Err(ApiError::MalformedJson(strip_position(&e.to_string()))),
        };
    }
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        match inner.classify() {
            serde_json::error::Category::Data => {
                let message = inner.to_string();
                // serde names a missing field only in its message: surface it as the field.
                let field = message
                    .strip_prefix("missing field `")
                    .and_then(|rest| rest.split('`').next())
                    .map(str::to_owned)
                    .or_else(|| (path != ".").then_some(path));
                ApiError::Validation { field, detail: strip_position(&message) }
            }
            _ => ApiError::MalformedJson(strip_position(&inner.to_string())),
        }
    })?;
    deserializer.end().map_err(|e| ApiError::MalformedJson(strip_position(&e.to_string())))?;
    Ok(value)
}

/// An RFC 3339 time from a request field, as epoch seconds; a 400 naming `field` otherwise.
pub fn time_field(field: &'static str, raw: &str) -> Result<u64, ApiError> {
    time::OffsetDateTime::parse(raw, &time::format_description::well_known::Rfc3339)
        .map(|t| t.unix_timestamp().max(0) as u64)
        .map_err(|_| ApiError::validation(field, "an RFC 3339 time, e.g. 2026-11-27T18:00:00Z"))
}

/// `json_body` for a body that may be left out: no body (or a blank one) is `T::default()`.
pub fn optional_json_body<T: DeserializeOwned + Default>(req: &Request) -> Result<T, ApiError> {
    let blank = match req.body() {
        Body::Text(text) => text.trim().is_empty(),
        Body::Binary(bytes) => bytes.iter().all(u8::is_ascii_whitespace),
        _ => true,
    };
    if blank {
        Ok(T::default())
    } else {
        json_body(req)
    }
}

fn strip_position(message: &str) -> String {
    message.split(" at line ").next().unwrap_or(message).to_owned()
}

/// One query-string parameter, if present and non-empty.
/// One query parameter, read from the raw query string: API Gateway joins repeated parameters
/// with commas in `queryStringParameters`, and lambda_http splits them on commas again, which
/// would cut `q=counter,strike` to "counter". The first occurrence wins.
pub fn query_param(req: &Request, name: &str) -> Option<String> {
    let query = req.uri().query()?;
    form_urlencoded::parse(query.as_bytes())
        .find(|(key, _)| key == name)
        .map(|(_, v)| v.into_owned())
        .filter(|v| !v.is_empty())
}

/// A catalog game id from the route (`{gameId}`): a positive integer.
pub fn game_id_param(req: &Request, name: &str) -> Result<u32, ApiError> {
    path_param(req, name)?
        .parse()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| ApiError::validation(name, "a game id is a positive integer"))
}

/// Every query parameter (the first of repeated ones), from the raw query string.
pub fn query_params(req: &Request) -> std::collections::HashMap<String, String> {
    let mut params = std::collections::HashMap::new();
    for (key, value) in form_urlencoded::parse(req.uri().query().unwrap_or_default().as_bytes()) {
        params.entry(key.into_owned()).or_insert_with(|| value.into_owned());
    }
    params
}

/// Largest `application/x-www-form-urlencoded` body taken (OAuth forms are small).
pub const MAX_FORM_BYTES: usize = 4096;

/// An `application/x-www-form-urlencoded` body; a repeated field is refused (RFC 6749 section 3.1).
pub fn form_fields(req: &Request) -> Result<std::collections::HashMap<String, String>, &'static str> {
    let content_type = req.headers().get(http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    if !content_type.to_ascii_lowercase().starts_with("application/x-www-form-urlencoded") {
        return Err("the body must be application/x-www-form-urlencoded");
    }
    let bytes: &[u8] = match req.body() {
        Body::Text(text) => text.as_bytes(),
        Body::Binary(bytes) => bytes,
        _ => b"",
    };
    if bytes.len() > MAX_FORM_BYTES {
        return Err("the body is too large");
    }
    let mut fields = std::collections::HashMap::new();
    for (key, value) in form_urlencoded::parse(bytes) {
        if fields.insert(key.into_owned(), value.into_owned()).is_some() {
            return Err("a field was given twice");
        }
    }
    Ok(fields)
}

/// One path parameter of the route (`/store/games/{id}` -> `id`).
pub fn path_param(req: &Request, name: &str) -> Result<String, ApiError> {
    req.path_parameters_ref()
        .and_then(|p| p.first(name))
        .map(str::to_owned)
        .ok_or_else(|| ApiError::validation(name, format!("path parameter `{name}` is required")))
}

/// `?limit=` within 1..=max, `default` when absent.
pub fn page_limit(req: &Request, default: i32, max: i32) -> Result<i32, ApiError> {
    match query_param(req, "limit") {
        None => Ok(default),
        Some(raw) => match raw.parse::<i32>() {
            Ok(n) if (1..=max).contains(&n) => Ok(n),
            _ => Err(ApiError::validation("limit", format!("limit must be an integer from 1 to {max}"))),
        },
    }
}

pub fn json_response<T: Serialize>(status: u16, body: &T) -> HttpResult {
    let text = serde_json::to_string(body).map_err(ApiError::internal)?;
    raw_json_response(status, text)
}

pub fn raw_json_response(status: u16, text: String) -> HttpResult {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Body::Text(text))
        .map_err(ApiError::internal)
}

/// The optional `Idempotency-Key` header of a money-moving request (Stripe's meaning: with a
/// key the request is replay-safe; without one each request is a new operation).
pub fn idempotency_key(req: &Request) -> Result<Option<String>, ApiError> {
    let Some(value) = req.headers().get("idempotency-key") else {
        return Ok(None);
    };
    let key = value.to_str().map_err(|_| ApiError::InvalidIdempotencyKey("Idempotency-Key must be printable ASCII"))?;
    checked_idempotency_key(key).map(Some)
}

/// An idempotency key from a header or a socket frame: 8-128 characters of `[A-Za-z0-9-_.:]`.
pub fn checked_idempotency_key(key: &str) -> Result<String, ApiError> {
    let valid =
        (8..=128).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b));
    if !valid {
        return Err(ApiError::InvalidIdempotencyKey(
            "Idempotency-Key must be 8-128 characters of letters, digits, '-', '_', '.' or ':' (a UUID is ideal)",
        ));
    }
    Ok(key.to_owned())
}
