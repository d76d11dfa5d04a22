//! `GET /store/orders?limit=&cursor=`: the caller's orders, newest first.

use lambda_http::Request;
use platform::http::{json_response, page_limit, query_param, HttpResult};
use platform::store::orders;
use platform::App;
use serde_json::json;

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let player = app.authenticate(&req).await?;
    let limit = page_limit(&req, 50, 100)?;
    let cursor = query_param(&req, "cursor");
    let (orders, next) = orders::orders_page(app, &player.user_id, cursor.as_deref(), limit).await?;
    let orders: Vec<_> = orders
        .iter()
        .map(|o| {
            let mut order = json!({
                "orderId": o.order_id,
                "gameId": o.game_id,
                "name": o.name,
                "priceGems": o.price_gems,
                "status": o.status,
                "createdAt": o.created_at,
            });
            // Fields added after seed 002's order shape appear only when they say something.
            let extras = [("refundedAt", &o.refunded_at), ("priceRegion", &o.price_region), ("source", &o.source)];
            for (field, value) in extras {
                if let Some(value) = value {
                    order[field] = json!(value);
                }
            }
            order["lines"] = json!(o.lines);
            order
        })
        .collect();
    json_response(200, &json!({ "userId": player.user_id, "orders": orders, "nextCursor": next }))
}
