//! Registration: the user, the claims on its username and email (unique by condition, never by
//! reading first), an empty wallet and the UserRegistered event, in one transaction.

use super::{Step, Transaction};
use crate::app::App;
use crate::domain::account::NewAccount;
use crate::error::ApiError;
use crate::outbox;
use crate::store::{accounts, wallet};

pub async fn register(app: &App, account: &NewAccount, password_hash: &str) -> Result<String, ApiError> {
    let user_id = uuid::Uuid::new_v4().to_string();
    let registered =
        outbox::Entry::event("UserRegistered", &user_id, serde_json::json!({ "username": account.username }));
    let mut tx = Transaction::new();
    tx.add(Step::Account, accounts::put_user(app, &user_id, account)?)
        .add(Step::UsernameClaim, accounts::claim_username(app, &user_id, account, password_hash)?)
        .add(Step::EmailClaim, accounts::claim_email(app, &user_id, account)?)
        .add(Step::WalletOpening, wallet::open(app, &user_id)?)
        .add(Step::OutboxEntry, registered.put(app)?);
    tx.commit(&app.db).await?;
    Ok(user_id)
}
