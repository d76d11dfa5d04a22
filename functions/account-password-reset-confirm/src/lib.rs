//! `POST /account/password-reset/confirm`: the mailed token and a new password. The token is
//! spent and the password set in one transaction (a token works once); then every session ends.

use lambda_http::Request;
use platform::domain::account::validate_password;
use platform::flows::{sessions, Step, Transaction};
use platform::http::{json_body, json_response, HttpResult};
use platform::store::accounts;
use platform::store::one_time::{self, Purpose};
use platform::{auth, App};
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Confirm {
    token: String,
    new_password: String,
}

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let body: Confirm = json_body(&req)?;
    validate_password(&body.new_password)?;
    let reset = one_time::find(app, Purpose::PasswordReset, &body.token).await?;
    let hash = auth::hash_password(&body.new_password)?;
    let mut tx = Transaction::new();
    tx.add(Step::OneTimeTokenUse, one_time::spend(app, &body.token, platform::clock::now_secs())?);
    tx.add(Step::PasswordSet, accounts::set_password_hash(app, &reset.username_key, &reset.user_id, &hash)?);
    tx.commit(&app.db).await?;
    let ended = sessions::end_all(app, &reset.user_id, None, "password_reset").await?;
    json_response(200, &json!({ "message": "Password reset; sign in with the new password", "endedSessions": ended }))
}
