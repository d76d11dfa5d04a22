//! Orders and Library tables. A purchase is one transaction: the price check, the ownership
//! record (`attribute_not_exists`: a game is owned once), the order, the debit and its ledger
//! entry, the idempotency record and the GamePurchased event.

use super::{idempotency, n, s, transact, TxOutcome};
use crate::app::{App, Table};
use crate::domain::catalog::Game;
use crate::domain::money::LedgerKind;
use crate::error::ApiError;
use crate::outbox;
use aws_sdk_dynamodb::types::{Put, TransactWriteItem};
use serde_json::{json, Value};

pub const OPERATION: &str = "store-purchase";
const BALANCE_FIELD: &str = "newBalance";

fn put(
    table: &str,
    item: Vec<(&str, aws_sdk_dynamodb::types::AttributeValue)>,
    condition: &str,
) -> Result<TransactWriteItem, ApiError> {
    let mut put = Put::builder().table_name(table).condition_expression(condition);
    for (k, v) in item {
        put = put.item(k, v);
    }
    Ok(TransactWriteItem::builder().put(put.build().map_err(ApiError::internal)?).build())
}

pub async fn purchase(app: &App, user_id: &str, key: &str, game: &Game) -> Result<Value, ApiError> {
    let guard = idempotency::Guard::new(user_id, OPERATION, key, &json!({ "gameId": game.game_id }));
    let order_id = super::new_id();
    let now = crate::clock::now_rfc3339();
    let response = json!({
        "message": "Purchase successful",
        "orderId": order_id,
        "gameId": game.game_id,
        "name": game.name,
        "priceGems": game.price_gems,
    });
    let purchased = outbox::Entry::event(
        "GamePurchased",
        user_id,
        json!({ "gameId": game.game_id, "name": game.name, "priceGems": game.price_gems, "orderId": order_id }),
    );
    // Fixed positions, so a cancellation reason names its cause.
    const IDEMPOTENCY: usize = 0;
    const OWNERSHIP: usize = 1;
    const PRICE: usize = 2;
    const DEBIT: usize = 5;
    let mut items = vec![
        idempotency::completed_put(app, &guard, OPERATION, &response)?,
        put(
            app.table(Table::Library)?,
            vec![
                ("userId", s(user_id)),
                ("gameId", n(game.game_id)),
                ("name", s(&game.name)),
                ("orderId", s(&order_id)),
                ("acquiredAt", s(&now)),
            ],
            "attribute_not_exists(gameId)",
        )?,
        super::catalog::price_unchanged(app, game)?,
        put(
            app.table(Table::Orders)?,
            vec![
                ("userId", s(user_id)),
                ("orderId", s(&order_id)),
                ("gameId", n(game.game_id)),
                ("name", s(&game.name)),
                ("priceGems", n(game.price_gems)),
                ("status", s("completed")),
                ("createdAt", s(&now)),
            ],
            "attribute_not_exists(orderId)",
        )?,
        purchased.put(app)?,
    ];
    // Free games are claimed: no debit, no ledger entry.
    if game.price_gems > 0 {
        items.push(super::wallet::debit(app, user_id, game.price_gems)?);
        items.push(super::ledger::entry(app, user_id, LedgerKind::StorePurchase, game.price_gems, &order_id)?);
    }
    match transact(&app.db, items).await? {
        TxOutcome::Committed => {
            let (_, body) = tokio::join!(
                outbox::dispatch(app, std::slice::from_ref(&purchased)),
                idempotency::finish(app, &guard.record_key, response, user_id, BALANCE_FIELD)
            );
            body
        }
        outcome if outcome.failed_at(IDEMPOTENCY) => {
            let record = idempotency::load(app, &guard)
                .await?
                .ok_or_else(|| ApiError::internal("idempotency record vanished"))?;
            idempotency::replay(app, &guard, &record, user_id, BALANCE_FIELD).await
        }
        outcome if outcome.failed_at(OWNERSHIP) => Err(ApiError::Conflict {
            code: "already_owned",
            detail: format!("game {} is already in your library", game.game_id),
        }),
        outcome if outcome.failed_at(PRICE) => Err(ApiError::Conflict {
            code: "price_changed",
            detail: "the price changed while buying; look the game up again".into(),
        }),
        outcome if outcome.failed_at(DEBIT) => Err(ApiError::insufficient_funds()),
        other => Err(ApiError::internal(format!("purchase cancelled: {other:?}"))),
    }
}
