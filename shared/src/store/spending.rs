//! Spending table: what minors bought each calendar month, for their monthly caps. Each purchase
//! reserves its gems before the card is charged, in one transaction: a reservation item under
//! the purchase's idempotency key (written once) and the month's total, added to only if it stays
//! within the cap. So concurrent purchases can never pass the cap together, and a retry of the
//! same purchase (same key, same request: the provider charges it once) reserves nothing twice;
//! the same key with another request, once the key's record has expired, is another purchase
//! and reserves its own. A purchase that ends with nothing charged (declined,
//! abandoned) gives its reservation back, once: deleting the reservation and subtracting from the
//! month happen together, conditioned on the reservation existing.

use super::{get_n, get_s, n, s, TxOutcome};
use crate::app::{App, Table};
use crate::error::ApiError;
use crate::store::idempotency::Guard;
use aws_sdk_dynamodb::types::{Delete, Put, TransactWriteItem, Update};

const RESERVATION: &str = "reservation#";
const MONTH: &str = "month#";
/// Spending items outlive their month by a year, then expire.
const KEEP_SECS: u64 = 400 * 24 * 3600;

/// Whether a purchase may go ahead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reserved {
    /// Reserved now, or by an earlier attempt of the same purchase.
    Yes,
    /// The month's total would pass the cap.
    OverCap,
}

/// Reserves `gems` of `month` (`YYYY-MM`) for the purchase `purchase_key`, within `cap`.
pub async fn reserve(
    app: &App,
    user_id: &str,
    purchase: &Guard,
    month: &str,
    gems: u64,
    cap: u64,
) -> Result<Reserved, ApiError> {
    let table = app.table(Table::SPENDING)?;
    let Some(room) = cap.checked_sub(gems) else { return Ok(Reserved::OverCap) };
    let expires = n(crate::clock::now_secs() + KEEP_SECS);
    let reservation = Put::builder()
        .table_name(table)
        .item("userId", s(user_id))
        .item("entry", s(reservation_entry(purchase)))
        .item("month", s(month))
        .item("gems", n(gems))
        .item("expiresAt", expires.clone())
        .condition_expression("attribute_not_exists(#entry)")
        .expression_attribute_names("#entry", "entry")
        .build()
        .map_err(ApiError::internal)?;
    let total = Update::builder()
        .table_name(table)
        .key("userId", s(user_id))
        .key("entry", s(format!("{MONTH}{month}")))
        .update_expression("ADD spent :gems SET expiresAt = :expires")
        .condition_expression("attribute_not_exists(spent) OR spent <= :room")
        .expression_attribute_values(":gems", n(gems))
        .expression_attribute_values(":room", n(room))
        .expression_attribute_values(":expires", expires)
        .build()
        .map_err(ApiError::internal)?;
    let items =
        vec![TransactWriteItem::builder().put(reservation).build(), TransactWriteItem::builder().update(total).build()];
    match super::transact(&app.db, items).await? {
        TxOutcome::Committed => Ok(Reserved::Yes),
        // The reservation exists: an earlier attempt of this purchase reserved it.
        TxOutcome::Cancelled(reasons) if reasons.first().is_some_and(|r| r.condition_failed()) => Ok(Reserved::Yes),
        TxOutcome::Cancelled(reasons) if reasons.get(1).is_some_and(|r| r.condition_failed()) => Ok(Reserved::OverCap),
        TxOutcome::Cancelled(reasons) => {
            Err(ApiError::internal(format!("spending reservation cancelled: {reasons:?}")))
        }
    }
}

/// A purchase's reservation: its idempotency key and the hash of its request, the pair the
/// payment provider dedupes charges by.
fn reservation_entry(purchase: &Guard) -> String {
    format!("{RESERVATION}{}#{}", purchase.record_key, purchase.request_hash)
}

/// Gives back the reservation of a purchase that charged nothing, if it has one (once).
pub async fn release(app: &App, user_id: &str, purchase: &Guard) -> Result<(), ApiError> {
    let table = app.table(Table::SPENDING)?;
    let entry = reservation_entry(purchase);
    let out = app
        .db
        .get_item()
        .table_name(table)
        .key("userId", s(user_id))
        .key("entry", s(&entry))
        .consistent_read(true)
        .send()
        .await?;
    let Some(item) = out.item else { return Ok(()) };
    let (Some(month), Some(gems)) = (get_s(&item, "month"), get_n::<u64>(&item, "gems")) else {
        return Err(ApiError::internal(format!("spending reservation {entry} is malformed")));
    };
    let delete = Delete::builder()
        .table_name(table)
        .key("userId", s(user_id))
        .key("entry", s(&entry))
        .condition_expression("attribute_exists(#entry)")
        .expression_attribute_names("#entry", "entry")
        .build()
        .map_err(ApiError::internal)?;
    let give_back = Update::builder()
        .table_name(table)
        .key("userId", s(user_id))
        .key("entry", s(format!("{MONTH}{month}")))
        .update_expression("ADD spent :back")
        .expression_attribute_values(":back", n(-(gems as i64)))
        .build()
        .map_err(ApiError::internal)?;
    let items = vec![
        TransactWriteItem::builder().delete(delete).build(),
        TransactWriteItem::builder().update(give_back).build(),
    ];
    // Cancelled: another release gave it back first.
    super::transact(&app.db, items).await.map(drop)
}

/// What a player bought in `month` (reserved purchases included).
pub async fn spent(app: &App, user_id: &str, month: &str) -> Result<u64, ApiError> {
    let out = app
        .db
        .get_item()
        .table_name(app.table(Table::SPENDING)?)
        .key("userId", s(user_id))
        .key("entry", s(format!("{MONTH}{month}")))
        .consistent_read(true)
        .send()
        .await?;
    Ok(out.item.as_ref().and_then(|i| get_n(i, "spent")).unwrap_or(0))
}
