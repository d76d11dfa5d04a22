//! The OAuth 2.0 authorization endpoint (RFC 6749 section 3.1) as a page a person uses in a
//! browser. `GET /oauth/authorize?response_type=code&client_id=...&redirect_uri=...&scope=...
//! &state=...&code_challenge=...&code_challenge_method=S256` shows which app asks for what and
//! a sign-in form; `POST /oauth/authorize` (that form) checks the password (and the authenticator
//! code when two-factor sign-in is on), then sends the browser back to the app with a one-time
//! code (`?code=...&state=...`) or, on "Deny", `?error=access_denied`.
//!
//! A request whose app or redirect URI is not registered never redirects: the person sees why.

use lambda_http::{Body, Request, Response};
use platform::domain::oauth::{AuthorizationRequest, USER_SCOPES};
use platform::flows::app_grants::{check_request, Refusal};
use platform::flows::second_factor::{self, Proof};
use platform::flows::{password, Step, Transaction};
use platform::http::{form_fields, query_params, source_ip, HttpResult};
use platform::store::oauth_codes::{self, Consent};
use platform::store::{accounts, rate_limit};
use platform::{auth, ApiError, App};
use std::collections::HashMap;

/// The fields the form carries back unchanged.
const REQUEST_FIELDS: [&str; 8] = [
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "code_challenge",
    "code_challenge_method",
    "nonce",
];

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let posted = req.method() == lambda_http::http::Method::POST;
    let params = if posted {
        match form_fields(&req) {
            Ok(fields) => fields,
            Err(why) => return page(400, &message_page(why)),
        }
    } else {
        query_params(&req)
    };
    let (request, client) = match check_request(app, &params).await? {
        Ok(checked) => checked,
        Err(Refusal::Page(why)) => return page(400, &message_page(why)),
        Err(Refusal::Redirect(url)) => return redirect(&url),
    };
    if !posted {
        return page(200, &consent_page(&params, &request, &client.name, None));
    }
    if params.get("decision").map(String::as_str) != Some("allow") {
        return redirect(&request.redirect(&[("error", "access_denied"), ("error_description", "the player said no")]));
    }
    match sign_in(app, &req, &params).await? {
        Ok(user_id) => {
            let code = oauth_codes::issue(app, Consent { user_id: &user_id, request: &request }).await?;
            redirect(&request.redirect(&[("code", &code)]))
        }
        Err(why) => page(401, &consent_page(&params, &request, &client.name, Some(why))),
    }
}

/// The person's username and password, and their authenticator code when two-factor sign-in
/// is on: the same limits as a login (per account and per source), the code spent once.
async fn sign_in(
    app: &App,
    req: &Request,
    params: &HashMap<String, String>,
) -> Result<Result<String, &'static str>, ApiError> {
    const WRONG: &str = "The username or password is not right.";
    let field = |name: &str| params.get(name).map(String::as_str).unwrap_or_default();
    let (username, given_password) = (field("username"), field("password"));
    if username.is_empty() || username.len() > 64 || given_password.is_empty() || given_password.len() > 512 {
        return Ok(Err(WRONG));
    }
    let username_key = username.to_ascii_lowercase();
    let attempt = match rate_limit::take(
        app,
        &[password::attempts(&username_key), password::per_source(&source_ip(req))],
    )
    .await
    {
        Ok(attempt) => attempt,
        Err(ApiError::TooManyRequests { .. }) => return Ok(Err("Too many attempts. Wait a minute and try again.")),
        Err(other) => return Err(other),
    };
    let credentials = accounts::credentials(app, &username_key).await?;
    let stored = credentials.as_ref().map(|c| c.password_hash.as_str());
    let (Some(credentials), true) = (credentials.as_ref(), auth::verify_password(stored, given_password)) else {
        return Ok(Err(WRONG));
    };
    attempt.give_back(app).await?;
    if let Some(secret) = &credentials.totp_secret {
        let code = field("code").trim();
        if code.is_empty() {
            return Ok(Err("Two-factor sign-in is on: enter the code from your authenticator app."));
        }
        let code_attempt = match rate_limit::take(app, &second_factor::attempts(&credentials.user_id)).await {
            Ok(attempt) => attempt,
            Err(ApiError::TooManyRequests { .. }) => return Ok(Err("Too many codes tried. Wait and try again.")),
            Err(other) => return Err(other),
        };
        let Ok(factor) = (Proof { code: Some(code.into()), recovery_code: None }).check(secret) else {
            return Ok(Err("The authenticator code is not right."));
        };
        let mut tx = Transaction::new();
        tx.add(Step::SecondFactorUse, accounts::spend_factor(app, &username_key, &factor)?);
        match tx.commit(&app.db).await.map_err(ApiError::from) {
            Ok(()) => {}
            Err(ApiError::Unauthorized(_)) => return Ok(Err("That authenticator code was already used.")),
            Err(other) => return Err(other),
        }
        code_attempt.give_back(app).await?;
    }
    Ok(Ok(credentials.user_id.clone()))
}

