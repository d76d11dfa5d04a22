//! WebSocket action `enterMatchmaking`: `{action, gameId, mode, size, timeoutSecs?}` as
//! `POST /matchmaking/tickets`; answers `{type: "ticket", status, ...}`.

use lambda_http::Request;
use platform::http::{json_body, HttpResult};
use platform::{flows, sockets, App};
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct EnterQueue {
    #[allow(dead_code)]
    action: String,
    game_id: u32,
    mode: String,
    size: u32,
    timeout_secs: Option<u64>,
}

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let req = &req;
    sockets::answer(req, app, "enterMatchmaking", "ticket", |connection| async move {
        let body: EnterQueue = json_body(req)?;
        flows::lobbies::queue_up(app, &connection.user_id, body.game_id, &body.mode, body.size, body.timeout_secs).await
    })
    .await
}
