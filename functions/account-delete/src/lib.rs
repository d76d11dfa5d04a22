//! `DELETE /account`: erases the caller's personal data after the password proves it is them.
//! The username, the address, the password hash, the second factor and the profile go, and the
//! username and address are free again; the wallet, ledger, pulls, orders and library stay under
//! the user id, a random UUID that names no one once the rest is gone (money records must be
//! kept). Every session ends.

use lambda_http::Request;
use platform::flows::{password, sessions, Transaction};
use platform::http::{json_body, json_response, HttpResult};
use platform::store::accounts;
use platform::{ApiError, App};
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Erase {
    password: String,
}

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let player = app.authenticate(&req).await?;
    let body: Erase = json_body(&req)?;
    let (_, profile) =
        accounts::profile(app, &player.user_id).await?.ok_or(ApiError::Unauthorized("the account no longer exists"))?;
    let proven = password::prove(app, &player.user_id, &body.password, "password").await?;
    let email = profile.email.unwrap_or_default();
    let mut tx = Transaction::new();
    for (step, item) in accounts::erase(app, &player.user_id, &proven.username_key, &email, &proven.verified_hash)? {
        tx.add(step, item);
    }
    tx.commit(&app.db).await?;
    let ended = sessions::end_all(app, &player.user_id, None, "account_erased").await?;
    json_response(200, &json!({ "message": "Account erased", "userId": player.user_id, "endedSessions": ended }))
}
