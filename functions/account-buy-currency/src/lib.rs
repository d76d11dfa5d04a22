//! `POST /account/buy-currency`: charges a payment method and credits gems; with an
//! Idempotency-Key, once per key.

use lambda_http::Request;
use platform::http::{idempotency_key, json_body, json_response, HttpResult};
use platform::payments::{buy_gems, GemPurchase, SandboxProvider};
use platform::App;
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct BuyRequest {
    amount: i64,
    payment_method: String,
}

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let player = app.authenticate(&req).await?;
    let key = idempotency_key(&req)?;
    let body: BuyRequest = json_body(&req)?;
    let purchase = GemPurchase::new(body.amount, &body.payment_method)?;
    let response = buy_gems(app, &SandboxProvider { app }, &player.user_id, key.as_deref(), &purchase).await?;
    json_response(200, &response)
}
