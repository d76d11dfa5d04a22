//! `POST /store/orders/{orderId}/refund`: refunds one of the caller's orders within 14 days of
//! the purchase and under 2 hours of play (Steam's rules), at most 5 a month: the gems come back,
//! the game leaves the library and the seller's revenue line is reversed, once. An optional
//! Idempotency-Key replays the first answer.

use lambda_http::Request;
use platform::flows::refund::refund;
use platform::http::{idempotency_key, json_response, path_param, HttpResult};
use platform::store::checked_id;
use platform::App;

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let player = app.authenticate(&req).await?;
    let key = idempotency_key(&req)?;
    let order_id = checked_id("orderId", &path_param(&req, "orderId")?)?;
    let response = refund(app, &player.user_id, key.as_deref(), &order_id).await?;
    json_response(200, &response)
}
