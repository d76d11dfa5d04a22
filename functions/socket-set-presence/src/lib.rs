//! WebSocket action `setPresence`: `{action: "setPresence", status, gameId}` as `PUT /presence`;
//! answers `{type: "presenceSet", presence}`.

use lambda_http::Request;
use platform::domain::presence;
use platform::http::{json_body, HttpResult};
use platform::{flows, sockets, App};
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct SetPresence {
    #[allow(dead_code)]
    action: String,
    status: String,
    game_id: Option<u32>,
}

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let req = &req;
    sockets::answer(req, app, "setPresence", "presenceSet", |connection| async move {
        let body: SetPresence = json_body(req)?;
        let (status, game_id) = presence::chosen(&body.status, body.game_id)?;
        let view = flows::presence::set(app, &connection.user_id, status, game_id).await?;
        Ok(json!({ "presence": view }))
    })
    .await
}
