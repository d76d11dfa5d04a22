//! `GET /developer/games/{gameId}/keys`: a game's key batches, newest first, with how many of
//! each were redeemed and whether it was revoked (never the keys: they are not stored).

use lambda_http::Request;
use platform::http::{game_id_param, json_response, HttpResult};
use platform::store::{catalog, keys};
use platform::{flows, App};
use serde_json::json;

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let player = app.authenticate(&req).await?;
    let game_id = game_id_param(&req, "gameId")?;
    let game = catalog::game(app, game_id).await?;
    flows::roles::may_manage(app, &player, &game).await?;
    let batches = keys::batches_of_game(app, game_id).await?;
    json_response(200, &json!({ "gameId": game_id, "batches": batches }))
}
