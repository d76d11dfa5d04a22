//! `POST /lobbies/{lobbyId}/join`: `{joinCode?}` takes a seat in an open lobby of a game the
//! caller owns (an invite-only one needs its code); the other players get a `lobby` push.

use lambda_http::Request;
use platform::flows::lobbies::{self, Joined};
use platform::http::{json_body, json_response, path_param, HttpResult};
use platform::App;
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct JoinLobby {
    join_code: Option<String>,
}

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let player = app.authenticate(&req).await?;
    let lobby_id = platform::store::checked_id("lobbyId", &path_param(&req, "lobbyId")?)?;
    let body: JoinLobby = json_body(&req)?;
    if let Some(lobby) = platform::store::lobbies::get(app, &lobby_id).await? {
        platform::store::orders::ensure_owned(app, &player.user_id, lobby.game_id).await?;
    }
    let (joined, joined_lobby) = lobbies::join(app, &lobby_id, &player.user_id, body.join_code.as_deref()).await?;
    let (lobby, seats) = tokio::try_join!(
        platform::store::lobbies::get(app, &lobby_id),
        platform::store::lobbies::players(app, &lobby_id)
    )?;
    if joined == Joined::Joined {
        let others: Vec<String> = seats.iter().map(|s| s.user_id.clone()).filter(|id| *id != player.user_id).collect();
        let frame = json!({ "type": "lobby", "event": "joined", "lobbyId": lobby_id, "userId": player.user_id });
        lobbies::announce(app, &others, &frame).await;
    }
    let view = lobbies::view(&lobby.unwrap_or(joined_lobby), &seats, true);
    json_response(if joined == Joined::Joined { 201 } else { 200 }, &view)
}
