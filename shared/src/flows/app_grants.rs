//! "Sign in with the platform": a player's consent becomes an app's session. Redeeming an
//! authorization code (with its PKCE verifier) opens the session the app then refreshes; it shows
//! in the player's session list, and ending it (or a password change) ends the app's access.

use super::sessions::{new_session, rotate};
use super::transaction::{Step, Transaction};
use crate::app::App;
use crate::domain::{apps, oauth};
use crate::error::ApiError;
use crate::store::oauth_codes;
use crate::store::sessions::{self, Holder, RefreshToken};
use serde_json::{json, Value};

/// What the token endpoint answers an app.
pub struct AppTokens {
    pub access_token: String,
    pub id_token: Option<String>,
    pub refresh_token: RefreshToken,
    pub expires_in: u64,
    pub scope: String,
}

impl AppTokens {
    /// RFC 6749 section 5.1 (and OpenID Connect Core 3.1.3.3 for `id_token`).
    pub fn response(&self) -> Value {
        let mut body = json!({
            "access_token": self.access_token,
            "token_type": "Bearer",
            "expires_in": self.expires_in,
            "refresh_token": self.refresh_token.as_str(),
            "scope": self.scope,
        });
        if let Some(id_token) = &self.id_token {
            body["id_token"] = id_token.as_str().into();
        }
        body
    }
}

/// The refusal of a code or refresh token: the token endpoint answers `invalid_grant`.
const INVALID_GRANT: ApiError = ApiError::Unauthorized("the grant is invalid, expired, used, or another client's");

/// The authorization-code grant: the code must be this client's, for this redirect URI, unspent,
/// and the verifier must hash to its challenge. Spending the code and opening the session are one
/// transaction, so a code opens one session at most.
pub async fn redeem_code(
    app: &App,
    client: &apps::App,
    code_text: &str,
    redirect_uri: &str,
    verifier: &str,
) -> Result<AppTokens, ApiError> {
    let code = oauth_codes::find(app, code_text).await?.ok_or(INVALID_GRANT)?;
    if let Some(session_id) = &code.spent_for_session {
        // Presented again: whoever holds it may have stolen it, so what it opened ends.
        sessions::end(app, &code.user_id, session_id, "authorization_code_reused").await?;
        return Err(INVALID_GRANT);
    }
    if code.client_id != client.client_id
        || code.redirect_uri != redirect_uri
        || !oauth::pkce_verifies(verifier, &code.code_challenge)
    {
        return Err(INVALID_GRANT);
    }
    let mut session = new_session(&code.user_id, &format!("app: {}", client.name), "");
    session.client_id = Some(client.client_id.clone());
    session.scope = Some(code.scope.clone());
    let refresh_token = RefreshToken::new_for(Holder::App, &code.user_id, &session.session_id);
    let id_token = match code.scope.split(' ').any(|s| s == "openid") {
        true => Some(id_token(app, &code, &session.session_id).await?),
        false => None,
    };
    let tokens = sign(app, client, refresh_token, &code.scope, id_token).await?;
    let mut tx = Transaction::new();
    tx.add(Step::OneTimeTokenUse, oauth_codes::spend(app, code_text, &session.session_id, crate::clock::now_secs())?);
    tx.add(Step::SessionOpening, sessions::open(app, &session)?);
    tx.add(Step::RefreshTokenIssue, sessions::issue(app, &tokens.refresh_token, session.expires_at)?);
    tx.commit(&app.db).await.map_err(|verdict| match ApiError::from(verdict) {
        ApiError::Unauthorized(_) => INVALID_GRANT,
        other => other,
    })?;
    Ok(tokens)
}

/// The refresh-token grant for an app: its own session's token only, rotated like a player's
/// (a spent token presented again ends the session).
pub async fn refresh(app: &App, client: &apps::App, presented: &str) -> Result<AppTokens, ApiError> {
    let presented = RefreshToken::parse_for(Holder::App, presented).map_err(|_| INVALID_GRANT)?;
    let session = sessions::live_one(app, &presented.user_id, &presented.session_id).await?.ok_or(INVALID_GRANT)?;
    if session.client_id.as_deref() != Some(client.client_id.as_str()) {
        return Err(INVALID_GRANT);
    }
    let scope = session.scope.unwrap_or_default();
    let next = RefreshToken::new_for(Holder::App, &presented.user_id, &presented.session_id);
    let tokens = sign(app, client, next, &scope, None).await?;
    rotate(app, &presented, &tokens.refresh_token).await.map_err(|e| match e {
        ApiError::Unauthorized(_) => INVALID_GRANT,
        other => other,
    })?;
    Ok(tokens)
}

async fn sign(
    app: &App,
    client: &apps::App,
    refresh_token: RefreshToken,
    scope: &str,
    id_token: Option<String>,
) -> Result<AppTokens, ApiError> {
    let tokens = app.tokens()?;
    let access_token =
        tokens.issue_for_app(&refresh_token.user_id, &refresh_token.session_id, &client.client_id, scope).await?;
    Ok(AppTokens { access_token, id_token, refresh_token, expires_in: tokens.settings().ttl_secs, scope: scope.into() })
}

