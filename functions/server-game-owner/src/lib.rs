//! `GET /server/games/{gameId}/owners/{userId}`: a game's server, with its app's client-credentials
//! token (scope `games:ownership`), asks whether a player owns the game. Only games the app was
//! registered for: asking about another game is 403, whoever owns it.

use lambda_http::Request;
use platform::domain::apps::SCOPE_OWNERSHIP;
use platform::http::{json_response, path_param, HttpResult};
use platform::store::apps as app_store;
use platform::store::chat::checked_user_id;
use platform::{ApiError, App};
use serde_json::json;

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let server = app.authenticate_server(&req).await?;
    if !server.scopes.iter().any(|s| s == SCOPE_OWNERSHIP) {
        return Err(ApiError::Forbidden("this token lacks the games:ownership scope"));
    }
    let game_id: u32 = path_param(&req, "gameId")?
        .parse()
        .map_err(|_| ApiError::validation("gameId", "a game id is a positive integer"))?;
    let user_id = checked_user_id("userId", &path_param(&req, "userId")?)?;
    // The app's games are read now, not taken from the token: a change applies at once.
    let registered =
        app_store::get(app, &server.client_id).await?.ok_or(ApiError::Unauthorized("the app no longer exists"))?;
    if !registered.game_ids.contains(&game_id) {
        return Err(ApiError::Forbidden("this app does not speak for that game"));
    }
    let since = app_store::owns(app, &user_id, game_id).await?;
    json_response(200, &json!({ "gameId": game_id, "userId": user_id, "owns": since.is_some(), "since": since }))
}
