//! Pulls table: one record per item drawn, keyed by player and a time-ordered pull id.

use super::{page_matching, Filter};
use crate::app::{App, Table};
use crate::domain::fairness::DrawProof;
use crate::domain::gacha::{GachaItem, Rarity};
use crate::domain::pity::PityState;
use crate::error::ApiError;
use aws_sdk_dynamodb::types::{Put, TransactWriteItem};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PullRecord {
    pub user_id: String,
    pub pull_id: String,
    pub banner_id: String,
    pub item: GachaItem,
    pub currency_spent: u64,
    pub pulled_at: String,
    /// Seed commitment, client seed and nonce of the draw (pulls before fairness have none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proof: Option<DrawProof>,
    /// The pity counters the draw started from, on banners with pity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pity_before: Option<PityState>,
}

/// One of the player's pulls, by id.
pub async fn get(app: &App, user_id: &str, pull_id: &str) -> Result<Option<PullRecord>, ApiError> {
    let out = app
        .db
        .get_item()
        .table_name(app.table(Table::PULLS)?)
        .key("userId", super::s(user_id))
        .key("pullId", super::s(pull_id))
        .send()
        .await?;
    Ok(out.item.map(serde_dynamo::from_item).transpose()?)
}

pub fn put(app: &App, record: &PullRecord) -> Result<TransactWriteItem, ApiError> {
    let put = Put::builder()
        .table_name(app.table(Table::PULLS)?)
        .set_item(Some(serde_dynamo::to_item(record)?))
        .condition_expression("attribute_not_exists(pullId)")
        .build()
        .map_err(ApiError::internal)?;
    Ok(TransactWriteItem::builder().put(put).build())
}

/// Which of a player's pulls a history page shows.
#[derive(Debug, Default, Clone)]
pub struct HistoryFilter {
    pub banner_id: Option<String>,
    pub rarity: Option<Rarity>,
}

/// One page of a player's pulls, newest first, those matching `filter` only.
pub async fn page(
    app: &App,
    user_id: &str,
    filter: &HistoryFilter,
    cursor: Option<&str>,
    limit: i32,
) -> Result<(Vec<PullRecord>, Option<String>), ApiError> {
    let mut conditions = Vec::new();
    let mut names = Vec::new();
    let mut values = Vec::new();
    if let Some(banner_id) = &filter.banner_id {
        conditions.push("#banner = :banner");
        names.push(("#banner".to_owned(), "bannerId".to_owned()));
        values.push((":banner".to_owned(), super::s(banner_id)));
    }
    if let Some(rarity) = filter.rarity {
        conditions.push("#item.#rarity = :rarity");
        names.push(("#item".to_owned(), "item".to_owned()));
        names.push(("#rarity".to_owned(), "rarity".to_owned()));
        // Stored as the item's serialized rarity ("super rare").
        values.push((":rarity".to_owned(), super::s(super::text_of(&rarity)?)));
    }
    let filter = (!conditions.is_empty()).then(|| Filter { expression: conditions.join(" AND "), names, values });
    let (items, next) =
        page_matching(app, Table::PULLS, ("userId", user_id), ("pullId", false), cursor, limit, filter.as_ref())
            .await?;
    Ok((serde_dynamo::from_items(items)?, next))
}
