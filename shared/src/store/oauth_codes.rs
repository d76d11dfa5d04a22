//! Authorization codes (RFC 6749 section 4.1.2) in the OneTimeTokens table: stored by SHA-256
//! with what the player consented to, valid for 60 seconds, and spent once: the transaction that
//! opens the app's session marks the code spent with that session's id, so a code presented again
//! ends the session it opened (section 4.1.2: the code may have been stolen).

use super::one_time;
use crate::app::{App, Table};
use crate::error::ApiError;
use aws_sdk_dynamodb::types::TransactWriteItem;
use serde::{Deserialize, Serialize};

const PURPOSE: &str = "ac1";
/// Short: the app's server redeems the code as soon as the browser brings it back.
pub const LIFETIME_SECS: u64 = 60;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthorizationCode {
    token_hash: String,
    purpose: String,
    pub user_id: String,
    pub client_id: String,
    pub redirect_uri: String,
    pub code_challenge: String,
    pub scope: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    /// When the player proved who they are (the ID token's `auth_time`).
    pub auth_time: u64,
    pub expires_at: u64,
    /// Set when the code is redeemed: the app session it opened.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spent_for_session: Option<String>,
}

pub struct Consent<'a> {
    pub user_id: &'a str,
    pub request: &'a crate::domain::oauth::AuthorizationRequest,
}

/// Stores a new code for what the player consented to; returns the code the browser carries.
pub async fn issue(app: &App, consent: Consent<'_>) -> Result<String, ApiError> {
    let text = one_time::new_text(PURPOSE);
    let now = crate::clock::now_secs();
    let request = consent.request;
    let code = AuthorizationCode {
        token_hash: one_time::hash(&text),
        purpose: PURPOSE.into(),
        user_id: consent.user_id.into(),
        client_id: request.client_id.clone(),
        redirect_uri: request.redirect_uri.clone(),
        code_challenge: request.code_challenge.clone(),
        scope: request.scope(),
        nonce: request.nonce.clone(),
        auth_time: now,
        expires_at: now + LIFETIME_SECS,
        spent_for_session: None,
    };
    app.db
        .put_item()
        .table_name(app.table(Table::ONE_TIME_TOKENS)?)
        .set_item(Some(serde_dynamo::to_item(&code)?))
        .send()
        .await?;
    Ok(text)
}

/// The unexpired code (spent or not: a spent one names the session it opened), or `None`.
pub async fn find(app: &App, text: &str) -> Result<Option<AuthorizationCode>, ApiError> {
    if text.len() != 47 || !text.starts_with(PURPOSE) {
        return Ok(None);
    }
    let Some(item) = one_time::stored(app, text).await? else { return Ok(None) };
    if super::get_s(&item, "purpose") != Some(PURPOSE) {
        return Ok(None);
    }
    let code: AuthorizationCode = serde_dynamo::from_item(item)?;
    Ok((code.expires_at > crate::clock::now_secs()).then_some(code))
}

/// Spends the code for `session_id`, once, before it expires.
pub fn spend(app: &App, text: &str, session_id: &str, now: u64) -> Result<TransactWriteItem, ApiError> {
    let update = aws_sdk_dynamodb::types::Update::builder()
        .table_name(app.table(Table::ONE_TIME_TOKENS)?)
        .key("tokenHash", super::s(one_time::hash(text)))
        .update_expression("SET spentForSession = :session")
        .condition_expression(
            "attribute_exists(tokenHash) AND purpose = :purpose AND expiresAt > :now AND attribute_not_exists(spentForSession)",
        )
        .expression_attribute_values(":session", super::s(session_id))
        .expression_attribute_values(":purpose", super::s(PURPOSE))
        .expression_attribute_values(":now", super::n(now))
        .build()
        .map_err(ApiError::internal)?;
    Ok(TransactWriteItem::builder().update(update).build())
}
