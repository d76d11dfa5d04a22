//! WebSocket `$connect`: admits a player with a valid access token (bearer header, or `?token=`
//! for browsers), records the connection and marks the player online (friends get a push if
//! they were offline); anything else is refused with 401 before the upgrade, as API Gateway
//! relays the function's status.

use lambda_http::Request;
use platform::http::{json_response, HttpResult};
use platform::store::connections;
use platform::{flows, sockets, App};
use serde_json::json;

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let connection_id = sockets::connection_id(&req)?;
    let player = app.authenticate_socket(&req).await?;
    connections::open(app, &connection_id, &player).await?;
    flows::presence::connected(app, &player.user_id, &connection_id).await?;
    json_response(200, &json!({ "connectionId": connection_id, "userId": player.user_id }))
}
