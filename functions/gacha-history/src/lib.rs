//! `GET /gacha/history?limit=&cursor=`: the caller's pulls, newest first.

use lambda_http::Request;
use platform::http::{json_response, page_limit, query_param, HttpResult};
use platform::{store, App};
use serde_json::json;

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let player = app.authenticate(&req).await?;
    let limit = page_limit(&req, 50, 100)?;
    let cursor = query_param(&req, "cursor");
    let (records, next) = store::pulls::page(app, &player.user_id, cursor.as_deref(), limit).await?;
    let pulls: Vec<_> = records
        .into_iter()
        .map(|r| {
            json!({
                "pullId": r.pull_id,
                "item": r.item,
                "pulledAt": r.pulled_at,
                "currencySpent": r.currency_spent,
                "bannerId": r.banner_id,
            })
        })
        .collect();
    json_response(200, &json!({ "userId": player.user_id, "pulls": pulls, "nextCursor": next }))
}
