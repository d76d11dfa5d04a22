//! Messages, Conversations and Blocks tables. A conversation between two players has one id (their
//! user ids, sorted); its messages are time-ordered by id. Each player's inbox holds one item per
//! counterpart with the last message and an unread count, written by the delivery consumer.

use super::{get_s, s, transact, TxOutcome};
use crate::app::{App, Table};
use crate::error::ApiError;
use crate::outbox;
use aws_sdk_dynamodb::types::{Put, TransactWriteItem, Update};
use serde::{Deserialize, Serialize};
use serde_json::json;

pub const MAX_TEXT_CHARS: usize = 2000;

pub fn conversation_id(a: &str, b: &str) -> String {
    if a <= b {
        format!("{a}#{b}")
    } else {
        format!("{b}#{a}")
    }
}

/// What the delivery queue carries: the whole message, so delivery needs no second read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Message {
    pub message_id: String,
    pub conversation_id: String,
    pub sender_id: String,
    pub recipient_id: String,
    pub text: String,
    pub sent_at: String,
}

/// Message text: trimmed, 1-2000 characters, no control characters but line breaks and tabs.
pub fn validate_text(raw: &str) -> Result<String, ApiError> {
    let text = raw.trim();
    if text.is_empty() {
        return Err(ApiError::validation("text", "text must not be empty"));
    }
    if text.chars().count() > MAX_TEXT_CHARS {
        return Err(ApiError::validation("text", format!("text may be at most {MAX_TEXT_CHARS} characters")));
    }
    if text.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(ApiError::validation("text", "text must not contain control characters"));
    }
    Ok(text.to_owned())
}

pub async fn user_exists(app: &App, user_id: &str) -> Result<bool, ApiError> {
    let out = app
        .db
        .get_item()
        .table_name(app.table(Table::Users)?)
        .key("pk", s(format!("user#{user_id}")))
        .projection_expression("pk")
        .send()
        .await?;
    Ok(out.item.is_some())
}

pub async fn is_blocked(app: &App, blocker: &str, blocked: &str) -> Result<bool, ApiError> {
    let out = app
        .db
        .get_item()
        .table_name(app.table(Table::Blocks)?)
        .key("userId", s(blocker))
        .key("blockedUserId", s(blocked))
        .send()
        .await?;
    Ok(out.item.is_some())
}

pub async fn set_blocked(app: &App, blocker: &str, blocked: &str, block: bool) -> Result<(), ApiError> {
    let table = app.table(Table::Blocks)?;
    if block {
        app.db
            .put_item()
            .table_name(table)
            .item("userId", s(blocker))
            .item("blockedUserId", s(blocked))
            .item("createdAt", s(crate::clock::now_rfc3339()))
            .send()
            .await?;
    } else {
        app.db
            .delete_item()
            .table_name(table)
            .key("userId", s(blocker))
            .key("blockedUserId", s(blocked))
            .send()
            .await?;
    }
    Ok(())
}

/// Stores the message with its MessageSent event and its delivery job, then dispatches both.
pub async fn send(app: &App, sender: &str, recipient: &str, text: &str) -> Result<Message, ApiError> {
    let message = Message {
        message_id: super::new_id(),
        conversation_id: conversation_id(sender, recipient),
        sender_id: sender.into(),
        recipient_id: recipient.into(),
        text: text.into(),
        sent_at: crate::clock::now_rfc3339(),
    };
    let mut stored: super::Item = serde_dynamo::to_item(&message)?;
    stored.insert("delivered".into(), aws_sdk_dynamodb::types::AttributeValue::Bool(false));
    let preview: String = message.text.chars().take(100).collect();
    let sent = outbox::Entry::event(
        "MessageSent",
        sender,
        json!({
            "recipientId": recipient,
            "conversationId": message.conversation_id,
            "messageId": message.message_id,
            "preview": preview,
        }),
    );
    let delivery = outbox::Entry::chat_delivery(
        &message.message_id,
        &message.conversation_id,
        serde_json::to_value(&message).map_err(ApiError::internal)?,
    );
    let put = Put::builder()
        .table_name(app.table(Table::Messages)?)
        .set_item(Some(stored))
        .condition_expression("attribute_not_exists(messageId)")
        .build()
        .map_err(ApiError::internal)?;
    let items = vec![TransactWriteItem::builder().put(put).build(), sent.put(app)?, delivery.put(app)?];
    match transact(&app.db, items).await? {
        TxOutcome::Committed => {
            outbox::dispatch(app, &[delivery, sent]).await;
            Ok(message)
        }
        other => Err(ApiError::internal(format!("message not stored: {other:?}"))),
    }
}

/// Result of delivering one message.
#[derive(Debug, PartialEq, Eq)]
pub enum Delivery {
    Delivered,
    /// A redelivery of a message already in the inbox: nothing changed.
    AlreadyDelivered,
}

