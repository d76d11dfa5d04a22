//! `POST /matchmaking/tickets`: `{gameId, mode, size, timeoutSecs?}` queues the caller for a game
//! they own. The queue forms lobbies of `size` players in arrival order at once; players matched
//! get a `matched` push. A ticket not matched within its timeout (120 s by default) leaves the
//! queue. A player holds one ticket or lobby at a time.

use lambda_http::Request;
use platform::http::{json_body, json_response, HttpResult};
use platform::{flows, App};
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct EnterQueue {
    game_id: u32,
    mode: String,
    size: u32,
    timeout_secs: Option<u64>,
}

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let player = app.authenticate(&req).await?;
    let body: EnterQueue = json_body(&req)?;
    let status =
        flows::lobbies::queue_up(app, &player.user_id, body.game_id, &body.mode, body.size, body.timeout_secs).await?;
    json_response(201, &status)
}
