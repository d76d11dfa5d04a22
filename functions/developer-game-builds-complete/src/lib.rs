//! `POST /developer/games/{gameId}/builds/{buildId}/complete`: puts the uploaded parts together,
//! as S3 lists them (no body: the ETags are S3's). Every planned part must be uploaded; the
//! build is ready only at its declared size; completing a ready build answers it again.

use lambda_http::Request;
use platform::http::{game_id_param, json_response, path_param, HttpResult};
use platform::store::builds::Storage;
use platform::store::{catalog, checked_id};
use platform::{flows, App};

pub async fn handle(req: Request, app: &App, storage: &Storage) -> HttpResult {
    let player = app.authenticate(&req).await?;
    let game_id = game_id_param(&req, "gameId")?;
    let build_id = checked_id("buildId", &path_param(&req, "buildId")?)?;
    let game = catalog::game(app, game_id).await?;
    flows::roles::may_manage(app, &player, &game).await?;
    let answer = flows::builds::complete_upload(app, storage, game_id, &build_id).await?;
    json_response(200, &answer)
}
