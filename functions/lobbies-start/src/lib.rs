//! `POST /lobbies/{lobbyId}/start`: the host starts the match once every player is ready. The
//! lobby becomes `started`, its players are free to queue again, a `MatchStarted` event goes to
//! the bus (game servers read it from `MatchStartsQueue`), and the players get a `lobby` push.

use lambda_http::Request;
use platform::flows::lobbies;
use platform::http::{json_response, path_param, HttpResult};
use platform::App;
use serde_json::json;

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let player = app.authenticate(&req).await?;
    let lobby_id = platform::store::checked_id("lobbyId", &path_param(&req, "lobbyId")?)?;
    let (lobby, players) = lobbies::start(app, &lobby_id, &player.user_id).await?;
    let frame = json!({ "type": "lobby", "event": "started", "lobbyId": lobby_id, "userId": player.user_id, "players": players });
    lobbies::announce(app, &players, &frame).await;
    let mut body = json!(lobby);
    body["players"] = json!(players);
    json_response(200, &body)
}
