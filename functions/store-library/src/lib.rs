//! `GET /library?limit=&cursor=`: the games the caller owns.

use lambda_http::Request;
use platform::http::{json_response, page_limit, query_param, HttpResult};
use platform::store::orders;
use platform::App;
use serde_json::json;

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let player = app.authenticate(&req).await?;
    let limit = page_limit(&req, 50, 100)?;
    let cursor = query_param(&req, "cursor");
    let (entries, next) = orders::library_page(app, &player.user_id, cursor.as_deref(), limit).await?;
    let games: Vec<_> = entries
        .iter()
        .map(|e| {
            json!({
                "gameId": e.game_id,
                "name": e.name,
                "orderId": e.order_id,
                "acquiredAt": e.acquired_at,
                "playedMinutes": e.played_minutes,
            })
        })
        .collect();
    json_response(200, &json!({ "userId": player.user_id, "games": games, "nextCursor": next }))
}
