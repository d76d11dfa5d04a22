//! `GET /developer/games/{gameId}/builds`: the game's builds (uploading or ready), its branches
//! (which build each serves per platform, whether it has a password) and its downloads, for the
//! game's developers and admins.

use lambda_http::Request;
use platform::http::{game_id_param, json_response, HttpResult};
use platform::store::catalog;
use platform::{flows, App};

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let player = app.authenticate(&req).await?;
    let game_id = game_id_param(&req, "gameId")?;
    let game = catalog::game(app, game_id).await?;
    flows::roles::may_manage(app, &player, &game).await?;
    json_response(200, &flows::builds::listing(app, game_id).await?)
}
