//! `POST /lobbies/{lobbyId}/leave`: the caller leaves the lobby; the host leaving closes it for
//! everyone. The players left get a `lobby` push.

use lambda_http::Request;
use platform::flows::lobbies::{self, Left};
use platform::http::{json_response, path_param, HttpResult};
use platform::App;
use serde_json::json;

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let player = app.authenticate(&req).await?;
    let lobby_id = platform::store::checked_id("lobbyId", &path_param(&req, "lobbyId")?)?;
    let left = lobbies::leave(app, &lobby_id, &player.user_id).await?;
    let (event, others) = match &left {
        Left::Closed { players } => ("closed", players.clone()),
        Left::Left => {
            ("left", platform::store::lobbies::players(app, &lobby_id).await?.into_iter().map(|s| s.user_id).collect())
        }
    };
    let others: Vec<String> = others.into_iter().filter(|id| *id != player.user_id).collect();
    let frame = json!({ "type": "lobby", "event": event, "lobbyId": lobby_id, "userId": player.user_id });
    lobbies::announce(app, &others, &frame).await;
    json_response(200, &json!({ "lobbyId": lobby_id, "left": true, "closed": event == "closed" }))
}
