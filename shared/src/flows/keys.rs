//! Product keys: a developer makes a batch (the keys are shown once and stored hashed), lists and
//! revokes batches; a player redeems a key, once, for the game: one transaction marks the key
//! redeemed (conditioned on it being unredeemed), counts it on its live batch, adds the library
//! entry and an order of price 0 with source `key`, and emits `GamePurchased`. Failed redemptions
//! are limited per account and per source, so keys cannot be guessed by trying.

use super::{Step, Transaction};
use crate::app::App;
use crate::domain::catalog::Game;
use crate::domain::{keys, revenue};
use crate::error::ApiError;
use crate::outbox;
use crate::store::keys::{Batch, UNREDEEMED};
use crate::store::orders;
use crate::store::rate_limit::{self, Limit, Scope};
use crate::store::{self, catalog};
use serde_json::{json, Value};

/// Failed redemptions an account may make an hour (Steam allows about ten).
pub const FAILED_PER_ACCOUNT: Limit = Limit { max: 10, window_secs: 3600 };
/// Failed redemptions from one source an hour (one source guessing across accounts).
pub const FAILED_PER_SOURCE: Limit = Limit { max: 30, window_secs: 3600 };
/// An order's source when a key paid for it.
pub const KEY_SOURCE: &str = "key";

/// Makes a batch of `count` keys for `game`; returns the batch and its keys, which are not
/// stored and cannot be shown again.
pub async fn make_batch(
    app: &App,
    game: &Game,
    by: &str,
    count: u32,
    label: String,
) -> Result<(Batch, Vec<String>), ApiError> {
    let made: Vec<String> = (0..keys::check_count(count)?).map(|_| keys::generate()).collect();
    let digests =
        made.iter().map(|key| keys::normalize(key).map(|k| keys::digest(&k))).collect::<Result<Vec<_>, _>>()?;
    let batch = Batch {
        batch_id: store::new_id(),
        game_id: game.game_id,
        label,
        count: u64::from(count),
        redeemed: 0,
        created_at: crate::clock::now_rfc3339(),
        created_by: by.into(),
        revoked_at: None,
    };
    store::keys::put_batch(app, &batch, &digests).await?;
    Ok((batch, made))
}

/// Redeems a typed key for the player. A malformed key is a 400 and not counted; an unknown,
/// used or revoked one counts against the player's and the source's hourly failures.
pub async fn redeem(app: &App, user_id: &str, source_ip: &str, typed: &str) -> Result<Value, ApiError> {
    let canonical = keys::normalize(typed)?;
    let scopes = [
        Scope::new(format!("key-user#{user_id}"), FAILED_PER_ACCOUNT),
        Scope::new(format!("key-ip#{source_ip}"), FAILED_PER_SOURCE),
    ];
    let slots = rate_limit::take(app, &scopes).await?;
    let outcome = redeem_once(app, user_id, &keys::digest(&canonical)).await;
    // Only a failed guess keeps its slot. Giving it back is best effort: a redemption that
    // committed must answer 200 whatever happens to the counter.
    if !matches!(&outcome, Err(failure) if keys::is_guess(failure)) {
        if let Err(error) = slots.give_back(app).await {
            tracing::warn!(?error, "a key redemption's rate-limit slot was not given back");
        }
    }
    outcome
}

async fn redeem_once(app: &App, user_id: &str, digest: &str) -> Result<Value, ApiError> {
    let unknown = || ApiError::NotFound { code: "unknown_key", what: "this product key".into() };
    let key = store::keys::key(app, digest).await?.ok_or_else(unknown)?;
    let game = catalog::game(app, key.game_id).await?;
    if key.state != UNREDEEMED {
        // The same player asking again (a lost answer, a retry) gets the same answer.
        return match (&key.redeemed_by, &key.order_id) {
            (Some(by), Some(order_id)) if by == user_id => Ok(answer(order_id, &game)),
            _ => Err(already_redeemed()),
        };
    }
    let seller = revenue::seller_of(&game.developers, &game.publishers);
    let (order, owned) = orders::free_order(user_id, game.game_id, &game.name, &seller, KEY_SOURCE);
    let redeemed = outbox::Entry::event(
        "GamePurchased",
        user_id,
        json!({ "gameId": game.game_id, "name": game.name, "priceGems": 0, "orderId": order.order_id, "source": KEY_SOURCE }),
    );
    let mut tx = Transaction::new();
    tx.add(Step::KeyRedemption, store::keys::redeem(app, digest, user_id, &order.order_id, &order.created_at)?);
    tx.add(Step::KeyBatch, store::keys::batch_live(app, &key.batch_id)?);
    tx.add(Step::Ownership { game_id: game.game_id }, orders::put_ownership(app, &owned)?);
    tx.add(Step::Order, orders::put_order(app, &order)?);
    tx.add(Step::OutboxEntry, redeemed.put(app)?);
    tx.commit(&app.db).await.map_err(ApiError::from)?;
    Ok(answer(&order.order_id, &game))
}

fn answer(order_id: &str, game: &Game) -> Value {
    json!({
        "message": "Key redeemed",
        "orderId": order_id,
        "gameId": game.game_id,
        "name": game.name,
        "source": KEY_SOURCE,
    })
}

pub fn already_redeemed() -> ApiError {
    ApiError::Conflict { code: "key_already_redeemed", detail: "this product key was redeemed already".into() }
}
