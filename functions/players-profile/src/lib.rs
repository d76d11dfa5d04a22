//! `GET /players/{userId}`: a player's profile as others may see it. A public profile shows its
//! username, display name, avatar, country and presence (a friends-only one to friends); any
//! other shows only its id.
//! A signed-in player looking at themselves sees everything. No token is needed.

use lambda_http::Request;
use platform::flows;
use platform::http::{json_response, path_param, HttpResult};
use platform::store::chat::checked_user_id;
use platform::App;

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let user_id = checked_user_id("userId", &path_param(&req, "userId")?)?;
    let viewer = app.authenticate_optional(&req).await?.map(|player| player.user_id);
    if viewer.as_deref() == Some(user_id.as_str()) {
        return json_response(200, &flows::profile::own(app, &user_id).await?);
    }
    json_response(200, &flows::profile::seen_by_others(app, &user_id, viewer.as_deref()).await?)
}
