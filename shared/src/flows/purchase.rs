//! Buying a game with gems (free games are claimed): the price check, ownership (a game is
//! owned once), the order, the debit and its ledger entry, the seller's revenue line, the
//! GamePurchased event and the idempotency record, in one money-flow transaction.

use super::{Idempotency, MoneyFlow, Step, WalletChange};
use crate::app::App;
use crate::domain::catalog::Game;
use crate::domain::money::LedgerKind;
use crate::domain::{pricing, revenue};
use crate::error::ApiError;
use crate::outbox;
use crate::store::orders::{self, LibraryEntry, Order};
use crate::store::prices::Sales;
use crate::store::revenue::Line;
use crate::store::{self, idempotency};
use serde_json::{json, Value};

pub const OPERATION: &str = "store-purchase";

/// Buys `game` at its price now (its list price less the sale running, from `sales` as read) for
/// the player whose balance was read as `seen`.
pub async fn purchase(
    app: &App,
    user_id: &str,
    key: Option<&str>,
    game: &Game,
    sales: &Sales,
    seen: Option<i64>,
) -> Result<Value, ApiError> {
    let guard = key.map(|key| idempotency::Guard::new(user_id, OPERATION, key, &json!({ "gameId": game.game_id })));
    let shown = pricing::shown(game.price_gems, &sales.sales, crate::clock::now_secs());
    let price = shown.price_gems;
    let seller = revenue::seller_of(&game.developers, &game.publishers);
    let fee = match price {
        0 => 0,
        price => revenue::platform_fee(store::revenue::lifetime_gross(app, &seller, game.game_id).await?, price),
    };
    let change = if price > 0 { WalletChange::Debit(price) } else { WalletChange::Unchanged };
    let flow = MoneyFlow {
        app,
        user_id,
        change,
        idempotency: guard.as_ref().map_or(Idempotency::None, Idempotency::Record),
        balance_field: "newBalance",
    };
    flow.run(seen, |tx| {
        let now = crate::clock::now_rfc3339();
        let order = Order {
            user_id: user_id.into(),
            order_id: store::new_id(),
            game_id: game.game_id,
            name: game.name.clone(),
            price_gems: price,
            list_price_gems: game.price_gems,
            status: orders::COMPLETED.into(),
            created_at: now.clone(),
            seller: seller.clone(),
            fee_gems: fee,
            refunded_at: None,
        };
        let owned = LibraryEntry {
            user_id: user_id.into(),
            game_id: game.game_id,
            name: game.name.clone(),
            order_id: order.order_id.clone(),
            acquired_at: now,
            played_minutes: 0,
        };
        let purchased = outbox::Entry::event(
            "GamePurchased",
            user_id,
            json!({ "gameId": game.game_id, "name": game.name, "priceGems": price, "orderId": order.order_id }),
        );
        tx.add(Step::PriceCheck { game_id: game.game_id }, store::catalog::price_unchanged(app, game)?);
        tx.add(Step::PriceCheck { game_id: game.game_id }, store::prices::unchanged(app, game.game_id, sales.version)?);
        tx.add(Step::Ownership { game_id: game.game_id }, orders::put_ownership(app, &owned)?);
        tx.add(Step::Order, orders::put_order(app, &order)?);
        tx.add(Step::OutboxEntry, purchased.put(app)?);
        // Free games are claimed: no ledger entry or revenue line for a zero change.
        if price > 0 {
            tx.add(
                Step::LedgerEntry,
                store::ledger::entry(app, user_id, LedgerKind::StorePurchase, price, &order.order_id)?,
            );
            let line = Line::sale(game.game_id, &seller, &game.name, &order.order_id, price, fee);
            tx.add(Step::RevenueLine, store::revenue::put_line(app, &line)?);
        }
        Ok(json!({
            "message": "Purchase successful",
            "orderId": order.order_id,
            "gameId": game.game_id,
            "name": game.name,
            "priceGems": price,
            "listPriceGems": game.price_gems,
        }))
    })
    .await
}
