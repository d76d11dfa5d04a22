//! `POST /groups/{groupId}/members/{userId}`: `{action}` changes a player's standing: `approve` a
//! request, `kick`, `ban`, `unban` (owner and admins, on players below them), `promote` to
//! admin, `demote` to member, `transferOwnership` (owner only), or `leave` (yourself). The
//! target gets a `group` push.

use lambda_http::Request;
use platform::domain::groups::Action;
use platform::http::{json_body, json_response, path_param, HttpResult};
use platform::store::chat;
use platform::{flows, App};
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ManageMember {
    action: Action,
}

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let player = app.authenticate(&req).await?;
    let group_id = platform::store::checked_id("groupId", &path_param(&req, "groupId")?)?;
    let target = chat::checked_user_id("userId", &path_param(&req, "userId")?)?;
    let body: ManageMember = json_body(&req)?;
    let change = flows::groups::manage(app, &group_id, &player.user_id, &target, body.action).await?;
    let event = serde_json::to_value(body.action).unwrap_or_default();
    if target != player.user_id {
        flows::groups::announce(app, &target, &group_id, event.as_str().unwrap_or_default(), change.target_after).await;
    }
    json_response(
        200,
        &json!({
            "groupId": group_id,
            "userId": target,
            "action": event,
            "role": change.target_after.map(|r| r.as_str()),
            "yourRole": change.actor_after.map(|r| r.as_str()),
        }),
    )
}
