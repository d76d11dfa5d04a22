//! `POST /account/register`: creates an account with a unique username and email.

use lambda_http::Request;
use platform::domain::account::new_account;
use platform::flows::registration;
use platform::http::{json_body, json_response, HttpResult};
use platform::{auth, App};
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RegisterRequest {
    username: String,
    password: String,
    email: String,
}

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let body: RegisterRequest = json_body(&req)?;
    let account = new_account(&body.username, &body.email, &body.password)?;
    let password_hash = auth::hash_password(&account.password)?;
    let user_id = registration::register(app, &account, &password_hash).await?;
    json_response(201, &json!({ "message": "User registered successfully", "userId": user_id }))
}
