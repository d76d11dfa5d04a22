//! Chat: sending stores the message with its MessageSent event and its delivery job (grouped by
//! conversation, so the queue keeps a conversation's order) in one transaction; delivering marks
//! it delivered and updates both inboxes once, so a redelivered job changes nothing, then pushes
//! it to both players' open sockets (best effort: history over HTTP has it either way).

use super::{Step, Transaction, Verdict};
use crate::app::App;
use crate::error::ApiError;
use crate::outbox;
use crate::store::chat::{self, Message};
use serde_json::json;

pub async fn send(app: &App, sender: &str, recipient: &str, text: &str) -> Result<Message, ApiError> {
    let message = Message {
        message_id: crate::store::new_id(),
        conversation_id: chat::conversation_id(sender, recipient),
        sender_id: sender.into(),
        recipient_id: recipient.into(),
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
    tx.commit(&app.db).await?;
    Ok(message)
}

/// Result of delivering one message.
#[derive(Debug, PartialEq, Eq)]
pub enum Delivery {
    Delivered,
    /// A redelivery of a message already in the inbox: nothing changed.
    AlreadyDelivered,
}

pub async fn deliver(app: &App, message: &Message) -> Result<Delivery, ApiError> {
    let mut tx = Transaction::new();
    tx.add(Step::DeliveryMark, chat::mark_delivered(app, message)?)
        .add(Step::InboxUpdate, chat::inbox_update(app, &message.recipient_id, &message.sender_id, message, true)?)
        .add(Step::InboxUpdate, chat::inbox_update(app, &message.sender_id, &message.recipient_id, message, false)?);
    match tx.commit(&app.db).await {
        Ok(()) => Ok(Delivery::Delivered),
        Err(Verdict::AlreadyDone) => Ok(Delivery::AlreadyDelivered),
        Err(other) => Err(other.into()),
    }
}

/// Pushes a delivered message to the recipient's and the sender's open sockets (every device);
/// how many got it. A redelivery pushes again: clients tell frames apart by `messageId`.
pub async fn push(app: &App, message: &Message) -> Result<usize, ApiError> {
    let (to, from) = tokio::try_join!(
        crate::store::connections::of_player(app, &message.recipient_id),
        crate::store::connections::of_player(app, &message.sender_id)
    )?;
    let listening: Vec<String> = to.into_iter().chain(from).collect();
    if listening.is_empty() {
        return Ok(0);
    }
    let frame = json!({ "type": "message", "message": message });
    Ok(crate::sockets::push_each(app, &listening, &frame).await)
}
