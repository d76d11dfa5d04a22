//! `POST /gacha/pull`: spends gems on 1 or 10 pulls from a banner (`flows::pull` does the work,
//! the socket's `pull` action runs the same flow).

use lambda_http::Request;
use platform::flows::pull::{pull, PullOrder};
use platform::http::{idempotency_key, json_body, json_response, HttpResult};
use platform::App;
use serde::Deserialize;

/// Seed 002's body is `{"currencySpent": n}`; `bannerId` and `count` extend it compatibly.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct PullRequest {
    currency_spent: Option<u64>,
    banner_id: Option<String>,
    count: Option<u32>,
}

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let player = app.authenticate(&req).await?;
    let key = idempotency_key(&req)?;
    let body: PullRequest = json_body(&req)?;
    let order = PullOrder::new(body.banner_id.as_deref(), body.count, body.currency_spent, key)?;
    json_response(200, &pull(app, &player.user_id, &order).await?)
}
