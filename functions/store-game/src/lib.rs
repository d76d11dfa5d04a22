//! `GET /store/games/{id}`: one game with everything the catalog knows of it.

use lambda_http::Request;
use platform::http::{json_response, path_param, HttpResult};
use platform::{store, ApiError, App};

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let id = path_param(&req, "id")?;
    let game_id: u32 = id.parse().map_err(|_| ApiError::validation("id", "a game id is a positive whole number"))?;
    json_response(200, &store::catalog::game(app, game_id).await?)
}
