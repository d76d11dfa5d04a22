//! `POST /chat/messages`: stores a message and queues its delivery (FIFO per conversation).

use lambda_http::Request;
use platform::flows;
use platform::http::{idempotency_key, json_body, json_response, HttpResult};
use platform::store::rate_limit::{self, Limit, Scope};
use platform::store::{chat, idempotency};
use platform::{ApiError, App};
use serde::Deserialize;
use serde_json::json;

/// The idempotency records' operation name.
const OPERATION: &str = "chat-send";

/// Per sender: a burst of chat, not a flood.
pub const PER_SENDER: Limit = Limit { max: 30, window_secs: 60 };

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct SendRequest {
    recipient_id: String,
    text: String,
}

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let player = app.authenticate(&req).await?;
    let key = idempotency_key(&req)?;
    let body: SendRequest = json_body(&req)?;
    let text = platform::domain::chat::validate_text(&body.text)?;
    let recipient = chat::checked_user_id("recipientId", &body.recipient_id)?;
    let guard = key.map(|key| {
        idempotency::Guard::new(&player.user_id, OPERATION, &key, &json!({ "recipientId": recipient, "text": text }))
    });
    // A retried send is answered as the first was, before the limit and the recipient are checked
    // again: the retry must not spend the sender's allowance or meet a block made since.
    if let Some(guard) = &guard {
        if let Some(record) = idempotency::load(app, guard).await? {
            return json_response(201, &record.replay(guard)?);
        }
    }
    if recipient == player.user_id {
        return Err(ApiError::Rule {
            code: "cannot_message_self",
            field: Some("recipientId"),
            detail: "you cannot message yourself".into(),
        });
    }
    let _slot = rate_limit::take(app, &[Scope::new(format!("chat#{}", player.user_id), PER_SENDER)]).await?;
    if !chat::user_exists(app, &recipient).await? {
        return Err(ApiError::NotFound { code: "unknown_recipient", what: format!("player {recipient}") });
    }
    json_response(201, &flows::chat::send(app, &player.user_id, &recipient, &text, guard.as_ref()).await?)
}
