//! `POST /account/login/2fa`: completes a login that answered `second_factor_required`: the
//! challenge and a TOTP code (or a recovery code). The code, the challenge and the new session
//! are one transaction: a code or a challenge opens one session at most.

use lambda_http::Request;
use platform::flows::second_factor::{attempts, Proof};
use platform::flows::{sessions, Step, Transaction};
use platform::http::{json_body, json_response, HttpResult};
use platform::store::one_time::{self, Purpose};
use platform::store::{accounts, rate_limit};
use platform::{ApiError, App};
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct SecondStep {
    challenge: String,
    code: Option<String>,
    recovery_code: Option<String>,
}

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let body: SecondStep = json_body(&req)?;
    let challenge = one_time::find(app, Purpose::SignInChallenge, &body.challenge).await?;
    let attempt = rate_limit::take(app, &attempts(&challenge.user_id)).await?;
    let credentials = accounts::credentials(app, &challenge.username_key)
        .await?
        .filter(|c| c.user_id == challenge.user_id) // the username may have changed hands since
        .ok_or(ApiError::Unauthorized("no such account"))?;
    let secret = credentials.totp_secret.ok_or(ApiError::Unauthorized("two-factor sign-in is off; sign in again"))?;
    let factor = Proof { code: body.code, recovery_code: body.recovery_code }.check(&secret)?;
    let now = platform::clock::now_secs();
    let mut proof = Transaction::new();
    proof.add(Step::SecondFactorUse, accounts::spend_factor(app, &challenge.username_key, &factor)?);
    proof.add(Step::OneTimeTokenUse, one_time::spend(app, &body.challenge, now)?);
    let session = sessions::open_with(app, &challenge.user_id, &challenge.device, &challenge.ip, proof).await?;
    attempt.give_back(app).await?;
    json_response(200, &session.response("Login successful", Some(&challenge.user_id)))
}
