//! Refunding a store order, Steam's way: within 14 days of the purchase and under 2 hours of
//! play, at most `REFUNDS_PER_MONTH` a month. One money-flow transaction marks the order refunded
//! (once), takes the game out of the library (only if it was still played under the limit at
//! commit), credits the gems with their ledger entry, reverses the seller's revenue line, counts
//! the month's refund and emits `GameRefunded`.

use super::{Idempotency, MoneyFlow, Step, WalletChange};
use crate::app::App;
use crate::domain::money::LedgerKind;
use crate::domain::revenue::{self, REFUNDS_PER_MONTH, REFUND_MAX_PLAYED_MINUTES};
use crate::error::ApiError;
use crate::outbox;
use crate::store::orders::{self, REFUNDED};
use crate::store::revenue::Line;
use crate::store::{self, idempotency, rate_limit, wallet};
use serde_json::{json, Value};

pub const OPERATION: &str = "store-refund";

/// Refunds the player's order `order_id` (its one line: orders hold one game each).
pub async fn refund(app: &App, user_id: &str, key: Option<&str>, order_id: &str) -> Result<Value, ApiError> {
    let guard = key.map(|key| idempotency::Guard::new(user_id, OPERATION, key, &json!({ "orderId": order_id })));
    let (order, seen) = tokio::try_join!(orders::order(app, user_id, order_id), wallet::read(app, user_id))?;
    let order = order.ok_or_else(|| ApiError::NotFound { code: "unknown_order", what: format!("order {order_id}") })?;
    let flow = MoneyFlow {
        app,
        user_id,
        change: WalletChange::Credit(order.price_gems),
        idempotency: guard.as_ref().map_or(Idempotency::None, Idempotency::Record),
        balance_field: "newBalance",
    };
    // Every refusal goes through the flow, so a key that already refunded replays its answer.
    if order.status == REFUNDED {
        return flow
            .refuse(ApiError::Conflict { code: "already_refunded", detail: "this order was refunded".into() })
            .await;
    }
    if order.price_gems == 0 {
        return flow
            .refuse(ApiError::Rule {
                code: "not_refundable",
                field: None,
                detail: "a free game has nothing to refund".into(),
            })
            .await;
    }
    let ordered_at = time::OffsetDateTime::parse(&order.created_at, &time::format_description::well_known::Rfc3339)
        .map_err(|_| ApiError::internal(format!("order {order_id} has an unreadable time")))?;
    let entry = orders::library_entry(app, user_id, order.game_id).await?;
    let played = entry.as_ref().map_or(0, |e| e.played_minutes);
    if let Some(refusal) =
        revenue::refund_refusal(ordered_at.unix_timestamp().max(0) as u64, crate::clock::now_secs(), played)
    {
        return flow.refuse(refusal).await;
    }
    flow.run(seen, |tx| {
        let now = crate::clock::now_rfc3339();
        let month = revenue::month_of(&now).to_owned();
        tx.add(Step::OrderRefund, orders::mark_refunded(app, &order, &now)?);
        tx.add(Step::RefundablePlay, orders::remove_if_played_under(app, &order, REFUND_MAX_PLAYED_MINUTES)?);
        tx.add(
            Step::LedgerEntry,
            store::ledger::entry(app, user_id, LedgerKind::StoreRefund, order.price_gems, &order.order_id)?,
        );
        // Orders from before revenue lines existed have no seller and no line to reverse.
        if !order.seller.is_empty() {
            let line =
                Line::refund(order.game_id, &order.seller, &order.name, &order.order_id, order.price_gems, order.fee_gems);
            tx.add(Step::RevenueLine, store::revenue::put_line(app, &line)?);
        }
        // The counter outlives its month by a few days; the key names the month, so the next
        // month starts from zero whatever the TTL sweeper has done.
        let expires = crate::clock::now_secs() + 35 * 24 * 3600;
        let allowance = rate_limit::allowance_use(app, &format!("refunds#{user_id}#{month}"), REFUNDS_PER_MONTH, expires)?;
        tx.add(Step::RefundAllowance, allowance);
        let refunded = outbox::Entry::event(
            "GameRefunded",
            user_id,
            json!({ "gameId": order.game_id, "name": order.name, "refundedGems": order.price_gems, "orderId": order.order_id }),
        );
        tx.add(Step::OutboxEntry, refunded.put(app)?);
        Ok(json!({
            "message": "Refund successful",
            "orderId": order.order_id,
            "gameId": order.game_id,
            "name": order.name,
            "refundedGems": order.price_gems,
            "status": REFUNDED,
            "refundedAt": now,
        }))
    })
    .await
}
