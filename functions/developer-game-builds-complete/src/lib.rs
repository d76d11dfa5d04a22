//! `POST /developer/games/{gameId}/builds/{buildId}/complete`: puts the uploaded parts together,
//! `{parts: [{partNumber, etag}]}` (each ETag as its part's PUT answered it). The build is ready
//! only at its declared size; completing a ready build answers it again.

use lambda_http::Request;
use platform::http::{game_id_param, json_body, json_response, path_param, HttpResult};
use platform::store::builds::Storage;
use platform::store::{catalog, checked_id};
use platform::{flows, App};
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Part {
    part_number: i32,
    etag: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Completion {
    parts: Vec<Part>,
}

pub async fn handle(req: Request, app: &App, storage: &Storage) -> HttpResult {
    let player = app.authenticate(&req).await?;
    let game_id = game_id_param(&req, "gameId")?;
    let build_id = checked_id("buildId", &path_param(&req, "buildId")?)?;
    let body: Completion = json_body(&req)?;
    if body.parts.is_empty() || body.parts.len() > 1000 {
        return Err(platform::ApiError::validation("parts", "name 1-1000 uploaded parts"));
    }
    let game = catalog::game(app, game_id).await?;
    flows::roles::may_manage(app, &player, &game).await?;
    let parts: Vec<(i32, String)> = body.parts.into_iter().map(|p| (p.part_number, p.etag)).collect();
    let answer = flows::builds::complete_upload(app, storage, game_id, &build_id, &parts).await?;
    json_response(200, &answer)
}
