//! `POST /account/2fa/disable`: a current code (or a recovery code) turns two-factor sign-in off.

use lambda_http::Request;
use platform::flows::second_factor::{attempts, Proof};
use platform::flows::{Step, Transaction};
use platform::http::{json_body, json_response, HttpResult};
use platform::store::{accounts, rate_limit};
use platform::{ApiError, App};
use serde_json::json;

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let player = app.authenticate(&req).await?;
    let proof: Proof = json_body(&req)?;
    let username_key = accounts::username_key_of(app, &player.user_id).await?;
    let attempt = rate_limit::take(app, &attempts(&player.user_id)).await?;
    let credentials =
        accounts::credentials(app, &username_key).await?.ok_or(ApiError::Unauthorized("no such account"))?;
    let secret = credentials.totp_secret.ok_or_else(|| ApiError::Conflict {
        code: "two_factor_disabled",
        detail: "two-factor sign-in is not on".into(),
    })?;
    let mut tx = Transaction::new();
    tx.add(Step::SecondFactorUse, accounts::disable_totp(app, &username_key, &proof.check(&secret)?)?);
    tx.commit(&app.db).await?;
    attempt.give_back(app).await?;
    json_response(200, &json!({ "message": "Two-factor sign-in is off" }))
}
