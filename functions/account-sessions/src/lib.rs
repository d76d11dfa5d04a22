//! `GET /account/sessions`: the caller's live sessions (device, IP, created, last used), newest
//! first, with the one of this token marked `current`.

use lambda_http::Request;
use platform::http::{json_response, HttpResult};
use platform::store::sessions;
use platform::App;
use serde_json::json;

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let player = app.authenticate(&req).await?;
    let live = sessions::live(app, &player.user_id).await?;
    let listed: Vec<_> = live
        .iter()
        .map(|s| {
            json!({
                "sessionId": s.session_id,
                "device": s.device,
                "ip": s.ip,
                "createdAt": s.created_at,
                "lastUsedAt": s.last_used_at,
                "current": player.session_id.as_deref() == Some(s.session_id.as_str()),
            })
        })
        .collect();
    json_response(200, &json!({ "userId": player.user_id, "sessions": listed }))
}
