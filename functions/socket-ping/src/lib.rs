//! WebSocket action `ping`: a sign of life. API Gateway closes a connection idle for 10 minutes
//! and presence turns offline after as long without one, so clients send it every few minutes;
//! it answers `{type: "pong"}`.

use lambda_http::Request;
use platform::http::HttpResult;
use platform::store::presence;
use platform::{sockets, App};
use serde_json::json;

pub async fn handle(req: Request, app: &App) -> HttpResult {
    sockets::answer(&req, app, "ping", "pong", |connection| async move {
        presence::refresh(app, &connection.user_id).await?;
        Ok(json!({}))
    })
    .await
}
