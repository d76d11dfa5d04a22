//! `GET /notifications/deliveries?limit=&cursor=`: the caller's notifications sent outside the
//! app (email) and how their delivery went: `sending`, `sent` (with SES's message id) or `failed`
//! (with why; the event's next delivery retries it), with the attempts made. Newest first.

use lambda_http::Request;
use platform::http::{json_response, page_limit, query_param, HttpResult};
use platform::store::deliveries;
use platform::App;
use serde_json::json;

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let player = app.authenticate(&req).await?;
    let limit = page_limit(&req, 20, 100)?;
    let cursor = query_param(&req, "cursor");
    let (page, next) = deliveries::page(app, &player.user_id, cursor.as_deref(), limit).await?;
    json_response(200, &json!({ "deliveries": page, "nextCursor": next }))
}
