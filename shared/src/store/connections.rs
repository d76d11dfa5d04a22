//! Connections table: one item per open WebSocket connection (who it is, until when its token
//! lets it act, what banner it chose), with an index by player to push to every device. Items expire (TTL) after API Gateway's
//! two-hour connection limit, so a connection whose `$disconnect` never ran cannot linger; a push
//! to a gone connection deletes it at once.

use super::{get_s, n, s};
use crate::app::{App, Table};
use crate::error::ApiError;

const BY_USER: &str = "byUser";
/// API Gateway closes a WebSocket connection after two hours; ten minutes of slack.
const LIFETIME_SECS: u64 = 2 * 3600 + 600;

/// A push that finds a connection younger than this gone does not delete it: on API Gateway
/// and locally, `$connect` records a connection just before it can receive.
const OPENING_SECS: u64 = 10;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connection {
    pub connection_id: String,
    pub user_id: String,
    /// The expiry of the token it connected with: after it, actions are refused (pushes go on).
    pub authorized_until: u64,
    pub selected_banner: Option<String>,
}

/// Whether an item is a connection still within its lifetime (TTL deletes lag behind).
fn live(item: &super::Item) -> bool {
    super::get_n::<u64>(item, "expiresAt").is_some_and(|at| at > crate::clock::now_secs())
}

pub async fn open(app: &App, connection_id: &str, player: &crate::auth::Player) -> Result<(), ApiError> {
    let now = crate::clock::now_secs();
    app.db
        .put_item()
        .table_name(app.table(Table::CONNECTIONS)?)
        .item("connectionId", s(connection_id))
        .item("userId", s(&player.user_id))
        .item("connectedAt", s(crate::clock::rfc3339(now)))
        .item("connectedAtEpoch", n(now))
        .item("authorizedUntil", n(player.expires_at))
        .item("expiresAt", n(now + LIFETIME_SECS))
        .send()
        .await?;
    Ok(())
}

/// Forgets a connection a push found gone, unless it is still opening; its player's presence
/// loses the device. Returns the player it was.
pub async fn forget_gone(app: &App, connection_id: &str) -> Result<Option<String>, ApiError> {
    let result = app
        .db
        .delete_item()
        .table_name(app.table(Table::CONNECTIONS)?)
        .key("connectionId", s(connection_id))
        .condition_expression("connectedAtEpoch < :settled")
        .expression_attribute_values(":settled", n(crate::clock::now_secs().saturating_sub(OPENING_SECS)))
        .return_values(aws_sdk_dynamodb::types::ReturnValue::AllOld)
        .send()
        .await;
    match result {
        Ok(out) => forgotten(app, connection_id, out.attributes).await,
        Err(err) if super::condition_failed(&err) => Ok(None),
        Err(err) => Err(err.into()),
    }
}

/// The player of a deleted connection item, after taking the device off their presence.
async fn forgotten(app: &App, connection_id: &str, old: Option<super::Item>) -> Result<Option<String>, ApiError> {
    let Some(user_id) = old.as_ref().and_then(|item| get_s(item, "userId")).map(str::to_owned) else {
        return Ok(None);
    };
    super::presence::disconnected(app, &user_id, connection_id).await?;
    Ok(Some(user_id))
}

pub async fn get(app: &App, connection_id: &str) -> Result<Option<Connection>, ApiError> {
    let out = app
        .db
        .get_item()
        .table_name(app.table(Table::CONNECTIONS)?)
        .key("connectionId", s(connection_id))
        .consistent_read(true) // a frame may follow its `$connect` at once
        .send()
        .await?;
    Ok(out.item.filter(live).map(|item| Connection {
        connection_id: connection_id.to_owned(),
        user_id: get_s(&item, "userId").unwrap_or_default().to_owned(),
        authorized_until: super::get_n(&item, "authorizedUntil").unwrap_or(0),
        selected_banner: get_s(&item, "selectedBanner").map(str::to_owned),
    }))
}

/// Forgets a closed connection. Returns its player (whose presence the caller updates).
pub async fn close(app: &App, connection_id: &str) -> Result<Option<String>, ApiError> {
    let out = app
        .db
        .delete_item()
        .table_name(app.table(Table::CONNECTIONS)?)
        .key("connectionId", s(connection_id))
        .return_values(aws_sdk_dynamodb::types::ReturnValue::AllOld)
        .send()
        .await?;
    Ok(out.attributes.as_ref().and_then(|item| get_s(item, "userId")).map(str::to_owned))
}

/// Remembers the banner a connection chose; `false` if the connection is gone.
pub async fn select_banner(app: &App, connection_id: &str, banner_id: &str) -> Result<bool, ApiError> {
    let result = app
        .db
        .update_item()
        .table_name(app.table(Table::CONNECTIONS)?)
        .key("connectionId", s(connection_id))
        .update_expression("SET selectedBanner = :banner")
        .condition_expression("attribute_exists(connectionId)")
        .expression_attribute_values(":banner", s(banner_id))
        .send()
        .await;
    super::applied(result)
}

/// The ids of a player's open connections (every device).
pub async fn of_player(app: &App, user_id: &str) -> Result<Vec<String>, ApiError> {
    let out = app
        .db
        .query()
        .table_name(app.table(Table::CONNECTIONS)?)
        .index_name(BY_USER)
        .key_condition_expression("userId = :user")
        .expression_attribute_values(":user", s(user_id))
        .send()
        .await?;
    Ok(out.items().iter().filter(|i| live(i)).filter_map(|i| get_s(i, "connectionId").map(str::to_owned)).collect())
}

/// Every open connection's id, for a broadcast (a Scan: broadcasts are rare, connections few
/// per player).
pub async fn all(app: &App) -> Result<Vec<String>, ApiError> {
    let mut ids = Vec::new();
    let mut start = None;
    loop {
        let out = app
            .db
            .scan()
            .table_name(app.table(Table::CONNECTIONS)?)
            .projection_expression("connectionId, expiresAt")
            .set_exclusive_start_key(start)
            .send()
            .await?;
        ids.extend(out.items().iter().filter(|i| live(i)).filter_map(|i| get_s(i, "connectionId").map(str::to_owned)));
        start = out.last_evaluated_key;
        if start.is_none() {
            return Ok(ids);
        }
    }
}
