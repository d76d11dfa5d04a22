//! `POST /account/2fa/confirm`: a code from the app confirms the pending secret and turns
//! two-factor sign-in on. Answers the ten recovery codes, shown this once (stored as hashes).

use lambda_http::Request;
use platform::domain::second_factor::{matching_step, new_recovery_codes, recovery_code_hash};
use platform::flows::second_factor::attempts;
use platform::flows::{Step, Transaction};
use platform::http::{json_body, json_response, HttpResult};
use platform::store::{accounts, rate_limit};
use platform::{ApiError, App};
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Confirm {
    code: String,
}

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let player = app.authenticate(&req).await?;
    let body: Confirm = json_body(&req)?;
    let username_key = accounts::username_key_of(app, &player.user_id).await?;
    let attempt = rate_limit::take(app, &attempts(&player.user_id)).await?;
    let credentials =
        accounts::credentials(app, &username_key).await?.ok_or(ApiError::Unauthorized("no such account"))?;
    if credentials.totp_secret.is_some() {
        return Err(ApiError::Conflict {
            code: "two_factor_enabled",
            detail: "two-factor sign-in is already on".into(),
        });
    }
    let pending = credentials.totp_pending.ok_or_else(|| ApiError::Conflict {
        code: "two_factor_not_enrolled",
        detail: "enrol first: POST /account/2fa/enrol".into(),
    })?;
    let step = matching_step(&pending, &body.code, platform::clock::now_secs())?
        .ok_or_else(|| ApiError::validation("code", "the code is not right"))?;
    let codes = new_recovery_codes();
    let hashes = codes.iter().map(|c| recovery_code_hash(c)).collect();
    let mut tx = Transaction::new();
    tx.add(Step::SecondFactorChange, accounts::enable_totp(app, &username_key, &pending, step, hashes)?);
    tx.commit(&app.db).await?;
    attempt.give_back(app).await?;
    json_response(200, &json!({ "message": "Two-factor sign-in is on", "recoveryCodes": codes }))
}
