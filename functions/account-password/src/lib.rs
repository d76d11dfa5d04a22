//! `POST /account/password`: changes the caller's password, proving the current one first, and
//! ends every other session. Guesses of the current password count against the same per-account
//! limit as logins.

use lambda_http::Request;
use platform::domain::account::validate_password;
use platform::flows::sessions;
use platform::http::{json_body, json_response, HttpResult};
use platform::store::accounts;
use platform::store::rate_limit::{self, Scope};
use platform::{auth, ApiError, App};
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct PasswordChange {
    current_password: String,
    new_password: String,
}

/// The login function's per-account limit (same counter): a stolen access token must not become
/// a way around it to guess the password.
const PER_ACCOUNT: rate_limit::Limit = rate_limit::Limit { max: 5, window_secs: 60 };

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let player = app.authenticate(&req)?;
    let body: PasswordChange = json_body(&req)?;
    validate_password(&body.new_password)?;
    let username_key = accounts::username_key_of(app, &player.user_id).await?;
    let attempt = rate_limit::take(app, &[Scope::new(format!("login-user#{username_key}"), PER_ACCOUNT)]).await?;
    let credentials = accounts::credentials(app, &username_key).await?;
    let verified = credentials.as_ref().map(|c| c.password_hash.as_str());
    if !auth::verify_password(verified, &body.current_password) {
        return Err(ApiError::validation("currentPassword", "the current password is not right"));
    }
    attempt.give_back(app).await?;
    let new_hash = auth::hash_password(&body.new_password)?;
    accounts::replace_password_hash(app, &username_key, verified.unwrap_or_default(), &new_hash).await?;
    let ended = sessions::end_all(app, &player.user_id, player.session_id.as_deref(), "password_changed").await?;
    json_response(200, &json!({ "message": "Password changed", "endedSessions": ended }))
}
