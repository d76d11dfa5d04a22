//! Buying games with gems: one game (`POST /store/purchase`) or a whole cart (`POST
//! /store/checkout`), in one money-flow transaction either way: per game its library entry (a
//! game is owned once), the checks that its list price and sales are those the price was
//! computed from, the seller's revenue line, its GamePurchased event and (from a cart) its
//! removal from the cart; then the order with its lines, the one debit and its ledger entry, the
//! coupon's use and the idempotency record. One owned game refuses the whole purchase, naming it.

use super::{Idempotency, MoneyFlow, Step, WalletChange};
use crate::app::App;
use crate::domain::catalog::Game;
use crate::domain::checkout::{coupon_shares, Coupon, Priced};
use crate::domain::money::LedgerKind;
use crate::domain::regions::Region;
use crate::domain::revenue;
use crate::error::ApiError;
use crate::outbox;
use crate::store::orders::{self, LibraryEntry, Order, OrderLine, COMPLETED};
use crate::store::prices::Sales;
use crate::store::revenue::Line;
use crate::store::{self, cart, coupons, idempotency};
use serde_json::{json, Value};

pub const OPERATION: &str = "store-purchase";
pub const CHECKOUT: &str = "store-checkout";

/// A game to buy, with its sales as read (the price is computed from them).
#[derive(Debug, Clone)]
pub struct Pick {
    pub game: Game,
    pub sales: Sales,
}

/// The lines of buying `picks` now in `region` with `coupon`: each game's regional list price,
/// its price after the running sale, its share of the coupon and what is paid for it. Fees are
/// not known yet (0).
pub fn price_lines(
    picks: &[Pick],
    coupon: Option<&Coupon>,
    region: &Region,
    now: u64,
) -> Result<Vec<OrderLine>, ApiError> {
    let priced: Vec<Priced> = picks
        .iter()
        .map(|p| {
            let shown = p.sales.shown(p.game.price_gems, region, now);
            Priced {
                game_id: p.game.game_id,
                genres: p.game.genres.clone(),
                list_price_gems: shown.list_price_gems,
                price_gems: shown.price_gems,
            }
        })
        .collect();
    let shares = match coupon {
        Some(coupon) => coupon_shares(coupon, &priced, now)?,
        None => vec![0; priced.len()],
    };
    Ok(picks
        .iter()
        .zip(priced)
        .zip(shares)
        .map(|((pick, priced), share)| OrderLine {
            game_id: pick.game.game_id,
            name: pick.game.name.clone(),
            seller: revenue::seller_of(&pick.game.developers, &pick.game.publishers),
            list_price_gems: priced.list_price_gems,
            price_gems: priced.price_gems,
            coupon_gems: share,
            paid_gems: priced.price_gems - share,
            fee_gems: 0,
            status: COMPLETED.into(),
            refunded_at: None,
        })
        .collect())
}

/// Sets each paid line's platform fee from its game's lifetime revenue (`revenue::platform_fee`).
pub async fn add_fees(app: &App, lines: &mut [OrderLine]) -> Result<(), ApiError> {
    let lifetimes = futures::future::try_join_all(lines.iter().map(|line| async move {
        match line.paid_gems {
            0 => Ok(0),
            _ => store::revenue::lifetime_gross(app, &line.seller, line.game_id).await,
        }
    }))
    .await?;
    for (line, lifetime) in lines.iter_mut().zip(lifetimes) {
        line.fee_gems = revenue::platform_fee(lifetime, line.paid_gems);
    }
    Ok(())
}

/// The player's cart, each game with its sales read now (in the order they were added).
pub async fn cart_picks(app: &App, user_id: &str) -> Result<Vec<Pick>, ApiError> {
    let items = cart::items(app, user_id).await?;
    futures::future::try_join_all(items.iter().map(|item| async move {
        let (game, sales) =
            tokio::try_join!(store::catalog::game(app, item.game_id), store::prices::read(app, item.game_id))?;
        Ok::<_, ApiError>(Pick { game, sales })
    }))
    .await
}

/// The coupon with this code as a player typed it (`404 unknown_coupon` if none).
pub async fn coupon(app: &App, raw_code: &str) -> Result<Coupon, ApiError> {
    let code = crate::domain::checkout::checked_code(raw_code)?;
    coupons::get(app, &code)
        .await?
        .map(|stored| stored.coupon)
        .ok_or_else(|| ApiError::NotFound { code: "unknown_coupon", what: format!("coupon {code}") })
}

/// Where the games come from, and what the purchase records besides them.
pub struct Basket<'a> {
    pub picks: &'a [Pick],
    /// Priced by `price_lines`, with fees.
    pub lines: Vec<OrderLine>,
    pub coupon_code: Option<String>,
    /// The games are in the player's cart and leave it.
    pub from_cart: bool,
    /// The price region the lines were priced in.
    pub region: &'a Region,
}

