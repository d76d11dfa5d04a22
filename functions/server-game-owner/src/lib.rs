//! `GET /server/games/{gameId}/owners/{userId}`: a game's server, with its app's client-credentials
//! token (scope `games:ownership`), asks whether a player owns the game. Only games the app was
//! registered for: asking about another game is 403, whoever owns it.

use lambda_http::Request;
use platform::domain::apps::SCOPE_OWNERSHIP;
use platform::flows::app_grants;
use platform::http::{game_id_param, json_response, path_param, HttpResult};
use platform::store::chat::checked_user_id;
use platform::store::orders;
use platform::App;
use serde_json::json;

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let server = app.authenticate_server(&req).await?;
    let game_id = game_id_param(&req, "gameId")?;
    let user_id = checked_user_id("userId", &path_param(&req, "userId")?)?;
    app_grants::server_for_game(app, &server, SCOPE_OWNERSHIP, game_id).await?;
    let since = orders::library_entry(app, &user_id, game_id).await?.map(|entry| entry.acquired_at);
    json_response(200, &json!({ "gameId": game_id, "userId": user_id, "owns": since.is_some(), "since": since }))
}
