//! WebSocket `$default`: every frame no route takes (not JSON, no `action`, an unknown action)
//! gets an `error` frame back and changes nothing.

use lambda_http::Request;
use platform::http::{json_body, HttpResult};
use platform::{sockets, ApiError, App};

/// The actions the socket takes (its template routes besides `$connect`, `$disconnect`, `$default`).
const ACTIONS: &str = "selectBanner, pull, setPresence, ping, enterMatchmaking, leaveMatchmaking";

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let req = &req;
    sockets::answer(req, app, "$default", "error", |_| async move {
        let frame: serde_json::Value = json_body(req)?;
        let detail = match frame.get("action").and_then(|a| a.as_str()) {
            Some(action) => format!("unknown action `{action}`; the actions are {ACTIONS}"),
            None => format!("a frame is a JSON object whose `action` is one of {ACTIONS}"),
        };
        Err::<serde_json::Value, _>(ApiError::Validation { field: Some("action".into()), detail })
    })
    .await
}
