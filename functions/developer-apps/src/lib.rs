//! `GET /developer/apps`: the apps the calling developer registered, newest first, without secrets.

use lambda_http::Request;
use platform::http::{json_response, HttpResult};
use platform::store::apps as app_store;
use platform::{flows, App};
use serde_json::json;

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let developer = app.authenticate(&req).await?;
    flows::roles::developer_studios(app, &developer).await?;
    let apps: Vec<_> = app_store::of_owner(app, &developer.user_id).await?.iter().map(|a| a.view()).collect();
    json_response(200, &json!({ "apps": apps }))
}
