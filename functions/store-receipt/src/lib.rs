//! `GET /store/orders/{orderId}/receipt`: the receipt of one of the caller's orders, as JSON: each
//! game with its list price, sale discount, coupon share, what was paid and whether it was
//! refunded; the totals, the coupon and tax; the store as merchant of record and each game's
//! publisher.

use lambda_http::Request;
use platform::http::{json_response, path_param, HttpResult};
use platform::store::orders::REFUNDED;
use platform::store::{checked_id, orders};
use platform::{ApiError, App};
use serde_json::json;

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let player = app.authenticate(&req).await?;
    let order_id = checked_id("orderId", &path_param(&req, "orderId")?)?;
    let order = orders::order(app, &player.user_id, &order_id)
        .await?
        .ok_or_else(|| ApiError::NotFound { code: "unknown_order", what: format!("order {order_id}") })?;
    let lines: Vec<_> = order
        .lines
        .iter()
        .map(|l| {
            json!({
                "gameId": l.game_id,
                "name": l.name,
                "publisher": l.seller,
                "listPriceGems": l.list_price_gems,
                "saleDiscountGems": l.list_price_gems - l.price_gems,
                "couponGems": l.coupon_gems,
                "paidGems": l.paid_gems,
                "status": l.status,
                "refundedAt": l.refunded_at,
            })
        })
        .collect();
    let sum = |f: fn(&orders::OrderLine) -> u64| order.lines.iter().map(f).sum::<u64>();
    let refunded: u64 = order.lines.iter().filter(|l| l.status == REFUNDED).map(|l| l.paid_gems).sum();
    json_response(
        200,
        &json!({
            "receiptId": format!("R-{}", order.order_id),
            "orderId": order.order_id,
            "issuedAt": order.created_at,
            "status": order.status,
            "buyer": { "userId": order.user_id },
            "seller": { "name": platform::store::orders::MERCHANT, "role": "merchant of record" },
            "currency": "gems",
            "priceRegion": order.price_region,
            "lines": lines,
            "subtotalGems": sum(|l| l.list_price_gems),
            "saleDiscountGems": sum(|l| l.list_price_gems - l.price_gems),
            "coupon": order.coupon_code.as_ref().map(|code| json!({ "code": code, "discountGems": order.coupon_gems })),
            // Gems are bought tax-inclusive (the tax is on the gem purchase), so spending them
            // carries none.
            "taxGems": 0,
            "totalGems": order.price_gems,
            "refundedGems": refunded,
        }),
    )
}
