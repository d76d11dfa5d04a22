//! DynamoDB stream consumer of the Outbox table: publishes each new entry, domain events to the
//! bus and chat delivery jobs to the FIFO queue, in stream order. On the first failure it stops
//! and reports that record and every later one (`ReportBatchItemFailures`), so the stream retries
//! from there and a group's order holds. The stream retries until the bus or the queue is back
//! (an outage of minutes or hours loses nothing; records expire after 24 h, and the iterator-age
//! alarm fires long before). A record that can never be published (it does not parse) is set
//! aside on the failures queue at once, so it cannot stall the stream. Each business event
//! published is counted in the business metrics (`platform::metrics`, EMF on stdout).

use aws_lambda_events::dynamodb::Event;
use lambda_runtime::{Error, LambdaEvent};
use platform::{outbox, App};
use serde_json::{json, Value};

pub async fn handle(event: LambdaEvent<Event>, app: &App) -> Result<Value, Error> {
    let mut failed: Vec<String> = Vec::new();
    let mut published = 0;
    for record in event.payload.records {
        let sequence = record.change.sequence_number.clone().unwrap_or_default();
        if !failed.is_empty() {
            failed.push(sequence);
            continue;
        }
        // The event source mapping's filter passes inserts only; anything else is not ours.
        if record.event_name != "INSERT" {
            continue;
        }
        let image = serde_json::to_value(&record.change.new_image).unwrap_or(Value::Null);
        let sent = match outbox::Entry::from_image(record.change.new_image) {
            Ok(entry) => outbox::send(app, &entry).await.map(|()| {
                if let outbox::Message::Event { detail_type, detail } = &entry.message {
                    platform::metrics::emit_for_event(detail_type, detail);
                }
            }),
            Err(unreadable) => outbox::set_aside(app, &sequence, &unreadable, &image).await,
        };
        match sent {
            Ok(()) => published += 1,
            Err(err) => {
                tracing::error!(%sequence, error = ?err, "outbox entry not published; the stream retries it");
                failed.push(sequence);
            }
        }
    }
    tracing::info!(published, failed = failed.len(), "outbox batch");
    Ok(json!({ "batchItemFailures": failed.iter().map(|s| json!({ "itemIdentifier": s })).collect::<Vec<_>>() }))
}

#[cfg(test)]
mod tests {
    use aws_lambda_events::dynamodb::Event;

    #[test]
    fn the_sample_stream_event_carries_an_outbox_entry() {
        let event: Event = serde_json::from_str(include_str!("../../../events/outbox-publish.json")).unwrap();
        let record = event.records.into_iter().next().unwrap();
        assert_eq!(record.event_name, "INSERT");
        let entry = platform::outbox::Entry::from_image(record.change.new_image).unwrap();
        assert_eq!(entry.group, "user#5b1e1b2e-7f25-4c1a-9d8e-2f0c7e2a9b10");
        assert!(
            matches!(entry.message, platform::outbox::Message::Event { ref detail_type, .. } if detail_type == "GamePurchased")
        );
    }
}
