//! Refunding a game of a store order, Steam's way: within 14 days of the purchase and under 2
//! hours of play, at most `REFUNDS_PER_MONTH` a month. One money-flow transaction marks the line
//! refunded (once), takes the game out of the library (only if it was still played under the
//! limit at commit), credits what was paid for it with its ledger entry, reverses the seller's
//! revenue line, counts the month's refund and emits `GameRefunded`. A coupon's use is not given
//! back.

use super::transaction::RELATION_MOVED;
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

/// Refunds the game `game_id` of the player's order (`None`: the order's only game).
pub async fn refund(
    app: &App,
    user_id: &str,
    key: Option<&str>,
    order_id: &str,
    game_id: Option<u32>,
) -> Result<Value, ApiError> {
    let guard = key.map(|key| {
        idempotency::Guard::new(user_id, OPERATION, key, &json!({ "orderId": order_id, "gameId": game_id }))
    });
    // Another line of the same order refunded meanwhile moves the order: read it again.
    for round in 0..5 {
        match attempt(app, user_id, guard.as_ref(), order_id, game_id).await {
            Err(ApiError::Conflict { code: RELATION_MOVED, .. }) => store::backoff(round).await,
            done => return done,
        }
    }
    Err(ApiError::Unavailable("the order kept changing; try again".into()))
}

async fn attempt(
    app: &App,
    user_id: &str,
    guard: Option<&idempotency::Guard>,
    order_id: &str,
    game_id: Option<u32>,
) -> Result<Value, ApiError> {
    let (order, seen) = tokio::try_join!(orders::order(app, user_id, order_id), wallet::read(app, user_id))?;
    let order = order.ok_or_else(|| ApiError::NotFound { code: "unknown_order", what: format!("order {order_id}") })?;
    let index = match (game_id, order.lines.len()) {
        (Some(game_id), _) => order.lines.iter().position(|l| l.game_id == game_id).ok_or_else(|| {
            ApiError::NotFound { code: "not_in_order", what: format!("game {game_id} in this order") }
        })?,
        (None, 1) => 0,
        (None, _) => {
            return Err(ApiError::validation("gameId", "this order holds several games: name the one to refund"))
        }
    };
    let line = &order.lines[index];
    let flow = MoneyFlow {
        app,
        user_id,
        change: WalletChange::Credit(line.paid_gems),
        idempotency: guard.map_or(Idempotency::None, Idempotency::Record),
        balance_field: "newBalance",
    };
    // Every refusal goes through the flow, so a key that already refunded replays its answer.
    if line.status == REFUNDED {
        return flow
            .refuse(ApiError::Conflict { code: "already_refunded", detail: "this game was refunded".into() })
            .await;
    }
    if order.source.as_deref() == Some(super::gifts::GIFT_SOURCE) {
        let gift = ApiError::Rule {
            code: "gift_not_refundable",
            field: None,
            detail: "a gift is refunded to its buyer when its recipient declines it".into(),
        };
        return flow.refuse(gift).await;
    }
    if line.paid_gems == 0 {
        let free =
            ApiError::Rule { code: "not_refundable", field: None, detail: "nothing was paid for this game".into() };
        return flow.refuse(free).await;
    }
    let ordered_at = time::OffsetDateTime::parse(&order.created_at, &time::format_description::well_known::Rfc3339)
        .map_err(|_| ApiError::internal(format!("order {order_id} has an unreadable time")))?;
    let entry = orders::library_entry(app, user_id, line.game_id).await?;
    let played = entry.as_ref().map_or(0, |e| e.played_minutes);
    if let Some(refusal) =
        revenue::refund_refusal(ordered_at.unix_timestamp().max(0) as u64, crate::clock::now_secs(), played)
    {
        return flow.refuse(refusal).await;
    }
    flow.run(seen, |tx| {
        let now = crate::clock::now_rfc3339();
        let month = revenue::month_of(&now).to_owned();
        tx.add(Step::OrderRefund { game_id: line.game_id }, orders::mark_line_refunded(app, &order, index, &now)?);
        tx.add(
            Step::RefundablePlay,
            orders::remove_if_played_under(app, &order, line.game_id, REFUND_MAX_PLAYED_MINUTES)?,
        );
        tx.add(
            Step::LedgerEntry,
            store::ledger::entry(app, user_id, LedgerKind::StoreRefund, line.paid_gems, &order.order_id)?,
        );
        let reversal =
            Line::refund(line.game_id, &line.seller, &line.name, &order.order_id, line.paid_gems, line.fee_gems);
        tx.add(Step::RevenueLine, store::revenue::put_line(app, &reversal)?);
        // The counter outlives its month by a few days; the key names the month, so the next
        // month starts from zero whatever the TTL sweeper has done.
        let expires = crate::clock::now_secs() + 35 * 24 * 3600;
        let allowance = rate_limit::allowance_use(app, &format!("refunds#{user_id}#{month}"), REFUNDS_PER_MONTH, expires)?;
        tx.add(Step::RefundAllowance, allowance);
        let refunded = outbox::Entry::event(
            "GameRefunded",
            user_id,
            json!({ "gameId": line.game_id, "name": line.name, "refundedGems": line.paid_gems, "orderId": order.order_id }),
        );
        tx.add(Step::OutboxEntry, refunded.put(app)?);
        Ok(json!({
            "message": "Refund successful",
            "orderId": order.order_id,
            "gameId": line.game_id,
            "name": line.name,
            "refundedGems": line.paid_gems,
            "status": REFUNDED,
            "refundedAt": now,
        }))
    })
    .await
}