fn inbox_update(
    app: &App,
    owner: &str,
    other: &str,
    message: &Message,
    unread: bool,
) -> Result<TransactWriteItem, ApiError> {
    let preview: String = message.text.chars().take(100).collect();
    let mut update = Update::builder()
        .table_name(app.table(Table::Conversations)?)
        .key("userId", s(owner))
        .key("otherUserId", s(other))
        .expression_attribute_values(":id", s(&message.message_id))
        .expression_attribute_values(":text", s(preview))
        .expression_attribute_values(":at", s(&message.sent_at))
        .expression_attribute_values(":sender", s(&message.sender_id));
    let set = "SET lastMessageId = :id, lastMessageText = :text, lastMessageAt = :at, lastSenderId = :sender";
    update = if unread {
        update.update_expression(format!("{set} ADD unread :one")).expression_attribute_values(":one", super::n(1))
    } else {
        update
            .update_expression(format!("{set}, unread = if_not_exists(unread, :zero)"))
            .expression_attribute_values(":zero", super::n(0))
    };
    Ok(TransactWriteItem::builder().update(update.build().map_err(ApiError::internal)?).build())
}

/// Marks the message delivered and updates both inboxes, once: a redelivered job changes nothing.
pub async fn deliver(app: &App, message: &Message) -> Result<Delivery, ApiError> {
    let mark = Update::builder()
        .table_name(app.table(Table::Messages)?)
        .key("conversationId", s(&message.conversation_id))
        .key("messageId", s(&message.message_id))
        .update_expression("SET delivered = :true")
        .condition_expression("attribute_exists(messageId) AND delivered = :false")
        .expression_attribute_values(":true", aws_sdk_dynamodb::types::AttributeValue::Bool(true))
        .expression_attribute_values(":false", aws_sdk_dynamodb::types::AttributeValue::Bool(false))
        .build()
        .map_err(ApiError::internal)?;
    let items = vec![
        TransactWriteItem::builder().update(mark).build(),
        inbox_update(app, &message.recipient_id, &message.sender_id, message, true)?,
        inbox_update(app, &message.sender_id, &message.recipient_id, message, false)?,
    ];
    match transact(&app.db, items).await? {
        TxOutcome::Committed => Ok(Delivery::Delivered),
        outcome if outcome.failed_at(0) => {
            let out = app
                .db
                .get_item()
                .table_name(app.table(Table::Messages)?)
                .key("conversationId", s(&message.conversation_id))
                .key("messageId", s(&message.message_id))
                .consistent_read(true)
                .send()
                .await?;
            match out.item {
                Some(_) => Ok(Delivery::AlreadyDelivered),
                None => Err(ApiError::internal(format!("message {} does not exist", message.message_id))),
            }
        }
        other => Err(ApiError::internal(format!("delivery cancelled: {other:?}"))),
    }
}

/// The caller read the conversation: its unread count goes to zero.
pub async fn mark_read(app: &App, owner: &str, other: &str) -> Result<(), ApiError> {
    let result = app
        .db
        .update_item()
        .table_name(app.table(Table::Conversations)?)
        .key("userId", s(owner))
        .key("otherUserId", s(other))
        .update_expression("SET unread = :zero")
        .condition_expression("attribute_exists(userId)")
        .expression_attribute_values(":zero", super::n(0))
        .send()
        .await;
    match result {
        Ok(_) => Ok(()),
        Err(err) if super::condition_failed(&err) => Ok(()),
        Err(err) => Err(err.into()),
    }
}

pub fn message_json(item: &super::Item) -> serde_json::Value {
    let text = |k: &str| get_s(item, k).unwrap_or_default().to_owned();
    json!({
        "messageId": text("messageId"),
        "senderId": text("senderId"),
        "recipientId": text("recipientId"),
        "text": text("text"),
        "sentAt": text("sentAt"),
    })
}

/// A player id from a client: a UUID as registration issues them, or a 400.
pub fn checked_user_id(field: &'static str, raw: &str) -> Result<String, ApiError> {
    uuid::Uuid::parse_str(raw)
        .map(|u| u.to_string())
        .map_err(|_| ApiError::validation(field, format!("{field} must be a player id")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_conversation_has_one_id_whoever_writes() {
        assert_eq!(conversation_id("b", "a"), conversation_id("a", "b"));
    }

    #[test]
    fn message_text_rules() {
        assert!(validate_text("   ").is_err());
        assert!(validate_text(&"x".repeat(MAX_TEXT_CHARS + 1)).is_err());
        assert!(validate_text("bell\u{7}").is_err());
        assert_eq!(validate_text("  hi\nthere ").unwrap(), "hi\nthere");
    }
}
