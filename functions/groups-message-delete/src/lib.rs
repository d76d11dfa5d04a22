//! `DELETE /groups/{groupId}/messages/{messageId}`: deletes a message: the caller's own, or, for
//! the group's owner and admins, anyone's. It keeps its place in the history without its text;
//! members with an open socket get a `messageDeleted` push.

use lambda_http::Request;
use platform::http::{json_response, path_param, HttpResult};
use platform::store::groups;
use platform::{flows, App};

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let player = app.authenticate(&req).await?;
    let group_id = platform::store::checked_id("groupId", &path_param(&req, "groupId")?)?;
    let message_id = platform::store::checked_id("messageId", &path_param(&req, "messageId")?)?;
    let admin = groups::role(app, &group_id, &player.user_id).await?.is_some_and(|r| r.is_admin());
    let message = flows::chat::change_in_group(app, &group_id, &message_id, &player.user_id, None, admin).await?;
    flows::chat::announce_change(app, &group_id, "messageDeleted", &message).await;
    json_response(200, &message)
}
