//! `POST /chat/blocks`: `{userId, blocked}` stops (or lets again) a player message the caller.

use lambda_http::Request;
use platform::http::{json_body, json_response, HttpResult};
use platform::store::chat;
use platform::{ApiError, App};
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct BlockRequest {
    user_id: String,
    blocked: bool,
}

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let player = app.authenticate(&req).await?;
    let body: BlockRequest = json_body(&req)?;
    let other = chat::checked_user_id("userId", &body.user_id)?;
    if other == player.user_id {
        return Err(ApiError::Rule {
            code: "cannot_block_self",
            field: Some("userId"),
            detail: "you cannot block yourself".into(),
        });
    }
    if !chat::user_exists(app, &other).await? {
        return Err(ApiError::NotFound { code: "unknown_user", what: format!("player {other}") });
    }
    chat::set_blocked(app, &player.user_id, &other, body.blocked).await?;
    json_response(200, &json!({ "userId": other, "blocked": body.blocked }))
}
