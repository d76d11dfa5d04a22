//! `PUT /presence`: `{status: online | away | inGame, gameId}` sets what the caller's friends see
//! while the caller is connected (`inGame` names a game in the caller's library). Friends with an
//! open socket get a `presence` push.

use lambda_http::Request;
use platform::domain::presence;
use platform::http::{json_body, json_response, HttpResult};
use platform::{flows, App};
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct SetPresence {
    status: String,
    game_id: Option<u32>,
}

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let player = app.authenticate(&req).await?;
    let body: SetPresence = json_body(&req)?;
    let (status, game_id) = presence::chosen(&body.status, body.game_id)?;
    let view = flows::presence::set(app, &player.user_id, status, game_id).await?;
    json_response(200, &json!({ "userId": player.user_id, "presence": view }))
}
