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
/// failure *in the same message group* are failed too, so that group keeps its order when they
/// are redelivered; other groups go on. (Failing every later record of the batch would count a
/// receive against other groups' messages each time a poison message fails before them, and
/// dead-letter them after three: a lost chat message.)
pub async fn process<F, Fut>(event: SqsEvent, handler: &F) -> Value
where
    F: Fn(SqsMessage) -> Fut,
    Fut: Future<Output = Result<(), ApiError>>,
{
    let mut failed: Vec<String> = Vec::new();
    let mut stopped_groups: std::collections::HashSet<String> = std::collections::HashSet::new();
    for record in event.records {
        let id = record.message_id.clone().unwrap_or_default();
        let fifo = record.event_source_arn.as_deref().is_some_and(|arn| arn.ends_with(".fifo"));
        let group = fifo.then(|| record.attributes.get("MessageGroupId").cloned().unwrap_or_default());
        if group.as_ref().is_some_and(|g| stopped_groups.contains(g)) {
            failed.push(id);
            continue;
        }
        if let Err(err) = handler(record).await {
            tracing::error!(message_id = %id, error = ?err, "record failed; it will be retried, then dead-lettered");
            failed.push(id);
            stopped_groups.extend(group);
        }
    }
    json!({ "batchItemFailures": failed.iter().map(|id| json!({ "itemIdentifier": id })).collect::<Vec<_>>() })
}

/// The record's body parsed as JSON, or an error (which sends a malformed record to the DLQ).
pub fn body<T: serde::de::DeserializeOwned>(record: &SqsMessage) -> Result<T, ApiError> {
    serde_json::from_str(record.body.as_deref().unwrap_or_default())
        .map_err(|e| ApiError::internal(format!("malformed queue message: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(id: &str, group: &str) -> SqsMessage {
        let mut record = SqsMessage::default();
        record.message_id = Some(id.into());
        record.event_source_arn = Some("arn:aws:sqs:us-east-1:000000000000:ChatDeliveryQueue.fifo".into());
        record.attributes.insert("MessageGroupId".into(), group.into());
        record.body = Some(id.into());
        record
    }

    #[tokio::test]
    async fn a_failed_fifo_record_holds_back_its_own_group_only() {
        let mut event = SqsEvent::default();
        event.records = vec![record("a1", "a"), record("poison", "b"), record("b2", "b"), record("c1", "c")];
        let seen = std::sync::Mutex::new(Vec::new());
        let handler = |r: SqsMessage| {
            let id = r.message_id.clone().unwrap_or_default();
            seen.lock().unwrap().push(id.clone());
            async move {
                match id.as_str() {
                    "poison" => Err(ApiError::internal("poison")),
                    _ => Ok(()),
                }
            }
        };
        let answer = process(event, &handler).await;
        assert_eq!(answer["batchItemFailures"], json!([{ "itemIdentifier": "poison" }, { "itemIdentifier": "b2" }]));
        assert_eq!(*seen.lock().unwrap(), ["a1", "poison", "c1"], "b2 waits behind its group's failure; c1 goes on");
    }
}
