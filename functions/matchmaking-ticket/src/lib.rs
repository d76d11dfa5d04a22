//! `GET /matchmaking/tickets`: the caller's ticket: `queued` (with its queue and deadline),
//! `matched` (with the lobby), or `timedOut`; 404 `no_ticket` when the caller never queued or
//! has moved on.

use lambda_http::Request;
use platform::http::{json_response, HttpResult};
use platform::{flows, ApiError, App};

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let player = app.authenticate(&req).await?;
    match flows::lobbies::ticket_status(app, &player.user_id).await? {
        Some(status) => json_response(200, &status),
        None => Err(ApiError::NotFound { code: "no_ticket", what: "a matchmaking ticket of yours".into() }),
    }
}
