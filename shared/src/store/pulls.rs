//! Pulls table: one record per item drawn, keyed by player and a time-ordered pull id.

use crate::app::{App, Table};
use crate::domain::gacha::GachaItem;
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

/// One page of a player's pulls, newest first.
pub async fn page(
    app: &App,
    user_id: &str,
    cursor: Option<&str>,
    limit: i32,
) -> Result<(Vec<PullRecord>, Option<String>), ApiError> {
    super::records_page(app, Table::PULLS, ("userId", user_id), ("pullId", false), cursor, limit).await
}
