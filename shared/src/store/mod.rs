//! DynamoDB adapters: item shapes, transactions, cursors. Key and attribute names live here only.

pub mod accounts;
pub mod apps;
pub mod banners;
pub mod builds;
pub mod cache;
pub mod cart;
pub mod catalog;
pub mod chat;
pub mod connections;
pub mod coupons;
pub mod deliveries;
pub mod fairness;
pub mod friends;
pub mod gifts;
pub mod groups;
pub mod idempotency;
pub mod inventory;
pub mod keys;
pub mod ledger;
pub mod lobbies;
pub mod notifications;
pub mod oauth_codes;
pub mod one_time;
pub mod orders;
pub mod pity;
pub mod play_sessions;
pub mod presence;
pub mod prices;
pub mod pulls;
pub mod rate_limit;
pub mod revenue;
pub mod sessions;
pub mod spending;
pub mod wallet;
pub mod wishlist;

use crate::error::ApiError;
use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem};
use base64::Engine;
use std::collections::HashMap;
use std::time::Duration;

pub type Item = HashMap<String, AttributeValue>;

pub fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

pub fn n(value: impl ToString) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

/// An enum as the text its JSON spells (`super rare`), as items store it.
pub fn text_of(value: &impl serde::Serialize) -> Result<String, ApiError> {
    let value = serde_json::to_value(value).map_err(ApiError::internal)?;
    Ok(value.as_str().unwrap_or_default().to_owned())
}

pub fn get_s<'a>(item: &'a Item, name: &str) -> Option<&'a str> {
    item.get(name).and_then(|v| v.as_s().ok()).map(String::as_str)
}

pub fn get_n<T: std::str::FromStr>(item: &Item, name: &str) -> Option<T> {
    item.get(name).and_then(|v| v.as_n().ok()).and_then(|v| v.parse().ok())
}

/// Whether a DynamoDB call failed only because its condition did not hold, which many callers
/// treat as "already done" rather than as an error.
pub fn condition_failed<E, R>(err: &aws_smithy_runtime_api::client::result::SdkError<E, R>) -> bool
where
    E: aws_smithy_types::error::metadata::ProvideErrorMetadata,
{
    err.as_service_error().and_then(|e| e.code()) == Some("ConditionalCheckFailedException")
}

/// Whether a conditional write applied: `false` when only its condition failed.
pub fn applied<T, E, R>(
    result: Result<T, aws_smithy_runtime_api::client::result::SdkError<E, R>>,
) -> Result<bool, ApiError>
where
    E: aws_smithy_types::error::metadata::ProvideErrorMetadata,
    ApiError: From<aws_smithy_runtime_api::client::result::SdkError<E, R>>,
{
    match result {
        Ok(_) => Ok(true),
        Err(err) if condition_failed(&err) => Ok(false),
        Err(err) => Err(err.into()),
    }
}

/// A transaction item that writes a typed record once: it fails if `key` already exists.
pub fn put_new<T: serde::Serialize>(table: &str, record: &T, key: &str) -> Result<TransactWriteItem, ApiError> {
    let put = aws_sdk_dynamodb::types::Put::builder()
        .table_name(table)
        .set_item(Some(serde_dynamo::to_item(record)?))
        .condition_expression(format!("attribute_not_exists({key})"))
        .build()
        .map_err(ApiError::internal)?;
    Ok(TransactWriteItem::builder().put(put).build())
}

/// Time-ordered, unique ids: sort keys that page newest-first without an index.
/// An id the API issued (groups, messages, lobbies: UUIDs) from a client, or a 400 naming `field`.
pub fn checked_id(field: &'static str, raw: &str) -> Result<String, ApiError> {
    uuid::Uuid::parse_str(raw)
        .map(|u| u.to_string())
        .map_err(|_| ApiError::validation(field, format!("{field} must be an id as the API issues them (a UUID)")))
}

pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// Why one item of a cancelled transaction failed: DynamoDB's code (`None`,
/// `ConditionalCheckFailed`, ...) and, where the item asked for it with
/// `ReturnValuesOnConditionCheckFailure`, the item as the failed condition saw it.
#[derive(Debug, Clone)]
pub struct Cancellation {
    pub code: String,
    pub item: Option<Item>,
}

impl Cancellation {
    pub fn condition_failed(&self) -> bool {
        self.code == "ConditionalCheckFailed"
    }
}

/// The result of a transaction: committed, or cancelled with one reason per item, in the order
/// the items were given. Only `flows::transaction` reads the order; everyone else names steps.
#[derive(Debug)]
pub enum TxOutcome {
    Committed,
    Cancelled(Vec<Cancellation>),
}

