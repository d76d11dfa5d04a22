//! `GET /account/notification-settings`: per notification type, whether it reaches the caller in
//! the app and by email, with the address mail goes to (only once verified).

use lambda_http::Request;
use platform::flows::notify;
use platform::http::{json_response, HttpResult};
use platform::store::accounts;
use platform::{ApiError, App};

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let player = app.authenticate(&req).await?;
    let me = accounts::addressee(app, &player.user_id).await?;
    let me = me.ok_or(ApiError::Unauthorized("the account no longer exists"))?;
    json_response(200, &notify::settings(&me))
}
