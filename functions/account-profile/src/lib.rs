//! `GET /account/profile`: the caller's whole profile, birth date and privacy included.

use lambda_http::Request;
use platform::flows;
use platform::http::{json_response, HttpResult};
use platform::App;

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let player = app.authenticate(&req).await?;
    json_response(200, &flows::profile::own(app, &player.user_id).await?)
}