fn redirect(location: &str) -> HttpResult {
    Response::builder()
        .status(302)
        .header("location", location)
        .header("cache-control", "no-store")
        .body(Body::Empty)
        .map_err(ApiError::internal)
}

/// An HTML answer that no other site may frame (clickjacking a consent) and no cache keeps.
fn page(status: u16, html: &str) -> HttpResult {
    Response::builder()
        .status(status)
        .header("content-type", "text/html; charset=utf-8")
        .header("content-security-policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
        .header("x-frame-options", "DENY")
        .header("x-content-type-options", "nosniff")
        .header("referrer-policy", "no-referrer")
        .header("cache-control", "no-store")
        .body(Body::Text(html.to_owned()))
        .map_err(ApiError::internal)
}

/// Text for HTML bodies and attribute values.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

const STYLE: &str = "body{font:16px/1.5 system-ui,sans-serif;background:#f4f4f6;color:#1a1a1a;margin:0}\
main{max-width:26rem;margin:3rem auto;background:#fff;padding:2rem;border-radius:8px;box-shadow:0 1px 4px #0002}\
h1{font-size:1.4rem;margin-top:0}label{display:block;margin-top:1rem;font-weight:600}\
input{width:100%;box-sizing:border-box;padding:.5rem;font-size:1rem;border:1px solid #666;border-radius:4px}\
button{margin-top:1.5rem;margin-right:.5rem;padding:.6rem 1.2rem;font-size:1rem;border-radius:4px;border:1px solid #333}\
button[value=allow]{background:#1d4ed8;color:#fff;border-color:#1d4ed8}\
[role=alert]{background:#fde8e8;color:#7f1d1d;padding:.5rem;border-radius:4px}\
:focus{outline:3px solid #f59e0b;outline-offset:2px}";

fn document(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{}</title><style>{STYLE}</style></head><body><main>{body}</main></body></html>",
        escape(title)
    )
}

fn message_page(why: &str) -> String {
    document(
        "Sign-in request refused",
        &format!("<h1>This sign-in request cannot go on</h1><p role=\"alert\">{}</p>", escape(why)),
    )
}

fn consent_page(
    params: &HashMap<String, String>,
    request: &AuthorizationRequest,
    app_name: &str,
    error: Option<&str>,
) -> String {
    let asks: String = USER_SCOPES
        .iter()
        .filter(|(scope, _)| request.scopes.iter().any(|s| s == scope))
        .map(|(_, description)| format!("<li>{}</li>", escape(description)))
        .collect();
    let hidden: String = REQUEST_FIELDS
        .iter()
        .filter_map(|name| params.get(*name).map(|value| (name, value)))
        .map(|(name, value)| format!("<input type=\"hidden\" name=\"{name}\" value=\"{}\">", escape(value)))
        .collect();
    let alert = error.map(|e| format!("<p role=\"alert\">{}</p>", escape(e))).unwrap_or_default();
    let username = params.get("username").map(|u| escape(u)).unwrap_or_default();
    let destination = request.redirect_uri.split('/').nth(2).unwrap_or_default();
    document(
        &format!("Sign in to {app_name} with Game Platform"),
        &format!(
            "<h1>Sign in with Game Platform</h1>\
             <p><strong>{app}</strong> asks to:</p><ul>{asks}</ul>{alert}\
             <form method=\"post\" action=\"/oauth/authorize\">{hidden}\
             <label for=\"username\">Username</label>\
             <input id=\"username\" name=\"username\" autocomplete=\"username\" value=\"{username}\" required>\
             <label for=\"password\">Password</label>\
             <input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"current-password\" required>\
             <label for=\"code\">Authenticator code (only if two-factor sign-in is on)</label>\
             <input id=\"code\" name=\"code\" inputmode=\"numeric\" autocomplete=\"one-time-code\">\
             <button type=\"submit\" name=\"decision\" value=\"allow\">Allow</button>\
             <button type=\"submit\" name=\"decision\" value=\"deny\" formnovalidate>Deny</button>\
             </form><p>Afterwards you go back to <strong>{destination}</strong>.</p>",
            app = escape(app_name),
            destination = escape(destination),
        ),
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn markup_in_names_and_values_is_escaped() {
        assert_eq!(super::escape(r#"<a href="x">'&'</a>"#), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
    }
}
