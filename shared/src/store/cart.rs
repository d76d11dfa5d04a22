//! Carts table: one item per (player, game) in the cart, and a count item per player (sort key
//! 0, no game has that id) that keeps the cart under `MAX_CART_ITEMS` atomically: adding takes a
//! slot in the same transaction as the item, removing and checking out give slots back.

use super::{get_n, n, s, Item};
use crate::app::{App, Table};
use crate::domain::checkout::MAX_CART_ITEMS;
use crate::error::ApiError;
use aws_sdk_dynamodb::types::{Delete, Put, TransactWriteItem, Update};

/// The sort key of a player's count item.
const COUNT_KEY: u32 = 0;

/// A game in the cart, and when it was added.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CartItem {
    pub game_id: u32,
    pub added_at: String,
}

/// The player's cart, oldest first, read strongly consistent (what a checkout buys).
pub async fn items(app: &App, user_id: &str) -> Result<Vec<CartItem>, ApiError> {
    let out = app
        .db
        .query()
        .table_name(app.table(Table::CARTS)?)
        .key_condition_expression("userId = :u AND gameId > :count")
        .expression_attribute_values(":u", s(user_id))
        .expression_attribute_values(":count", n(COUNT_KEY))
        .consistent_read(true)
        .send()
        .await?;
    let mut items: Vec<CartItem> = out
        .items
        .unwrap_or_default()
        .iter()
        .map(|i: &Item| CartItem {
            game_id: get_n(i, "gameId").unwrap_or(0),
            added_at: super::get_s(i, "addedAt").unwrap_or_default().into(),
        })
        .collect();
    items.sort_by(|a, b| a.added_at.cmp(&b.added_at).then(a.game_id.cmp(&b.game_id)));
    Ok(items)
}

/// The game, added once (fails if it is in the cart already).
pub fn put_item(app: &App, user_id: &str, game_id: u32) -> Result<TransactWriteItem, ApiError> {
    let put = Put::builder()
        .table_name(app.table(Table::CARTS)?)
        .item("userId", s(user_id))
        .item("gameId", n(game_id))
        .item("addedAt", s(crate::clock::now_rfc3339()))
        .condition_expression("attribute_not_exists(gameId)")
        .build()
        .map_err(ApiError::internal)?;
    Ok(TransactWriteItem::builder().put(put).build())
}

/// The game taken out of the cart (fails if it is not there).
pub fn delete_item(app: &App, user_id: &str, game_id: u32) -> Result<TransactWriteItem, ApiError> {
    let delete = Delete::builder()
        .table_name(app.table(Table::CARTS)?)
        .key("userId", s(user_id))
        .key("gameId", n(game_id))
        .condition_expression("attribute_exists(gameId)")
        .build()
        .map_err(ApiError::internal)?;
    Ok(TransactWriteItem::builder().delete(delete).build())
}

/// One more game in the cart, if it holds fewer than `MAX_CART_ITEMS`.
pub fn take_slot(app: &App, user_id: &str) -> Result<TransactWriteItem, ApiError> {
    count_change(app, user_id, 1, Some(MAX_CART_ITEMS as u64))
}

/// `games` fewer games in the cart.
pub fn give_back_slots(app: &App, user_id: &str, games: usize) -> Result<TransactWriteItem, ApiError> {
    count_change(app, user_id, -(games as i64), None)
}

fn count_change(app: &App, user_id: &str, by: i64, below: Option<u64>) -> Result<TransactWriteItem, ApiError> {
    let update = Update::builder()
        .table_name(app.table(Table::CARTS)?)
        .key("userId", s(user_id))
        .key("gameId", n(COUNT_KEY))
        .update_expression("ADD #count :by")
        .expression_attribute_names("#count", "count")
        .expression_attribute_values(":by", n(by));
    let update = match below {
        Some(max) => update
            .condition_expression("attribute_not_exists(#count) OR #count < :max")
            .expression_attribute_values(":max", n(max)),
        None => update,
    };
    Ok(TransactWriteItem::builder().update(update.build().map_err(ApiError::internal)?).build())
}
