//! The transactional outbox. Domain events (to EventBridge) and chat delivery jobs (to SQS) are
//! written in the same DynamoDB transaction as the change that causes them, so they are never lost
//! and can never fail or repeat that change. Right after the commit they are dispatched and their
//! outbox items deleted; whatever a crash or an outage left behind, the `events-relay` function
//! sends later. Delivery is therefore at least once, and every consumer dedupes by id.

use crate::app::{App, Table, CHAT_DELIVERY_QUEUE_URL, EVENT_BUS_NAME};
use crate::error::ApiError;
use crate::store::{get_n, get_s, n, s, Item};
use aws_sdk_dynamodb::types::{Put, TransactWriteItem};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// The `source` of every domain event on the bus.
pub const SOURCE: &str = "game-platform";
/// Version of the `detail` schema; consumers check it.
pub const DETAIL_VERSION: u32 = 1;
/// The relay leaves entries this young to the invocation that wrote them.
pub const RELAY_AFTER_SECS: u64 = 30;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Message {
    Event { detail_type: String, detail: Value },
    ChatDelivery { group: String, body: Value },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub id: String,
    pub message: Message,
}

impl Entry {
    /// A domain event about `user_id`; its detail carries the schema version and the event id
    /// consumers dedupe on.
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
        Entry { id, message: Message::Event { detail_type: detail_type.into(), detail: full } }
    }

    /// A job for the chat delivery FIFO queue; `group` keeps a conversation in order.
    pub fn chat_delivery(id: &str, group: &str, body: Value) -> Entry {
        Entry { id: id.into(), message: Message::ChatDelivery { group: group.into(), body } }
    }

    /// The transaction item that records this entry alongside the change that causes it.
    pub fn put(&self, app: &App) -> Result<TransactWriteItem, ApiError> {
        let put = Put::builder()
            .table_name(app.table(Table::Outbox)?)
            .item("eventId", s(&self.id))
            .item("payload", s(serde_json::to_string(&self.message).map_err(ApiError::internal)?))
            .item("createdAt", n(crate::clock::now_secs()))
            .condition_expression("attribute_not_exists(eventId)")
            .build()
            .map_err(ApiError::internal)?;
        Ok(TransactWriteItem::builder().put(put).build())
    }

    fn from_item(item: &Item) -> Option<Entry> {
        Some(Entry { id: get_s(item, "eventId")?.into(), message: serde_json::from_str(get_s(item, "payload")?).ok()? })
    }
}

/// Sends committed entries now. Failures are logged, never returned: the change already happened
/// and the relay will send what is left.
pub async fn dispatch(app: &App, entries: &[Entry]) {
    for entry in entries {
        match send(app, entry).await {
            Ok(()) => {
                if let Err(err) = forget(app, &entry.id).await {
                    tracing::warn!(id = %entry.id, error = ?err, "sent but not removed from the outbox; the relay may resend it");
                }
            }
            Err(err) => {
                tracing::warn!(id = %entry.id, error = ?err, "dispatch failed; left in the outbox for the relay")
            }
        }
    }
}

async fn send(app: &App, entry: &Entry) -> Result<(), ApiError> {
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

async fn forget(app: &App, id: &str) -> Result<(), ApiError> {
    app.db.delete_item().table_name(app.table(Table::Outbox)?).key("eventId", s(id)).send().await?;
    Ok(())
}

/// Sends and removes every entry at least `older_than_secs` old; returns how many were sent.
/// The outbox is empty in steady state, so this Scan reads next to nothing.
pub async fn relay(app: &App, older_than_secs: u64) -> Result<usize, ApiError> {
    let cutoff = crate::clock::now_secs().saturating_sub(older_than_secs);
    let (mut sent, mut failed) = (0, 0);
    let mut start: Option<Item> = None;
    loop {
        let out = app
            .db
            .scan()
            .table_name(app.table(Table::Outbox)?)
            .filter_expression("createdAt <= :cutoff")
            .expression_attribute_values(":cutoff", n(cutoff))
            .set_exclusive_start_key(start)
            .send()
            .await?;
        let mut entries: Vec<(u64, Entry)> =
            out.items().iter().filter_map(|i| Some((get_n(i, "createdAt")?, Entry::from_item(i)?))).collect();
        // Oldest first, so a conversation's delivery jobs keep their order where possible.
        entries.sort_by(|a, b| (a.0, &a.1.id).cmp(&(b.0, &b.1.id)));
        for (_, entry) in &entries {
            // One entry that cannot be sent must not hold back the others.
            match send(app, entry).await {
                Ok(()) => {
                    forget(app, &entry.id).await?;
                    sent += 1;
                }
                Err(err) => {
                    tracing::error!(id = %entry.id, error = ?err, "relay could not send an outbox entry");
                    failed += 1;
                }
            }
        }
        match out.last_evaluated_key {
            Some(key) => start = Some(key),
            None if failed > 0 => {
                return Err(ApiError::Unavailable(format!("{failed} outbox entries not sent; {sent} sent")))
            }
            None => return Ok(sent),
        }
    }
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
    }

    #[test]
    fn entries_survive_their_storage_round_trip() {
        let e = Entry::chat_delivery("m1", "a#b", json!({ "text": "hi" }));
        let item = Item::from([
            ("eventId".to_string(), s("m1")),
            ("payload".to_string(), s(serde_json::to_string(&e.message).unwrap())),
        ]);
        assert_eq!(Entry::from_item(&item), Some(e));
    }
}
