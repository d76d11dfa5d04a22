//! Ledger table: every balance change, signed, keyed by player and a time-ordered entry id.
//! Invariant: the entries of a player sum to their balance.

use super::{get_n, get_s, n, new_id, s};
use crate::app::{App, Table};
use crate::domain::money::{Currency, LedgerKind};
use crate::error::ApiError;
use aws_sdk_dynamodb::types::{Put, TransactWriteItem};
use serde::Serialize;

/// The transaction item recording one balance change.
pub fn entry(
    app: &App,
    user_id: &str,
    kind: LedgerKind,
    amount: u64,
    reference: &str,
) -> Result<TransactWriteItem, ApiError> {
    let put = Put::builder()
        .table_name(app.table(Table::LEDGER)?)
        .item("userId", s(user_id))
        .item("entryId", s(new_id()))
        .item("kind", s(kind.as_str()))
        .item("amount", n(kind.signed(amount)))
        .item("reference", s(reference))
        .item("createdAt", s(crate::clock::now_rfc3339()))
        .condition_expression("attribute_not_exists(entryId)");
    // Gem entries (all entries before shards existed) carry no currency attribute.
    let put = match kind.currency() {
        Currency::Gems => put,
        other => put.item("currency", s(other.as_str())),
    };
    Ok(TransactWriteItem::builder().put(put.build().map_err(ApiError::internal)?).build())
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LedgerEntry {
    pub entry_id: String,
    pub kind: String,
    pub amount: i64,
    pub reference: String,
    pub created_at: String,
    pub currency: &'static str,
}

/// One page of a player's ledger in one currency, newest first.
pub async fn page(
    app: &App,
    user_id: &str,
    currency: Currency,
    cursor: Option<&str>,
    limit: i32,
) -> Result<(Vec<LedgerEntry>, Option<String>), ApiError> {
    let filter = match currency {
        Currency::Gems => {
            super::Filter { expression: "attribute_not_exists(currency)".into(), names: vec![], values: vec![] }
        }
        other => super::Filter {
            expression: "currency = :currency".into(),
            names: vec![],
            values: vec![(":currency".into(), s(other.as_str()))],
        },
    };
    let (items, next) =
        super::page_matching(app, Table::LEDGER, ("userId", user_id), ("entryId", false), cursor, limit, Some(&filter))
            .await?;
    let entries = items
        .iter()
        .map(|i| LedgerEntry {
            entry_id: get_s(i, "entryId").unwrap_or_default().into(),
            kind: get_s(i, "kind").unwrap_or_default().into(),
            amount: get_n(i, "amount").unwrap_or(0),
            reference: get_s(i, "reference").unwrap_or_default().into(),
            created_at: get_s(i, "createdAt").unwrap_or_default().into(),
            currency: currency.as_str(),
        })
        .collect();
    Ok((entries, next))
}
