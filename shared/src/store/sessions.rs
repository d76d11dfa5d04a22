//! Sessions and RefreshTokens tables. A session is one sign-in on one device: a family of refresh
//! tokens, each spent once to get the next. Tokens are stored by their SHA-256 only. Spending a
//! token and issuing the next is one transaction, conditioned on the token being unspent and its
//! session live, so two refreshes with one token cannot both succeed.

use super::{applied, n, put_new, records_page, s};
use crate::app::{App, Table};
use crate::error::ApiError;
use aws_sdk_dynamodb::types::{ReturnValuesOnConditionCheckFailure, TransactWriteItem, Update};
use base64::Engine;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// How long a session lasts without being refreshed... and at most: its refresh tokens expire
/// with it (the sliding window is the access token, 15 minutes).
pub const SESSION_LIFETIME_SECS: u64 = 30 * 86_400;

pub const LIVE: &str = "live";
const ENDED: &str = "ended";
const UNSPENT: &str = "unspent";
const SPENT: &str = "spent";

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Session {
    pub user_id: String,
    pub session_id: String,
    /// The client's User-Agent when it signed in, cut to 200 characters.
    pub device: String,
    pub ip: String,
    pub created_at: String,
    pub last_used_at: String,
    pub state: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_reason: Option<String>,
    /// Epoch seconds; the table's TTL attribute.
    pub expires_at: u64,
    /// A session an app holds for the player ("Sign in with the platform"): the app and the scopes
    /// the player granted it. Listed and ended like any other session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RefreshRecord {
    token_hash: String,
    user_id: String,
    session_id: String,
    state: String,
    expires_at: u64,
}

/// A refresh token as the client holds it: `rt1.<userId>.<sessionId>.<secret>` (a player's
/// session) or `ra1....` (an app's), where the secret is 32 random bytes. The ids let a refresh
/// address its session without a read first; the prefix keeps an app's token from ever being
/// refreshed into a player's full-access token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshToken {
    pub user_id: String,
    pub session_id: String,
    text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holder {
    Player,
    App,
}

impl Holder {
    fn prefix(self) -> &'static str {
        match self {
            Holder::Player => "rt1",
            Holder::App => "ra1",
        }
    }
}

impl RefreshToken {
    pub fn new(user_id: &str, session_id: &str) -> RefreshToken {
        Self::new_for(Holder::Player, user_id, session_id)
    }

    pub fn new_for(holder: Holder, user_id: &str, session_id: &str) -> RefreshToken {
        let secret: [u8; 32] = rand::random();
        let secret = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(secret);
        RefreshToken {
            user_id: user_id.into(),
            session_id: session_id.into(),
            text: format!("{}.{user_id}.{session_id}.{secret}", holder.prefix()),
        }
    }

    /// Reads a presented player's token; anything not shaped like one is refused before any lookup.
    pub fn parse(text: &str) -> Result<RefreshToken, ApiError> {
        Self::parse_for(Holder::Player, text)
    }

