//! `POST /store/cart/items`: puts a game (`{gameId}`) in the caller's cart: 201 when added, 200
//! when it was there already. A cart holds at most 15 games (a checkout is one transaction);
//! games the caller owns are refused.

use lambda_http::Request;
use platform::flows::{Step, Transaction, Verdict};
use platform::http::{json_body, json_response, HttpResult};
use platform::store::{cart, catalog, orders};
use platform::{ApiError, App};
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct AddRequest {
    game_id: u32,
}

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let player = app.authenticate(&req).await?;
    let body: AddRequest = json_body(&req)?;
    let (game, owned) =
        tokio::try_join!(catalog::game(app, body.game_id), orders::library_entry(app, &player.user_id, body.game_id))?;
    if owned.is_some() {
        return Err(ApiError::Conflict {
            code: "already_owned",
            detail: format!("game {} is already in your library", game.game_id),
        });
    }
    let mut tx = Transaction::new();
    tx.add(Step::CartItem, cart::put_item(app, &player.user_id, game.game_id)?);
    tx.add(Step::CartSlot, cart::take_slot(app, &player.user_id)?);
    let status = match tx.commit(&app.db).await {
        Ok(()) => 201,
        Err(Verdict::AlreadyDone) => 200,
        Err(other) => return Err(other.into()),
    };
    json_response(status, &json!({ "gameId": game.game_id, "name": game.name, "inCart": true }))
}
