//! `GET /lobbies?gameId=`: a game's public lobbies that are open, newest first (up to 50).

use lambda_http::Request;
use platform::http::{json_response, query_param, HttpResult};
use platform::store::lobbies;
use platform::{ApiError, App};
use serde_json::json;

pub async fn handle(req: Request, app: &App) -> HttpResult {
    app.authenticate(&req).await?;
    let game_id = query_param(&req, "gameId")
        .and_then(|raw| raw.parse::<u32>().ok())
        .filter(|id| *id > 0)
        .ok_or_else(|| ApiError::validation("gameId", "gameId is a positive integer"))?;
    let open = lobbies::open_of_game(app, game_id, 50).await?;
    json_response(200, &json!({ "gameId": game_id, "lobbies": open }))
}
