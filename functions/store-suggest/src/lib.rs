//! `GET /store/search/suggest?q=&limit=`: search as players type. Games with a name word that
//! begins with the word being typed (and every finished word), most rated first: `port` finds
//! Portal and Portal 2. One read of a precomputed bucket, cached by the instance (see
//! `domain::suggest`); the word search of `GET /store/games?q=` is unchanged.

use lambda_http::Request;
use platform::domain::suggest::{suggest, Typed, MAX_SUGGESTIONS};
use platform::http::{json_response, page_limit, query_param, HttpResult};
use platform::store::catalog;
use platform::{ApiError, App};
use serde_json::json;

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let q = query_param(&req, "q").unwrap_or_default();
    if q.chars().count() > 100 {
        return Err(ApiError::validation("q", "at most 100 characters"));
    }
    let limit = page_limit(&req, 10, MAX_SUGGESTIONS as i32)? as usize;
    let games = match Typed::parse(&q) {
        Some(typed) => suggest(&catalog::suggestion_bucket(app, &typed.bucket()).await?, &typed, limit),
        None => Vec::new(),
    };
    json_response(200, &json!({ "query": q, "games": games }))
}
