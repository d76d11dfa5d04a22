//! WebSocket action `leaveMatchmaking`: as `DELETE /matchmaking/tickets`; answers
//! `{type: "ticketLeft", status: "left"}` (or a `no_ticket` error frame).

use lambda_http::Request;
use platform::http::HttpResult;
use platform::{flows, sockets, ApiError, App};
use serde_json::json;

pub async fn handle(req: Request, app: &App) -> HttpResult {
    sockets::answer(&req, app, "leaveMatchmaking", "ticketLeft", |connection| async move {
        match flows::lobbies::leave_queue(app, &connection.user_id).await? {
            Some(ticket) => Ok(json!({ "status": "left", "queue": flows::lobbies::queue_view(&ticket.queue) })),
            None => Err(ApiError::NotFound { code: "no_ticket", what: "a matchmaking ticket of yours".into() }),
        }
    })
    .await
}
