//! `POST /account/email/verification`: mails the caller a token (valid 24 hours, once) that
//! proves they read the address they registered with. A few a day per player.

use lambda_http::Request;
use platform::http::{json_response, source_ip, user_agent, HttpResult};
use platform::mail::Mailer;
use platform::store::accounts;
use platform::store::one_time::{self, Purpose};
use platform::store::rate_limit::{self, Limit, Scope};
use platform::{ApiError, App};
use serde_json::json;

pub const PER_PLAYER: Limit = Limit { max: 3, window_secs: 3600 };

pub async fn handle(req: Request, app: &App, mail: &Mailer) -> HttpResult {
    let player = app.authenticate(&req).await?;
    let (_, profile) =
        accounts::profile(app, &player.user_id).await?.ok_or(ApiError::Unauthorized("the account no longer exists"))?;
    if profile.email_verified {
        return Err(ApiError::Conflict { code: "email_already_verified", detail: "the address is verified".into() });
    }
    let email = profile.email.ok_or_else(|| ApiError::internal("an account without an address"))?;
    let _slot = rate_limit::take(app, &[Scope::new(format!("verify-email#{}", player.user_id), PER_PLAYER)]).await?;
    let username_key = accounts::username_key_of(app, &player.user_id).await?;
    let ip = source_ip(&req);
    let token =
        one_time::issue(app, Purpose::EmailVerification, &player.user_id, &username_key, user_agent(&req), &ip).await?;
    let text = format!(
        "Please confirm this is your address by sending this token to POST /account/email/verify \
         within 24 hours:\n\n    {token}\n\nIf you did not register, ignore this mail."
    );
    mail.send(&email, "Confirm your email address", text).await?;
    json_response(202, &json!({ "message": "A verification token was mailed", "email": email }))
}
