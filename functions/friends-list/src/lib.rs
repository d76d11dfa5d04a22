//! `GET /friends?state=&limit=&cursor=`: the caller's relations (friends with their presence,
//! requests sent and received, players blocked), optionally in one state.

use lambda_http::Request;
use platform::http::{json_response, page_limit, query_param, HttpResult};
use platform::{flows, ApiError, App};
use serde_json::json;

const STATES: [&str; 4] = ["friend", "sent", "received", "blocked"];

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let player = app.authenticate(&req).await?;
    let limit = page_limit(&req, 50, 100)?;
    let state = query_param(&req, "state");
    if let Some(state) = state.as_deref().filter(|s| !STATES.contains(s)) {
        return Err(ApiError::validation("state", format!("state `{state}` is not one of {}", STATES.join(", "))));
    }
    let cursor = query_param(&req, "cursor");
    let (friends, next) = flows::friends::listing(
        app,
        &player.user_id,
        state.as_deref(),
        flows::friends::Reader::Owner,
        cursor.as_deref(),
        limit,
    )
    .await?;
    json_response(200, &json!({ "userId": player.user_id, "friends": friends, "nextCursor": next }))
}
