//! `DELETE /friends/{userId}`: ends the caller's relation with a player, whatever it is: cancels
//! the caller's request, declines theirs, or ends the friendship. The answer says which.

use lambda_http::Request;
use platform::http::{json_response, path_param, HttpResult};
use platform::store::chat;
use platform::{flows, App};
use serde_json::json;

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let player = app.authenticate(&req).await?;
    let other = chat::checked_user_id("userId", &path_param(&req, "userId")?)?;
    let outcome = flows::friends::remove(app, &player.user_id, &other).await?;
    json_response(200, &json!({ "userId": other, "state": null, "transition": outcome.transition }))
}
