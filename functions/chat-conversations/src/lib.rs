//! `GET /chat/conversations`: the caller's conversations, most recent first, with unread counts.

use lambda_http::Request;
use platform::http::{json_response, HttpResult};
use platform::store::{get_n, get_s, page_of};
use platform::{App, Table};
use serde_json::json;

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let player = app.authenticate(&req)?;
    let (items, _) =
        page_of(app, Table::Conversations, ("userId", &player.user_id), ("otherUserId", false), None, 500).await?;
    let mut conversations: Vec<_> = items
        .iter()
        .map(|i| {
            json!({
                "userId": get_s(i, "otherUserId"),
                "unread": get_n::<u64>(i, "unread").unwrap_or(0),
                "lastMessage": {
                    "messageId": get_s(i, "lastMessageId"),
                    "senderId": get_s(i, "lastSenderId"),
                    "text": get_s(i, "lastMessageText"),
                    "sentAt": get_s(i, "lastMessageAt"),
                },
            })
        })
        .collect();
    conversations.sort_by(|a, b| b["lastMessage"]["messageId"].as_str().cmp(&a["lastMessage"]["messageId"].as_str()));
    let unread: u64 = conversations.iter().map(|c| c["unread"].as_u64().unwrap_or(0)).sum();
    json_response(200, &json!({ "userId": player.user_id, "conversations": conversations, "totalUnread": unread }))
}