    pub fn parse_for(holder: Holder, text: &str) -> Result<RefreshToken, ApiError> {
        let invalid = || ApiError::Unauthorized("the refresh token is invalid or has expired");
        let mut parts = text.split('.');
        let (Some(prefix), Some(user_id), Some(session_id), Some(secret), None) =
            (parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(invalid());
        };
        if prefix != holder.prefix() {
            return Err(invalid());
        }
        let uuid = |v: &str| uuid::Uuid::parse_str(v).ok().filter(|u| u.to_string() == v);
        if uuid(user_id).is_none() || uuid(session_id).is_none() || secret.len() != 43 {
            return Err(invalid());
        }
        Ok(RefreshToken { user_id: user_id.into(), session_id: session_id.into(), text: text.into() })
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    fn hash(&self) -> String {
        hex::encode(Sha256::digest(self.text.as_bytes()))
    }
}

/// A session id from a path: a UUID, in its canonical lower-case form.
pub fn checked_session_id(raw: &str) -> Result<String, ApiError> {
    uuid::Uuid::parse_str(raw)
        .map(|id| id.to_string())
        .map_err(|_| ApiError::validation("sessionId", "a session id is a UUID"))
}

/// A new session, written once.
pub fn open(app: &App, session: &Session) -> Result<TransactWriteItem, ApiError> {
    put_new(app.table(Table::SESSIONS)?, session, "sessionId")
}

/// A new refresh token of a session, stored by its hash.
pub fn issue(app: &App, token: &RefreshToken, expires_at: u64) -> Result<TransactWriteItem, ApiError> {
    let record = RefreshRecord {
        token_hash: token.hash(),
        user_id: token.user_id.clone(),
        session_id: token.session_id.clone(),
        state: UNSPENT.into(),
        expires_at,
    };
    put_new(app.table(Table::REFRESH_TOKENS)?, &record, "tokenHash")
}

/// Spends a token: fails if it is unknown, expired, or spent before (the item comes back, so the
/// failure says which).
pub fn spend(app: &App, token: &RefreshToken, now: u64) -> Result<TransactWriteItem, ApiError> {
    let update = Update::builder()
        .table_name(app.table(Table::REFRESH_TOKENS)?)
        .key("tokenHash", s(token.hash()))
        .update_expression("SET #state = :spent, spentAt = :now")
        .condition_expression("#state = :unspent AND expiresAt > :now")
        .expression_attribute_names("#state", "state")
        .expression_attribute_values(":spent", s(SPENT))
        .expression_attribute_values(":unspent", s(UNSPENT))
        .expression_attribute_values(":now", n(now))
        .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
        .build()
        .map_err(ApiError::internal)?;
    Ok(TransactWriteItem::builder().update(update).build())
}

/// Whether a token record that failed to be spent was spent before: a reused token.
pub fn was_spent(found: &super::Item) -> bool {
    super::get_s(found, "state") == Some(SPENT)
}

/// Marks a live session used now; fails if it ended or expired.
pub fn touch(app: &App, user_id: &str, session_id: &str, now: u64) -> Result<TransactWriteItem, ApiError> {
    let update = Update::builder()
        .table_name(app.table(Table::SESSIONS)?)
        .key("userId", s(user_id))
        .key("sessionId", s(session_id))
        .update_expression("SET lastUsedAt = :at")
        .condition_expression("#state = :live AND expiresAt > :now")
        .expression_attribute_names("#state", "state")
        .expression_attribute_values(":at", s(crate::clock::rfc3339(now)))
        .expression_attribute_values(":live", s(LIVE))
        .expression_attribute_values(":now", n(now))
        .build()
        .map_err(ApiError::internal)?;
    Ok(TransactWriteItem::builder().update(update).build())
}

/// Ends a live session; `false` if it was not live (unknown, ended before, or expired).
pub async fn end(app: &App, user_id: &str, session_id: &str, reason: &str) -> Result<bool, ApiError> {
    let result = app
        .db
        .update_item()
        .table_name(app.table(Table::SESSIONS)?)
        .key("userId", s(user_id))
        .key("sessionId", s(session_id))
        .update_expression("SET #state = :ended, endedReason = :reason, endedAt = :at")
        .condition_expression("#state = :live")
        .expression_attribute_names("#state", "state")
        .expression_attribute_values(":ended", s(ENDED))
        .expression_attribute_values(":live", s(LIVE))
        .expression_attribute_values(":reason", s(reason))
        .expression_attribute_values(":at", s(crate::clock::now_rfc3339()))
        .send()
        .await;
    applied(result)
}

/// One session, read strongly consistent; `None` if it does not exist, has ended or expired.
pub async fn live_one(app: &App, user_id: &str, session_id: &str) -> Result<Option<Session>, ApiError> {
    let out = app
        .db
        .get_item()
        .table_name(app.table(Table::SESSIONS)?)
        .key("userId", s(user_id))
        .key("sessionId", s(session_id))
        .consistent_read(true)
        .send()
        .await?;
    let session: Option<Session> = out.item.map(serde_dynamo::from_item).transpose()?;
    let now = crate::clock::now_secs();
    Ok(session.filter(|s| s.state == LIVE && s.expires_at > now))
}

/// Every session of a player that is live now, newest first.
pub async fn live(app: &App, user_id: &str) -> Result<Vec<Session>, ApiError> {
    let now = crate::clock::now_secs();
    let mut sessions = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let (page, next): (Vec<Session>, _) =
            records_page(app, Table::SESSIONS, ("userId", user_id), ("sessionId", false), cursor.as_deref(), 100)
                .await?;
        sessions.extend(page.into_iter().filter(|s| s.state == LIVE && s.expires_at > now));
        match next {
            Some(next) => cursor = Some(next),
            None => return Ok(sessions),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refresh_tokens_round_trip_and_malformed_ones_are_refused() {
        let (user, session) = (uuid::Uuid::new_v4().to_string(), uuid::Uuid::now_v7().to_string());
        let token = RefreshToken::new(&user, &session);
        assert_eq!(RefreshToken::parse(token.as_str()).unwrap(), token);
        assert_ne!(RefreshToken::new(&user, &session).hash(), token.hash(), "each token is new");
        let text = token.as_str();
        for bad in [
            "",
            "rt1",
            &text.replacen("rt1", "rt2", 1),
            &format!("{text}.extra"),
            &text[..text.len() - 1],
            &text.replace(&user, &user.to_uppercase()),
            &text.replace(&user, "not-a-user"),
        ] {
            assert!(RefreshToken::parse(bad).is_err(), "{bad:?}");
        }
    }
}
