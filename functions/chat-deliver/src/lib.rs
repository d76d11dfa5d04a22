//! SQS consumer of the chat delivery FIFO queue: puts each message in the recipient's inbox once.

use aws_lambda_events::sqs::SqsMessage;
use platform::flows::chat::deliver;
use platform::store::chat::Message;
use platform::{queue, ApiError, App};

pub async fn handle(record: SqsMessage, app: &App) -> Result<(), ApiError> {
    let message: Message = queue::body(&record)?;
    let outcome = deliver(app, &message).await?;
    tracing::info!(message_id = %message.message_id, ?outcome, "chat message delivered");
    Ok(())
}
