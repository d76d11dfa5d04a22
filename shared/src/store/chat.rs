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
    /// The other player of a direct message; empty for a group's message.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub recipient_id: String,
    /// The group of a group's message (its conversation is `group#<groupId>`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_id: Option<String>,
    pub text: String,
    pub sent_at: String,
}

/// A group's conversation id.
pub fn group_conversation(group_id: &str) -> String {
    format!("group#{group_id}")
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

/// The transaction item that changes a message's text (`Some`) or deletes it (`None`: the text
/// goes, the message keeps its place), if it stands and, unless `any_author`, `author` wrote it.
/// A failure returns the message as it was, to say why.
pub fn change_message(
    app: &App,
    conversation_id: &str,
    message_id: &str,
    author: &str,
    text: Option<&str>,
    any_author: bool,
) -> Result<TransactWriteItem, ApiError> {
    let now = crate::clock::now_rfc3339();
    let mut update = Update::builder()
        .table_name(app.table(Table::MESSAGES)?)
        .key("conversationId", s(conversation_id))
        .key("messageId", s(message_id))
        .expression_attribute_values(":now", s(now))
        .return_values_on_condition_check_failure(aws_sdk_dynamodb::types::ReturnValuesOnConditionCheckFailure::AllOld);
    update = match text {
        Some(text) => {
            update.update_expression("SET #text = :text, editedAt = :now").expression_attribute_values(":text", s(text))
        }
        None => update
            .update_expression("SET #text = :empty, deletedAt = :now, deletedBy = :author")
            .expression_attribute_values(":empty", s("")),
    };
    let standing = "attribute_exists(messageId) AND attribute_not_exists(deletedAt)";
    update = match any_author {
        true => update.condition_expression(standing),
        false => update.condition_expression(format!("{standing} AND senderId = :author")),
    };
    let update = update
        .expression_attribute_names("#text", "text")
        .expression_attribute_values(":author", s(author))
        .build()
        .map_err(ApiError::internal)?;
    Ok(TransactWriteItem::builder().update(update).build())
}

/// One message as stored.
pub async fn message(app: &App, conversation_id: &str, message_id: &str) -> Result<Option<StoredMessage>, ApiError> {
    let out = app
        .db
        .get_item()
        .table_name(app.table(Table::MESSAGES)?)
        .key("conversationId", s(conversation_id))
        .key("messageId", s(message_id))
        .consistent_read(true)
        .send()
        .await?;
    Ok(out.item.map(serde_dynamo::from_item).transpose()?)
}

/// Messages of a conversation after `after` (all if `None`), counted up to `cap`.
pub async fn count_after(app: &App, conversation_id: &str, after: Option<&str>, cap: i32) -> Result<u64, ApiError> {
    let out = app
        .db
        .query()
        .table_name(app.table(Table::MESSAGES)?)
        .key_condition_expression("conversationId = :c AND messageId > :after")
        .expression_attribute_values(":c", s(conversation_id))
        .expression_attribute_values(":after", s(after.unwrap_or("0")))
        .select(aws_sdk_dynamodb::types::Select::Count)
        .limit(cap)
        .send()
        .await?;
    Ok(out.count.max(0) as u64)
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
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub recipient_id: String,
    pub text: String,
    pub sent_at: String,
    #[serde(default)]
    pub delivered: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivered_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edited_at: Option<String>,
    /// A deleted message keeps its place in the conversation, without its text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted_at: Option<String>,
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
