//! `POST /account/email/verify`: the mailed token marks the address verified; it works once,
//! and only while the address is still the one it was mailed to. No bearer token is needed:
//! the mailed token is the proof.

use lambda_http::Request;
use platform::flows::{Step, Transaction};
use platform::http::{json_body, json_response, HttpResult};
use platform::store::accounts;
use platform::store::one_time::{self, Purpose};
use platform::{ApiError, App};
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Verify {
    token: String,
}

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let body: Verify = json_body(&req)?;
    let verification = one_time::find(app, Purpose::EmailVerification, &body.token).await?;
    let (_, profile) = accounts::profile(app, &verification.user_id)
        .await?
        .ok_or(ApiError::Unauthorized("the account no longer exists"))?;
    let email = profile.email.unwrap_or_default();
    let mut tx = Transaction::new();
    tx.add(Step::OneTimeTokenUse, one_time::spend(app, &body.token, platform::clock::now_secs())?);
    tx.add(Step::EmailVerified, accounts::mark_email_verified(app, &verification.user_id, &email)?);
    tx.commit(&app.db).await?;
    json_response(200, &json!({ "message": "Email address verified", "email": email }))
}
