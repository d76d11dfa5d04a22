//! `POST /store/purchase`: buys a game with gems (free games are claimed), once per
//! Idempotency-Key and once per player and game.

use lambda_http::Request;
use platform::http::{idempotency_key, json_body, json_response, HttpResult};
use platform::{store, App};
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct PurchaseRequest {
    game_id: u32,
}

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let player = app.authenticate(&req)?;
    let key = idempotency_key(&req)?;
    let body: PurchaseRequest = json_body(&req)?;
    let game = store::catalog::game(app, body.game_id).await?;
    let response = store::orders::purchase(app, &player.user_id, &key, &game).await?;
    json_response(200, &response)
}