/// Buys the basket for the player whose balance was read as `seen`; `respond` makes the answer
/// (without the balance) from the order.
pub async fn buy<R>(
    app: &App,
    user_id: &str,
    guard: Option<&idempotency::Guard>,
    basket: Basket<'_>,
    seen: Option<i64>,
    respond: R,
) -> Result<Value, ApiError>
where
    R: Fn(&Order) -> Value,
{
    let total: u64 = basket.lines.iter().map(|l| l.paid_gems).sum();
    let flow = MoneyFlow {
        app,
        user_id,
        change: if total > 0 { WalletChange::Debit(total) } else { WalletChange::Unchanged },
        idempotency: guard.map_or(Idempotency::None, Idempotency::Record),
        balance_field: "newBalance",
    };
    flow.run(seen, |tx| {
        let mut order = Order::new(user_id, basket.lines.clone(), basket.coupon_code.clone());
        order.price_region = Some(basket.region.code.into());
        for (pick, line) in basket.picks.iter().zip(&order.lines) {
            let game_id = pick.game.game_id;
            let owned = LibraryEntry {
                user_id: user_id.into(),
                game_id,
                name: line.name.clone(),
                order_id: order.order_id.clone(),
                acquired_at: order.created_at.clone(),
                played_minutes: 0,
            };
            tx.add(Step::Ownership { game_id }, orders::put_ownership(app, &owned)?);
            tx.add(Step::PriceCheck { game_id }, store::catalog::price_unchanged(app, &pick.game)?);
            tx.add(Step::PriceCheck { game_id }, store::prices::unchanged(app, game_id, pick.sales.version)?);
            // Free games and promotions are claimed: no revenue line for nothing paid.
            if line.paid_gems > 0 {
                let sale =
                    Line::sale(game_id, &line.seller, &line.name, &order.order_id, line.paid_gems, line.fee_gems);
                tx.add(Step::RevenueLine, store::revenue::put_line(app, &sale)?);
            }
            let purchased = outbox::Entry::event(
                "GamePurchased",
                user_id,
                json!({ "gameId": game_id, "name": line.name, "priceGems": line.paid_gems, "orderId": order.order_id }),
            );
            tx.add(Step::OutboxEntry, purchased.put(app)?);
            if basket.from_cart {
                tx.add(Step::CartRemoval, cart::delete_item(app, user_id, game_id)?);
            }
        }
        tx.add(Step::Order, orders::put_order(app, &order)?);
        if total > 0 {
            tx.add(
                Step::LedgerEntry,
                store::ledger::entry(app, user_id, LedgerKind::StorePurchase, total, &order.order_id)?,
            );
        }
        if basket.from_cart {
            tx.add(Step::CartCount, cart::give_back_slots(app, user_id, order.lines.len())?);
        }
        if let Some(code) = &basket.coupon_code {
            tx.add(Step::CouponUse, coupons::count_use(app, code, crate::clock::now_secs())?);
            tx.add(Step::CouponClaim, coupons::record_player_use(app, code, user_id, &order.order_id)?);
        }
        Ok(respond(&order))
    })
    .await
}

/// `POST /store/purchase`: buys one game at its price now in the player's region (free games and
/// free-game promotions are claimed).
pub async fn purchase(
    app: &App,
    user_id: &str,
    key: Option<&str>,
    pick: Pick,
    region: &Region,
    seen: Option<i64>,
) -> Result<Value, ApiError> {
    let guard =
        key.map(|key| idempotency::Guard::new(user_id, OPERATION, key, &json!({ "gameId": pick.game.game_id })));
    let picks = [pick];
    let mut lines = price_lines(&picks, None, region, crate::clock::now_secs())?;
    add_fees(app, &mut lines).await?;
    let basket = Basket { picks: &picks, lines, coupon_code: None, from_cart: false, region };
    buy(app, user_id, guard.as_ref(), basket, seen, |order| {
        json!({
            "message": "Purchase successful",
            "orderId": order.order_id,
            "gameId": order.game_id,
            "name": order.name,
            "priceGems": order.price_gems,
            "listPriceGems": order.list_price_gems,
            "priceRegion": region.code,
        })
    })
    .await
}

/// `POST /store/checkout`: buys every game in the player's cart at `expected_total` gems (the
/// total the player was shown, coupon applied), or refuses with `price_changed` naming the total
/// now; nothing is bought if one game cannot be.
pub async fn checkout(
    app: &App,
    user_id: &str,
    key: Option<&str>,
    expected_total: u64,
    coupon_code: Option<&str>,
) -> Result<Value, ApiError> {
    let request = json!({ "expectedTotalGems": expected_total, "couponCode": coupon_code });
    let guard = key.map(|key| idempotency::Guard::new(user_id, CHECKOUT, key, &request));
    // A key used before answers as it did, though the cart it bought is empty now.
    if let Some(guard) = &guard {
        if let Some(record) = idempotency::load(app, guard).await? {
            return record.replay(guard);
        }
    }
    let (picks, seen, region) = tokio::try_join!(
        cart_picks(app, user_id),
        store::wallet::read(app, user_id),
        super::region::of_player(app, user_id)
    )?;
    if picks.is_empty() {
        return Err(ApiError::Rule { code: "cart_empty", field: None, detail: "the cart is empty".into() });
    }
    let coupon = match coupon_code {
        Some(code) => Some(coupon(app, code).await?),
        None => None,
    };
    let mut lines = price_lines(&picks, coupon.as_ref(), region, crate::clock::now_secs())?;
    let total: u64 = lines.iter().map(|l| l.paid_gems).sum();
    if total != expected_total {
        return Err(ApiError::Conflict {
            code: "price_changed",
            detail: format!("the cart costs {total} gems now, not {expected_total}; look at it again"),
        });
    }
    add_fees(app, &mut lines).await?;
    let basket = Basket { picks: &picks, lines, coupon_code: coupon.map(|c| c.code), from_cart: true, region };
    buy(app, user_id, guard.as_ref(), basket, seen, |order| {
        json!({
            "message": "Checkout successful",
            "orderId": order.order_id,
            "games": order.lines.iter().map(|l| json!({ "gameId": l.game_id, "name": l.name, "paidGems": l.paid_gems })).collect::<Vec<_>>(),
            "couponCode": order.coupon_code,
            "couponGems": order.coupon_gems,
            "totalGems": order.price_gems,
            "priceRegion": region.code,
        })
    })
    .await
}
