//! `POST /chat/blocks`: `{userId, blocked}` stops (or lets again) a player messaging the caller or
//! sending them friend requests; blocking also ends any friendship or request between them.

use lambda_http::Request;
use platform::flows;
use platform::http::{json_body, json_response, HttpResult};
use platform::store::{chat, friends};
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
    match body.blocked {
        true => flows::friends::block(app, &player.user_id, &other).await.map(drop)?,
        false => friends::unblock(app, &player.user_id, &other).await?,
    }
    json_response(200, &json!({ "userId": other, "blocked": body.blocked }))
}
