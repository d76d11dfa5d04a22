//! Local SQS event source mappings: for each function with an `SQS` event in template.yaml, poll
//! its queue, invoke the function with an SQS event, delete the records it processed and leave
//! the ones it reports in `batchItemFailures` for redelivery (and, past maxReceiveCount, the
//! dead-letter queue), as Lambda does.

use crate::runtime::{Outcome, Runtime};
use crate::template::{QueueSource, Template};
use anyhow::Result;
use aws_sdk_sqs::types::{MessageSystemAttributeName, QueueAttributeName};
use axum::body::Bytes;
use serde_json::{json, Value};
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

/// Local stand-in for the visibility timeout a failed record waits out before it is retried.
/// On AWS that is the queue's VisibilityTimeout; locally it is short so retries take seconds.
#[derive(Debug, Clone, Copy)]
pub struct RetryDelay(pub i32);

pub async fn start(template: &Template, runtime: Arc<Runtime>, retry: RetryDelay) -> Result<()> {
    let sqs = aws_sdk_sqs::Client::new(&platform::app::sdk_config().await);
    for function in &template.functions {
        for source in &function.queue_sources {
            let Some(queue) = template.queue(&source.queue) else { continue };
            let url = sqs.get_queue_url().queue_name(&queue.name).send().await?.queue_url.unwrap_or_default();
            let arn = sqs
                .get_queue_attributes()
                .queue_url(&url)
                .attribute_names(QueueAttributeName::QueueArn)
                .send()
                .await?
                .attributes
                .and_then(|a| a.get(&QueueAttributeName::QueueArn).cloned())
                .unwrap_or_default();
            let (sqs, runtime, name, source) = (sqs.clone(), runtime.clone(), function.binary.clone(), source.clone());
            tokio::spawn(async move {
                loop {
                    if let Err(err) = poll_once(&sqs, &runtime, &name, &source, &url, &arn, retry).await {
                        tracing::warn!(function = %name, error = %err, "queue poll failed");
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                }
            });
        }
    }
    Ok(())
}

async fn poll_once(
    sqs: &aws_sdk_sqs::Client,
    runtime: &Arc<Runtime>,
    function: &str,
    source: &QueueSource,
    url: &str,
    arn: &str,
    retry: RetryDelay,
) -> Result<()> {
    let out = sqs
        .receive_message()
        .queue_url(url)
        .max_number_of_messages(source.batch_size.clamp(1, 10))
        .wait_time_seconds(1)
        .message_system_attribute_names(MessageSystemAttributeName::All)
        .send()
        .await?;
    let messages = out.messages.unwrap_or_default();
    if messages.is_empty() {
        return Ok(());
    }
    let region = std::env::var("AWS_REGION").unwrap_or_else(|_| "us-east-1".into());
    let records: Vec<Value> = messages
        .iter()
        .map(|m| {
            let attributes: serde_json::Map<String, Value> =
                m.attributes.iter().flatten().map(|(k, v)| (k.as_str().to_owned(), json!(v))).collect();
            json!({
                "messageId": m.message_id,
                "receiptHandle": m.receipt_handle,
                "body": m.body,
                "attributes": attributes,
                "messageAttributes": {},
                "md5OfBody": m.md5_of_body,
                "eventSource": "aws:sqs",
                "eventSourceARN": arn,
                "awsRegion": region,
            })
        })
        .collect();
    let event = json!({ "Records": records });
    let failed: HashSet<String> = match runtime.invoke(function, Bytes::from(event.to_string())).await? {
        Outcome::Response(bytes) if source.report_batch_item_failures => {
            let response: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
            response["batchItemFailures"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|f| f["itemIdentifier"].as_str().map(str::to_owned))
                .collect()
        }
        Outcome::Response(_) => HashSet::new(),
        // The whole invocation failed: every record is retried.
        Outcome::Error(error) => {
            tracing::warn!(%function, %error, "queue batch failed");
            messages.iter().filter_map(|m| m.message_id.clone()).collect()
        }
    };
    for message in &messages {
        let (Some(id), Some(handle)) = (&message.message_id, &message.receipt_handle) else { continue };
        if failed.contains(id) {
            sqs.change_message_visibility()
                .queue_url(url)
                .receipt_handle(handle)
                .visibility_timeout(retry.0)
                .send()
                .await?;
        } else {
            sqs.delete_message().queue_url(url).receipt_handle(handle).send().await?;
        }
    }
    Ok(())
}
