//! `GET /store/games`: browse the catalog. Filters `genre`, `tag`, `platform`, `minPrice`,
//! `maxPrice` (gems), `free`; search `q` (whole name words, any case); `sort=rating|release`,
//! `order=desc|asc`; `limit`, `cursor`. Each game shows its price now (a running sale applied);
//! the price filters and sort use the base list price, which the catalog pages are built from.
//! Prices are the signed-in player's region's, or `country`'s for anyone signed out.

use lambda_http::Request;
use platform::domain::catalog::GameQuery;
use platform::http::{json_response, page_limit, query_param, HttpResult};
use platform::{flows, store, App};
use serde_json::json;

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let query = GameQuery::parse(|name| query_param(&req, name))?;
    let limit = page_limit(&req, 20, 100)?;
    let cursor = query_param(&req, "cursor");
    let (browsed, region) = tokio::try_join!(
        store::catalog::browse(app, &query, cursor.as_deref(), limit as usize),
        flows::region::of_request(app, &req)
    )?;
    let (games, next) = browsed;
    let list: Vec<(u32, u64)> = games.iter().map(|g| (g.game_id, g.price_gems)).collect();
    let shown = store::prices::shown_many(app, &list, region).await?;
    let games: Vec<_> = games.iter().map(|g| store::prices::priced(json!(g), &shown[&g.game_id])).collect();
    json_response(200, &json!({ "games": games, "nextCursor": next }))
}
