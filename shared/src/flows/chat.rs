//! Chat: sending stores the message with its MessageSent event and its delivery job (grouped by
//! conversation, so the queue keeps a conversation's order) in one transaction; delivering marks
//! it delivered and updates both inboxes once, so a redelivered job changes nothing, then pushes
//! it to both players' open sockets (best effort: history over HTTP has it either way). A
//! group's messages take the same path, pushed to every member.

use super::{Step, Transaction, Verdict};
use crate::app::App;
use crate::error::ApiError;
use crate::outbox;
use crate::store::chat::{self, Message};
use crate::store::idempotency;
use serde_json::json;

/// Sends a direct message. With an Idempotency-Key (`guard`), the record of the send is written
/// with it, so a retry racing the first send gets its answer instead of sending the message twice
/// (the caller replays a key it finds recorded before any check). Returns the response.
pub async fn send(
    app: &App,
    sender: &str,
    recipient: &str,
    text: &str,
    guard: Option<&idempotency::Guard>,
) -> Result<serde_json::Value, ApiError> {
    let message = Message {
        message_id: crate::store::new_id(),
        conversation_id: chat::conversation_id(sender, recipient),
        sender_id: sender.into(),
        recipient_id: recipient.into(),
        group_id: None,
        text: text.into(),
        sent_at: crate::clock::now_rfc3339(),
    };
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
    let mut tx = Transaction::new();
    // The block rule of friends too, inside the transaction: a block that lands first refuses it.
    tx.add(Step::NotBlockedBy, crate::store::friends::not_blocked(app, recipient, sender)?)
        .add(Step::Message, chat::put_message(app, &message)?)
        .add(Step::OutboxEntry, delivery.put(app)?)
        .add(Step::OutboxEntry, sent.put(app)?);
    let response = json!({
        "message": "Message sent",
        "messageId": message.message_id,
        "conversationId": message.conversation_id,
        "sentAt": message.sent_at,
    });
    if let Some(guard) = guard {
        tx.add(Step::IdempotencyRecord, idempotency::completed_put(app, guard, &response)?);
    }
    match tx.commit(&app.db).await {
        Ok(()) => Ok(response),
        Err(Verdict::Replay(record)) => {
            idempotency::Record::from_item(record).replay(guard.expect("only a guard replays"))
        }
        Err(other) => Err(other.into()),
    }
}

/// Result of delivering one message.
#[derive(Debug, PartialEq, Eq)]
pub enum Delivery {
    Delivered,
    /// A redelivery of a message already in the inbox: nothing changed.
    AlreadyDelivered,
}

/// Delivers a message: marked delivered once, with both inboxes of a direct message (a group's
/// members count unread messages from their last read one instead, so nothing fans out).
pub async fn deliver(app: &App, message: &Message) -> Result<Delivery, ApiError> {
    let mut tx = Transaction::new();
    tx.add(Step::DeliveryMark, chat::mark_delivered(app, message)?);
    if message.group_id.is_none() {
        tx.add(Step::InboxUpdate, chat::inbox_update(app, &message.recipient_id, &message.sender_id, message, true)?)
            .add(
                Step::InboxUpdate,
                chat::inbox_update(app, &message.sender_id, &message.recipient_id, message, false)?,
            );
    }
    match tx.commit(&app.db).await {
        Ok(()) => Ok(Delivery::Delivered),
        Err(Verdict::AlreadyDone) => Ok(Delivery::AlreadyDelivered),
        Err(other) => Err(other.into()),
    }
}

