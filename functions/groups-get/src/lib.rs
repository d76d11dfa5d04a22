//! `GET /groups/{groupId}`: a group and its members with their roles (and the usernames of public
//! profiles). Its owner and admins also see the requests waiting and the players banned.

use lambda_http::Request;
use platform::domain::groups::Role;
use platform::http::{json_response, path_param, HttpResult};
use platform::store::{accounts, groups};
use platform::{ApiError, App};
use serde_json::json;

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let player = app.authenticate(&req).await?;
    let group_id = platform::store::checked_id("groupId", &path_param(&req, "groupId")?)?;
    let (group, standings) = tokio::try_join!(groups::get(app, &group_id), groups::members(app, &group_id))?;
    let group = group.ok_or_else(|| ApiError::NotFound { code: "unknown_group", what: format!("group {group_id}") })?;
    let mine = standings.iter().find(|m| m.user_id == player.user_id).and_then(|m| Role::parse(&m.role));
    let admin = mine.is_some_and(Role::is_admin);
    let shown: Vec<_> =
        standings.into_iter().filter(|m| admin || Role::parse(&m.role).is_some_and(Role::is_member)).collect();
    let ids: Vec<String> = shown.iter().map(|m| m.user_id.clone()).collect();
    let names = accounts::profiles(app, &ids).await?;
    let members: Vec<_> = shown
        .iter()
        .map(|m| {
            let mut entry = json!(m);
            // Names as each player's privacy allows anyone (a private player shows an id only).
            let shown = names.get(&m.user_id).filter(|(_, profile)| profile.seen_by_others(false).is_some());
            entry["username"] = json!(shown.map(|(username, _)| username));
            entry
        })
        .collect();
    json_response(200, &json!({ "group": group, "yourRole": mine.map(Role::as_str), "members": members }))
}
