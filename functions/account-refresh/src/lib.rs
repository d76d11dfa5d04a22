//! `POST /account/refresh`: spends a refresh token for a new access token and the next refresh
//! token of the same session. A token works once; presenting a spent one ends its session.

use lambda_http::Request;
use platform::flows::sessions;
use platform::http::{json_body, json_response, HttpResult};
use platform::App;
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct RefreshRequest {
    refresh_token: String,
}

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let body: RefreshRequest = json_body(&req)?;
    let session = sessions::refresh(app, &body.refresh_token).await?;
    json_response(200, &session.response("Token refreshed", None))
}
