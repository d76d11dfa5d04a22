//! `POST /account/password-reset`: mails a single-use reset token (valid 30 minutes) to the
//! account with this email address, through SES. The answer is the same whether or not the
//! address has an account, so it cannot be used to learn which addresses exist; requests are
//! limited per source and per address before anything is looked up.

use lambda_http::Request;
use platform::domain::account::validate_email;
use platform::http::{json_body, json_response, source_ip, user_agent, HttpResult};
use platform::mail::Mailer;
use platform::store::accounts;
use platform::store::one_time::{self, Purpose};
use platform::store::rate_limit::{self, Limit, Scope};
use platform::App;
use serde::Deserialize;
use serde_json::json;

pub const PER_SOURCE: Limit = Limit { max: 10, window_secs: 3600 };
pub const PER_ADDRESS: Limit = Limit { max: 3, window_secs: 3600 };

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ResetRequest {
    email: String,
}

pub async fn handle(req: Request, app: &App, mail: &Mailer) -> HttpResult {
    let body: ResetRequest = json_body(&req)?;
    let email = validate_email(&body.email)?;
    let ip = source_ip(&req);
    let scopes =
        [Scope::new(format!("reset-ip#{ip}"), PER_SOURCE), Scope::new(format!("reset-email#{email}"), PER_ADDRESS)];
    let _slot = rate_limit::take(app, &scopes).await?;
    if let Some(user_id) = accounts::user_of_email(app, &email).await? {
        let username_key = accounts::username_key_of(app, &user_id).await?;
        let token =
            one_time::issue(app, Purpose::PasswordReset, &user_id, &username_key, user_agent(&req), &ip).await?;
        let text = format!(
            "Someone asked to reset the password of your account \"{username_key}\".\n\n\
             If it was you, send this token with your new password to POST /account/password-reset/confirm \
             within 30 minutes:\n\n    {token}\n\n\
             It works once. Resetting signs you out everywhere. If it was not you, ignore this mail."
        );
        // The answer must not depend on whether a mail went out: a failure is logged, not told.
        if let Err(error) = mail.send(&email, "Reset your password", text).await {
            tracing::error!(%error, "the reset mail was not sent");
        }
    }
    json_response(202, &json!({ "message": "If this address has an account, a reset token was mailed to it" }))
}
