//! OneTimeTokens table: short-lived secrets handed to a client once and spent once (a sign-in
//! challenge after the password step, a password reset link), stored only by their SHA-256 with
//! what they stand for. Spending is a conditional delete inside the transaction that acts on it.

use super::{n, s};
use crate::app::{App, Table};
use crate::error::ApiError;
use aws_sdk_dynamodb::types::TransactWriteItem;
use base64::Engine;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// The password was right; a second factor completes the login.
    SignInChallenge,
    /// A reset link mailed to the account's address.
    PasswordReset,
    /// A link proving the player reads the address they gave.
    EmailVerification,
}

impl Purpose {
    fn prefix(self) -> &'static str {
        match self {
            Purpose::SignInChallenge => "ch1",
            Purpose::PasswordReset => "pr1",
            Purpose::EmailVerification => "ev1",
        }
    }

    pub fn lifetime_secs(self) -> u64 {
        match self {
            Purpose::SignInChallenge => 5 * 60,
            Purpose::PasswordReset => 30 * 60,
            Purpose::EmailVerification => 24 * 3600,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OneTimeToken {
    token_hash: String,
    purpose: String,
    pub user_id: String,
    pub username_key: String,
    pub device: String,
    pub ip: String,
    pub expires_at: u64,
}

pub(crate) fn hash(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// Stores a new token for `purpose`; returns the text the client gets (32 random bytes).
pub async fn issue(
    app: &App,
    purpose: Purpose,
    user_id: &str,
    username_key: &str,
    device: &str,
    ip: &str,
) -> Result<String, ApiError> {
    let text = new_text(purpose.prefix());
    let token = OneTimeToken {
        token_hash: hash(&text),
        purpose: purpose.prefix().into(),
        user_id: user_id.into(),
        username_key: username_key.into(),
        device: device.chars().take(200).collect(),
        ip: ip.into(),
        expires_at: crate::clock::now_secs() + purpose.lifetime_secs(),
    };
    app.db
        .put_item()
        .table_name(app.table(Table::ONE_TIME_TOKENS)?)
        .set_item(Some(serde_dynamo::to_item(&token)?))
        .send()
        .await?;
    Ok(text)
}

/// A new token's text: `<prefix>.` and 32 random bytes (47 characters for a 3-letter prefix).
pub(crate) fn new_text(prefix: &str) -> String {
    let secret: [u8; 32] = rand::random();
    format!("{prefix}.{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(secret))
}

/// The stored item of a token's text, read strongly consistent (whatever kind of token it is).
pub(crate) async fn stored(app: &App, text: &str) -> Result<Option<super::Item>, ApiError> {
    let out = app
        .db
        .get_item()
        .table_name(app.table(Table::ONE_TIME_TOKENS)?)
        .key("tokenHash", s(hash(text)))
        .consistent_read(true)
        .send()
        .await?;
    Ok(out.item)
}

/// The token a client sent back, if it is one for `purpose` and has not expired (or been spent).
pub async fn find(app: &App, purpose: Purpose, text: &str) -> Result<OneTimeToken, ApiError> {
    let invalid = || ApiError::Unauthorized("the link or challenge is invalid, expired or used");
    if text.len() != 47 || !text.starts_with(purpose.prefix()) {
        return Err(invalid());
    }
    let found: OneTimeToken = serde_dynamo::from_item(stored(app, text).await?.ok_or_else(invalid)?)?;
    if found.purpose != purpose.prefix() || found.expires_at <= crate::clock::now_secs() {
        return Err(invalid());
    }
    Ok(found)
}

/// Spends a token, once, before it expires.
pub fn spend(app: &App, text: &str, now: u64) -> Result<TransactWriteItem, ApiError> {
    let delete = aws_sdk_dynamodb::types::Delete::builder()
        .table_name(app.table(Table::ONE_TIME_TOKENS)?)
        .key("tokenHash", s(hash(text)))
        .condition_expression("attribute_exists(tokenHash) AND expiresAt > :now")
        .expression_attribute_values(":now", n(now))
        .build()
        .map_err(ApiError::internal)?;
    Ok(TransactWriteItem::builder().delete(delete).build())
}
