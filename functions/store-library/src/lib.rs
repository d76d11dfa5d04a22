//! `GET /library?limit=&cursor=`: the games the caller owns.

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
        page_of(app, Table::Library, ("userId", &player.user_id), ("gameId", true), cursor.as_deref(), limit).await?;
    let games: Vec<_> = items
        .iter()
        .map(|i| {
            json!({
                "gameId": get_n::<u64>(i, "gameId"),
                "name": get_s(i, "name"),
                "orderId": get_s(i, "orderId"),
                "acquiredAt": get_s(i, "acquiredAt"),
            })
        })
        .collect();
    json_response(200, &json!({ "userId": player.user_id, "games": games, "nextCursor": next }))
}
