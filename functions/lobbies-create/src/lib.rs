//! `POST /lobbies`: `{gameId, mode?, size, visibility: public | inviteOnly}` opens a lobby for a
//! game the caller owns, with the caller as host. An invite-only lobby has a join code its players
//! share. A player is in one lobby or queue at a time.

use lambda_http::Request;
use platform::domain::lobbies::{self, Visibility};
use platform::http::{json_body, json_response, HttpResult};
use platform::{flows, ApiError, App};
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct CreateLobby {
    game_id: u32,
    mode: Option<String>,
    size: u32,
    visibility: String,
}

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let player = app.authenticate(&req).await?;
    let body: CreateLobby = json_body(&req)?;
    let mode = lobbies::mode(body.mode.as_deref().unwrap_or("casual"))?;
    let size = lobbies::size(body.size)?;
    let visibility = match Visibility::parse(&body.visibility) {
        Some(v @ (Visibility::Public | Visibility::InviteOnly)) => v,
        _ => return Err(ApiError::validation("visibility", "visibility is public or inviteOnly")),
    };
    platform::store::orders::ensure_owned(app, &player.user_id, body.game_id).await?;
    let lobby = flows::lobbies::create(app, &player.user_id, body.game_id, &mode, size, visibility).await?;
    let seats = platform::store::lobbies::players(app, &lobby.lobby_id).await?;
    json_response(201, &flows::lobbies::view(&lobby, &seats, true))
}
