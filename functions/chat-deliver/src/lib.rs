//! SQS consumer of the chat delivery FIFO queue: puts each message in the recipient's inbox once,
//! then pushes it to both players' sockets, in the conversation's order.

use aws_lambda_events::sqs::SqsMessage;
use platform::flows::chat::{deliver, message_frame, push};
use platform::store::chat::Message;
use platform::{queue, ApiError, App};

/// Pushes the message as stored now: an edit made before delivery shows, a deletion is not
/// pushed at all.
async fn push_stored(app: &App, message: &Message) -> Result<(), ApiError> {
    let Some(stored) = platform::store::chat::message(app, &message.conversation_id, &message.message_id).await? else {
        return Ok(());
    };
    if stored.deleted_at.is_some() {
        return Ok(());
    }
    let current = Message { text: stored.text, ..message.clone() };
    push(app, &current, &message_frame(&current)).await.map(drop)
}

pub async fn handle(record: SqsMessage, app: &App) -> Result<(), ApiError> {
    let message: Message = queue::body(&record)?;
    let outcome = deliver(app, &message).await?;
    tracing::info!(message_id = %message.message_id, ?outcome, "chat message delivered");
    // Best effort, after the inboxes: a failed push loses nothing (history has the message).
    if let Err(error) = push_stored(app, &message).await {
        tracing::warn!(?error, "chat push failed; the message is delivered");
    }
    Ok(())
}
