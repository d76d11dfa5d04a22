//! `POST /store/orders/{orderId}/refund`: refunds a game of one of the caller's orders within 14
//! days of the purchase and under 2 hours of play (Steam's rules), at most 5 a month: what was
//! paid for it comes back, the game leaves the library and the seller's revenue line is
//! reversed, once. The body `{gameId}` names the game of an order of several; an order of one
//! needs no body. An optional Idempotency-Key replays the first answer.

use lambda_http::Request;
use platform::flows::refund::refund;
use platform::http::{idempotency_key, json_response, optional_json_body, path_param, HttpResult};
use platform::store::checked_id;
use platform::App;
use serde::Deserialize;

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct RefundRequest {
    game_id: Option<u32>,
}

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let player = app.authenticate(&req).await?;
    let key = idempotency_key(&req)?;
    let order_id = checked_id("orderId", &path_param(&req, "orderId")?)?;
    let body: RefundRequest = optional_json_body(&req)?;
    let response = refund(app, &player.user_id, key.as_deref(), &order_id, body.game_id).await?;
    json_response(200, &response)
}
