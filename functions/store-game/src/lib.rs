//! `GET /store/games/{id}`: one game with everything the catalog knows of it, and its price now
//! (the list price less a running sale, with the sale's end and the prior 30 days' lowest price)
//! in the signed-in player's price region, or `country`'s for anyone signed out.

use lambda_http::Request;
use platform::http::{json_response, path_param, HttpResult};
use platform::store::prices;
use platform::{flows, store, ApiError, App};

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
    let (game, sales, region) = tokio::try_join!(
        store::catalog::game(app, game_id),
        prices::read(app, game_id),
        flows::region::of_request(app, &req)
    )?;
    let shown = sales.shown(game.price_gems, region, platform::clock::now_secs());
    json_response(200, &prices::priced(serde_json::json!(game), &shown))
}
