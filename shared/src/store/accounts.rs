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

/// What a sign-in checks: the username claim item holds the password hash and the second factor.
pub struct Credentials {
    pub user_id: String,
    pub password_hash: String,
    /// The TOTP secret (base32) once two-factor sign-in is on.
    pub totp_secret: Option<String>,
    /// A secret enrolled but not yet confirmed with a code.
    pub totp_pending: Option<String>,
}

pub async fn credentials(app: &App, username_key: &str) -> Result<Option<Credentials>, ApiError> {
    let out = app
        .db
        .get_item()
        .table_name(app.table(Table::USERS)?)
        .key("pk", s(format!("username#{username_key}")))
        .consistent_read(true)
        .send()
        .await?;
    Ok(out.item.and_then(|item| {
        Some(Credentials {
            user_id: get_s(&item, "userId")?.to_owned(),
            password_hash: get_s(&item, "passwordHash")?.to_owned(),
            totp_secret: get_s(&item, "totpSecret").map(str::to_owned),
            totp_pending: get_s(&item, "totpPending").map(str::to_owned),
        })
    }))
}

fn credentials_update(
    app: &App,
    username_key: &str,
) -> Result<aws_sdk_dynamodb::types::builders::UpdateBuilder, ApiError> {
    Ok(aws_sdk_dynamodb::types::Update::builder()
        .table_name(app.table(Table::USERS)?)
        .key("pk", s(format!("username#{username_key}"))))
}

fn update_item(update: aws_sdk_dynamodb::types::builders::UpdateBuilder) -> Result<TransactWriteItem, ApiError> {
    Ok(TransactWriteItem::builder().update(update.build().map_err(ApiError::internal)?).build())
}

/// Enrols a new secret, pending until a code confirms it (a second enrolment replaces it);
/// fails if two-factor sign-in is already on.
pub fn enrol_totp(app: &App, username_key: &str, secret: &str) -> Result<TransactWriteItem, ApiError> {
    let update = credentials_update(app, username_key)?
        .update_expression("SET totpPending = :secret")
        .condition_expression("attribute_exists(pk) AND attribute_not_exists(totpSecret)")
        .expression_attribute_values(":secret", s(secret));
    update_item(update)
}

/// Turns two-factor sign-in on with the confirmed secret, the code's step as the last one used,
/// and the recovery codes' hashes; only if that secret is still the pending one.
pub fn enable_totp(
    app: &App,
    username_key: &str,
    secret: &str,
    step: u64,
    recovery_hashes: Vec<String>,
) -> Result<TransactWriteItem, ApiError> {
    let update = credentials_update(app, username_key)?
        .update_expression("SET totpSecret = :secret, totpLastStep = :step, recoveryCodes = :codes REMOVE totpPending")
        .condition_expression("totpPending = :secret AND attribute_not_exists(totpSecret)")
        .expression_attribute_values(":secret", s(secret))
        .expression_attribute_values(":step", super::n(step))
        .expression_attribute_values(":codes", aws_sdk_dynamodb::types::AttributeValue::Ss(recovery_hashes));
    update_item(update)
}

/// A second factor, as proven: a TOTP code's time step, or a recovery code's hash.
pub enum SecondFactor {
    Step(u64),
    RecoveryCode(String),
}

/// Uses a second factor once: a step must be later than the last one used, a recovery code must
/// still be unused (it is removed). `then` adds more to the same update (turning 2FA off).
fn use_factor(
    app: &App,
    username_key: &str,
    factor: &SecondFactor,
    then: Option<&str>,
) -> Result<TransactWriteItem, ApiError> {
    let builder = credentials_update(app, username_key)?;
    let builder = match factor {
        SecondFactor::Step(step) => builder
            .update_expression(format!("SET totpLastStep = :step{}", then.map(|t| format!(" {t}")).unwrap_or_default()))
            .condition_expression("attribute_exists(totpSecret) AND totpLastStep < :step")
            .expression_attribute_values(":step", super::n(step)),
        SecondFactor::RecoveryCode(hash) => builder
            .update_expression(format!(
                "DELETE recoveryCodes :code{}",
                then.map(|t| format!(" {t}")).unwrap_or_default()
            ))
            .condition_expression("attribute_exists(totpSecret) AND contains(recoveryCodes, :hash)")
            .expression_attribute_values(":code", aws_sdk_dynamodb::types::AttributeValue::Ss(vec![hash.clone()]))
            .expression_attribute_values(":hash", s(hash)),
    };
    update_item(builder)
}

