//! `DELETE /store/cart/items/{gameId}`: takes a game out of the caller's cart. Idempotent:
//! `removed` says whether it was there.

use lambda_http::Request;
use platform::flows::{Step, Transaction, Verdict};
use platform::http::{game_id_param, json_response, HttpResult};
use platform::store::cart;
use platform::App;
use serde_json::json;

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let player = app.authenticate(&req).await?;
    let game_id = game_id_param(&req, "gameId")?;
    let mut tx = Transaction::new();
    tx.add(Step::CartLeave, cart::delete_item(app, &player.user_id, game_id)?);
    tx.add(Step::CartCount, cart::give_back_slots(app, &player.user_id, 1)?);
    let removed = match tx.commit(&app.db).await {
        Ok(()) => true,
        Err(Verdict::AlreadyDone) => false,
        Err(other) => return Err(other.into()),
    };
    json_response(200, &json!({ "gameId": game_id, "removed": removed }))
}
