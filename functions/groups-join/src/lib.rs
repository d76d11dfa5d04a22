//! `POST /groups/{groupId}/join`: joins an open group (201, `member`) while it has a free place,
//! or asks to join a closed one (201, `requested`; its owner and admins get a push). Repeating it
//! changes nothing (200). A banned player is refused.

use lambda_http::Request;
use platform::domain::groups::Role;
use platform::flows::groups::{announce, join, Joined};
use platform::http::{json_response, path_param, HttpResult};
use platform::store::groups;
use platform::App;
use serde_json::json;

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let player = app.authenticate(&req).await?;
    let group_id = platform::store::checked_id("groupId", &path_param(&req, "groupId")?)?;
    let (joined, group) = join(app, &group_id, &player.user_id).await?;
    let (status, role) = match joined {
        Joined::Member => (201, Role::Member),
        Joined::Requested => (201, Role::Requested),
        Joined::Unchanged(role) => (200, role),
    };
    if joined == Joined::Requested {
        // Best effort: the request is listed in `GET /groups/{groupId}` either way.
        for admin in groups::members(app, &group_id).await.unwrap_or_default() {
            if Role::parse(&admin.role).is_some_and(Role::is_admin) {
                announce(app, &admin.user_id, &group_id, "joinRequested", Some(Role::Requested)).await;
            }
        }
    }
    let changed = !matches!(joined, Joined::Unchanged(_));
    json_response(
        status,
        &json!({ "groupId": group.group_id, "name": group.name, "role": role.as_str(), "changed": changed }),
    )
}
