//! `POST /groups/{groupId}/messages`: `{text}` posts to a group's chat through the same pipeline
//! as direct messages (stored with its delivery job in one transaction that checks membership;
//! delivered in order per group; pushed to every member's open sockets).

use lambda_http::Request;
use platform::http::{json_body, json_response, path_param, HttpResult};
use platform::store::rate_limit::{self, Limit, Scope};
use platform::{flows, App};
use serde::Deserialize;
use serde_json::json;

/// Per sender and group: a burst of chat, not a flood.
const PER_SENDER: Limit = Limit { max: 30, window_secs: 60 };

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SendToGroup {
    text: String,
}

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let player = app.authenticate(&req).await?;
    let group_id = platform::store::checked_id("groupId", &path_param(&req, "groupId")?)?;
    let body: SendToGroup = json_body(&req)?;
    let text = platform::domain::chat::validate_text(&body.text)?;
    let scope = Scope::new(format!("group-chat#{}#{group_id}", player.user_id), PER_SENDER);
    let _slot = rate_limit::take(app, &[scope]).await?;
    let message = flows::chat::send_to_group(app, &group_id, &player.user_id, &text).await?;
    json_response(
        201,
        &json!({
            "message": "Message sent",
            "messageId": message.message_id,
            "groupId": group_id,
            "conversationId": message.conversation_id,
            "sentAt": message.sent_at,
        }),
    )
}
