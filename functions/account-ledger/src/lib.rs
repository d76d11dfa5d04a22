//! `GET /account/ledger?limit=&cursor=&currency=`: every change to the caller's balance of gems
//! (or, with `currency=shards`, of shards), newest first.

use lambda_http::Request;
use platform::domain::money::Currency;
use platform::http::{json_response, page_limit, query_param, HttpResult};
use platform::{store, ApiError, App};
use serde_json::json;

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let player = app.authenticate(&req).await?;
    let limit = page_limit(&req, 50, 100)?;
    let cursor = query_param(&req, "cursor");
    let currency = match query_param(&req, "currency").as_deref() {
        None | Some("gems") => Currency::Gems,
        Some("shards") => Currency::Shards,
        Some(_) => return Err(ApiError::validation("currency", "currency is gems or shards")),
    };
    let (entries, next) = store::ledger::page(app, &player.user_id, currency, cursor.as_deref(), limit).await?;
    json_response(200, &json!({ "userId": player.user_id, "entries": entries, "nextCursor": next }))
}
