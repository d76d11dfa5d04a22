//! `GET /chat/conversations`: the caller's conversations, most recent first, with unread counts.

use lambda_http::Request;
use platform::http::{json_response, HttpResult};
use platform::store::chat;
use platform::App;
use serde_json::json;

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let player = app.authenticate(&req).await?;
    let conversations = chat::inbox(app, &player.user_id).await?;
    let unread: u64 = conversations.iter().map(|c| c.unread).sum();
    json_response(200, &json!({ "userId": player.user_id, "conversations": conversations, "totalUnread": unread }))
}
