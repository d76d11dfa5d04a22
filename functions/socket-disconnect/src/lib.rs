//! WebSocket `$disconnect`: forgets the connection (best effort on AWS too: a connection whose
//! `$disconnect` never runs expires, and the first push to it deletes it).

use lambda_http::Request;
use platform::http::{json_response, HttpResult};
use platform::store::connections;
use platform::{sockets, App};
use serde_json::json;

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let connection_id = sockets::connection_id(&req)?;
    connections::close(app, &connection_id).await?;
    json_response(200, &json!({ "connectionId": connection_id }))
}
