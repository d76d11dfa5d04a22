//! Presence table: per player the set of open connections (`devices`), the last sign of life
//! (`lastActiveAt`, epoch seconds) and the status the player chose. `$connect` adds a device,
//! `$disconnect` (or a push that finds it gone) removes it; every change is one update.

use super::{get_n, get_s, n, s, Item};
use crate::app::{App, Table};
use crate::domain::presence::{Record, Status};
use crate::error::ApiError;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};
use std::collections::HashMap;

fn record_of(item: &Item) -> Record {
    Record {
        status: get_s(item, "status").and_then(Status::parse).unwrap_or_default(),
        game_id: get_n(item, "gameId"),
        last_active_at: get_n(item, "lastActiveAt").unwrap_or(0),
        connected: item.get("devices").is_some_and(|d| d.as_ss().is_ok_and(|set| !set.is_empty())),
    }
}

fn device(connection_id: &str) -> AttributeValue {
    AttributeValue::Ss(vec![connection_id.to_owned()])
}

/// A connection opened: the player is online. Returns whether they were offline before.
pub async fn connected(app: &App, user_id: &str, connection_id: &str) -> Result<bool, ApiError> {
    let now = crate::clock::now_secs();
    let out = app
        .db
        .update_item()
        .table_name(app.table(Table::PRESENCE)?)
        .key("userId", s(user_id))
        .update_expression("ADD devices :device SET lastActiveAt = :now")
        .expression_attribute_values(":device", device(connection_id))
        .expression_attribute_values(":now", n(now))
        .return_values(ReturnValue::AllOld)
        .send()
        .await?;
    let before = out.attributes.as_ref().map(record_of);
    Ok(crate::domain::presence::View::of(before.as_ref(), now).status == "offline")
}

/// A connection closed (or was found gone). Returns whether that left the player offline.
pub async fn disconnected(app: &App, user_id: &str, connection_id: &str) -> Result<bool, ApiError> {
    let out = app
        .db
        .update_item()
        .table_name(app.table(Table::PRESENCE)?)
        .key("userId", s(user_id))
        .update_expression("DELETE devices :device SET lastActiveAt = :now")
        .condition_expression("attribute_exists(userId)")
        .expression_attribute_values(":device", device(connection_id))
        .expression_attribute_values(":now", n(crate::clock::now_secs()))
        .return_values(ReturnValue::AllNew)
        .send()
        .await;
    match out {
        Ok(out) => Ok(!out.attributes.as_ref().map(record_of).is_some_and(|r| r.connected)),
        Err(err) if super::condition_failed(&err) => Ok(false),
        Err(err) => Err(err.into()),
    }
}

/// A sign of life from an open connection (a `ping`): presence stays fresh.
pub async fn refresh(app: &App, user_id: &str) -> Result<(), ApiError> {
    let result = app
        .db
        .update_item()
        .table_name(app.table(Table::PRESENCE)?)
        .key("userId", s(user_id))
        .update_expression("SET lastActiveAt = :now")
        .condition_expression("attribute_exists(devices)")
        .expression_attribute_values(":now", n(crate::clock::now_secs()))
        .send()
        .await;
    super::applied(result).map(drop)
}

/// The status the player chose (a sign of life too). Returns the record it leaves.
pub async fn set_status(app: &App, user_id: &str, status: Status, game_id: Option<u32>) -> Result<Record, ApiError> {
    let mut update = app
        .db
        .update_item()
        .table_name(app.table(Table::PRESENCE)?)
        .key("userId", s(user_id))
        .expression_attribute_values(":status", s(status.as_str()))
        .expression_attribute_values(":now", n(crate::clock::now_secs()))
        .return_values(ReturnValue::AllNew);
    update = match game_id {
        Some(game) => update
            .update_expression("SET #status = :status, gameId = :game, lastActiveAt = :now")
            .expression_attribute_values(":game", n(game)),
        None => update.update_expression("SET #status = :status, lastActiveAt = :now REMOVE gameId"),
    };
    let out = update.expression_attribute_names("#status", "status").send().await?;
    Ok(out.attributes.as_ref().map(record_of).unwrap_or_default())
}

pub async fn get(app: &App, user_id: &str) -> Result<Option<Record>, ApiError> {
    Ok(get_many(app, &[user_id.to_owned()]).await?.remove(user_id))
}

/// Presence of many players, in one BatchGetItem per hundred.
pub async fn get_many(app: &App, user_ids: &[String]) -> Result<HashMap<String, Record>, ApiError> {
    let keys: Vec<Item> = user_ids.iter().map(|id| Item::from([("userId".to_owned(), s(id))])).collect();
    let items = super::batch_get(app, Table::PRESENCE, keys, None).await?;
    Ok(items.iter().filter_map(|item| Some((get_s(item, "userId")?.to_owned(), record_of(item)))).collect())
}
