//! Wallets table: one balance per player. The balance is only ever changed by a transaction that
//! also writes the ledger entry explaining it (see `debit` and `credit`).

use super::{get_n, n, s, Item};
use crate::app::{App, Table};
use crate::error::ApiError;
use aws_sdk_dynamodb::types::{TransactWriteItem, Update};

/// The transaction item that takes `amount` off the balance, failing if it would go negative.
pub fn debit(app: &App, user_id: &str, amount: u64) -> Result<TransactWriteItem, ApiError> {
    let update = Update::builder()
        .table_name(app.table(Table::Wallets)?)
        .key("userId", s(user_id))
        .update_expression("SET balance = balance - :amount, updatedAt = :now")
        .condition_expression("balance >= :amount")
        .expression_attribute_values(":amount", n(amount))
        .expression_attribute_values(":now", s(crate::clock::now_rfc3339()))
        .build()
        .map_err(ApiError::internal)?;
    Ok(TransactWriteItem::builder().update(update).build())
}

/// The transaction item that adds `amount` to an existing wallet.
pub fn credit(app: &App, user_id: &str, amount: u64) -> Result<TransactWriteItem, ApiError> {
    let update = Update::builder()
        .table_name(app.table(Table::Wallets)?)
        .key("userId", s(user_id))
        .update_expression("SET balance = balance + :amount, updatedAt = :now")
        .condition_expression("attribute_exists(userId)")
        .expression_attribute_values(":amount", n(amount))
        .expression_attribute_values(":now", s(crate::clock::now_rfc3339()))
        .build()
        .map_err(ApiError::internal)?;
    Ok(TransactWriteItem::builder().update(update).build())
}

/// The balance as committed (strongly consistent read).
pub async fn balance(app: &App, user_id: &str) -> Result<i64, ApiError> {
    let out = app
        .db
        .get_item()
        .table_name(app.table(Table::Wallets)?)
        .key("userId", s(user_id))
        .consistent_read(true)
        .projection_expression("balance")
        .send()
        .await?;
    Ok(out.item.as_ref().and_then(|i: &Item| get_n(i, "balance")).unwrap_or(0))
}
