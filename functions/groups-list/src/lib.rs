//! `GET /groups`: the groups the caller has a standing in (member, admin, owner, or a request
//! waiting), with the role and, for members, the messages unread since they last read (up to 99).

use lambda_http::Request;
use platform::domain::groups::Role;
use platform::http::{json_response, HttpResult};
use platform::store::{chat, groups};
use platform::{ApiError, App};
use serde_json::json;

/// Unread counts stop here ("99+" in a client).
const UNREAD_CAP: i32 = 99;

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let player = app.authenticate(&req).await?;
    let standings: Vec<_> = groups::of_player(app, &player.user_id)
        .await?
        .into_iter()
        .filter(|m| Role::parse(&m.role).is_some_and(|r| r != Role::Banned))
        .collect();
    let ids: Vec<String> = standings.iter().map(|m| m.group_id.clone()).collect();
    let metas = groups::many(app, &ids).await?;
    // One count query per group, at once (a player is in a handful of groups).
    let unread: Vec<Result<u64, ApiError>> = futures::future::join_all(standings.iter().map(|m| async move {
        match Role::parse(&m.role).is_some_and(Role::is_member) {
            true => {
                let conversation = chat::group_conversation(&m.group_id);
                chat::count_after(app, &conversation, m.last_read.as_deref(), UNREAD_CAP).await
            }
            false => Ok(0),
        }
    }))
    .await;
    let mut listed = Vec::new();
    for (standing, unread) in standings.iter().zip(unread) {
        let Some(group) = metas.iter().find(|g| g.group_id == standing.group_id) else { continue };
        let mut entry = json!(group);
        entry["role"] = json!(standing.role);
        entry["unread"] = json!(unread?);
        listed.push(entry);
    }
    json_response(200, &json!({ "userId": player.user_id, "groups": listed }))
}
