//! `POST /account/password`: changes the caller's password, proving the current one first, and
//! ends every other session. Guesses of the current password count against the same per-account
//! limit as logins.

use lambda_http::Request;
use platform::domain::account::validate_password;
use platform::flows::{password, sessions};
use platform::http::{json_body, json_response, HttpResult};
use platform::store::accounts;
use platform::{auth, App};
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct PasswordChange {
    current_password: String,
    new_password: String,
}

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let player = app.authenticate(&req).await?;
    let body: PasswordChange = json_body(&req)?;
    validate_password(&body.new_password)?;
    let proven = password::prove(app, &player.user_id, &body.current_password, "currentPassword").await?;
    let new_hash = auth::hash_password(&body.new_password)?;
    accounts::replace_password_hash(app, &proven.username_key, &proven.verified_hash, &new_hash).await?;
    let ended = sessions::end_all(app, &player.user_id, player.session_id.as_deref(), "password_changed").await?;
    json_response(200, &json!({ "message": "Password changed", "endedSessions": ended }))
}
