//! Gifts table: one item per gift under its id (buyer, recipient, game, what was paid, state),
//! found by the sparse `ByRecipient` and `BySender` indexes (sorted by the time-ordered id); and
//! one `pending#<recipient>#<game>` marker per gift waiting for an answer, so a friend is never
//! offered the same game twice at once.

use super::{decode_cursor, encode_cursor, s};
use crate::app::{App, Table};
use crate::error::ApiError;
use aws_sdk_dynamodb::types::{Delete, Put, ReturnValuesOnConditionCheckFailure, TransactWriteItem, Update};
use serde::{Deserialize, Serialize};

pub const PENDING: &str = "pending";
pub const ACCEPTED: &str = "accepted";
pub const DECLINED: &str = "declined";
/// Not answered within `flows::gifts::ANSWER_WITHIN_SECS`: the buyer was refunded.
pub const EXPIRED: &str = "expired";
/// The `waiting` attribute of a pending gift: the sparse `Waiting` index's key, removed by the
/// answer, so the index holds exactly the gifts still waiting, by when they expire.
const WAITING: &str = "pending";

/// A game bought by one player for a friend.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Gift {
    pub gift_id: String,
    pub sender_id: String,
    pub sender_name: String,
    pub recipient_id: String,
    pub recipient_name: String,
    pub game_id: u32,
    pub name: String,
    /// What the buyer paid; a decline gives exactly this back.
    pub paid_gems: u64,
    /// The buyer's order (source `gift`) that paid for it.
    pub order_id: String,
    /// Who is paid for the game (`revenue::seller_of`), as on the order.
    pub seller: String,
    /// The recipient's order of price 0 (source `gift`), once accepted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipient_order_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// `pending`, then `accepted` or `declined`.
    pub status: String,
    pub created_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided_at: Option<String>,
    /// When an unanswered gift expires and its buyer is refunded (epoch seconds).
    #[serde(default)]
    pub expires_at: u64,
    /// `pending` while waiting for an answer (see `WAITING`); gone once answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waiting: Option<String>,
}

impl Gift {
    /// Marks a new gift as waiting, until `expires_at`.
    pub fn waiting_until(mut self, expires_at: u64) -> Gift {
        self.expires_at = expires_at;
        self.waiting = Some(WAITING.into());
        self
    }
}

/// Which of a player's gifts to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Received,
    Sent,
}

impl Direction {
    fn index(self) -> (&'static str, &'static str) {
        match self {
            Direction::Received => ("ByRecipient", "recipientId"),
            Direction::Sent => ("BySender", "senderId"),
        }
    }
}

fn pending_key(recipient_id: &str, game_id: u32) -> String {
    format!("pending#{recipient_id}#{game_id}")
}

/// The new gift, written once.
pub fn put_gift(app: &App, gift: &Gift) -> Result<TransactWriteItem, ApiError> {
    super::put_new(app.table(Table::GIFTS)?, gift, "giftId")
}

/// The marker of a gift waiting for an answer: fails while another gift of the game to the same
/// player waits.
pub fn put_pending(app: &App, gift: &Gift) -> Result<TransactWriteItem, ApiError> {
    let put = Put::builder()
        .table_name(app.table(Table::GIFTS)?)
        .item("giftId", s(pending_key(&gift.recipient_id, gift.game_id)))
        .item("pendingGift", s(&gift.gift_id))
        .condition_expression("attribute_not_exists(giftId)")
        .build()
        .map_err(ApiError::internal)?;
    Ok(TransactWriteItem::builder().put(put).build())
}

/// The gift's marker removed, if it is still this gift's.
pub fn clear_pending(app: &App, gift: &Gift) -> Result<TransactWriteItem, ApiError> {
    let delete = Delete::builder()
        .table_name(app.table(Table::GIFTS)?)
        .key("giftId", s(pending_key(&gift.recipient_id, gift.game_id)))
        .condition_expression("pendingGift = :gift")
        .expression_attribute_values(":gift", s(&gift.gift_id))
        .build()
        .map_err(ApiError::internal)?;
    Ok(TransactWriteItem::builder().delete(delete).build())
}

/// The gift answered `to` by its recipient, if it is still pending, with the recipient's order
/// when accepted (returns the gift as it was when it fails).
pub fn decide(
    app: &App,
    gift: &Gift,
    to: &str,
    at: &str,
    recipient_order: Option<&str>,
) -> Result<TransactWriteItem, ApiError> {
    let mut update = Update::builder()
        .table_name(app.table(Table::GIFTS)?)
        .key("giftId", s(&gift.gift_id))
        .update_expression(match recipient_order {
            Some(_) => "SET #status = :to, decidedAt = :at, recipientOrderId = :order REMOVE waiting",
            None => "SET #status = :to, decidedAt = :at REMOVE waiting",
        })
        .condition_expression("#status = :pending AND recipientId = :recipient")
        .expression_attribute_names("#status", "status")
        .expression_attribute_values(":to", s(to))
        .expression_attribute_values(":at", s(at))
        .expression_attribute_values(":pending", s(PENDING))
        .expression_attribute_values(":recipient", s(&gift.recipient_id))
        .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld);
    if let Some(order) = recipient_order {
        update = update.expression_attribute_values(":order", s(order));
    }
    Ok(TransactWriteItem::builder().update(update.build().map_err(ApiError::internal)?).build())
}

/// A gift by id, read strongly consistent (its answer depends on its state).
pub async fn gift(app: &App, gift_id: &str) -> Result<Option<Gift>, ApiError> {
    let out = app
        .db
        .get_item()
        .table_name(app.table(Table::GIFTS)?)
        .key("giftId", s(gift_id))
        .consistent_read(true)
        .send()
        .await?;
    Ok(out.item.map(serde_dynamo::from_item).transpose()?)
}

/// Up to `limit` gifts still waiting whose time to be answered ran out before `now`.
pub async fn expired(app: &App, now: u64, limit: i32) -> Result<Vec<Gift>, ApiError> {
    let out = app
        .db
        .query()
        .table_name(app.table(Table::GIFTS)?)
        .index_name("Waiting")
        .key_condition_expression("waiting = :waiting AND expiresAt < :now")
        .expression_attribute_values(":waiting", s(WAITING))
        .expression_attribute_values(":now", super::n(now))
        .limit(limit)
        .send()
        .await?;
    Ok(serde_dynamo::from_items(out.items.unwrap_or_default())?)
}

/// One page of the gifts a player received or sent, newest first.
pub async fn page(
    app: &App,
    user_id: &str,
    direction: Direction,
    cursor: Option<&str>,
    limit: i32,
) -> Result<(Vec<Gift>, Option<String>), ApiError> {
    let (index, partition) = direction.index();
    let mut query = app
        .db
        .query()
        .table_name(app.table(Table::GIFTS)?)
        .index_name(index)
        .key_condition_expression("#who = :who")
        .expression_attribute_names("#who", partition)
        .expression_attribute_values(":who", s(user_id))
        .scan_index_forward(false)
        .limit(limit);
    if let Some(cursor) = cursor {
        // The index's sort key is the table's key, so the gift id alone resumes the page.
        let after = decode_cursor(cursor)?;
        query = query.exclusive_start_key(partition, s(user_id)).exclusive_start_key("giftId", s(after));
    }
    let out = query.send().await?;
    let next = out.last_evaluated_key.as_ref().and_then(|key| super::get_s(key, "giftId")).map(encode_cursor);
    Ok((serde_dynamo::from_items(out.items.unwrap_or_default())?, next))
}
