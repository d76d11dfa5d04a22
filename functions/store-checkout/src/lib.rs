//! `POST /store/checkout`: buys the whole cart in one transaction: `{expectedTotalGems,
//! couponCode?}`, the total the player was shown by `GET /store/cart` (with the same coupon). A
//! different total now (a sale started or ended) refuses with `409 price_changed`; one owned game
//! refuses everything, naming it. An optional Idempotency-Key replays the first answer.

use lambda_http::Request;
use platform::flows::purchase::checkout;
use platform::http::{idempotency_key, json_body, json_response, HttpResult};
use platform::App;
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct CheckoutRequest {
    expected_total_gems: u64,
    coupon_code: Option<String>,
}

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let player = app.authenticate(&req).await?;
    let key = idempotency_key(&req)?;
    let body: CheckoutRequest = json_body(&req)?;
    let response =
        checkout(app, &player.user_id, key.as_deref(), body.expected_total_gems, body.coupon_code.as_deref()).await?;
    json_response(200, &response)
}
