//! Keys table: product keys under `key#<sha256>` (game, batch, state) and their batches under
//! `batch#<batchId>` (game, size, revocation). Batch items carry `batchGame`, the key of the
//! sparse `ByGame` index a developer's listing reads; key items carry `keyBatch`, the key of the
//! sparse `ByBatch` index its redeemed count is read from. A key's batch item is written after all
//! its keys, and a redemption checks it (a check, not a write: redemptions of different keys of
//! one batch never contend): keys of a batch that failed to be made, or was revoked, never redeem.

use super::{get_n, get_s, n, s, Item};
use crate::app::{App, Table};
use crate::error::ApiError;
use aws_sdk_dynamodb::types::{
    ConditionCheck, PutRequest, ReturnValuesOnConditionCheckFailure, Select, TransactWriteItem, Update, WriteRequest,
};
use serde::Serialize;

pub const UNREDEEMED: &str = "unredeemed";
pub const REDEEMED: &str = "redeemed";

/// A batch as a developer sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Batch {
    pub batch_id: String,
    pub game_id: u32,
    pub label: String,
    pub count: u64,
    pub redeemed: u64,
    pub created_at: String,
    pub created_by: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<String>,
}

/// A stored key: which game and batch it is for, and whether it was redeemed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    pub digest: String,
    pub game_id: u32,
    pub batch_id: String,
    pub state: String,
    /// Who redeemed it, for which order (once redeemed).
    pub redeemed_by: Option<String>,
    pub order_id: Option<String>,
}

fn key_pk(digest: &str) -> String {
    format!("key#{digest}")
}

fn batch_pk(batch_id: &str) -> String {
    format!("batch#{batch_id}")
}

/// Stores a batch: every key (by digest), then the batch item that makes them redeemable.
pub async fn put_batch(app: &App, batch: &Batch, digests: &[String]) -> Result<(), ApiError> {
    let table = app.table(Table::KEYS)?;
    for chunk in digests.chunks(25) {
        let mut pending: Vec<WriteRequest> = chunk
            .iter()
            .map(|digest| {
                let item = Item::from([
                    ("pk".to_owned(), s(key_pk(digest))),
                    ("gameId".to_owned(), n(batch.game_id)),
                    ("batchId".to_owned(), s(&batch.batch_id)),
                    ("keyBatch".to_owned(), s(&batch.batch_id)),
                    ("state".to_owned(), s(UNREDEEMED)),
                ]);
                let put = PutRequest::builder().set_item(Some(item)).build().map_err(ApiError::internal)?;
                Ok(WriteRequest::builder().put_request(put).build())
            })
            .collect::<Result<_, ApiError>>()?;
        let mut attempt = 0;
        while !pending.is_empty() {
            let out = app.db.batch_write_item().request_items(table, pending).send().await?;
            pending = out.unprocessed_items.and_then(|mut left| left.remove(table)).unwrap_or_default();
            if !pending.is_empty() {
                super::backoff(attempt).await;
                attempt += 1;
            }
        }
    }
    app.db
        .put_item()
        .table_name(table)
        .item("pk", s(batch_pk(&batch.batch_id)))
        .item("batchGame", n(batch.game_id))
        .item("gameId", n(batch.game_id))
        .item("batchId", s(&batch.batch_id))
        .item("label", s(&batch.label))
        .item("count", n(batch.count))
        .item("createdAt", s(&batch.created_at))
        .item("createdBy", s(&batch.created_by))
        .send()
        .await?;
    Ok(())
}

fn batch_of(item: &Item) -> Batch {
    Batch {
        batch_id: get_s(item, "batchId").unwrap_or_default().into(),
        game_id: get_n(item, "gameId").unwrap_or(0),
        label: get_s(item, "label").unwrap_or_default().into(),
        count: get_n(item, "count").unwrap_or(0),
        redeemed: 0,
        created_at: get_s(item, "createdAt").unwrap_or_default().into(),
        created_by: get_s(item, "createdBy").unwrap_or_default().into(),
        revoked_at: get_s(item, "revokedAt").map(str::to_owned),
    }
}

/// A game's batches, newest first.
pub async fn batches_of_game(app: &App, game_id: u32) -> Result<Vec<Batch>, ApiError> {
    let mut batches = Vec::new();
    let mut start = None;
    loop {
        let out = app
            .db
            .query()
            .table_name(app.table(Table::KEYS)?)
            .index_name("ByGame")
            .key_condition_expression("batchGame = :game")
            .expression_attribute_values(":game", n(game_id))
            .set_exclusive_start_key(start.take())
            .send()
            .await?;
        batches.extend(out.items().iter().map(batch_of));
        match out.last_evaluated_key {
            Some(key) => start = Some(key),
            None => break,
        }
    }
    batches.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.batch_id.cmp(&a.batch_id)));
    futures::future::try_join_all(batches.into_iter().map(|batch| with_redeemed_count(app, batch))).await
}

