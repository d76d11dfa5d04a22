//! Sign-in sessions: a login opens one (an access token and its first refresh token), a refresh
//! spends the presented token for the next, and a token presented after it was spent ends its
//! whole session (OAuth 2.0 security best current practice: refresh token reuse detection).

use super::transaction::{Step, Transaction, Verdict};
use crate::app::App;
use crate::error::ApiError;
use crate::store::sessions::{self, RefreshToken, Session};

/// What a client gets when a session opens or is refreshed.
#[derive(Debug)]
pub struct Issued {
    pub session_id: String,
    pub access_token: String,
    pub refresh_token: RefreshToken,
    pub expires_in: u64,
}

impl Issued {
    /// The answer of a login or a refresh: seed 002's `{message, token}` and the session's fields.
    pub fn response(&self, message: &str, user_id: Option<&str>) -> serde_json::Value {
        let mut body = serde_json::json!({
            "message": message,
            "token": self.access_token,
            "tokenType": "Bearer",
            "expiresIn": self.expires_in,
            "refreshToken": self.refresh_token.as_str(),
            "sessionId": self.session_id,
        });
        if let Some(user_id) = user_id {
            body["userId"] = user_id.into();
        }
        body
    }
}

/// Signs the access token before the transaction that makes the session real: if KMS fails,
/// nothing is committed and a refresh token is not spent for an answer the client never gets.
/// A token signed for a transaction that then fails is dropped unseen.
async fn sign(app: &App, refresh_token: RefreshToken) -> Result<Issued, ApiError> {
    let tokens = app.tokens()?;
    Ok(Issued {
        session_id: refresh_token.session_id.clone(),
        access_token: tokens.issue_for_session(&refresh_token.user_id, &refresh_token.session_id).await?,
        refresh_token,
        expires_in: tokens.settings().ttl_secs,
    })
}

/// Opens a session for a player who just proved who they are.
pub async fn open(app: &App, user_id: &str, device: &str, ip: &str) -> Result<Issued, ApiError> {
    open_with(app, user_id, device, ip, Transaction::new()).await
}

/// Opens a session in the same transaction as `proof`: the steps that spend what proved the
/// player (a second factor and its challenge), so a proof opens one session at most.
pub async fn open_with(
    app: &App,
    user_id: &str,
    device: &str,
    ip: &str,
    mut tx: Transaction,
) -> Result<Issued, ApiError> {
    let session = new_session(user_id, device, ip);
    let expires_at = session.expires_at;
    let issued = sign(app, RefreshToken::new(user_id, &session.session_id)).await?;
    tx.add(Step::SessionOpening, sessions::open(app, &session)?);
    tx.add(Step::RefreshTokenIssue, sessions::issue(app, &issued.refresh_token, expires_at)?);
    tx.commit(&app.db).await?;
    Ok(issued)
}

/// A new live session of a player (an app's session sets `client_id` and `scope`).
pub fn new_session(user_id: &str, device: &str, ip: &str) -> Session {
    let now = crate::clock::now_secs();
    Session {
        user_id: user_id.into(),
        session_id: crate::store::new_id(),
        device: device.chars().take(200).collect(),
        ip: ip.into(),
        created_at: crate::clock::rfc3339(now),
        last_used_at: crate::clock::rfc3339(now),
        state: sessions::LIVE.into(),
        ended_reason: None,
        expires_at: now + sessions::SESSION_LIFETIME_SECS,
        client_id: None,
        scope: None,
    }
}

/// Spends `presented` for a new access token and the next refresh token of its session.
pub async fn refresh(app: &App, presented: &str) -> Result<Issued, ApiError> {
    let presented = RefreshToken::parse(presented)?;
    let issued = sign(app, RefreshToken::new(&presented.user_id, &presented.session_id)).await?;
    rotate(app, &presented, &issued.refresh_token).await?;
    Ok(issued)
}

/// Spends `presented` and stores `next`, its successor, in one transaction conditioned on the
/// session being live. A spent token presented again ends its session.
pub async fn rotate(app: &App, presented: &RefreshToken, next: &RefreshToken) -> Result<(), ApiError> {
    let now = crate::clock::now_secs();
    let mut tx = Transaction::new();
    tx.add(Step::RefreshTokenSpend, sessions::spend(app, presented, now)?);
    tx.add(Step::SessionLive, sessions::touch(app, &presented.user_id, &presented.session_id, now)?);
    tx.add(Step::RefreshTokenIssue, sessions::issue(app, next, now + sessions::SESSION_LIFETIME_SECS)?);
    match tx.commit(&app.db).await {
        Ok(()) => Ok(()),
        Err(Verdict::AlreadyDone) => {
            // A spent token came back: whoever holds the family's newest token may be a thief,
            // so the session ends for everyone holding any of its tokens.
            sessions::end(app, &presented.user_id, &presented.session_id, "refresh_token_reused").await?;
            Err(ApiError::Unauthorized("the refresh token was already used; its session has ended"))
        }
        Err(other) => Err(other.into()),
    }
}

/// Ends every live session of a player but `keep`; returns how many ended.
pub async fn end_all(app: &App, user_id: &str, keep: Option<&str>, reason: &str) -> Result<usize, ApiError> {
    let mut ended = 0;
    for session in sessions::live(app, user_id).await? {
        if Some(session.session_id.as_str()) != keep && sessions::end(app, user_id, &session.session_id, reason).await?
        {
            ended += 1;
        }
    }
    Ok(ended)
}
