//! `POST /developer/games/{gameId}/keys`: a game's developer (or an admin) makes a batch of
//! product keys, `{count: 1..1000, label?}`. The answer holds the keys, once: only their SHA-256
//! digests are stored, so they cannot be shown again.

use lambda_http::Request;
use platform::http::{game_id_param, json_body, json_response, HttpResult};
use platform::store::catalog;
use platform::{flows, App};
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewBatch {
    count: u32,
    label: Option<String>,
}

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let player = app.authenticate(&req).await?;
    let game_id = game_id_param(&req, "gameId")?;
    let body: NewBatch = json_body(&req)?;
    let label = platform::domain::keys::check_label(body.label)?;
    let game = catalog::game(app, game_id).await?;
    flows::roles::may_manage(app, &player, &game).await?;
    let (batch, keys) = flows::keys::make_batch(app, &game, &player.user_id, body.count, label).await?;
    let mut answer = json!(batch);
    answer["keys"] = json!(keys);
    json_response(201, &answer)
}
