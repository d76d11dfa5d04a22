//! `POST /store/keys/redeem`: redeems a product key, `{key}` (any case; dashes and spaces
//! ignored): the game enters the library with an order of price 0 and source `key`, exactly once
//! per key. An unknown, used or revoked key counts against the caller's and the source's failed
//! attempts (10 and 30 an hour; then 429).

use lambda_http::Request;
use platform::http::{json_body, json_response, source_ip, HttpResult};
use platform::{flows, App};
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Redeem {
    key: String,
}

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let player = app.authenticate(&req).await?;
    let body: Redeem = json_body(&req)?;
    let answer = flows::keys::redeem(app, &player.user_id, &source_ip(&req), &body.key).await?;
    json_response(200, &answer)
}
