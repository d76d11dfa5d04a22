//! `GET /lobbies/{lobbyId}`: a lobby, its players (ready or not) and its latest chat. Its players
//! also see its join code.

use lambda_http::Request;
use platform::http::{json_response, path_param, HttpResult};
use platform::store::{chat, lobbies};
use platform::{flows, ApiError, App};

/// Chat messages shown with the lobby.
const LATEST_MESSAGES: i32 = 20;

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let player = app.authenticate(&req).await?;
    let lobby_id = platform::store::checked_id("lobbyId", &path_param(&req, "lobbyId")?)?;
    let (lobby, seats) = tokio::try_join!(lobbies::get(app, &lobby_id), lobbies::players(app, &lobby_id))?;
    let lobby = lobby.ok_or_else(|| ApiError::NotFound { code: "unknown_lobby", what: format!("lobby {lobby_id}") })?;
    let member = seats.iter().any(|seat| seat.user_id == player.user_id);
    let mut body = flows::lobbies::view(&lobby, &seats, member);
    if member {
        let conversation = flows::lobbies::conversation(&lobby_id);
        let (messages, _) = chat::messages_page(app, &conversation, None, LATEST_MESSAGES).await?;
        body["messages"] = serde_json::json!(messages);
    }
    json_response(200, &body)
}
