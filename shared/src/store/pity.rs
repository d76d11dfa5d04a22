//! Pity table: a player's counters per banner type, with a version. They change only inside a
//! pull's transaction, conditioned on the version the pull drew with, so two pulls can never both
//! advance the same counters (the loser draws again from the winner's).

use super::{n, s};
use crate::app::{App, Table};
use crate::domain::pity::PityState;
use crate::error::ApiError;
use aws_sdk_dynamodb::types::{TransactWriteItem, Update};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Counters {
    #[serde(flatten)]
    pub state: PityState,
    /// How many pulls moved these counters; 0 before the first.
    pub version: u64,
}

/// The player's counters for a banner type, read strongly consistent (fresh ones if none).
pub async fn read(app: &App, user_id: &str, banner_type: &str) -> Result<Counters, ApiError> {
    let out = app
        .db
        .get_item()
        .table_name(app.table(Table::PITY)?)
        .key("userId", s(user_id))
        .key("bannerType", s(banner_type))
        .consistent_read(true)
        .send()
        .await?;
    Ok(out.item.map(serde_dynamo::from_item).transpose()?.unwrap_or_default())
}

/// Sets the counters a pull left, if they are still at `seen` (the version the pull drew from).
pub fn advance(
    app: &App,
    user_id: &str,
    banner_type: &str,
    seen: u64,
    now: &PityState,
) -> Result<TransactWriteItem, ApiError> {
    let condition = if seen == 0 { "attribute_not_exists(version)" } else { "version = :seen" };
    let mut update = Update::builder()
        .table_name(app.table(Table::PITY)?)
        .key("userId", s(user_id))
        .key("bannerType", s(banner_type))
        .update_expression(
            "SET sinceUltraRare = :ultra, sinceSuperRare = :super, featuredGuaranteed = :guaranteed, version = :next",
        )
        .condition_expression(condition)
        .expression_attribute_values(":ultra", n(now.since_ultra_rare))
        .expression_attribute_values(":super", n(now.since_super_rare))
        .expression_attribute_values(
            ":guaranteed",
            aws_sdk_dynamodb::types::AttributeValue::Bool(now.featured_guaranteed),
        )
        .expression_attribute_values(":next", n(seen + 1));
    if seen > 0 {
        update = update.expression_attribute_values(":seen", n(seen));
    }
    Ok(TransactWriteItem::builder().update(update.build().map_err(ApiError::internal)?).build())
}