/// A group's message: stored with its delivery job (the group's conversation keeps its order in
/// the FIFO queue), in one transaction that also checks the sender is a member and marks their
/// own message read.
pub async fn send_to_group(app: &App, group_id: &str, sender: &str, text: &str) -> Result<Message, ApiError> {
    let message = Message {
        message_id: crate::store::new_id(),
        conversation_id: chat::group_conversation(group_id),
        sender_id: sender.into(),
        recipient_id: String::new(),
        group_id: Some(group_id.into()),
        text: text.into(),
        sent_at: crate::clock::now_rfc3339(),
    };
    let delivery = outbox::Entry::chat_delivery(
        &message.message_id,
        &message.conversation_id,
        serde_json::to_value(&message).map_err(ApiError::internal)?,
    );
    let mut tx = Transaction::new();
    tx.add(Step::GroupMember, crate::store::groups::sender_reads(app, group_id, sender, &message.message_id)?)
        .add(Step::Message, chat::put_message(app, &message)?)
        .add(Step::OutboxEntry, delivery.put(app)?);
    tx.commit(&app.db).await?;
    Ok(message)
}

/// Edits (`Some(text)`) or deletes a group message: its author may do both, the group's owner
/// and admins may delete anyone's. Returns the message as it is now.
pub async fn change_in_group(
    app: &App,
    group_id: &str,
    message_id: &str,
    caller: &str,
    text: Option<&str>,
    caller_is_admin: bool,
) -> Result<chat::StoredMessage, ApiError> {
    let conversation = chat::group_conversation(group_id);
    let moderating = text.is_none() && caller_is_admin;
    let mut tx = Transaction::new();
    if moderating {
        tx.add(Step::GroupAdmin, crate::store::groups::is_member(app, group_id, caller, true)?);
    } else {
        tx.add(Step::GroupMember, crate::store::groups::is_member(app, group_id, caller, false)?);
    }
    tx.add(Step::MessageChange, chat::change_message(app, &conversation, message_id, caller, text, moderating)?);
    tx.commit(&app.db).await?;
    chat::message(app, &conversation, message_id).await?.ok_or_else(|| ApiError::internal("a changed message vanished"))
}

/// The open connections of everyone a message concerns: both players of a direct message, every
/// member of a group's.
async fn audience(app: &App, message: &Message) -> Result<Vec<String>, ApiError> {
    use futures::StreamExt;
    let players: Vec<String> = match &message.group_id {
        Some(group_id) => crate::store::groups::members(app, group_id)
            .await?
            .into_iter()
            .filter(|m| crate::domain::groups::Role::parse(&m.role).is_some_and(|r| r.is_member()))
            .map(|m| m.user_id)
            .collect(),
        None => vec![message.recipient_id.clone(), message.sender_id.clone()],
    };
    let found: Vec<Result<Vec<String>, ApiError>> = futures::stream::iter(players)
        .map(|player| async move { crate::store::connections::of_player(app, &player).await })
        .buffer_unordered(16)
        .collect()
        .await;
    Ok(found.into_iter().collect::<Result<Vec<_>, _>>()?.concat())
}

/// Pushes a frame about a message to everyone it concerns; how many sockets got it.
pub async fn push(app: &App, message: &Message, frame: &serde_json::Value) -> Result<usize, ApiError> {
    let listening = audience(app, message).await?;
    if listening.is_empty() {
        return Ok(0);
    }
    Ok(crate::sockets::push_each(app, &listening, frame).await)
}

/// The frame of a delivered message. A redelivery pushes again: clients dedupe by `messageId`.
pub fn message_frame(message: &Message) -> serde_json::Value {
    json!({ "type": "message", "message": message })
}

/// Pushes an edited or deleted group message to the group's members (best effort).
pub async fn announce_change(app: &App, group_id: &str, kind: &str, message: &chat::StoredMessage) {
    let about = Message {
        message_id: message.message_id.clone(),
        conversation_id: chat::group_conversation(group_id),
        sender_id: message.sender_id.clone(),
        recipient_id: String::new(),
        group_id: Some(group_id.to_owned()),
        text: message.text.clone(),
        sent_at: message.sent_at.clone(),
    };
    let frame = json!({ "type": kind, "groupId": group_id, "message": message });
    if let Err(error) = push(app, &about, &frame).await {
        tracing::warn!(?error, "message change push failed; history has it");
    }
}
