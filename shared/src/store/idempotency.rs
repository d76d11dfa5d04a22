//! Idempotency records: one per (player, operation, Idempotency-Key). A record is written in the
//! same transaction as the money it guards, so "charged twice" and "recorded but not charged"
//! cannot happen.

use super::{get_s, n, s, Item};
use crate::app::{App, Table};
use crate::error::ApiError;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{
    AttributeValue, Put, ReturnValue, ReturnValuesOnConditionCheckFailure, TransactWriteItem, Update,
};
use sha2::{Digest, Sha256};

/// How long a key is remembered.
pub const RETENTION_SECS: u64 = 24 * 3600;
/// How long a pending (in-flight) claim blocks others. Longer than any function's timeout, so a
/// claim whose lock has expired belongs to an invocation that is gone.
pub const LOCK_SECS: u64 = 30;
/// The sparse index that lists pending claims for the reconciler.
pub const PENDING_INDEX: &str = "PendingByLockExpiry";
pub const PENDING: &str = "pending";
pub const COMPLETED: &str = "completed";
/// A key whose operation was refused by a state a later request could change (a balance too low
/// until a top-up lands): every later attempt with the key gets the same refusal.
pub const REFUSED: &str = "refused";

#[derive(Debug, Clone)]
pub struct Guard {
    pub record_key: String,
    pub request_hash: String,
}

impl Guard {
    pub fn new(user_id: &str, operation: &str, key: &str, request: &serde_json::Value) -> Guard {
        let hash = hex::encode(Sha256::digest(request.to_string().as_bytes()));
        Guard { record_key: format!("{user_id}#{operation}#{key}"), request_hash: hash }
    }

    /// The provider-side key for anything this request does outside our database. It covers
    /// the request body too: a key reused with another amount can never return an old charge.
    pub fn external_key(&self) -> String {
        let material = format!("{}|{}", self.record_key, self.request_hash);
        hex::encode(&Sha256::digest(material.as_bytes())[..16])
    }
}

/// A stored record, as far as a replay needs it.
#[derive(Debug, Clone)]
pub struct Record {
    pub request_hash: String,
    pub state: String,
    pub response: Option<serde_json::Value>,
    pub item: Item,
}

impl Record {
    pub fn from_item(item: Item) -> Record {
        Record {
            request_hash: get_s(&item, "requestHash").unwrap_or_default().to_owned(),
            state: get_s(&item, "state").unwrap_or_default().to_owned(),
            response: get_s(&item, "responseBody").and_then(|b| serde_json::from_str(b).ok()),
            item,
        }
    }

    /// The first response again, or why it cannot be given.
    pub fn replay(&self, guard: &Guard) -> Result<serde_json::Value, ApiError> {
        if self.request_hash != guard.request_hash {
            return Err(ApiError::Rule {
                code: "idempotency_key_reused",
                field: None,
                detail: "this Idempotency-Key was already used with a different request body".into(),
            });
        }
        match (&self.state[..], &self.response) {
            (COMPLETED, Some(body)) => Ok(body.clone()),
            (REFUSED, _) => {
                let code = get_s(&self.item, "refusalCode").unwrap_or_default();
                Err(reversible(code).unwrap_or_else(|| ApiError::internal(format!("a key refused with {code:?}"))))
            }
            _ => Err(ApiError::Conflict {
                code: "idempotency_in_progress",
                detail: "a request with this Idempotency-Key is still being processed; retry shortly".into(),
            }),
        }
    }
}

pub async fn load(app: &App, guard: &Guard) -> Result<Option<Record>, ApiError> {
    let out = app
        .db
        .get_item()
        .table_name(app.table(Table::IDEMPOTENCY)?)
        .key("key", s(&guard.record_key))
        .consistent_read(true)
        .send()
        .await?;
    Ok(out.item.map(Record::from_item))
}

