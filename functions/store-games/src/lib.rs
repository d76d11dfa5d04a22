//! `GET /store/games`: browse the catalog. Filters `genre`, `tag`, `platform`, `minPrice`,
//! `maxPrice` (gems), `free`; search `q` (whole name words, any case); `sort=rating|release`,
//! `order=desc|asc`; `limit`, `cursor`.

use lambda_http::Request;
use platform::domain::catalog::GameQuery;
use platform::http::{json_response, page_limit, query_param, HttpResult};
use platform::{store, App};
use serde_json::json;

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let query = GameQuery::parse(|name| query_param(&req, name))?;
    let limit = page_limit(&req, 20, 100)?;
    let cursor = query_param(&req, "cursor");
    let (games, next) = store::catalog::browse(app, &query, cursor.as_deref(), limit as usize).await?;
    json_response(200, &json!({ "games": games, "nextCursor": next }))
}
