//! Inventory table: a player's copies of each gacha item (sort key = item id) and their shards
//! (sort key `$shards`, an id no item can have). Both change only inside a pull's transaction:
//! item counts conditioned on the count the pull saw (the conversion past the cap depends on
//! it), shards by an addition the ledger entry beside it explains.

use super::{n, s};
use crate::app::{App, Table};
use crate::domain::gacha::{GachaItem, ItemType, Rarity};
use crate::domain::inventory::ItemGain;
use crate::error::ApiError;
use aws_sdk_dynamodb::types::{TransactWriteItem, Update};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

const SHARDS: &str = "$shards";

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HeldItem {
    pub item_id: String,
    pub name: String,
    #[serde(rename = "type")]
    pub item_type: ItemType,
    pub rarity: Rarity,
    pub count: u64,
    pub first_obtained_at: String,
}

/// A player's whole inventory (bounded by the number of items on all banners).
#[derive(Debug, Clone, Default)]
pub struct Inventory {
    pub items: Vec<HeldItem>,
    pub shards: u64,
}

impl Inventory {
    pub fn counts(&self) -> HashMap<String, u64> {
        self.items.iter().map(|i| (i.item_id.clone(), i.count)).collect()
    }
}

/// Reads it strongly consistent: the counts are what the pull's conditions compare against.
pub async fn read(app: &App, user_id: &str) -> Result<Inventory, ApiError> {
    let mut inventory = Inventory::default();
    let mut start = None;
    loop {
        let out = app
            .db
            .query()
            .table_name(app.table(Table::INVENTORY)?)
            .key_condition_expression("userId = :user")
            .expression_attribute_values(":user", s(user_id))
            .consistent_read(true)
            .set_exclusive_start_key(start)
            .send()
            .await?;
        for item in out.items() {
            match super::get_s(item, "itemId") {
                Some(SHARDS) => inventory.shards = super::get_n(item, "shards").unwrap_or(0),
                _ => inventory.items.push(serde_dynamo::from_item(item.clone())?),
            }
        }
        start = out.last_evaluated_key;
        if start.is_none() {
            return Ok(inventory);
        }
    }
}

/// Sets an item's count to what the pull leaves, if it is still what the pull saw.
pub fn change(app: &App, user_id: &str, gain: &ItemGain, now: &str) -> Result<TransactWriteItem, ApiError> {
    let GachaItem { id, name, item_type, rarity } = &gain.item;
    let mut update = Update::builder()
        .table_name(app.table(Table::INVENTORY)?)
        .key("userId", s(user_id))
        .key("itemId", s(id))
        .update_expression(
            "SET #count = :after, #name = :name, #type = :type, rarity = :rarity, \
             firstObtainedAt = if_not_exists(firstObtainedAt, :now)",
        )
        .expression_attribute_names("#count", "count")
        .expression_attribute_names("#name", "name")
        .expression_attribute_names("#type", "type")
        .expression_attribute_values(":after", n(gain.after))
        .expression_attribute_values(":name", s(name))
        .expression_attribute_values(":type", s(super::text_of(item_type)?))
        .expression_attribute_values(":rarity", s(super::text_of(rarity)?))
        .expression_attribute_values(":now", s(now));
    update = if gain.before == 0 {
        update.condition_expression("attribute_not_exists(#count)")
    } else {
        update.condition_expression("#count = :before").expression_attribute_values(":before", n(gain.before))
    };
    Ok(TransactWriteItem::builder().update(update.build().map_err(ApiError::internal)?).build())
}

/// Adds converted duplicates' shards (the ledger entry in the same transaction explains them).
pub fn add_shards(app: &App, user_id: &str, shards: u64) -> Result<TransactWriteItem, ApiError> {
    let update = Update::builder()
        .table_name(app.table(Table::INVENTORY)?)
        .key("userId", s(user_id))
        .key("itemId", s(SHARDS))
        .update_expression("ADD shards :shards")
        .expression_attribute_values(":shards", n(shards))
        .build()
        .map_err(ApiError::internal)?;
    Ok(TransactWriteItem::builder().update(update).build())
}
