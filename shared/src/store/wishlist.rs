//! Wishlists table: one item per (player, game) with an optional target price, and the `ByGame`
//! index the sale alerts fan out from (every wishlister of a game, a page at a time).

use super::{get_n, get_s, n, s, Item};
use crate::app::{App, Table};
use crate::error::ApiError;
use aws_sdk_dynamodb::types::AttributeValue;
use std::collections::HashMap;

pub const BY_GAME_INDEX: &str = "ByGame";
/// Games one wishlist holds.
pub const MAX_GAMES: usize = 500;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wish {
    pub user_id: String,
    pub game_id: u32,
    pub added_at: String,
    /// Tell me when it costs at most this many gems.
    pub target_price_gems: Option<u64>,
}

fn wish_of(item: &Item) -> Wish {
    Wish {
        user_id: get_s(item, "userId").unwrap_or_default().into(),
        game_id: get_n(item, "gameId").unwrap_or(0),
        added_at: get_s(item, "addedAt").unwrap_or_default().into(),
        target_price_gems: get_n(item, "targetPriceGems"),
    }
}

/// Adds the game (or sets its target price); `true` if it was not on the list.
pub async fn put(app: &App, wish: &Wish) -> Result<bool, ApiError> {
    let mut update = app
        .db
        .update_item()
        .table_name(app.table(Table::WISHLISTS)?)
        .key("userId", s(&wish.user_id))
        .key("gameId", n(wish.game_id))
        .expression_attribute_values(":at", s(&wish.added_at))
        .return_values(aws_sdk_dynamodb::types::ReturnValue::UpdatedOld);
    update = match wish.target_price_gems {
        Some(target) => update
            .update_expression("SET addedAt = if_not_exists(addedAt, :at), targetPriceGems = :target")
            .expression_attribute_values(":target", n(target)),
        None => update.update_expression("SET addedAt = if_not_exists(addedAt, :at) REMOVE targetPriceGems"),
    };
    let out = update.send().await?;
    Ok(out.attributes.is_none_or(|old| !old.contains_key("addedAt")))
}

/// Takes the game off the list; `true` if it was on it.
pub async fn delete(app: &App, user_id: &str, game_id: u32) -> Result<bool, ApiError> {
    let out = app
        .db
        .delete_item()
        .table_name(app.table(Table::WISHLISTS)?)
        .key("userId", s(user_id))
        .key("gameId", n(game_id))
        .return_values(aws_sdk_dynamodb::types::ReturnValue::AllOld)
        .send()
        .await?;
    Ok(out.attributes.is_some())
}

/// The player's whole wishlist (at most `MAX_GAMES`), oldest first.
pub async fn of_player(app: &App, user_id: &str) -> Result<Vec<Wish>, ApiError> {
    let mut wishes = Vec::new();
    let mut start: Option<HashMap<String, AttributeValue>> = None;
    loop {
        let out = app
            .db
            .query()
            .table_name(app.table(Table::WISHLISTS)?)
            .key_condition_expression("userId = :u")
            .expression_attribute_values(":u", s(user_id))
            .set_exclusive_start_key(start.take())
            .send()
            .await?;
        wishes.extend(out.items().iter().map(wish_of));
        match out.last_evaluated_key {
            Some(key) if wishes.len() < MAX_GAMES => start = Some(key),
            _ => break,
        }
    }
    wishes.sort_by(|a, b| a.added_at.cmp(&b.added_at).then(a.game_id.cmp(&b.game_id)));
    Ok(wishes)
}

/// How many games the player wishes for (to keep the list under `MAX_GAMES`).
pub async fn count(app: &App, user_id: &str) -> Result<usize, ApiError> {
    let out = app
        .db
        .query()
        .table_name(app.table(Table::WISHLISTS)?)
        .key_condition_expression("userId = :u")
        .expression_attribute_values(":u", s(user_id))
        .select(aws_sdk_dynamodb::types::Select::Count)
        .send()
        .await?;
    Ok(out.count as usize)
}

/// One page of a game's wishlisters (the index is eventually consistent: a wish made a second
/// ago may miss an alert sent that second).
pub async fn of_game(
    app: &App,
    game_id: u32,
    start: Option<HashMap<String, AttributeValue>>,
) -> Result<(Vec<Wish>, Option<HashMap<String, AttributeValue>>), ApiError> {
    let out = app
        .db
        .query()
        .table_name(app.table(Table::WISHLISTS)?)
        .index_name(BY_GAME_INDEX)
        .key_condition_expression("gameId = :g")
        .expression_attribute_values(":g", n(game_id))
        .set_exclusive_start_key(start)
        .send()
        .await?;
    Ok((out.items().iter().map(wish_of).collect(), out.last_evaluated_key))
}
