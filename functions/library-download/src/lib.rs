//! `POST /library/{gameId}/download`: an owner's download, `{platform, branch?, password?}`
//! (branch `default` unless named; a beta may need its password): a presigned URL of the build
//! the branch serves for the platform, working for a few minutes, with the manifest (version,
//! file name, size, SHA-256) to check the file against. Players who do not own the game (or
//! whose purchase was refunded) are refused.

use lambda_http::Request;
use platform::http::{game_id_param, json_body, json_response, HttpResult};
use platform::store::builds::Storage;
use platform::{flows, App};
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DownloadRequest {
    platform: String,
    branch: Option<String>,
    password: Option<String>,
}

pub async fn handle(req: Request, app: &App, storage: &Storage) -> HttpResult {
    let player = app.authenticate(&req).await?;
    let game_id = game_id_param(&req, "gameId")?;
    let body: DownloadRequest = json_body(&req)?;
    let answer = flows::builds::download(
        app,
        storage,
        &player.user_id,
        game_id,
        &body.platform,
        body.branch.as_deref(),
        body.password.as_deref(),
    )
    .await?;
    json_response(200, &answer)
}
