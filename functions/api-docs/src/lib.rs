//! `GET /openapi.json`: the whole API as OpenAPI 3.1 (the checked-in `openapi.yaml`, as JSON).
//! `GET /docs`: a page that renders that document; everything it needs is inline, so it works
//! offline and loads nothing from a CDN.

use lambda_http::{Body, Request, RequestExt, Response};
use platform::http::{raw_json_response, HttpResult};
use platform::ApiError;

pub const OPENAPI_JSON: &str = include_str!(concat!(env!("OUT_DIR"), "/openapi.json"));
const DOCS_PAGE: &str = include_str!("docs.html");

pub async fn handle(req: Request) -> HttpResult {
    match req.raw_http_path() {
        "/openapi.json" => raw_json_response(200, OPENAPI_JSON.to_owned()),
        _ => Response::builder()
            .status(200)
            .header("content-type", "text/html; charset=utf-8")
            .header(
                "content-security-policy",
                "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'",
            )
            .body(Body::Text(DOCS_PAGE.to_owned()))
            .map_err(ApiError::internal),
    }
}
