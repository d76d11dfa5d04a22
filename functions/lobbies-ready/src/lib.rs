//! `POST /lobbies/{lobbyId}/ready`: `{ready}` says whether the caller is ready to start; the
//! other players get a `lobby` push.

use lambda_http::Request;
use platform::http::{json_body, json_response, path_param, HttpResult};
use platform::store::lobbies;
use platform::{flows, ApiError, App};
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Ready {
    ready: bool,
}

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let player = app.authenticate(&req).await?;
    let lobby_id = platform::store::checked_id("lobbyId", &path_param(&req, "lobbyId")?)?;
    let body: Ready = json_body(&req)?;
    let lobby = lobbies::get(app, &lobby_id)
        .await?
        .ok_or_else(|| ApiError::NotFound { code: "unknown_lobby", what: format!("lobby {lobby_id}") })?;
    if lobby.status != "open" {
        return Err(flows::lobbies::not_open(&lobby));
    }
    if !lobbies::set_ready(app, &lobby_id, &player.user_id, body.ready).await? {
        return Err(ApiError::NotFound { code: "not_in_lobby", what: format!("you in lobby {lobby_id}") });
    }
    let seats = lobbies::players(app, &lobby_id).await?;
    let others: Vec<String> = seats.iter().map(|s| s.user_id.clone()).filter(|id| *id != player.user_id).collect();
    let event = if body.ready { "ready" } else { "notReady" };
    let frame = json!({ "type": "lobby", "event": event, "lobbyId": lobby_id, "userId": player.user_id });
    flows::lobbies::announce(app, &others, &frame).await;
    json_response(200, &flows::lobbies::view(&lobby, &seats, true))
}
