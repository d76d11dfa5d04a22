//! Orders and Library tables: typed records, the transaction items that write them once, and
//! pages of a player's orders and library.

use super::{put_new, records_page};
use crate::app::{App, Table};
use crate::error::ApiError;
use aws_sdk_dynamodb::types::{ConditionCheck, Delete, ReturnValuesOnConditionCheckFailure, TransactWriteItem, Update};
use serde::{Deserialize, Serialize};

/// Who sells on every receipt: the store is merchant of record (games' publishers are named per
/// line).
pub const MERCHANT: &str = "Game Platform Store";

/// An order: one purchase or one checkout of a cart, with a line per game. The top-level game,
/// name and prices summarise it as seed 002's order listing shows orders (the first game, and
/// the totals).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Order {
    pub user_id: String,
    pub order_id: String,
    pub game_id: u32,
    pub name: String,
    /// What was charged in all: list prices less sales and the coupon.
    pub price_gems: u64,
    /// The catalog's prices at the time, summed.
    #[serde(default)]
    pub list_price_gems: u64,
    /// `completed`, `partially_refunded` (some lines) or `refunded` (every line).
    pub status: String,
    pub created_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refunded_at: Option<String>,
    #[serde(default)]
    pub lines: Vec<OrderLine>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coupon_code: Option<String>,
    #[serde(default)]
    pub coupon_gems: u64,
    /// The price region the order was priced in (`domain::regions`); older orders have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_region: Option<String>,
    /// Where it came from when not bought for oneself: `key` (a product key) or `gift` (bought
    /// for a friend, or received from one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// One game of an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderLine {
    pub game_id: u32,
    pub name: String,
    /// Who is paid for the game (`revenue::seller_of`).
    pub seller: String,
    pub list_price_gems: u64,
    /// After the sale running then.
    pub price_gems: u64,
    /// The coupon's share of this line.
    pub coupon_gems: u64,
    /// What was paid for this game (`price - coupon`): what its refund returns.
    pub paid_gems: u64,
    /// The platform's fee on `paid_gems` (the seller's line; reversed by a refund).
    pub fee_gems: u64,
    /// `completed` or `refunded`.
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refunded_at: Option<String>,
}

pub const COMPLETED: &str = "completed";
pub const PARTIALLY_REFUNDED: &str = "partially_refunded";
pub const REFUNDED: &str = "refunded";

impl Order {
    /// A new order of `lines` (at least one), completed now.
    pub fn new(user_id: &str, lines: Vec<OrderLine>, coupon_code: Option<String>) -> Order {
        let first = &lines[0];
        let name = match lines.len() {
            1 => first.name.clone(),
            n => format!("{} and {} more", first.name, n - 1),
        };
        Order {
            user_id: user_id.into(),
            order_id: super::new_id(),
            game_id: first.game_id,
            name,
            price_gems: lines.iter().map(|l| l.paid_gems).sum(),
            list_price_gems: lines.iter().map(|l| l.list_price_gems).sum(),
            status: COMPLETED.into(),
            created_at: crate::clock::now_rfc3339(),
            refunded_at: None,
            coupon_gems: lines.iter().map(|l| l.coupon_gems).sum(),
            coupon_code,
            lines,
            price_region: None,
            source: None,
        }
    }
}

/// An order of price 0 that came from `source` (a product key, an accepted gift) for one game,
/// and the library entry it makes: no gems, no ledger entry, no revenue line, not refundable.
pub fn free_order(user_id: &str, game_id: u32, name: &str, seller: &str, source: &str) -> (Order, LibraryEntry) {
    let line = OrderLine {
        game_id,
        name: name.into(),
        seller: seller.into(),
        list_price_gems: 0,
        price_gems: 0,
        coupon_gems: 0,
        paid_gems: 0,
        fee_gems: 0,
        status: COMPLETED.into(),
        refunded_at: None,
    };
    let mut order = Order::new(user_id, vec![line], None);
    order.source = Some(source.into());
    let owned = LibraryEntry {
        user_id: user_id.into(),
        game_id,
        name: name.into(),
        order_id: order.order_id.clone(),
        acquired_at: order.created_at.clone(),
        played_minutes: 0,
    };
    (order, owned)
}

/// A game a player owns.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LibraryEntry {
    pub user_id: String,
    pub game_id: u32,
    pub name: String,
    pub order_id: String,
    pub acquired_at: String,
    /// Minutes played, as the game's server reported them (`POST /server/games/{id}/play-sessions`).
    #[serde(default)]
    pub played_minutes: u64,
}

/// The order, written once.
pub fn put_order(app: &App, order: &Order) -> Result<TransactWriteItem, ApiError> {
    put_new(app.table(Table::ORDERS)?, order, "orderId")
}

/// Ownership: fails if the player already owns the game.
pub fn put_ownership(app: &App, entry: &LibraryEntry) -> Result<TransactWriteItem, ApiError> {
    put_new(app.table(Table::LIBRARY)?, entry, "gameId")
}

/// Holds while the player does not own the game (a gift to them is refused otherwise).
pub fn not_owned(app: &App, user_id: &str, game_id: u32) -> Result<TransactWriteItem, ApiError> {
    let check = ConditionCheck::builder()
        .table_name(app.table(Table::LIBRARY)?)
        .key("userId", super::s(user_id))
        .key("gameId", super::n(game_id))
        .condition_expression("attribute_not_exists(gameId)")
        .build()
        .map_err(ApiError::internal)?;
    Ok(TransactWriteItem::builder().condition_check(check).build())
}

