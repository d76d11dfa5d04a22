//! Messages and Conversations tables (blocks live in `store::friends`: one rule for chat and
//! friends). A conversation between two players has one id (their user ids, sorted); its messages
//! are time-ordered by id. Each player's inbox holds one item per counterpart with the last
//! message and an unread count, written by the delivery consumer.

use super::{get_n, get_s, page_of, records_page, s};
use crate::app::{App, Table};
use crate::error::ApiError;
use aws_sdk_dynamodb::types::{Put, TransactWriteItem, Update};
use serde::{Deserialize, Serialize};

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

pub async fn user_exists(app: &App, user_id: &str) -> Result<bool, ApiError> {
    // An erased account's tombstone is no one to message.
    Ok(super::accounts::live_user(app, user_id, false).await?.is_some())
}

/// The transaction item that stores a new, undelivered message.
pub fn put_message(app: &App, message: &Message) -> Result<TransactWriteItem, ApiError> {
    let mut stored: super::Item = serde_dynamo::to_item(message)?;
    stored.insert("delivered".into(), aws_sdk_dynamodb::types::AttributeValue::Bool(false));
    let put = Put::builder()
        .table_name(app.table(Table::MESSAGES)?)
        .set_item(Some(stored))
        .condition_expression("attribute_not_exists(messageId)")
        .build()
        .map_err(ApiError::internal)?;
    Ok(TransactWriteItem::builder().put(put).build())
}

/// The transaction item that puts `message` in `owner`'s inbox (unread if they received it).
pub fn inbox_update(
    app: &App,
    owner: &str,
    other: &str,
    message: &Message,
    unread: bool,
) -> Result<TransactWriteItem, ApiError> {
    let preview: String = message.text.chars().take(100).collect();
    let mut update = Update::builder()
        .table_name(app.table(Table::CONVERSATIONS)?)
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

/// The transaction item that marks a message delivered, once; it fails for a redelivery (or a
/// message that does not exist) and then returns what it found.
pub fn mark_delivered(app: &App, message: &Message) -> Result<TransactWriteItem, ApiError> {
    let mark = Update::builder()
        .table_name(app.table(Table::MESSAGES)?)
        .key("conversationId", s(&message.conversation_id))
        .key("messageId", s(&message.message_id))
        .update_expression("SET delivered = :true, deliveredAt = :at")
        .condition_expression("attribute_exists(messageId) AND delivered = :false")
        .expression_attribute_values(":true", aws_sdk_dynamodb::types::AttributeValue::Bool(true))
        .expression_attribute_values(":false", aws_sdk_dynamodb::types::AttributeValue::Bool(false))
        .expression_attribute_values(":at", s(crate::clock::now_rfc3339()))
        .return_values_on_condition_check_failure(aws_sdk_dynamodb::types::ReturnValuesOnConditionCheckFailure::AllOld)
        .build()
        .map_err(ApiError::internal)?;
    Ok(TransactWriteItem::builder().update(mark).build())
}

/// The caller read the conversation: its unread count goes to zero.
pub async fn mark_read(app: &App, owner: &str, other: &str) -> Result<(), ApiError> {
    let result = app
        .db
        .update_item()
        .table_name(app.table(Table::CONVERSATIONS)?)
        .key("userId", s(owner))
        .key("otherUserId", s(other))
        .update_expression("SET unread = :zero")
        .condition_expression("attribute_exists(userId)")
        .expression_attribute_values(":zero", super::n(0))
        .send()
        .await;
    super::applied(result).map(drop)
}

/// A stored message as clients read it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredMessage {
    pub message_id: String,
    pub sender_id: String,
    pub recipient_id: String,
    pub text: String,
    pub sent_at: String,
    #[serde(default)]
    pub delivered: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivered_at: Option<String>,
}

/// One page of a conversation, newest first.
pub async fn messages_page(
    app: &App,
    conversation_id: &str,
    cursor: Option<&str>,
    limit: i32,
) -> Result<(Vec<StoredMessage>, Option<String>), ApiError> {
    records_page(app, Table::MESSAGES, ("conversationId", conversation_id), ("messageId", false), cursor, limit).await
}

/// One counterpart in a player's inbox.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InboxEntry {
    pub user_id: String,
    pub unread: u64,
    pub last_message: LastMessage,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LastMessage {
    pub message_id: String,
    pub sender_id: String,
    pub text: String,
    pub sent_at: String,
}

/// A player's inbox (up to 500 counterparts), most recent conversation first.
pub async fn inbox(app: &App, user_id: &str) -> Result<Vec<InboxEntry>, ApiError> {
    let (items, _) = page_of(app, Table::CONVERSATIONS, ("userId", user_id), ("otherUserId", false), None, 500).await?;
    let text = |item: &super::Item, k: &str| get_s(item, k).unwrap_or_default().to_owned();
    let mut entries: Vec<InboxEntry> = items
        .iter()
        .map(|i| InboxEntry {
            user_id: text(i, "otherUserId"),
            unread: get_n(i, "unread").unwrap_or(0),
            last_message: LastMessage {
                message_id: text(i, "lastMessageId"),
                sender_id: text(i, "lastSenderId"),
                text: text(i, "lastMessageText"),
                sent_at: text(i, "lastMessageAt"),
            },
        })
        .collect();
    entries.sort_by(|a, b| b.last_message.message_id.cmp(&a.last_message.message_id));
    Ok(entries)
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
}
