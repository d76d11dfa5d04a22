//! `POST /account/refresh`: spends a refresh token for a new access token and the next refresh
//! token of the same session. A token works once; presenting a spent one ends its session.

use lambda_http::Request;
use platform::flows::sessions;
use platform::http::{json_body, json_response, HttpResult};
use platform::App;
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct RefreshRequest {
    refresh_token: String,
}

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let body: RefreshRequest = json_body(&req)?;
    let session = sessions::refresh(app, &body.refresh_token).await?;
    json_response(
        200,
        &json!({
            "message": "Token refreshed",
            "token": session.access_token,
            "tokenType": "Bearer",
            "expiresIn": session.expires_in,
            "refreshToken": session.refresh_token.as_str(),
            "sessionId": session.session_id,
        }),
    )
}
