//! `GET /oauth/library?limit=&cursor=`: the games a player owns, for an app the player granted
//! `library:read` ("Sign in with the platform").

use lambda_http::Request;
use platform::http::{json_response, page_limit, query_param, HttpResult};
use platform::store::orders;
use platform::App;
use serde_json::json;

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let grant = app.authenticate_app(&req).await?;
    grant.require("library:read")?;
    let limit = page_limit(&req, 50, 100)?;
    let cursor = query_param(&req, "cursor");
    let (entries, next) = orders::library_page(app, &grant.user_id, cursor.as_deref(), limit).await?;
    let games: Vec<_> =
        entries.iter().map(|e| json!({ "gameId": e.game_id, "name": e.name, "acquiredAt": e.acquired_at })).collect();
    json_response(200, &json!({ "userId": grant.user_id, "games": games, "nextCursor": next }))
}
