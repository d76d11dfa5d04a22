//! `GET /store/orders?limit=&cursor=`: the caller's orders, newest first.

use lambda_http::Request;
use platform::http::{json_response, page_limit, query_param, HttpResult};
use platform::store::{get_n, get_s, page_of};
use platform::{App, Table};
use serde_json::json;

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let player = app.authenticate(&req)?;
    let limit = page_limit(&req, 50, 100)?;
    let cursor = query_param(&req, "cursor");
    let (items, next) =
        page_of(app, Table::Orders, ("userId", &player.user_id), ("orderId", false), cursor.as_deref(), limit).await?;
    let orders: Vec<_> = items
        .iter()
        .map(|i| {
            json!({
                "orderId": get_s(i, "orderId"),
                "gameId": get_n::<u64>(i, "gameId"),
                "name": get_s(i, "name"),
                "priceGems": get_n::<u64>(i, "priceGems"),
                "status": get_s(i, "status"),
                "createdAt": get_s(i, "createdAt"),
            })
        })
        .collect();
    json_response(200, &json!({ "userId": player.user_id, "orders": orders, "nextCursor": next }))
}