/// The transaction item that spends a second factor at sign-in.
pub fn spend_factor(app: &App, username_key: &str, factor: &SecondFactor) -> Result<TransactWriteItem, ApiError> {
    use_factor(app, username_key, factor, None)
}

/// The transaction item that turns two-factor sign-in off, spending the code that proves it is
/// the player.
pub fn disable_totp(app: &App, username_key: &str, factor: &SecondFactor) -> Result<TransactWriteItem, ApiError> {
    let then = match factor {
        SecondFactor::Step(_) => "REMOVE totpSecret, totpPending, recoveryCodes",
        SecondFactor::RecoveryCode(_) => "REMOVE totpSecret, totpPending, totpLastStep",
    };
    use_factor(app, username_key, factor, Some(then))
}

/// The username key of a user (the users item keeps the name as registered).
pub async fn username_key_of(app: &App, user_id: &str) -> Result<String, ApiError> {
    let item = live_user(app, user_id, false).await?.ok_or(ApiError::Unauthorized("the account no longer exists"))?;
    Ok(get_s(&item, "username").unwrap_or_default().to_ascii_lowercase())
}

/// A player's users item (or just its username, unless `whole`), if the player exists: an erased
/// account's item is a tombstone without a username, and counts as no player.
pub async fn live_user(app: &App, user_id: &str, whole: bool) -> Result<Option<super::Item>, ApiError> {
    let projection = (!whole).then(|| "username".to_owned());
    let out = app
        .db
        .get_item()
        .table_name(app.table(Table::USERS)?)
        .key("pk", s(format!("user#{user_id}")))
        .set_projection_expression(projection)
        .send()
        .await?;
    Ok(out.item.filter(|item| get_s(item, "username").is_some()))
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

/// The user an email address belongs to, if any (the email's uniqueness claim names it).
pub async fn user_of_email(app: &App, email: &str) -> Result<Option<String>, ApiError> {
    let out =
        app.db.get_item().table_name(app.table(Table::USERS)?).key("pk", s(format!("email#{email}"))).send().await?;
    Ok(out.item.as_ref().and_then(|item| get_s(item, "userId")).map(str::to_owned))
}

/// The transaction item that sets a new password hash, only on the account of `user_id` (a
/// username freed by an erasure and taken again is another account).
pub fn set_password_hash(
    app: &App,
    username_key: &str,
    user_id: &str,
    hash: &str,
) -> Result<TransactWriteItem, ApiError> {
    let update = credentials_update(app, username_key)?
        .update_expression("SET passwordHash = :hash")
        .condition_expression("userId = :uid")
        .expression_attribute_values(":hash", s(hash))
        .expression_attribute_values(":uid", s(user_id))
        .build()
        .map_err(ApiError::internal)?;
    Ok(TransactWriteItem::builder().update(update).build())
}

/// A player's username and profile, from the users item (`None`: no such player).
pub async fn profile(app: &App, user_id: &str) -> Result<Option<(String, crate::domain::profile::Profile)>, ApiError> {
    Ok(addressee(app, user_id).await?.map(|a| (a.username, a.profile)))
}

/// A player as notifications reach them: name, profile (address, country) and channel choices.
#[derive(Debug, Clone)]
pub struct Addressee {
    pub username: String,
    pub profile: crate::domain::profile::Profile,
    item: super::Item,
}

impl Addressee {
    fn of_item(item: super::Item) -> Result<Option<Addressee>, ApiError> {
        let Some(username) = get_s(&item, "username").map(str::to_owned) else { return Ok(None) };
        Ok(Some(Addressee { username, profile: serde_dynamo::from_item(item.clone())?, item }))
    }

    /// The channels the player chose for a kind of notification (`domain::notifications`).
    pub fn channels(&self, kind: &str) -> crate::domain::notifications::Channels {
        crate::domain::notifications::channels(kind, |attribute| {
            self.item.get(attribute).and_then(|v| v.as_bool().ok()).copied()
        })
    }

    /// The address mail may go to: only one the player proved they read.
    pub fn verified_email(&self) -> Option<&str> {
        self.profile.email.as_deref().filter(|_| self.profile.email_verified)
    }
}

/// A player as notifications reach them (`None`: no such player, or erased).
pub async fn addressee(app: &App, user_id: &str) -> Result<Option<Addressee>, ApiError> {
    match live_user(app, user_id, true).await? {
        Some(item) => Addressee::of_item(item),
        None => Ok(None),
    }
}

/// Many players as notifications reach them, at once (erased and unknown ones are absent).
pub async fn addressees(
    app: &App,
    user_ids: &[String],
) -> Result<std::collections::HashMap<String, Addressee>, ApiError> {
    let keys = user_ids.iter().map(|id| super::Item::from([("pk".to_owned(), s(format!("user#{id}")))])).collect();
    let mut found = std::collections::HashMap::new();
    for item in super::batch_get(app, Table::USERS, keys, None).await? {
        let Some(user_id) = get_s(&item, "pk").map(|pk| pk.trim_start_matches("user#").to_owned()) else { continue };
        if let Some(addressee) = Addressee::of_item(item)? {
            found.insert(user_id, addressee);
        }
    }
    Ok(found)
}

/// Sets channel choices (`(attribute, on)` from `domain::notifications::checked_change`) of an
/// existing player in one update, without reading them; returns the player as the update left
/// them (no changes: read consistently).
pub async fn set_channels(app: &App, user_id: &str, changes: &[(String, bool)]) -> Result<Addressee, ApiError> {
    let gone = || ApiError::Unauthorized("the account no longer exists");
    if changes.is_empty() {
        let out = app
            .db
            .get_item()
            .table_name(app.table(Table::USERS)?)
            .key("pk", s(format!("user#{user_id}")))
            .consistent_read(true)
            .send()
            .await?;
        return Addressee::of_item(out.item.ok_or_else(gone)?)?.ok_or_else(gone);
    }
    let mut update = app.db.update_item().table_name(app.table(Table::USERS)?).key("pk", s(format!("user#{user_id}")));
    let mut set = Vec::new();
    for (i, (attribute, on)) in changes.iter().enumerate() {
        set.push(format!("#c{i} = :c{i}"));
        update = update
            .expression_attribute_names(format!("#c{i}"), attribute)
            .expression_attribute_values(format!(":c{i}"), aws_sdk_dynamodb::types::AttributeValue::Bool(*on));
    }
    let result = update
        .update_expression(format!("SET {}", set.join(", ")))
        .condition_expression("attribute_exists(username)")
        .return_values(aws_sdk_dynamodb::types::ReturnValue::AllNew)
        .send()
        .await;
    match result {
        Ok(out) => Addressee::of_item(out.attributes.unwrap_or_default())?.ok_or_else(gone),
        Err(err) if super::condition_failed(&err) => Err(gone()),
        Err(err) => Err(err.into()),
    }
}

/// Usernames and profiles of many players at once (erased and unknown ones are absent).
pub async fn profiles(
    app: &App,
    user_ids: &[String],
) -> Result<std::collections::HashMap<String, (String, crate::domain::profile::Profile)>, ApiError> {
    let found = addressees(app, user_ids).await?;
    Ok(found.into_iter().map(|(id, a)| (id, (a.username, a.profile))).collect())
}

/// Sets (`Some(Some(v))`) or clears (`Some(None)`) profile fields of an existing player; fields
/// left `None` are untouched. One conditional update: the player must exist.
pub async fn update_profile(
    app: &App,
    user_id: &str,
    fields: &[(&str, Option<Option<String>>)],
) -> Result<(), ApiError> {
    let (mut set, mut remove) = (Vec::new(), Vec::new());
    let mut update = app.db.update_item().table_name(app.table(Table::USERS)?).key("pk", s(format!("user#{user_id}")));
    for (i, (name, change)) in fields.iter().enumerate() {
        match change {
            Some(Some(value)) => {
                set.push(format!("#f{i} = :v{i}"));
                update = update
                    .expression_attribute_names(format!("#f{i}"), *name)
                    .expression_attribute_values(format!(":v{i}"), s(value));
            }
            Some(None) => {
                remove.push(format!("#f{i}"));
                update = update.expression_attribute_names(format!("#f{i}"), *name);
            }
            None => {}
        }
    }
    if set.is_empty() && remove.is_empty() {
        return Ok(());
    }
    let mut expression = String::new();
    if !set.is_empty() {
        expression = format!("SET {}", set.join(", "));
    }
    if !remove.is_empty() {
        expression = format!("{expression} REMOVE {}", remove.join(", "));
    }
    // An erased account's tombstone has no username: nothing may be written back onto it.
    let result =
        update.update_expression(expression.trim()).condition_expression("attribute_exists(username)").send().await;
    if super::applied(result)? {
        Ok(())
    } else {
        Err(ApiError::Unauthorized("the account no longer exists"))
    }
}

/// The transaction item that marks an account's address verified, if it is still `email`.
pub fn mark_email_verified(app: &App, user_id: &str, email: &str) -> Result<TransactWriteItem, ApiError> {
    let update = aws_sdk_dynamodb::types::Update::builder()
        .table_name(app.table(Table::USERS)?)
        .key("pk", s(format!("user#{user_id}")))
        .update_expression("SET emailVerified = :yes, emailVerifiedAt = :at")
        .condition_expression("email = :email")
        .expression_attribute_values(":yes", aws_sdk_dynamodb::types::AttributeValue::Bool(true))
        .expression_attribute_values(":at", s(crate::clock::now_rfc3339()))
        .expression_attribute_values(":email", s(email))
        .build()
        .map_err(ApiError::internal)?;
    Ok(TransactWriteItem::builder().update(update).build())
}

/// Sets a player's roles and linked studios (replacing them); `false` if no such player.
pub async fn set_roles(app: &App, user_id: &str, roles: &[&str], studios: &[String]) -> Result<bool, ApiError> {
    use aws_sdk_dynamodb::types::AttributeValue;
    let list = |values: Vec<String>| AttributeValue::L(values.into_iter().map(AttributeValue::S).collect());
    let result = app
        .db
        .update_item()
        .table_name(app.table(Table::USERS)?)
        .key("pk", s(format!("user#{user_id}")))
        .update_expression("SET #roles = :roles, studios = :studios")
        .condition_expression("attribute_exists(username)")
        .expression_attribute_names("#roles", "roles")
        .expression_attribute_values(":roles", list(roles.iter().map(|r| r.to_string()).collect()))
        .expression_attribute_values(":studios", list(studios.to_vec()))
        .send()
        .await;
    super::applied(result)
}

/// The transaction items that erase an account's personal data: the username claim (only if the
/// password hash is still `verified`), the email claim, and the user item, replaced by a
/// tombstone that keeps only the pseudonymous user id its money records (wallet, ledger, pulls,
/// orders, library) are filed under. The username and the address become free again.
pub fn erase(
    app: &App,
    user_id: &str,
    username_key: &str,
    email: &str,
    verified: &str,
) -> Result<[(crate::flows::Step, TransactWriteItem); 3], ApiError> {
    use crate::flows::Step;
    use aws_sdk_dynamodb::types::{Delete, Put};
    let table = app.table(Table::USERS)?;
    let credentials = Delete::builder()
        .table_name(table)
        .key("pk", s(format!("username#{username_key}")))
        .condition_expression("passwordHash = :verified")
        .expression_attribute_values(":verified", s(verified))
        .build()
        .map_err(ApiError::internal)?;
    let email_claim = Delete::builder()
        .table_name(table)
        .key("pk", s(format!("email#{email}")))
        .build()
        .map_err(ApiError::internal)?;
    let tombstone = Put::builder()
        .table_name(table)
        .item("pk", s(format!("user#{user_id}")))
        .item("userId", s(user_id))
        .item("erasedAt", s(crate::clock::now_rfc3339()))
        .condition_expression("attribute_exists(pk)")
        .build()
        .map_err(ApiError::internal)?;
    Ok([
        (Step::CredentialsErasure, TransactWriteItem::builder().delete(credentials).build()),
        (Step::PersonalDataErasure, TransactWriteItem::builder().delete(email_claim).build()),
        (Step::PersonalDataErasure, TransactWriteItem::builder().put(tombstone).build()),
    ])
}
