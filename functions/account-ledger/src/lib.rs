//! `GET /account/ledger?limit=&cursor=`: every change to the caller's balance, newest first.

use lambda_http::Request;
use platform::http::{json_response, page_limit, query_param, HttpResult};
use platform::{store, App};
use serde_json::json;

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let player = app.authenticate(&req).await?;
    let limit = page_limit(&req, 50, 100)?;
    let cursor = query_param(&req, "cursor");
    let (entries, next) = store::ledger::page(app, &player.user_id, cursor.as_deref(), limit).await?;
    json_response(200, &json!({ "userId": player.user_id, "entries": entries, "nextCursor": next }))
}
