//! `DELETE /account/sessions/{sessionId}`: ends one of the caller's sessions (a lost phone).
//! The key includes the caller's id, so no one can end another player's session.

use lambda_http::Request;
use platform::http::{json_response, path_param, HttpResult};
use platform::store::sessions;
use platform::{ApiError, App};
use serde_json::json;

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let player = app.authenticate(&req).await?;
    let session_id = sessions::checked_session_id(&path_param(&req, "sessionId")?)?;
    if !sessions::end(app, &player.user_id, &session_id, "ended_by_player").await? {
        return Err(ApiError::NotFound { code: "unknown_session", what: format!("live session {session_id}") });
    }
    json_response(200, &json!({ "message": "Session ended", "sessionId": session_id }))
}