/// A key's first and only outcome (`COMPLETED` with its response, or `REFUSED` with its code),
/// as stored: written only where the key has none yet.
fn outcome(guard: &Guard, state: &str, (name, value): (&str, AttributeValue)) -> Item {
    let now = crate::clock::now_secs();
    [
        ("key", s(&guard.record_key)),
        ("requestHash", s(&guard.request_hash)),
        ("state", s(state)),
        (name, value),
        ("createdAt", n(now)),
        ("expiresAt", n(now + RETENTION_SECS)),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

/// The record a conditional put of a key found in its way (its old item, else read).
async fn found_instead(app: &App, guard: &Guard, err: SdkError<PutItemError>) -> Result<Record, ApiError> {
    match err.as_service_error() {
        Some(PutItemError::ConditionalCheckFailedException(e)) => record_found(app, guard, e.item()).await,
        _ => Err(err.into()),
    }
}

/// The record a failed condition found: the item it returned, else read again.
async fn record_found(app: &App, guard: &Guard, old: Option<&Item>) -> Result<Record, ApiError> {
    match old {
        Some(old) => Ok(Record::from_item(old.clone())),
        None => load(app, guard).await?.ok_or_else(|| ApiError::internal("an idempotency record vanished")),
    }
}

/// The transaction item that records a completed operation, failing if the key was used before.
pub fn completed_put(app: &App, guard: &Guard, response: &serde_json::Value) -> Result<TransactWriteItem, ApiError> {
    let put = Put::builder()
        .table_name(app.table(Table::IDEMPOTENCY)?)
        .set_item(Some(outcome(guard, COMPLETED, ("responseBody", s(response.to_string())))))
        .condition_expression("attribute_not_exists(#k)")
        .expression_attribute_names("#k", "key")
        .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
        .build()
        .map_err(ApiError::internal)?;
    Ok(TransactWriteItem::builder().put(put).build())
}

/// The refusals a later request could reverse (a top-up covering the cost), as their recorded
/// code gives them again: these are recorded under the key, so it keeps one outcome.
fn reversible(code: &str) -> Option<ApiError> {
    match code {
        "insufficient_funds" => Some(ApiError::insufficient_funds()),
        _ => None,
    }
}

/// The operation under this key was refused. A refusal a later request could reverse is recorded,
/// so later attempts replay it even after the state that refused it changed; any other leaves the
/// key free. Either way, the key's earlier outcome wins: `Ok(Some(record))` when it has one
/// (another attempt completed it).
pub async fn record_refusal(app: &App, guard: &Guard, refusal: &ApiError) -> Result<Option<Record>, ApiError> {
    if reversible(refusal.code()).is_none() {
        return load(app, guard).await;
    }
    let result = app
        .db
        .put_item()
        .table_name(app.table(Table::IDEMPOTENCY)?)
        .set_item(Some(outcome(guard, REFUSED, ("refusalCode", s(refusal.code())))))
        .condition_expression("attribute_not_exists(#k)")
        .expression_attribute_names("#k", "key")
        .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
        .send()
        .await;
    match result {
        Ok(_) => Ok(None),
        Err(err) => found_instead(app, guard, err).await.map(Some),
    }
}

/// Claims a key before an external side effect (a card charge). A claim whose lock expired with
/// the same request may be taken over: that is the retry of an invocation that died. The claim
/// keeps the request it was first made with (for a gem purchase, the quote the card was charged
/// by), and returns it: a retry must complete the first attempt, not a recomputed one.
pub async fn claim(
    app: &App,
    guard: &Guard,
    operation: &str,
    user_id: &str,
    request: &serde_json::Value,
) -> Result<Result<serde_json::Value, Record>, ApiError> {
    let now = crate::clock::now_secs();
    let result = app
        .db
        .update_item()
        .table_name(app.table(Table::IDEMPOTENCY)?)
        .key("key", s(&guard.record_key))
        .update_expression(
            "SET #op = :op, #user = :user, #request = if_not_exists(#request, :request), #hash = :hash, \
             #state = :pending, #partition = :pending, #locked = :locked, #created = :now, #expires = :expires",
        )
        .condition_expression("attribute_not_exists(#k) OR (#state = :pending AND #hash = :hash AND #locked < :now)")
        .expression_attribute_names("#k", "key")
        .expression_attribute_names("#op", "operation")
        .expression_attribute_names("#user", "userId")
        .expression_attribute_names("#request", "request")
        .expression_attribute_names("#hash", "requestHash")
        .expression_attribute_names("#state", "state")
        .expression_attribute_names("#partition", "pendingPartition")
        .expression_attribute_names("#locked", "lockedUntil")
        .expression_attribute_names("#created", "createdAt")
        .expression_attribute_names("#expires", "expiresAt")
        .expression_attribute_values(":op", s(operation))
        .expression_attribute_values(":user", s(user_id))
        .expression_attribute_values(":request", s(request.to_string()))
        .expression_attribute_values(":hash", s(&guard.request_hash))
        .expression_attribute_values(":pending", s(PENDING))
        .expression_attribute_values(":locked", n(now + LOCK_SECS))
        .expression_attribute_values(":now", n(now))
        .expression_attribute_values(":expires", n(now + RETENTION_SECS))
        .return_values(ReturnValue::AllNew)
        .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
        .send()
        .await;
    match result {
        Ok(out) => {
            let stored = out.attributes.as_ref().and_then(|item| get_s(item, "request"));
            let stored = stored.map(serde_json::from_str).transpose().map_err(ApiError::internal)?;
            Ok(Ok(stored.unwrap_or_else(|| request.clone())))
        }
        Err(err) => match err.as_service_error() {
            Some(UpdateItemError::ConditionalCheckFailedException(e)) => {
                record_found(app, guard, e.item()).await.map(Err)
            }
            _ => Err(err.into()),
        },
    }
}

/// The transaction item that turns this request's pending claim into a completed record. If
/// someone completed it first (a retry, the reconciler) it fails and returns their record.
pub fn complete_claim(app: &App, guard: &Guard, response: &serde_json::Value) -> Result<TransactWriteItem, ApiError> {
    let update = Update::builder()
        .table_name(app.table(Table::IDEMPOTENCY)?)
        .key("key", s(&guard.record_key))
        .update_expression("SET #state = :completed, responseBody = :body REMOVE pendingPartition")
        .condition_expression("#state = :pending")
        .expression_attribute_names("#state", "state")
        .expression_attribute_values(":completed", s(COMPLETED))
        .expression_attribute_values(":pending", s(PENDING))
        .expression_attribute_values(":body", s(response.to_string()))
        .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
        .build()
        .map_err(ApiError::internal)?;
    Ok(TransactWriteItem::builder().update(update).build())
}

/// The transaction item that records a provider charge as credited, forever: whatever key or
/// request it comes with, one charge is credited once.
pub fn charge_once(
    app: &App,
    charge_id: &str,
    user_id: &str,
    receipt: &serde_json::Value,
) -> Result<TransactWriteItem, ApiError> {
    let put = Put::builder()
        .table_name(app.table(Table::IDEMPOTENCY)?)
        .item("key", s(format!("charge#{charge_id}")))
        .item("userId", s(user_id))
        .item("receipt", s(receipt.to_string()))
        .item("createdAt", n(crate::clock::now_secs()))
        .condition_expression("attribute_not_exists(#k)")
        .expression_attribute_names("#k", "key")
        .build()
        .map_err(ApiError::internal)?;
    Ok(TransactWriteItem::builder().put(put).build())
}

/// The receipt of a credited charge and whose it is (`None`: no such charge was credited, or it
/// was credited before receipts were kept).
pub async fn charge_receipt(app: &App, charge_id: &str) -> Result<Option<(String, serde_json::Value)>, ApiError> {
    let out = app
        .db
        .get_item()
        .table_name(app.table(Table::IDEMPOTENCY)?)
        .key("key", s(format!("charge#{charge_id}")))
        .consistent_read(true)
        .send()
        .await?;
    let Some(item) = out.item else { return Ok(None) };
    let (Some(user_id), Some(receipt)) = (get_s(&item, "userId"), get_s(&item, "receipt")) else { return Ok(None) };
    Ok(Some((user_id.to_owned(), serde_json::from_str(receipt).map_err(ApiError::internal)?)))
}

/// Lets a pending claim be retried at once (the external call failed transiently).
pub async fn release(app: &App, record_key: &str) -> Result<(), ApiError> {
    app.db
        .update_item()
        .table_name(app.table(Table::IDEMPOTENCY)?)
        .key("key", s(record_key))
        .update_expression("SET lockedUntil = :zero")
        .condition_expression("#state = :pending")
        .expression_attribute_names("#state", "state")
        .expression_attribute_values(":pending", s(PENDING))
        .expression_attribute_values(":zero", n(0))
        .send()
        .await
        .map(|_| ())
        .or_else(|err| if super::condition_failed(&err) { Ok(()) } else { Err(err.into()) })
}

/// Takes over an abandoned claim (the reconciler): locks it again, if nobody did since it was
/// read. `false` when another run or a client retry holds it now.
pub async fn take_over(app: &App, record: &Record) -> Result<bool, ApiError> {
    let seen: u64 = super::get_n(&record.item, "lockedUntil").unwrap_or(0);
    let key = super::get_s(&record.item, "key").unwrap_or_default();
    let result = app
        .db
        .update_item()
        .table_name(app.table(Table::IDEMPOTENCY)?)
        .key("key", s(key))
        .update_expression("SET lockedUntil = :locked")
        .condition_expression("#state = :pending AND lockedUntil = :seen")
        .expression_attribute_names("#state", "state")
        .expression_attribute_values(":pending", s(PENDING))
        .expression_attribute_values(":seen", n(seen))
        .expression_attribute_values(":locked", n(crate::clock::now_secs() + LOCK_SECS))
        .send()
        .await;
    super::applied(result)
}

/// Forgets a pending claim whose operation ended with nothing done (a declined card).
pub async fn forget(app: &App, record_key: &str) -> Result<(), ApiError> {
    let result = app
        .db
        .delete_item()
        .table_name(app.table(Table::IDEMPOTENCY)?)
        .key("key", s(record_key))
        .condition_expression("#state = :pending")
        .expression_attribute_names("#state", "state")
        .expression_attribute_values(":pending", s(PENDING))
        .send()
        .await;
    super::applied(result).map(drop)
}

/// Pending claims whose lock expired before `now`: charges an invocation may have left uncredited.
pub async fn abandoned_claims(app: &App, now: u64) -> Result<Vec<Record>, ApiError> {
    let out = app
        .db
        .query()
        .table_name(app.table(Table::IDEMPOTENCY)?)
        .index_name(PENDING_INDEX)
        .key_condition_expression("pendingPartition = :pending AND lockedUntil < :now")
        .expression_attribute_values(":pending", s(PENDING))
        .expression_attribute_values(":now", n(now))
        .limit(100)
        .send()
        .await?;
    Ok(out.items.unwrap_or_default().into_iter().map(Record::from_item).collect())
}
