//! `POST /lobbies/{lobbyId}/messages`: `{text}` from a player of the lobby: stored in the lobby's
//! conversation (its latest messages come with `GET /lobbies/{lobbyId}`) and pushed to every
//! player's sockets as `lobbyMessage`.

use lambda_http::Request;
use platform::http::{json_body, json_response, path_param, HttpResult};
use platform::store::rate_limit::{self, Limit, Scope};
use platform::{flows, App};
use serde::Deserialize;
use serde_json::json;

const PER_SENDER: Limit = Limit { max: 30, window_secs: 60 };

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Say {
    text: String,
}

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let player = app.authenticate(&req).await?;
    let lobby_id = platform::store::checked_id("lobbyId", &path_param(&req, "lobbyId")?)?;
    let body: Say = json_body(&req)?;
    let text = platform::domain::chat::validate_text(&body.text)?;
    let _slot = rate_limit::take(app, &[Scope::new(format!("lobby-chat#{}", player.user_id), PER_SENDER)]).await?;
    let (message, players) = flows::lobbies::say(app, &lobby_id, &player.user_id, &text).await?;
    let frame = json!({ "type": "lobbyMessage", "lobbyId": lobby_id, "message": message });
    flows::lobbies::announce(app, &players, &frame).await;
    json_response(201, &json!({ "messageId": message.message_id, "lobbyId": lobby_id, "sentAt": message.sent_at }))
}
