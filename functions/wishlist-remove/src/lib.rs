//! `DELETE /wishlist/{gameId}`: takes a game off the caller's wishlist. Idempotent: `removed`
//! says whether it was on it.

use lambda_http::Request;
use platform::http::{game_id_param, json_response, HttpResult};
use platform::store::wishlist;
use platform::App;
use serde_json::json;

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let player = app.authenticate(&req).await?;
    let game_id = game_id_param(&req, "gameId")?;
    let removed = wishlist::delete(app, &player.user_id, game_id).await?;
    json_response(200, &json!({ "gameId": game_id, "removed": removed }))
}
