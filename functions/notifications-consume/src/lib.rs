//! SQS consumer of the notifications queue (fed by an EventBridge rule): stores each once.

use aws_lambda_events::sqs::SqsMessage;
use platform::store::notifications;
use platform::{queue, ApiError, App};

pub async fn handle(record: SqsMessage, app: &App) -> Result<(), ApiError> {
    let event: serde_json::Value = queue::body(&record)?;
    let new = notifications::store(app, &event).await?;
    tracing::info!(new, detail_type = %event["detail-type"], "notification stored");
    Ok(())
}
