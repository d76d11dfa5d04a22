//! `DELETE /matchmaking/tickets`: leaves the matchmaking queue; 404 `no_ticket` when the caller
//! holds none (never queued, timed out, or already matched).

use lambda_http::Request;
use platform::http::{json_response, HttpResult};
use platform::{flows, ApiError, App};
use serde_json::json;

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let player = app.authenticate(&req).await?;
    match flows::lobbies::leave_queue(app, &player.user_id).await? {
        Some(ticket) => {
            json_response(200, &json!({ "status": "left", "queue": flows::lobbies::queue_view(&ticket.queue) }))
        }
        None => Err(ApiError::NotFound { code: "no_ticket", what: "a matchmaking ticket of yours".into() }),
    }
}
