//! `GET /account/currency`: the caller's gem balance.

use lambda_http::Request;
use platform::http::{json_response, HttpResult};
use platform::{store, App};
use serde_json::json;

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let player = app.authenticate(&req).await?;
    let balance = store::wallet::balance(app, &player.user_id).await?;
    json_response(200, &json!({ "userId": player.user_id, "currencyBalance": balance }))
}
