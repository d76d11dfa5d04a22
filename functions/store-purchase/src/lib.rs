//! `POST /store/purchase`: buys a game with gems at its price now (the list price less a running
//! sale; free games and free-game promotions are claimed), once per player and game, and once per
//! Idempotency-Key when one is sent. Priced in the player's region (profile country).

use lambda_http::Request;
use platform::flows::purchase::{purchase, Pick};
use platform::http::{idempotency_key, json_body, json_response, HttpResult};
use platform::store::{catalog, prices, wallet};
use platform::{flows, App};
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct PurchaseRequest {
    game_id: u32,
}

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let player = app.authenticate(&req).await?;
    let key = idempotency_key(&req)?;
    let body: PurchaseRequest = json_body(&req)?;
    let (game, sales, seen, region) = tokio::try_join!(
        catalog::game(app, body.game_id),
        prices::read(app, body.game_id),
        wallet::read(app, &player.user_id),
        flows::region::of_player(app, &player.user_id)
    )?;
    let response = purchase(app, &player.user_id, key.as_deref(), Pick { game, sales }, region, seen).await?;
    json_response(200, &response)
}
