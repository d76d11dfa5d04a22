//! Users table. One item per user plus one per unique username and email, all written in one
//! transaction with `attribute_not_exists`, so uniqueness holds without reading first.

use super::{get_s, n, s, transact, TxOutcome};
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

/// Creates the user, claims the username and email, and opens an empty wallet, atomically.
pub async fn register(app: &App, account: &NewAccount, password_hash: &str) -> Result<String, ApiError> {
    let users = app.table(Table::Users)?;
    let user_id = uuid::Uuid::new_v4().to_string();
    let now = crate::clock::now_rfc3339();
    let items = vec![
        guarded_put(
            users,
            format!("user#{user_id}"),
            vec![
                ("userId", s(&user_id)),
                ("username", s(&account.username)),
                ("email", s(&account.email)),
                ("createdAt", s(&now)),
            ],
        )?,
        guarded_put(
            users,
            format!("username#{}", account.username_key),
            vec![("userId", s(&user_id)), ("passwordHash", s(password_hash))],
        )?,
        guarded_put(users, format!("email#{}", account.email), vec![("userId", s(&user_id))])?,
        TransactWriteItem::builder()
            .put(
                Put::builder()
                    .table_name(app.table(Table::Wallets)?)
                    .item("userId", s(&user_id))
                    .item("balance", n(0))
                    .item("createdAt", s(&now))
                    .condition_expression("attribute_not_exists(userId)")
                    .build()
                    .map_err(ApiError::internal)?,
            )
            .build(),
    ];
    let registered =
        crate::outbox::Entry::event("UserRegistered", &user_id, serde_json::json!({ "username": account.username }));
    let mut items = items;
    items.push(registered.put(app)?);
    match transact(&app.db, items).await? {
        TxOutcome::Committed => {
            crate::outbox::dispatch(app, &[registered]).await;
            Ok(user_id)
        }
        outcome if outcome.failed_at(1) => {
            Err(ApiError::Conflict { code: "username_taken", detail: "that username is already registered".into() })
        }
        outcome if outcome.failed_at(2) => {
            Err(ApiError::Conflict { code: "email_taken", detail: "that email is already registered".into() })
        }
        other => Err(ApiError::internal(format!("registration cancelled: {other:?}"))),
    }
}

pub struct Credentials {
    pub user_id: String,
    pub password_hash: String,
}

pub async fn credentials(app: &App, username_key: &str) -> Result<Option<Credentials>, ApiError> {
    let out = app
        .db
        .get_item()
        .table_name(app.table(Table::Users)?)
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
