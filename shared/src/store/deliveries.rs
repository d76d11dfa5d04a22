//! Deliveries table: one item per notification sent to a player outside the app (`userId`,
//! `deliveryId` = `<eventId>#<channel>`), tracking it from `sending` to `sent` or `failed`.
//!
//! A delivery is claimed before the mail goes out and marked after, so a redelivered event finds
//! it `sent` and sends nothing, and a failed one is sent again by the next delivery of its event.
//! The claim holds for `LEASE_SECS`: a consumer that died between claiming and marking is taken
//! over after it (only a death after SES accepted the mail and before the mark sends it twice).

use super::{get_s, n, s};
use crate::app::{App, Table};
use crate::error::ApiError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::ReturnValuesOnConditionCheckFailure;
use serde_json::{json, Value};

pub const SENDING: &str = "sending";
pub const SENT: &str = "sent";
pub const FAILED: &str = "failed";
/// Refused by the provider for good: never sent again.
pub const REJECTED: &str = "rejected";

/// How long a claim holds before another consumer may take it over: longer than the consumer's
/// function timeout (so a claim is never taken over while its holder may still send), shorter
/// than the queue's visibility timeout (so the redelivery after a crash finds it free).
pub const LEASE_SECS: u64 = 30;
/// Deliveries are kept as long as notifications.
const RETENTION_SECS: u64 = 90 * 24 * 3600;

/// What claiming a delivery found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// This consumer sends it now.
    Claimed,
    /// It was sent (or refused for good) before: nothing to do.
    Done,
    /// Another consumer is sending it (its lease holds): try again later.
    InFlight,
}

pub fn delivery_id(event_id: &str, channel: &str) -> String {
    format!("{event_id}#{channel}")
}

/// Claims the delivery for sending: new, failed before, or left `sending` past its lease.
pub async fn claim(app: &App, user_id: &str, delivery_id: &str, kind: &str, channel: &str) -> Result<Claim, ApiError> {
    let now = crate::clock::now_secs();
    let result = app
        .db
        .update_item()
        .table_name(app.table(Table::DELIVERIES)?)
        .key("userId", s(user_id))
        .key("deliveryId", s(delivery_id))
        .update_expression(
            "SET #status = :sending, attempts = if_not_exists(attempts, :zero) + :one, leaseUntil = :lease, \
             #type = :type, channel = :channel, updatedAt = :at, expiresAt = :expires",
        )
        .condition_expression(
            "attribute_not_exists(#status) OR #status = :failed OR (#status = :sending AND leaseUntil < :now)",
        )
        .expression_attribute_names("#status", "status")
        .expression_attribute_names("#type", "type")
        .expression_attribute_values(":sending", s(SENDING))
        .expression_attribute_values(":failed", s(FAILED))
        .expression_attribute_values(":zero", n(0))
        .expression_attribute_values(":one", n(1))
        .expression_attribute_values(":now", n(now))
        .expression_attribute_values(":lease", n(now + LEASE_SECS))
        .expression_attribute_values(":type", s(kind))
        .expression_attribute_values(":channel", s(channel))
        .expression_attribute_values(":at", s(crate::clock::now_rfc3339()))
        .expression_attribute_values(":expires", n(now + RETENTION_SECS))
        .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
        .send()
        .await;
    // A refused claim hands back the delivery as it stands: no second read to learn why.
    let found = match result {
        Ok(_) => return Ok(Claim::Claimed),
        Err(err) => match err.as_service_error() {
            Some(UpdateItemError::ConditionalCheckFailedException(refused)) => refused.item.clone(),
            _ => return Err(err.into()),
        },
    };
    Ok(match found.as_ref().and_then(|item| get_s(item, "status")) {
        Some(SENT | REJECTED) => Claim::Done,
        _ => Claim::InFlight,
    })
}

/// Marks a claimed delivery sent, with the provider's message id.
pub async fn mark_sent(app: &App, user_id: &str, delivery_id: &str, message_id: &str) -> Result<(), ApiError> {
    mark(app, user_id, delivery_id, SENT, ("messageId", message_id), "leaseUntil, lastError").await
}

/// Marks a claimed delivery failed (retried by the event's next delivery) or, when `final`,
/// rejected (never sent again), with the error's code: never the provider's text, which may name
/// the address.
pub async fn mark_failed(
    app: &App,
    user_id: &str,
    delivery_id: &str,
    error_code: &str,
    r#final: bool,
) -> Result<(), ApiError> {
    let to = if r#final { REJECTED } else { FAILED };
    mark(app, user_id, delivery_id, to, ("lastError", error_code), "leaseUntil").await
}

async fn mark(
    app: &App,
    user_id: &str,
    delivery_id: &str,
    to: &str,
    note: (&str, &str),
    removed: &str,
) -> Result<(), ApiError> {
    app.db
        .update_item()
        .table_name(app.table(Table::DELIVERIES)?)
        .key("userId", s(user_id))
        .key("deliveryId", s(delivery_id))
        .update_expression(format!("SET #status = :to, #note = :note, updatedAt = :at REMOVE {removed}"))
        .condition_expression("#status = :sending")
        .expression_attribute_names("#status", "status")
        .expression_attribute_names("#note", note.0)
        .expression_attribute_values(":to", s(to))
        .expression_attribute_values(":note", s(note.1))
        .expression_attribute_values(":sending", s(SENDING))
        .expression_attribute_values(":at", s(crate::clock::now_rfc3339()))
        .send()
        .await?;
    Ok(())
}

/// One page of a player's deliveries, newest first, as `GET /notifications/deliveries` shows them.
pub async fn page(
    app: &App,
    user_id: &str,
    cursor: Option<&str>,
    limit: i32,
) -> Result<(Vec<Value>, Option<String>), ApiError> {
    let (items, next) =
        super::page_of(app, Table::DELIVERIES, ("userId", user_id), ("deliveryId", false), cursor, limit).await?;
    let shown = items
        .iter()
        .map(|item| {
            let text = |k: &str| get_s(item, k).map(str::to_owned);
            let delivery_id = text("deliveryId").unwrap_or_default();
            json!({
                "deliveryId": delivery_id,
                "notificationId": delivery_id.split('#').next(),
                "channel": text("channel"),
                "type": text("type"),
                "status": text("status"),
                "attempts": super::get_n::<u64>(item, "attempts").unwrap_or(0),
                "messageId": text("messageId"),
                "lastError": text("lastError"),
                "updatedAt": text("updatedAt"),
            })
        })
        .collect();
    Ok((shown, next))
}