/// The batch with how many of its keys were redeemed (counted on the `ByBatch` index).
async fn with_redeemed_count(app: &App, mut batch: Batch) -> Result<Batch, ApiError> {
    let mut start = None;
    loop {
        let out = app
            .db
            .query()
            .table_name(app.table(Table::KEYS)?)
            .index_name("ByBatch")
            .key_condition_expression("keyBatch = :batch")
            .filter_expression("#state = :redeemed")
            .expression_attribute_names("#state", "state")
            .expression_attribute_values(":batch", s(&batch.batch_id))
            .expression_attribute_values(":redeemed", s(REDEEMED))
            .select(Select::Count)
            .set_exclusive_start_key(start.take())
            .send()
            .await?;
        batch.redeemed += out.count() as u64;
        match out.last_evaluated_key {
            Some(key) => start = Some(key),
            None => return Ok(batch),
        }
    }
}

/// The item under `pk`, read strongly consistent.
async fn item(app: &App, pk: String) -> Result<Option<Item>, ApiError> {
    let out =
        app.db.get_item().table_name(app.table(Table::KEYS)?).key("pk", s(pk)).consistent_read(true).send().await?;
    Ok(out.item)
}

/// One batch, if it exists.
pub async fn batch(app: &App, batch_id: &str) -> Result<Option<Batch>, ApiError> {
    match item(app, batch_pk(batch_id)).await?.as_ref().map(batch_of) {
        Some(batch) => Ok(Some(with_redeemed_count(app, batch).await?)),
        None => Ok(None),
    }
}

/// Revokes a batch (its unredeemed keys stop redeeming); `false` if it was revoked before.
pub async fn revoke(app: &App, batch_id: &str, at: &str) -> Result<bool, ApiError> {
    let result = app
        .db
        .update_item()
        .table_name(app.table(Table::KEYS)?)
        .key("pk", s(batch_pk(batch_id)))
        .update_expression("SET revokedAt = :at")
        .condition_expression("attribute_exists(pk) AND attribute_not_exists(revokedAt)")
        .expression_attribute_values(":at", s(at))
        .send()
        .await;
    super::applied(result)
}

/// The key with this digest, if one was made.
pub async fn key(app: &App, digest: &str) -> Result<Option<Key>, ApiError> {
    Ok(item(app, key_pk(digest)).await?.map(|item| Key {
        digest: digest.into(),
        game_id: get_n(&item, "gameId").unwrap_or(0),
        batch_id: get_s(&item, "batchId").unwrap_or_default().into(),
        state: get_s(&item, "state").unwrap_or_default().into(),
        redeemed_by: get_s(&item, "redeemedBy").map(str::to_owned),
        order_id: get_s(&item, "orderId").map(str::to_owned),
    }))
}

/// The key redeemed by `user_id` for `order_id`, once (returns the key as it was when it fails).
pub fn redeem(app: &App, digest: &str, user_id: &str, order_id: &str, at: &str) -> Result<TransactWriteItem, ApiError> {
    let update = Update::builder()
        .table_name(app.table(Table::KEYS)?)
        .key("pk", s(key_pk(digest)))
        .update_expression("SET #state = :redeemed, redeemedBy = :user, orderId = :order, redeemedAt = :at")
        .condition_expression("#state = :unredeemed")
        .expression_attribute_names("#state", "state")
        .expression_attribute_values(":redeemed", s(REDEEMED))
        .expression_attribute_values(":unredeemed", s(UNREDEEMED))
        .expression_attribute_values(":user", s(user_id))
        .expression_attribute_values(":order", s(order_id))
        .expression_attribute_values(":at", s(at))
        .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
        .build()
        .map_err(ApiError::internal)?;
    Ok(TransactWriteItem::builder().update(update).build())
}

/// The key's batch exists and is not revoked at commit.
pub fn batch_live(app: &App, batch_id: &str) -> Result<TransactWriteItem, ApiError> {
    let check = ConditionCheck::builder()
        .table_name(app.table(Table::KEYS)?)
        .key("pk", s(batch_pk(batch_id)))
        .condition_expression("attribute_exists(pk) AND attribute_not_exists(revokedAt)")
        .build()
        .map_err(ApiError::internal)?;
    Ok(TransactWriteItem::builder().condition_check(check).build())
}
