//! Coupons table: a coupon's terms and use count under its code, and each player's use of it
//! under `<code>#use#<userId>`. A checkout counts the use (under the cap) and records the
//! player's (once) in its own transaction, so the cap holds under any concurrency.

use super::{get_n, n, s};
use crate::app::{App, Table};
use crate::domain::checkout::Coupon;
use crate::error::ApiError;
use aws_sdk_dynamodb::types::{Put, ReturnValuesOnConditionCheckFailure, TransactWriteItem, Update};

/// A coupon and how many times it was used.
#[derive(Debug, Clone, PartialEq)]
pub struct Stored {
    pub coupon: Coupon,
    pub uses: u64,
}

/// Creates a coupon; `false` if the code is taken.
pub async fn create(app: &App, coupon: &Coupon) -> Result<bool, ApiError> {
    let mut item: super::Item = serde_dynamo::to_item(coupon)?;
    item.insert("uses".into(), n(0));
    let put = app
        .db
        .put_item()
        .table_name(app.table(Table::COUPONS)?)
        .set_item(Some(item))
        .condition_expression("attribute_not_exists(code)")
        .send()
        .await;
    super::applied(put)
}

/// The coupon with this code, if any.
pub async fn get(app: &App, code: &str) -> Result<Option<Stored>, ApiError> {
    let out = app
        .db
        .get_item()
        .table_name(app.table(Table::COUPONS)?)
        .key("code", s(code))
        .consistent_read(true)
        .send()
        .await?;
    match out.item {
        None => Ok(None),
        Some(item) => {
            let uses = get_n(&item, "uses").unwrap_or(0);
            Ok(Some(Stored { coupon: serde_dynamo::from_item(item)?, uses }))
        }
    }
}

/// One more use, under the cap and inside the validity window at commit (returns the coupon as
/// it was when it fails).
pub fn count_use(app: &App, code: &str, now: u64) -> Result<TransactWriteItem, ApiError> {
    let update = Update::builder()
        .table_name(app.table(Table::COUPONS)?)
        .key("code", s(code))
        .update_expression("ADD uses :one")
        .condition_expression("uses < maxUses AND startsAt <= :now AND endsAt > :now")
        .expression_attribute_values(":one", n(1))
        .expression_attribute_values(":now", n(now))
        .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
        .build()
        .map_err(ApiError::internal)?;
    Ok(TransactWriteItem::builder().update(update).build())
}

/// The player's one use of the coupon, for this order.
pub fn record_player_use(app: &App, code: &str, user_id: &str, order_id: &str) -> Result<TransactWriteItem, ApiError> {
    let put = Put::builder()
        .table_name(app.table(Table::COUPONS)?)
        .item("code", s(format!("{code}#use#{user_id}")))
        .item("orderId", s(order_id))
        .item("usedAt", s(crate::clock::now_rfc3339()))
        .condition_expression("attribute_not_exists(code)")
        .build()
        .map_err(ApiError::internal)?;
    Ok(TransactWriteItem::builder().put(put).build())
}
