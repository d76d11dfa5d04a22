//! The transactional outbox. Domain events (to EventBridge) and chat delivery jobs (to SQS) are
//! written in the same DynamoDB transaction as the change that causes them, so they are never lost
//! and can never fail or repeat that change. Nothing is sent on the request path: the Outbox
//! table's stream feeds the `outbox-publish` function, which sends each new entry (at least
//! once; every consumer dedupes by id). Entries are grouped (a player's events, a conversation's
//! messages): one group is one partition, so its entries reach the stream, and the queue, in
//! commit order. They expire by TTL.

use crate::app::{App, Table, CHAT_DELIVERY_QUEUE_URL, EVENT_BUS_NAME, OUTBOX_FAILURES_QUEUE_URL};
use crate::error::ApiError;
use aws_sdk_dynamodb::types::{Put, TransactWriteItem};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// The `source` of every domain event on the bus.
pub const SOURCE: &str = "game-platform";
/// Version of the `detail` schema; consumers check it.
pub const DETAIL_VERSION: u32 = 1;
/// How long an entry stays in the table after it was written: long past the stream's 24 h, so
/// an operator can still find an entry whose publishing was given up on.
pub const RETENTION_SECS: u64 = 7 * 24 * 3600;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Message {
    Event { detail_type: String, detail: Value },
    ChatDelivery { group: String, body: Value },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub id: String,
    /// Entries of one group are published in commit order.
    pub group: String,
    pub message: Message,
}

/// An entry as the Outbox table (and its stream) holds it.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Stored {
    group: String,
    event_id: String,
    payload: String,
    created_at: u64,
    expires_at: u64,
}

impl Entry {
    /// A domain event about `user_id`; its detail carries the schema version and the event id
    /// consumers dedupe on. A player's events are one group.
    pub fn event(detail_type: &str, user_id: &str, detail: Value) -> Entry {
        let id = crate::store::new_id();
        let mut full = json!({
            "version": DETAIL_VERSION,
            "eventId": id,
            "userId": user_id,
            "occurredAt": crate::clock::now_rfc3339(),
        });
        if let (Some(full), Value::Object(extra)) = (full.as_object_mut(), detail) {
            full.extend(extra);
        }
        Entry {
            id,
            group: format!("user#{user_id}"),
            message: Message::Event { detail_type: detail_type.into(), detail: full },
        }
    }

    /// A job for the chat delivery FIFO queue; `group` (the conversation) keeps it in order.
    pub fn chat_delivery(id: &str, group: &str, body: Value) -> Entry {
        Entry {
            id: id.into(),
            group: format!("chat#{group}"),
            message: Message::ChatDelivery { group: group.into(), body },
        }
    }

    /// The transaction item that records this entry alongside the change that causes it.
    pub fn put(&self, app: &App) -> Result<TransactWriteItem, ApiError> {
        let now = crate::clock::now_secs();
        let stored = Stored {
            group: self.group.clone(),
            event_id: self.id.clone(),
            payload: serde_json::to_string(&self.message).map_err(ApiError::internal)?,
            created_at: now,
            expires_at: now + RETENTION_SECS,
        };
        let put = Put::builder()
            .table_name(app.table(Table::OUTBOX)?)
            .set_item(Some(serde_dynamo::to_item(stored)?))
            .condition_expression("attribute_not_exists(eventId)")
            .build()
            .map_err(ApiError::internal)?;
        Ok(TransactWriteItem::builder().put(put).build())
    }

    /// The entry a stream record's new image holds.
    pub fn from_image(image: impl Into<serde_dynamo::Item>) -> Result<Entry, ApiError> {
        let stored: Stored = serde_dynamo::from_item(image.into())?;
        let message = serde_json::from_str(&stored.payload)
            .map_err(|e| ApiError::internal(format!("outbox entry {}: {e}", stored.event_id)))?;
        Ok(Entry { id: stored.event_id, group: stored.group, message })
    }
}

/// Sets aside a stream record that can never be published (it does not parse as an entry), with
/// why, on the failures queue an operator watches: the stream, which retries every other
/// failure until the dependency is back, then moves past it instead of stalling on it.
pub async fn set_aside(app: &App, sequence: &str, why: &ApiError, image: &serde_json::Value) -> Result<(), ApiError> {
    let body = serde_json::json!({ "sequenceNumber": sequence, "error": format!("{why:?}"), "newImage": image });
    app.sqs
        .send_message()
        .queue_url(app.setting(OUTBOX_FAILURES_QUEUE_URL)?)
        .message_body(body.to_string())
        .send()
        .await
        .map_err(|e| ApiError::Unavailable(format!("{e:?}")))?;
    Ok(())
}

/// Sends one entry to where it goes: the bus or the chat delivery queue.
pub async fn send(app: &App, entry: &Entry) -> Result<(), ApiError> {
    match &entry.message {
        Message::Event { detail_type, detail } => {
            let request = aws_sdk_eventbridge::types::PutEventsRequestEntry::builder()
                .source(SOURCE)
                .detail_type(detail_type)
                .detail(detail.to_string())
                .event_bus_name(app.setting(EVENT_BUS_NAME)?)
                .build();
            let out = app
                .events
                .put_events()
                .entries(request)
                .send()
                .await
                .map_err(|e| ApiError::Unavailable(format!("{e:?}")))?;
            if out.failed_entry_count > 0 {
                return Err(ApiError::Unavailable(format!("EventBridge refused the event: {:?}", out.entries)));
            }
        }
        Message::ChatDelivery { group, body } => {
            app.sqs
                .send_message()
                .queue_url(app.setting(CHAT_DELIVERY_QUEUE_URL)?)
                .message_group_id(group)
                .message_deduplication_id(&entry.id)
                .message_body(body.to_string())
                .send()
                .await
                .map_err(|e| ApiError::Unavailable(format!("{e:?}")))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_carry_version_id_and_subject_in_their_detail() {
        let e = Entry::event("GamePurchased", "u1", json!({ "gameId": 10 }));
        let Message::Event { detail_type, detail } = &e.message else { panic!() };
        assert_eq!(detail_type, "GamePurchased");
        assert_eq!(detail["version"], DETAIL_VERSION);
        assert_eq!(detail["eventId"], e.id.as_str());
        assert_eq!(detail["userId"], "u1");
        assert_eq!(detail["gameId"], 10);
        assert_eq!(e.group, "user#u1", "a player's events keep their order");
    }

    #[test]
    fn entries_survive_their_storage_round_trip() {
        let e = Entry::chat_delivery("m1", "a#b", json!({ "text": "hi" }));
        let stored = Stored {
            group: e.group.clone(),
            event_id: e.id.clone(),
            payload: serde_json::to_string(&e.message).unwrap(),
            created_at: 1,
            expires_at: 2,
        };
        let item: serde_dynamo::Item = serde_dynamo::to_item(stored).unwrap();
        assert_eq!(Entry::from_image(item).unwrap(), e);
    }

    #[test]
    fn a_malformed_entry_is_an_error_not_a_skip() {
        let item: serde_dynamo::Item = serde_dynamo::to_item(
            json!({ "group": "g", "eventId": "e", "payload": "{", "createdAt": 1, "expiresAt": 2 }),
        )
        .unwrap();
        assert!(Entry::from_image(item).is_err());
    }
}
