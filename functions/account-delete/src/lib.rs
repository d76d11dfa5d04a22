//! `DELETE /account`: erases the caller's personal data after the password proves it is them.
//! The username, the address, the password hash, the second factor and the profile go, and the
//! username and address are free again; the wallet, ledger, pulls, orders and library stay under
//! the user id, a random UUID that names no one once the rest is gone (money records must be
//! kept). Every session ends.

use lambda_http::Request;
use platform::flows::{sessions, Transaction};
use platform::http::{json_body, json_response, HttpResult};
use platform::store::accounts;
use platform::store::rate_limit::{self, Limit, Scope};
use platform::{auth, ApiError, App};
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Erase {
    password: String,
}

/// The login function's per-account limit (same counter).
const PER_ACCOUNT: Limit = Limit { max: 5, window_secs: 60 };

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let player = app.authenticate(&req)?;
    let body: Erase = json_body(&req)?;
    let (_, profile) =
        accounts::profile(app, &player.user_id).await?.ok_or(ApiError::Unauthorized("the account no longer exists"))?;
    let username_key = accounts::username_key_of(app, &player.user_id).await?;
    let _attempt = rate_limit::take(app, &[Scope::new(format!("login-user#{username_key}"), PER_ACCOUNT)]).await?;
    let credentials = accounts::credentials(app, &username_key).await?;
    let verified = credentials.as_ref().map(|c| c.password_hash.as_str());
    if !auth::verify_password(verified, &body.password) {
        return Err(ApiError::validation("password", "the password is not right"));
    }
    let mut tx = Transaction::new();
    let email = profile.email.unwrap_or_default();
    for (step, item) in accounts::erase(app, &player.user_id, &username_key, &email, verified.unwrap_or_default())? {
        tx.add(step, item);
    }
    tx.commit(&app.db).await?;
    let ended = sessions::end_all(app, &player.user_id, None, "account_erased").await?;
    json_response(200, &json!({ "message": "Account erased", "userId": player.user_id, "endedSessions": ended }))
}
