//! `POST /account/logout`: ends the session the caller's access token belongs to. Its refresh
//! tokens stop working at once; the access token itself expires within 15 minutes.

use lambda_http::Request;
use platform::http::{json_response, HttpResult};
use platform::store::sessions;
use platform::{ApiError, App};
use serde_json::json;

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let player = app.authenticate(&req).await?;
    let session_id = player.session_id.ok_or_else(|| {
        ApiError::validation("authorization", "this token belongs to no session; use /account/logout-all")
    })?;
    sessions::end(app, &player.user_id, &session_id, "logout").await?;
    json_response(200, &json!({ "message": "Logged out", "sessionId": session_id }))
}
