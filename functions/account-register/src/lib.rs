//! `POST /account/register`: creates an account with a unique username and email.
//! Every attempt from a source takes a slot first, before the password is hashed: registrations
//! cost an argon2 hash each, and `username_taken` / `email_taken` must not be an oracle to query
//! in bulk.

use lambda_http::Request;
use platform::domain::account::new_account;
use platform::flows::registration;
use platform::http::{json_body, json_response, source_ip, HttpResult};
use platform::store::rate_limit::{self, Limit, Scope};
use platform::{auth, App};
use serde::Deserialize;
use serde_json::json;

/// Attempts per source IP per hour: a household or a LAN party, not a script.
pub const PER_SOURCE: Limit = Limit { max: 10, window_secs: 3600 };

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
    let _slot = rate_limit::take(app, &[Scope::new(format!("register-ip#{}", source_ip(&req)), PER_SOURCE)]).await?;
    let password_hash = auth::hash_password(&account.password)?;
    let user_id = registration::register(app, &account, &password_hash).await?;
    json_response(201, &json!({ "message": "User registered successfully", "userId": user_id }))
}
