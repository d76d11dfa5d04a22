//! The entry point of every SQS consumer: one record at a time through the handler, failures
//! reported per item (`ReportBatchItemFailures`), so one poison message never fails its batch.

use crate::error::ApiError;
use aws_lambda_events::sqs::{SqsEvent, SqsMessage};
use lambda_runtime::{service_fn, LambdaEvent};
use serde_json::{json, Value};
use std::future::Future;

pub async fn run<F, Fut>(handler: F) -> Result<(), lambda_runtime::Error>
where
    F: Fn(SqsMessage) -> Fut + Send + Sync,
    Fut: Future<Output = Result<(), ApiError>> + Send,
{
    crate::telemetry::init();
    let handler = &handler;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SqsEvent>| async move {
        Ok::<Value, lambda_runtime::Error>(process(event.payload, handler).await)
    }))
    .await
}

/// Runs each record and answers with the ids that failed. On a FIFO queue the records after a
/// failure are failed too, so their group keeps its order when they are redelivered.
pub async fn process<F, Fut>(event: SqsEvent, handler: &F) -> Value
where
    F: Fn(SqsMessage) -> Fut,
    Fut: Future<Output = Result<(), ApiError>>,
{
    let mut failed: Vec<String> = Vec::new();
    for record in event.records {
        let id = record.message_id.clone().unwrap_or_default();
        let fifo = record.event_source_arn.as_deref().is_some_and(|arn| arn.ends_with(".fifo"));
        if fifo && !failed.is_empty() {
            failed.push(id);
            continue;
        }
        if let Err(err) = handler(record).await {
            tracing::error!(message_id = %id, error = ?err, "record failed; it will be retried, then dead-lettered");
            failed.push(id);
        }
    }
    json!({ "batchItemFailures": failed.iter().map(|id| json!({ "itemIdentifier": id })).collect::<Vec<_>>() })
}

/// The record's body parsed as JSON, or an error (which sends a malformed record to the DLQ).
pub fn body<T: serde::de::DeserializeOwned>(record: &SqsMessage) -> Result<T, ApiError> {
    serde_json::from_str(record.body.as_deref().unwrap_or_default())
        .map_err(|e| ApiError::internal(format!("malformed queue message: {e}")))
}
