//! `POST /admin/players/{userId}/roles`: an admin sets a player's roles (`developer`, `admin`)
//! and the catalog studios a developer publishes for. Replaces both; `[]` takes them away.

use lambda_http::Request;
use platform::domain::roles::{self, Role};
use platform::flows;
use platform::http::{json_body, json_response, path_param, HttpResult};
use platform::store::accounts;
use platform::store::chat::checked_user_id;
use platform::{ApiError, App};
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RolesRequest {
    roles: Vec<String>,
    #[serde(default)]
    studios: Vec<String>,
}

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let admin = app.authenticate(&req).await?;
    flows::roles::require(app, &admin, Role::Admin).await?;
    let user_id = checked_user_id("userId", &path_param(&req, "userId")?)?;
    let body: RolesRequest = json_body(&req)?;
    let mut granted: Vec<&str> = Vec::new();
    for raw in &body.roles {
        let role = Role::parse(raw)?.as_str();
        if !granted.contains(&role) {
            granted.push(role);
        }
    }
    let studios = roles::studios(&body.studios)?;
    if !studios.is_empty() && !granted.contains(&Role::Developer.as_str()) {
        return Err(ApiError::validation("studios", "studios are linked to developers only"));
    }
    if !accounts::set_roles(app, &user_id, &granted, &studios).await? {
        return Err(ApiError::NotFound { code: "unknown_user", what: format!("player {user_id}") });
    }
    json_response(200, &json!({ "userId": user_id, "roles": granted, "studios": studios }))
}