/// One of the player's orders, read strongly consistent (`None`: no such order of theirs).
pub async fn order(app: &App, user_id: &str, order_id: &str) -> Result<Option<Order>, ApiError> {
    let out = app
        .db
        .get_item()
        .table_name(app.table(Table::ORDERS)?)
        .key("userId", super::s(user_id))
        .key("orderId", super::s(order_id))
        .consistent_read(true)
        .send()
        .await?;
    Ok(out.item.map(serde_dynamo::from_item).transpose()?)
}

/// Marks line `index` of the order refunded, once, and the order `refunded` or
/// `partially_refunded` by its other lines as read; fails if any line moved since the read
/// (returns the order as it was).
pub fn mark_line_refunded(
    app: &App,
    order: &Order,
    index: usize,
    refunded_at: &str,
) -> Result<TransactWriteItem, ApiError> {
    let others_refunded = order.lines.iter().enumerate().all(|(i, l)| i == index || l.status == REFUNDED);
    let mut update = Update::builder()
        .table_name(app.table(Table::ORDERS)?)
        .key("userId", super::s(&order.user_id))
        .key("orderId", super::s(&order.order_id))
        .expression_attribute_names("#status", "status")
        .expression_attribute_names("#lines", "lines")
        .expression_attribute_values(":refunded", super::s(REFUNDED))
        .expression_attribute_values(":completed", super::s(COMPLETED))
        .expression_attribute_values(":at", super::s(refunded_at))
        .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld);
    let mut conditions = Vec::new();
    for (i, line) in order.lines.iter().enumerate() {
        if i == index {
            conditions.push(format!("#lines[{i}].#status = :completed"));
        } else {
            conditions.push(format!("#lines[{i}].#status = :line{i}"));
            update = update.expression_attribute_values(format!(":line{i}"), super::s(&line.status));
        }
    }
    let order_status = if others_refunded { REFUNDED } else { PARTIALLY_REFUNDED };
    let set_all = if others_refunded { ", refundedAt = :at" } else { "" };
    let update = update
        .update_expression(format!(
            "SET #lines[{index}].#status = :refunded, #lines[{index}].refundedAt = :at, #status = :order{set_all}"
        ))
        .expression_attribute_values(":order", super::s(order_status))
        .condition_expression(conditions.join(" AND "))
        .build()
        .map_err(ApiError::internal)?;
    Ok(TransactWriteItem::builder().update(update).build())
}

/// Takes the game out of the library if this order put it there and it was played under
/// `max_minutes`: checked at commit, so play reported meanwhile is not missed (returns the entry
/// as it was when it fails).
pub fn remove_if_played_under(
    app: &App,
    order: &Order,
    game_id: u32,
    max_minutes: u64,
) -> Result<TransactWriteItem, ApiError> {
    let delete = Delete::builder()
        .table_name(app.table(Table::LIBRARY)?)
        .key("userId", super::s(&order.user_id))
        .key("gameId", super::n(game_id))
        .condition_expression("orderId = :order AND (attribute_not_exists(playedMinutes) OR playedMinutes < :max)")
        .expression_attribute_values(":order", super::s(&order.order_id))
        .expression_attribute_values(":max", super::n(max_minutes))
        .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
        .build()
        .map_err(ApiError::internal)?;
    Ok(TransactWriteItem::builder().delete(delete).build())
}

/// The player's library entry for a game (`None`: not owned), read strongly consistent: a game
/// server asking right after a purchase gets the truth.
pub async fn library_entry(app: &App, user_id: &str, game_id: u32) -> Result<Option<LibraryEntry>, ApiError> {
    let out = app
        .db
        .get_item()
        .table_name(app.table(Table::LIBRARY)?)
        .key("userId", super::s(user_id))
        .key("gameId", super::n(game_id))
        .consistent_read(true)
        .send()
        .await?;
    Ok(out.item.map(serde_dynamo::from_item).transpose()?)
}

/// Refuses (`422 not_owned`, field `gameId`) a game the player does not own: presence in a game
/// and lobbies and queues are for owned games only.
pub async fn ensure_owned(app: &App, user_id: &str, game_id: u32) -> Result<(), ApiError> {
    match library_entry(app, user_id, game_id).await? {
        Some(_) => Ok(()),
        None => Err(ApiError::Rule {
            code: "not_owned",
            field: Some("gameId"),
            detail: format!("game {game_id} is not in your library"),
        }),
    }
}

/// One page of a player's orders, newest first.
pub async fn orders_page(
    app: &App,
    user_id: &str,
    cursor: Option<&str>,
    limit: i32,
) -> Result<(Vec<Order>, Option<String>), ApiError> {
    records_page(app, Table::ORDERS, ("userId", user_id), ("orderId", false), cursor, limit).await
}

/// One page of a player's library.
pub async fn library_page(
    app: &App,
    user_id: &str,
    cursor: Option<&str>,
    limit: i32,
) -> Result<(Vec<LibraryEntry>, Option<String>), ApiError> {
    records_page(app, Table::LIBRARY, ("userId", user_id), ("gameId", true), cursor, limit).await
}