/// Runs one TransactWriteItems, retrying only `TransactionConflict` (another transaction held an
/// item) with jittered backoff. Money transactions carry an idempotency item, so a resend of one
/// that did commit is cancelled by that item's condition instead of applied twice.
pub async fn transact(db: &aws_sdk_dynamodb::Client, items: Vec<TransactWriteItem>) -> Result<TxOutcome, ApiError> {
    use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
    const ATTEMPTS: u32 = 40;
    for attempt in 0..ATTEMPTS {
        let result = db.transact_write_items().set_transact_items(Some(items.clone())).send().await;
        match result {
            Ok(_) => return Ok(TxOutcome::Committed),
            Err(err) => {
                let reasons: Option<Vec<Cancellation>> = match err.as_service_error() {
                    Some(TransactWriteItemsError::TransactionCanceledException(e)) => Some(
                        e.cancellation_reasons()
                            .iter()
                            .map(|r| Cancellation {
                                code: r.code().unwrap_or("None").to_owned(),
                                item: r.item().filter(|i| !i.is_empty()).cloned(),
                            })
                            .collect(),
                    ),
                    _ => None,
                };
                let conflict_only = match (&reasons, err.as_service_error()) {
                    (Some(reasons), _) => {
                        reasons.iter().any(|c| c.code == "TransactionConflict")
                            && !reasons.iter().any(Cancellation::condition_failed)
                    }
                    (None, Some(TransactWriteItemsError::TransactionInProgressException(_))) => true,
                    _ => false,
                };
                if conflict_only && attempt + 1 < ATTEMPTS {
                    backoff(attempt).await;
                    continue;
                }
                return match reasons {
                    Some(reasons) if !conflict_only => Ok(TxOutcome::Cancelled(reasons)),
                    Some(_) => Err(ApiError::Unavailable("transaction kept conflicting".into())),
                    None => Err(err.into()),
                };
            }
        }
    }
    unreachable!("the loop returns on its last attempt")
}

/// Items by key, in one BatchGetItem per hundred keys, retrying unprocessed keys; missing items
/// are simply absent from the answer (in no particular order).
pub async fn batch_get(
    app: &crate::App,
    table: crate::Table,
    keys: Vec<Item>,
    projection: Option<&str>,
) -> Result<Vec<Item>, ApiError> {
    use aws_sdk_dynamodb::types::KeysAndAttributes;
    let table = app.table(table)?;
    let mut found = Vec::new();
    for chunk in keys.chunks(100) {
        let request = KeysAndAttributes::builder()
            .set_keys(Some(chunk.to_vec()))
            .set_projection_expression(projection.map(str::to_owned))
            .build()
            .map_err(ApiError::internal)?;
        let mut pending = Some(request);
        let mut attempt = 0;
        while let Some(request) = pending.take() {
            let out = app.db.batch_get_item().request_items(table, request).send().await?;
            found.extend(out.responses.unwrap_or_default().remove(table).unwrap_or_default());
            pending = out.unprocessed_keys.and_then(|mut left| left.remove(table)).filter(|k| !k.keys.is_empty());
            if pending.is_some() {
                backoff(attempt).await;
                attempt += 1;
            }
        }
    }
    Ok(found)
}

pub async fn backoff(attempt: u32) {
    use rand::Rng;
    let cap = 5u64 << attempt.min(5); // 5 ms .. 160 ms
    let millis = rand::rng().random_range(1..=cap);
    tokio::time::sleep(Duration::from_millis(millis)).await;
}

/// Opaque page cursors: the last sort key of a page. The partition key always comes from the
/// caller's token, so a cursor can never reach another player's data.
pub fn encode_cursor(sort_key: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("v1:{sort_key}"))
}

pub fn decode_cursor(cursor: &str) -> Result<String, ApiError> {
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(cursor).map_err(|_| ApiError::InvalidCursor)?;
    let text = String::from_utf8(bytes).map_err(|_| ApiError::InvalidCursor)?;
    let key = text.strip_prefix("v1:").ok_or(ApiError::InvalidCursor)?;
    if key.is_empty() || key.len() > 256 {
        return Err(ApiError::InvalidCursor);
    }
    Ok(key.to_owned())
}

/// Runs a Query page for one partition, newest (or highest) first, resuming at `cursor`.
/// `sort_attr` is the table's sort key; `numeric` says whether it is a number.
pub async fn page_of(
    app: &crate::App,
    table: crate::Table,
    partition: (&str, &str),
    sort: (&str, bool),
    cursor: Option<&str>,
    limit: i32,
) -> Result<(Vec<Item>, Option<String>), ApiError> {
    page_matching(app, table, partition, sort, cursor, limit, None).await
}

