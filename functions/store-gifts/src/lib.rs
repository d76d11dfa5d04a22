//! `GET /store/gifts?direction=received|sent&limit=&cursor=`: the gifts the caller received
//! (the default) or sent, newest first, with their state (pending, accepted, declined).

use lambda_http::Request;
use platform::http::{json_response, page_limit, query_param, HttpResult};
use platform::store::gifts::{self, Direction};
use platform::{flows, ApiError, App};
use serde_json::json;

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let player = app.authenticate(&req).await?;
    let direction = match query_param(&req, "direction").as_deref() {
        None | Some("received") => Direction::Received,
        Some("sent") => Direction::Sent,
        Some(_) => return Err(ApiError::validation("direction", "direction is received or sent")),
    };
    let limit = page_limit(&req, 20, 100)?;
    let cursor = query_param(&req, "cursor");
    let (page, next) = gifts::page(app, &player.user_id, direction, cursor.as_deref(), limit).await?;
    let shown: Vec<_> = page.iter().map(|gift| flows::gifts::gift_json(gift, &player.user_id)).collect();
    json_response(200, &json!({ "gifts": shown, "nextCursor": next }))
}
