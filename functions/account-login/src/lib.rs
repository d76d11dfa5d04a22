//! `POST /account/login`: exchanges a username and password for a bearer token.
//! Failures are throttled per account and per source IP; the answer never says which part was wrong.
//! Each attempt takes its slot before the password is checked, and a successful login gives its
//! slot back, so only failures count and a burst cannot outrun the limit.

use lambda_http::Request;
use platform::flows::{self, password};
use platform::http::{json_body, json_response, source_ip, user_agent, HttpResult};
use platform::store::one_time::{self, Purpose};
use platform::store::rate_limit;
use platform::{auth, store, ApiError, App};
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LoginRequest {
    username: String,
    password: String,
}

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let body: LoginRequest = json_body(&req)?;
    if body.username.is_empty() || body.username.len() > 64 || body.password.is_empty() || body.password.len() > 512 {
        return Err(ApiError::InvalidCredentials);
    }
    let username_key = body.username.to_ascii_lowercase();
    let scopes = [password::attempts(&username_key), password::per_source(&source_ip(&req))];
    let attempt = rate_limit::take(app, &scopes).await?;
    let credentials = store::accounts::credentials(app, &username_key).await?;
    let stored_hash = credentials.as_ref().map(|c| c.password_hash.as_str());
    let (Some(credentials), true) = (&credentials, auth::verify_password(stored_hash, &body.password)) else {
        return Err(ApiError::InvalidCredentials); // the slot stays taken: a failure counts
    };
    attempt.give_back(app).await?;
    if credentials.totp_secret.is_some() {
        let (device, ip) = (user_agent(&req), source_ip(&req));
        let challenge =
            one_time::issue(app, Purpose::SignInChallenge, &credentials.user_id, &username_key, device, &ip).await?;
        return Err(ApiError::SecondFactorRequired { challenge });
    }
    let session = flows::sessions::open(app, &credentials.user_id, user_agent(&req), &source_ip(&req)).await?;
    json_response(200, &session.response("Login successful", Some(&credentials.user_id)))
}
