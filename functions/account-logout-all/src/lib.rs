//! `POST /account/logout-all`: ends every session of the caller, this one included.

use lambda_http::Request;
use platform::flows::sessions;
use platform::http::{json_response, HttpResult};
use platform::App;
use serde_json::json;

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let player = app.authenticate(&req).await?;
    let ended = sessions::end_all(app, &player.user_id, None, "logout_everywhere").await?;
    json_response(200, &json!({ "message": "Logged out everywhere", "endedSessions": ended }))
}
