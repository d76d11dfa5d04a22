//! Proving the password again (changing it, erasing the account): the same per-account counter as
//! failed logins, so a stolen access token is no way around the login limit.

use crate::app::App;
use crate::auth;
use crate::error::ApiError;
use crate::store::accounts;
use crate::store::rate_limit::{self, Limit, Scope};

/// Failed logins per account per minute; then 429 until the window ends.
pub const PER_ACCOUNT: Limit = Limit { max: 5, window_secs: 60 };

/// The per-account scope of failed password guesses, whichever endpoint they come through.
pub fn attempts(username_key: &str) -> Scope {
    Scope::new(format!("login-user#{username_key}"), PER_ACCOUNT)
}

/// Failed logins from one source per minute (one source guessing across many accounts).
pub const PER_SOURCE: Limit = Limit { max: 30, window_secs: 60 };

/// The per-source scope of failed password guesses.
pub fn per_source(ip: &str) -> Scope {
    Scope::new(format!("login-ip#{ip}"), PER_SOURCE)
}

/// An account whose password the caller just proved.
pub struct Proven {
    pub username_key: String,
    /// The hash that was checked: writes that depend on it are conditioned on it.
    pub verified_hash: String,
}

/// Checks `password` for the caller's account; a wrong one counts against the account's limit
/// and is refused as a bad `field`.
pub async fn prove(app: &App, user_id: &str, password: &str, field: &'static str) -> Result<Proven, ApiError> {
    let username_key = accounts::username_key_of(app, user_id).await?;
    let attempt = rate_limit::take(app, &[attempts(&username_key)]).await?;
    let credentials = accounts::credentials(app, &username_key).await?;
    let verified = credentials.map(|c| c.password_hash);
    if !auth::verify_password(verified.as_deref(), password) {
        return Err(ApiError::validation(field, "the password is not right"));
    }
    attempt.give_back(app).await?;
    Ok(Proven { username_key, verified_hash: verified.unwrap_or_default() })
}
