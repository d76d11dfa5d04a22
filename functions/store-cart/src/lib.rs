//! `GET /store/cart?couponCode=`: the caller's cart, oldest first: each game with its price now
//! (sale applied, with its end and the prior 30 days' lowest price) and its share of the coupon,
//! and the total a checkout with the same coupon charges now, in the player's price region.

use lambda_http::Request;
use platform::domain::checkout::MAX_CART_ITEMS;
use platform::flows::purchase::{cart_picks, coupon, price_lines};
use platform::http::{json_response, query_param, HttpResult};
use platform::store::prices;
use platform::{flows, App};
use serde_json::json;

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let player = app.authenticate(&req).await?;
    let coupon = match query_param(&req, "couponCode") {
        Some(code) => Some(coupon(app, &code).await?),
        None => None,
    };
    let (picks, region) =
        tokio::try_join!(cart_picks(app, &player.user_id), flows::region::of_player(app, &player.user_id))?;
    let now = platform::clock::now_secs();
    let lines = if picks.is_empty() { Vec::new() } else { price_lines(&picks, coupon.as_ref(), region, now)? };
    let games: Vec<_> = picks
        .iter()
        .zip(&lines)
        .map(|(pick, line)| {
            let shown = pick.sales.shown(pick.game.price_gems, region, now);
            let mut game = prices::priced(json!({ "gameId": line.game_id, "name": line.name }), &shown);
            game["couponGems"] = json!(line.coupon_gems);
            game["totalGems"] = json!(line.paid_gems);
            game
        })
        .collect();
    let sum = |f: fn(&platform::store::orders::OrderLine) -> u64| lines.iter().map(f).sum::<u64>();
    json_response(
        200,
        &json!({
            "games": games,
            "count": games.len(),
            "maxItems": MAX_CART_ITEMS,
            "subtotalGems": sum(|l| l.list_price_gems),
            "saleDiscountGems": sum(|l| l.list_price_gems - l.price_gems),
            "couponCode": coupon.map(|c| c.code),
            "couponGems": sum(|l| l.coupon_gems),
            "totalGems": sum(|l| l.paid_gems),
            "priceRegion": region.code,
        }),
    )
}
