//! `PUT /developer/games/{gameId}/branches/{branch}`: sets what a branch serves,
//! `{builds: {<platform>: <buildId>}, password?}`: ready builds of those platforms; `default` is
//! every owner's branch and has no password, a beta's password is 4-64 characters (stored as an
//! argon2 hash). Replaces the branch.

use lambda_http::Request;
use platform::http::{game_id_param, json_body, json_response, path_param, HttpResult};
use platform::store::catalog;
use platform::{flows, App};
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BranchSetting {
    builds: BTreeMap<String, String>,
    password: Option<String>,
}

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let player = app.authenticate(&req).await?;
    let game_id = game_id_param(&req, "gameId")?;
    let name = path_param(&req, "branch")?;
    let body: BranchSetting = json_body(&req)?;
    let game = catalog::game(app, game_id).await?;
    flows::roles::may_manage(app, &player, &game).await?;
    let answer = flows::builds::set_branch(app, game_id, &name, &player.user_id, body.builds, body.password).await?;
    json_response(200, &answer)
}
