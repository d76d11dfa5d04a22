//! Wallets table: one balance per player. A balance only changes inside a transaction that also
//! writes the ledger entry explaining it. Each change is conditioned on the balance read just
//! before, so the new balance is known exactly before the commit and can be stored with the
//! first response; a changed balance cancels the step, which says what it found.

use super::{get_n, n, s, Item};
use crate::app::{App, Table};
use crate::error::ApiError;
use aws_sdk_dynamodb::types::{ReturnValuesOnConditionCheckFailure, TransactWriteItem, Update};

/// The balance as committed (strongly consistent read); `None` if the player has no wallet.
pub async fn read(app: &App, user_id: &str) -> Result<Option<i64>, ApiError> {
    let out = app
        .db
        .get_item()
        .table_name(app.table(Table::WALLETS)?)
        .key("userId", s(user_id))
        .consistent_read(true)
        .projection_expression("balance")
        .send()
        .await?;
    Ok(out.item.as_ref().and_then(balance_of))
}

/// The balance a cancelled wallet step found.
pub fn balance_of(item: &Item) -> Option<i64> {
    get_n(item, "balance")
}

/// The balance, 0 for a player without a wallet.
pub async fn balance(app: &App, user_id: &str) -> Result<i64, ApiError> {
    Ok(read(app, user_id).await?.unwrap_or(0))
}

/// The transaction item that moves the balance from `seen` by `delta` (negative for a debit).
/// It fails, returning the wallet as it is, unless the balance is still `seen`.
pub fn change(app: &App, user_id: &str, seen: i64, delta: i64) -> Result<TransactWriteItem, ApiError> {
    let update = Update::builder()
        .table_name(app.table(Table::WALLETS)?)
        .key("userId", s(user_id))
        .update_expression("SET balance = :new, updatedAt = :now")
        .condition_expression("balance = :seen")
        .expression_attribute_values(":seen", n(seen))
        .expression_attribute_values(":new", n(seen + delta))
        .expression_attribute_values(":now", s(crate::clock::now_rfc3339()))
        .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
        .build()
        .map_err(ApiError::internal)?;
    Ok(TransactWriteItem::builder().update(update).build())
}

/// The transaction item that opens an empty wallet for a new player.
pub fn open(app: &App, user_id: &str) -> Result<TransactWriteItem, ApiError> {
    let put = aws_sdk_dynamodb::types::Put::builder()
        .table_name(app.table(Table::WALLETS)?)
        .item("userId", s(user_id))
        .item("balance", n(0))
        .item("createdAt", s(crate::clock::now_rfc3339()))
        .condition_expression("attribute_not_exists(userId)")
        .build()
        .map_err(ApiError::internal)?;
    Ok(TransactWriteItem::builder().put(put).build())
}
