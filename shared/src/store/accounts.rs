//! Users table. One item per user plus one per unique username and email, each written with
//! `attribute_not_exists` in the registration transaction, so uniqueness holds without reading.

use super::{get_s, s};
use crate::app::{App, Table};
use crate::domain::account::NewAccount;
use crate::error::ApiError;
use aws_sdk_dynamodb::types::{Put, TransactWriteItem};

fn guarded_put(
    table: &str,
    pk: String,
    extra: Vec<(&str, aws_sdk_dynamodb::types::AttributeValue)>,
) -> Result<TransactWriteItem, ApiError> {
    let mut put = Put::builder().table_name(table).item("pk", s(pk)).condition_expression("attribute_not_exists(pk)");
    for (name, value) in extra {
        put = put.item(name, value);
    }
    Ok(TransactWriteItem::builder().put(put.build().map_err(ApiError::internal)?).build())
}

pub fn put_user(app: &App, user_id: &str, account: &NewAccount) -> Result<TransactWriteItem, ApiError> {
    guarded_put(
        app.table(Table::USERS)?,
        format!("user#{user_id}"),
        vec![
            ("userId", s(user_id)),
            ("username", s(&account.username)),
            ("email", s(&account.email)),
            ("createdAt", s(crate::clock::now_rfc3339())),
        ],
    )
}

/// The username's claim, which also holds the password hash a login checks.
pub fn claim_username(
    app: &App,
    user_id: &str,
    account: &NewAccount,
    password_hash: &str,
) -> Result<TransactWriteItem, ApiError> {
    guarded_put(
        app.table(Table::USERS)?,
        format!("username#{}", account.username_key),
        vec![("userId", s(user_id)), ("passwordHash", s(password_hash))],
    )
}

pub fn claim_email(app: &App, user_id: &str, account: &NewAccount) -> Result<TransactWriteItem, ApiError> {
    guarded_put(app.table(Table::USERS)?, format!("email#{}", account.email), vec![("userId", s(user_id))])
}

pub struct Credentials {
    pub user_id: String,
    pub password_hash: String,
}

pub async fn credentials(app: &App, username_key: &str) -> Result<Option<Credentials>, ApiError> {
    let out = app
        .db
        .get_item()
        .table_name(app.table(Table::USERS)?)
        .key("pk", s(format!("username#{username_key}")))
        .send()
        .await?;
    Ok(out.item.and_then(|item| {
        Some(Credentials {
            user_id: get_s(&item, "userId")?.to_owned(),
            password_hash: get_s(&item, "passwordHash")?.to_owned(),
        })
    }))
}

/// The username key of a user (the users item keeps the name as registered).
pub async fn username_key_of(app: &App, user_id: &str) -> Result<String, ApiError> {
    let out = app
        .db
        .get_item()
        .table_name(app.table(Table::USERS)?)
        .key("pk", s(format!("user#{user_id}")))
        .projection_expression("username")
        .send()
        .await?;
    let item = out.item.ok_or(ApiError::Unauthorized("the account no longer exists"))?;
    Ok(get_s(&item, "username").ok_or_else(|| ApiError::internal("a user without a username"))?.to_ascii_lowercase())
}

/// Replaces a password hash, only if it is still the one the caller verified: two changes at once
/// cannot both win, and neither can undo the other.
pub async fn replace_password_hash(app: &App, username_key: &str, verified: &str, new: &str) -> Result<(), ApiError> {
    let result = app
        .db
        .update_item()
        .table_name(app.table(Table::USERS)?)
        .key("pk", s(format!("username#{username_key}")))
        .update_expression("SET passwordHash = :new")
        .condition_expression("passwordHash = :verified")
        .expression_attribute_values(":new", s(new))
        .expression_attribute_values(":verified", s(verified))
        .send()
        .await;
    match result {
        Ok(_) => Ok(()),
        Err(err) if super::condition_failed(&err) => Err(ApiError::Conflict {
            code: "password_changed",
            detail: "the password was changed by another request; sign in again".into(),
        }),
        Err(err) => Err(err.into()),
    }
}
