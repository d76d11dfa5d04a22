//! `GET /store/orders/{orderId}/receipt`: the receipt of one of the caller's orders, as JSON:
//! lines, discounts, tax, totals, the seller, and the refund if there was one.

use lambda_http::Request;
use platform::http::{json_response, path_param, HttpResult};
use platform::store::{checked_id, orders};
use platform::{ApiError, App};
use serde_json::json;

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let player = app.authenticate(&req).await?;
    let order_id = checked_id("orderId", &path_param(&req, "orderId")?)?;
    let order = orders::order(app, &player.user_id, &order_id)
        .await?
        .ok_or_else(|| ApiError::NotFound { code: "unknown_order", what: format!("order {order_id}") })?;
    // Orders from before sales existed carry no list price: they were charged the list price.
    let list = order.list_price_gems.max(order.price_gems);
    let refund = order.refunded_at.as_ref().map(|at| json!({ "refundedAt": at, "refundedGems": order.price_gems }));
    json_response(
        200,
        &json!({
            "receiptId": format!("R-{}", order.order_id),
            "orderId": order.order_id,
            "issuedAt": order.created_at,
            "status": order.status,
            "buyer": { "userId": order.user_id },
            "seller": { "name": order.seller, "soldThrough": "game-platform store" },
            "currency": "gems",
            "lines": [{
                "gameId": order.game_id,
                "name": order.name,
                "quantity": 1,
                "unitPriceGems": list,
                "discountGems": list - order.price_gems,
                "totalGems": order.price_gems,
            }],
            "subtotalGems": list,
            "discountGems": list - order.price_gems,
            "coupon": null,
            // Gems are bought tax-inclusive (the tax is on the gem purchase), so spending them
            // carries none.
            "taxGems": 0,
            "totalGems": order.price_gems,
            "refund": refund,
        }),
    )
}