/// The OpenID Connect ID token (Core section 2): who signed in, for which app, when, and with
/// the `profile` scope the profile claims.
async fn id_token(app: &App, code: &oauth_codes::AuthorizationCode, session_id: &str) -> Result<String, ApiError> {
    let tokens = app.tokens()?;
    let now = crate::clock::now_secs();
    let mut claims = json!({
        "iss": tokens.settings().issuer,
        "sub": code.user_id,
        "aud": code.client_id,
        "azp": code.client_id,
        "iat": now,
        "exp": now + tokens.settings().ttl_secs,
        "auth_time": code.auth_time,
        "sid": session_id,
    });
    if let Some(nonce) = &code.nonce {
        claims["nonce"] = nonce.as_str().into();
    }
    if code.scope.split(' ').any(|s| s == "profile") {
        for (name, value) in profile_claims(app, &code.user_id).await? {
            claims[name] = value;
        }
    }
    tokens.sign(&claims).await
}

/// The standard claims (OpenID Connect Core 5.1) the `profile` scope releases. The player chose
/// to release them to this app, so their privacy setting does not hide them here.
pub async fn profile_claims(app: &App, user_id: &str) -> Result<Vec<(&'static str, Value)>, ApiError> {
    let (username, profile) = crate::store::accounts::profile(app, user_id)
        .await?
        .ok_or(ApiError::Unauthorized("the account no longer exists"))?;
    let mut claims = vec![("preferred_username", Value::from(username))];
    if let Some(name) = profile.display_name {
        claims.push(("name", name.into()));
    }
    if let Some(picture) = profile.avatar_url {
        claims.push(("picture", picture.into()));
    }
    if let Some(locale) = profile.language {
        claims.push(("locale", locale.into()));
    }
    Ok(claims)
}

/// Why an authorization request stops: a page for the person (the app or its redirect URI is not
/// proven, so nothing may be sent there) or a redirect back to the app with `error=...`.
#[derive(Debug)]
pub enum Refusal {
    Page(&'static str),
    Redirect(String),
}

/// Checks an authorization request against the registry: the app exists and the redirect URI is
/// one it registered, exactly; only then are the other errors sent back to the app.
pub async fn check_request(
    app: &App,
    params: &std::collections::HashMap<String, String>,
) -> Result<Result<(oauth::AuthorizationRequest, apps::App), Refusal>, ApiError> {
    let field = |name: &str| params.get(name).map(|v| v.trim()).unwrap_or_default();
    let (client_id, redirect_uri) = (field("client_id"), field("redirect_uri"));
    let Some(client) = crate::store::apps::get(app, client_id).await? else {
        return Ok(Err(Refusal::Page("The request does not name a registered app.")));
    };
    if !client.redirect_uris.iter().any(|uri| uri == redirect_uri) {
        return Ok(Err(Refusal::Page(
            "The app did not register this redirect address, so you will not be sent there.",
        )));
    }
    let request = oauth::parse_request(params).and_then(|request| {
        match request.scopes.iter().all(|s| client.scopes.contains(s)) {
            true => Ok(request),
            false => Err(oauth::RequestError::Redirect {
                error: "invalid_scope",
                description: "the app did not register one of these scopes",
            }),
        }
    });
    match request {
        Ok(request) => Ok(Ok((request, client))),
        Err(oauth::RequestError::Unsafe(_)) => Ok(Err(Refusal::Page("The request is malformed."))),
        Err(oauth::RequestError::Redirect { error, description }) => {
            let state = params.get("state").filter(|s| !s.is_empty() && s.len() <= 500).cloned();
            let back = oauth::AuthorizationRequest {
                client_id: client_id.into(),
                redirect_uri: redirect_uri.into(),
                scopes: vec![],
                state,
                code_challenge: String::new(),
                nonce: None,
            };
            Ok(Err(Refusal::Redirect(back.redirect(&[("error", error), ("error_description", description)]))))
        }
    }
}

/// The app a game server's token speaks for, if the token holds `scope` and the app was
/// registered for `game_id`: read now, not taken from the token, so a change applies at once.
pub async fn server_for_game(
    app: &App,
    server: &crate::tokens::GameServer,
    scope: &'static str,
    game_id: u32,
) -> Result<apps::App, ApiError> {
    if !server.scopes.iter().any(|s| s == scope) {
        return Err(ApiError::Forbidden(match scope {
            apps::SCOPE_OWNERSHIP => "this token lacks the games:ownership scope",
            _ => "this token lacks the games:playtime scope",
        }));
    }
    let registered = crate::store::apps::get(app, &server.client_id)
        .await?
        .ok_or(ApiError::Unauthorized("the app no longer exists"))?;
    if !registered.game_ids.contains(&game_id) {
        return Err(ApiError::Forbidden("this app does not speak for that game"));
    }
    Ok(registered)
}
