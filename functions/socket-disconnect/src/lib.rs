//! WebSocket `$disconnect`: forgets the connection and takes it off its player's presence; if it
//! was their last, friends get an `offline` push (best effort on AWS too: a connection whose
//! `$disconnect` never runs stops refreshing presence, which then turns offline by itself).

use lambda_http::Request;
use platform::http::{json_response, HttpResult};
use platform::store::connections;
use platform::{flows, sockets, App};
use serde_json::json;

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let connection_id = sockets::connection_id(&req)?;
    if let Some(user_id) = connections::close(app, &connection_id).await? {
        flows::presence::disconnected(app, &user_id, &connection_id).await?;
    }
    json_response(200, &json!({ "connectionId": connection_id }))
}
