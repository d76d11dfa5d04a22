//! `POST /developer/games/{gameId}/builds`: a game's developer (or an admin) declares a build,
//! `{platform, version, fileName, sizeBytes, sha256}`, and gets a presigned URL to PUT each part
//! of it straight to the builds bucket (parts of `partSizeBytes`, the last shorter; the URLs work
//! for an hour). `POST .../builds/{buildId}/complete` with the parts' ETags finishes it.

use lambda_http::Request;
use platform::flows::builds::{self, Declared};
use platform::http::{game_id_param, json_body, json_response, HttpResult};
use platform::store::builds::Storage;
use platform::store::catalog;
use platform::{flows, App};
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct NewBuild {
    platform: String,
    version: String,
    file_name: String,
    size_bytes: u64,
    sha256: String,
}

pub async fn handle(req: Request, app: &App, storage: &Storage) -> HttpResult {
    let player = app.authenticate(&req).await?;
    let game_id = game_id_param(&req, "gameId")?;
    let body: NewBuild = json_body(&req)?;
    let game = catalog::game(app, game_id).await?;
    flows::roles::may_manage(app, &player, &game).await?;
    let declared = Declared {
        platform: body.platform,
        version: body.version,
        file_name: body.file_name,
        size_bytes: body.size_bytes,
        sha256: body.sha256,
    };
    let answer = builds::start_upload(app, storage, &game, &player.user_id, declared).await?;
    json_response(201, &answer)
}
