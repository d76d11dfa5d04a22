//! `GET /groups/{groupId}/messages?limit=&cursor=`: a group's chat, newest first, for its
//! members; reading the first page marks the group read (its unread count in `GET /groups`).

use lambda_http::Request;
use platform::domain::groups::Role;
use platform::http::{json_response, page_limit, path_param, query_param, HttpResult};
use platform::store::{chat, groups};
use platform::{ApiError, App};
use serde_json::json;

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let player = app.authenticate(&req).await?;
    let group_id = platform::store::checked_id("groupId", &path_param(&req, "groupId")?)?;
    let limit = page_limit(&req, 50, 100)?;
    let cursor = query_param(&req, "cursor");
    if !groups::role(app, &group_id, &player.user_id).await?.is_some_and(Role::is_member) {
        return Err(ApiError::Forbidden("only the group's members read its chat"));
    }
    let conversation = chat::group_conversation(&group_id);
    let (messages, next) = chat::messages_page(app, &conversation, cursor.as_deref(), limit).await?;
    if let (None, Some(newest)) = (&cursor, messages.first()) {
        groups::mark_read(app, &group_id, &player.user_id, &newest.message_id).await?;
    }
    json_response(200, &json!({ "groupId": group_id, "messages": messages, "nextCursor": next }))
}
