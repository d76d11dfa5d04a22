//! `PATCH /groups/{groupId}/messages/{messageId}`: `{text}` edits the caller's own message (a
//! deleted one stays deleted); members with an open socket get a `messageEdited` push.

use lambda_http::Request;
use platform::http::{json_body, json_response, path_param, HttpResult};
use platform::{flows, App};
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Edit {
    text: String,
}

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let player = app.authenticate(&req).await?;
    let group_id = platform::store::checked_id("groupId", &path_param(&req, "groupId")?)?;
    let message_id = platform::store::checked_id("messageId", &path_param(&req, "messageId")?)?;
    let body: Edit = json_body(&req)?;
    let text = platform::domain::chat::validate_text(&body.text)?;
    let message =
        flows::chat::change_in_group(app, &group_id, &message_id, &player.user_id, Some(&text), false).await?;
    flows::chat::announce_change(app, &group_id, "messageEdited", &message).await;
    json_response(200, &message)
}
