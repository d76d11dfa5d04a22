//! `GET /store/games/{id}`: one game with everything the catalog knows of it.

use lambda_http::Request;
use platform::http::{json_response, path_param, HttpResult};
use platform::{store, ApiError, App};

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let id = path_param(&req, "id")?;
    let game_id: u32 = match id.parse() {
        Ok(game_id) => game_id,
        // A whole number too large for an id is a well-formed id that names no game.
        Err(_) if !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()) => {
            return Err(ApiError::NotFound { code: "unknown_game", what: format!("game {id}") })
        }
        Err(_) => return Err(ApiError::validation("id", "a game id is a whole number")),
    };
    json_response(200, &store::catalog::game(app, game_id).await?)
}