/// A FilterExpression on a partition's items (applied by DynamoDB after the key condition), with
/// its attribute names and values.
pub struct Filter {
    pub expression: String,
    pub names: Vec<(String, String)>,
    pub values: Vec<(String, AttributeValue)>,
}

/// Queries a filtered page at most this many times to fill it; a sparse filter then answers a
/// shorter page with its cursor (clients follow `nextCursor` until it is null).
const FILTERED_QUERIES_PER_PAGE: usize = 10;
/// Items a filtered query reads at once (DynamoDB's `Limit` counts items read, not matches).
const FILTERED_READ_BATCH: i32 = 100;

/// `page_of`, keeping only items that match `filter`. DynamoDB's `Limit` counts the items it
/// reads, not those that match, so a filtered page reads batches of `FILTERED_READ_BATCH` until it
/// has `limit` matches (then the cursor is the last match returned) or has read ten batches (then
/// it is the last item read): either way no item is skipped.
pub async fn page_matching(
    app: &crate::App,
    table: crate::Table,
    partition: (&str, &str),
    sort: (&str, bool),
    cursor: Option<&str>,
    limit: i32,
    filter: Option<&Filter>,
) -> Result<(Vec<Item>, Option<String>), ApiError> {
    let (pk_name, pk_value) = partition;
    let (sort_attr, numeric) = sort;
    let mut start = match cursor {
        Some(cursor) => {
            let key = decode_cursor(cursor)?;
            Some(if numeric { key.parse::<u64>().map(n).map_err(|_| ApiError::InvalidCursor)? } else { s(key) })
        }
        None => None,
    };
    let mut items = Vec::new();
    let queries = if filter.is_some() { FILTERED_QUERIES_PER_PAGE } else { 1 };
    for _ in 0..queries {
        let mut query = app
            .db
            .query()
            .table_name(app.table(table)?)
            .key_condition_expression("#pk = :pk")
            .expression_attribute_names("#pk", pk_name)
            .expression_attribute_values(":pk", s(pk_value))
            .scan_index_forward(false)
            // A filter reads a full batch at once; more matches than the page takes are cut below.
            .limit(if filter.is_some() { FILTERED_READ_BATCH.max(limit) } else { limit });
        if let Some(key) = start.take() {
            query = query.exclusive_start_key(pk_name, s(pk_value)).exclusive_start_key(sort_attr, key);
        }
        if let Some(filter) = filter {
            query = query.filter_expression(&filter.expression);
            for (name, attribute) in &filter.names {
                query = query.expression_attribute_names(name, attribute);
            }
            for (name, value) in &filter.values {
                query = query.expression_attribute_values(name, value.clone());
            }
        }
        let out = query.send().await?;
        items.extend(out.items.unwrap_or_default());
        start = out.last_evaluated_key.and_then(|mut key| key.remove(sort_attr));
        if items.len() as i32 > limit {
            // More matches than the page takes: cut, and resume after the last item returned, so
            // the matches read past it are read again next time, never skipped.
            items.truncate(limit as usize);
            start = items.last().and_then(|item| item.get(sort_attr).cloned());
        }
        if items.len() as i32 >= limit {
            break;
        }
        if start.is_none() {
            break;
        }
    }
    let next = start.and_then(|key| key.as_s().or_else(|_| key.as_n()).ok().map(|v| encode_cursor(v)));
    Ok((items, next))
}

/// `page_of`, with the items read as typed records.
pub async fn records_page<T: serde::de::DeserializeOwned>(
    app: &crate::App,
    table: crate::Table,
    partition: (&str, &str),
    sort: (&str, bool),
    cursor: Option<&str>,
    limit: i32,
) -> Result<(Vec<T>, Option<String>), ApiError> {
    let (items, next) = page_of(app, table, partition, sort, cursor, limit).await?;
    Ok((serde_dynamo::from_items(items)?, next))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_forgeries() {
        let c = encode_cursor("0190-abc");
        assert_eq!(decode_cursor(&c).unwrap(), "0190-abc");
        for bad in ["", "!!!", "dGVzdA", &base64::engine::general_purpose::URL_SAFE_NO_PAD.encode("v1:")] {
            assert!(matches!(decode_cursor(bad), Err(ApiError::InvalidCursor)), "{bad:?}");
        }
    }

    #[test]
    fn ids_sort_by_creation_order() {
        let ids: Vec<String> = (0..1_000).map(|_| new_id()).collect();
        assert!(ids.windows(2).all(|w| w[0] < w[1]));
    }
}
