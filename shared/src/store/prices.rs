//! Prices table: a game's sales (running, scheduled and recent) and its developer's regional
//! prices, one item per game that has any, with a version every change moves. A purchase computes the price from the item it read and
//! checks at commit that the version is still the one it read, so it charges exactly the price it
//! computed (a sale scheduled meanwhile refuses it with `price_changed`).

use super::{get_n, get_s, n, s, Item};
use crate::app::{App, Table};
use crate::domain::pricing::{self, Sale, Shown};
use crate::domain::regions::{self, Region};
use crate::error::ApiError;
use aws_sdk_dynamodb::types::{ConditionCheck, KeysAndAttributes, Put, TransactWriteItem};
use std::collections::{BTreeMap, HashMap};

/// A game's sales and regional prices as read, with the version they were read at (0: no item).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sales {
    pub version: u64,
    pub sales: Vec<Sale>,
    /// The developer's list prices by region code, in place of the derived ones.
    pub regional: BTreeMap<String, u64>,
    /// When a regional price last rose (epoch seconds, 0: never): no sale may start within 30
    /// days of it, so a sale's "lowest price of the prior 30 days" is never a raised price.
    pub raised_at: u64,
}

impl Sales {
    /// The game's list price in `region`: the developer's, else derived from the base price.
    pub fn list_price(&self, base_gems: u64, region: &Region) -> u64 {
        self.regional.get(region.code).copied().unwrap_or_else(|| regions::derived_price(base_gems, region))
    }

    /// What a player of `region` is shown at `now` for a game of this base price.
    pub fn shown(&self, base_gems: u64, region: &Region, now: u64) -> Shown {
        let mut shown = pricing::shown(self.list_price(base_gems, region), &self.sales, now);
        shown.price_region = Some(region.code);
        shown
    }
}

fn json_attr<T: serde::de::DeserializeOwned + Default>(item: &Item, name: &str) -> Result<T, ApiError> {
    match get_s(item, name) {
        Some(text) => serde_json::from_str(text).map_err(ApiError::internal),
        None => Ok(T::default()),
    }
}

fn sales_of(item: &Item) -> Result<Sales, ApiError> {
    Ok(Sales {
        version: get_n(item, "version").unwrap_or(0),
        sales: json_attr(item, "sales")?,
        regional: json_attr(item, "regional")?,
        raised_at: get_n(item, "raisedAt").unwrap_or(0),
    })
}

/// A game's sales, read strongly consistent (what a purchase charges from).
pub async fn read(app: &App, game_id: u32) -> Result<Sales, ApiError> {
    let out = app
        .db
        .get_item()
        .table_name(app.table(Table::PRICES)?)
        .key("gameId", n(game_id))
        .consistent_read(true)
        .send()
        .await?;
    out.item.as_ref().map_or(Ok(Sales::default()), sales_of)
}

/// The prices of each of `game_ids` that has any (a listing page's games, one BatchGetItem).
pub async fn read_many(app: &App, game_ids: &[u32]) -> Result<HashMap<u32, Sales>, ApiError> {
    let mut found = HashMap::new();
    let table = app.table(Table::PRICES)?;
    for chunk in game_ids.chunks(100) {
        let keys: Vec<Item> = chunk.iter().map(|id| Item::from([("gameId".to_string(), n(id))])).collect();
        let mut request = Some(KeysAndAttributes::builder().set_keys(Some(keys)).build().map_err(ApiError::internal)?);
        // Unprocessed keys (throttling) are asked for again, a few times.
        for _ in 0..5 {
            let Some(asked) = request.take() else { break };
            let out = app.db.batch_get_item().request_items(table, asked).send().await?;
            for item in out.responses.unwrap_or_default().remove(table).unwrap_or_default() {
                let game_id: u32 = get_n(&item, "gameId").unwrap_or(0);
                found.insert(game_id, sales_of(&item)?);
            }
            request = out.unprocessed_keys.unwrap_or_default().remove(table).filter(|k| !k.keys().is_empty());
        }
        if request.is_some() {
            return Err(ApiError::Unavailable("prices could not be read; try again".into()));
        }
    }
    Ok(found)
}

/// The condition that the game's sales are still at `version` at commit.
pub fn unchanged(app: &App, game_id: u32, version: u64) -> Result<TransactWriteItem, ApiError> {
    let check = ConditionCheck::builder().table_name(app.table(Table::PRICES)?).key("gameId", n(game_id));
    let check = match version {
        0 => check.condition_expression("attribute_not_exists(version)"),
        v => check.condition_expression("version = :v").expression_attribute_values(":v", n(v)),
    };
    Ok(TransactWriteItem::builder().condition_check(check.build().map_err(ApiError::internal)?).build())
}

/// The transaction item that replaces the game's prices with `next` if they are still at
/// `read.version`.
pub fn put(app: &App, game_id: u32, read: &Sales, next: &Sales) -> Result<TransactWriteItem, ApiError> {
    let put = Put::builder()
        .table_name(app.table(Table::PRICES)?)
        .item("gameId", n(game_id))
        .item("version", n(read.version + 1))
        .item("sales", s(serde_json::to_string(&next.sales).map_err(ApiError::internal)?))
        .item("regional", s(serde_json::to_string(&next.regional).map_err(ApiError::internal)?))
        .item("raisedAt", n(next.raised_at));
    let put = match read.version {
        0 => put.condition_expression("attribute_not_exists(version)"),
        v => put.condition_expression("version = :v").expression_attribute_values(":v", n(v)),
    };
    Ok(TransactWriteItem::builder().put(put.build().map_err(ApiError::internal)?).build())
}

/// Every game's sales with one due for announcement (the announcer's sweep). The table holds
/// only games that ever had a sale or a regional price, so the scan stays small.
pub async fn with_due_announcements(app: &App, now: u64) -> Result<Vec<(u32, Sales)>, ApiError> {
    let mut due = Vec::new();
    let mut start: Option<HashMap<String, aws_sdk_dynamodb::types::AttributeValue>> = None;
    loop {
        let out = app
            .db
            .scan()
            .table_name(app.table(Table::PRICES)?)
            .consistent_read(true)
            .set_exclusive_start_key(start.take())
            .send()
            .await?;
        for item in out.items() {
            let sales = sales_of(item)?;
            if sales.sales.iter().any(|sale| sale.due_for_announcement(now)) {
                due.push((get_n(item, "gameId").unwrap_or(0), sales));
            }
        }
        match out.last_evaluated_key {
            Some(key) => start = Some(key),
            None => return Ok(due),
        }
    }
}

/// What each game (id, base price) of a listing costs now in `region`, as players are shown it.
pub async fn shown_many(app: &App, games: &[(u32, u64)], region: &Region) -> Result<HashMap<u32, Shown>, ApiError> {
    let ids: Vec<u32> = games.iter().map(|(id, _)| *id).collect();
    let prices = read_many(app, &ids).await?;
    let now = crate::clock::now_secs();
    let none = Sales::default();
    Ok(games.iter().map(|(id, base)| (*id, prices.get(id).unwrap_or(&none).shown(*base, region, now))).collect())
}

/// A game's JSON with its price now: `priceGems` becomes what a purchase charges, beside
/// `listPriceGems`, `discountPercent`, `priceRegion` and, during a sale, `saleEndsAt` and
/// `lowestPrice30DaysGems`.
pub fn priced(mut game: serde_json::Value, shown: &Shown) -> serde_json::Value {
    if let (Some(fields), serde_json::Value::Object(price)) = (game.as_object_mut(), serde_json::json!(shown)) {
        fields.extend(price);
    }
    game
}
