//! Lobbies table (`pk`, `sk`), three kinds of item:
//! - a lobby: `lobby#<id>` / `meta` (game, mode, host, size, visibility, status, player count,
//!   join code) and one `player#<userId>` item per player (ready or not); a public open lobby
//!   carries `openGameId`, which puts it in the sparse index `byGame`;
//! - a player's lock: `player#<userId>` / `lock`, naming the one lobby or queue ticket the player
//!   holds until `expiresAt`, so nobody is in two lobbies or matched twice;
//! - a matchmaking ticket: `queue#<gameId>#<mode>#<size>` / `<enqueued ms>#<userId>`, so a
//!   queue reads in arrival order.

use super::{get_n, get_s, n, s, Item};
use crate::app::{App, Table};
use crate::domain::lobbies::{Visibility, MAX_TICKET_SECS};
use crate::error::ApiError;
use aws_sdk_dynamodb::types::{
    AttributeValue, ConditionCheck, Delete, Put, ReturnValuesOnConditionCheckFailure, TransactWriteItem, Update,
};
use serde::Serialize;

const META: &str = "meta";
const LOCK: &str = "lock";
const BY_GAME: &str = "byGame";

fn lobby_pk(lobby_id: &str) -> String {
    format!("lobby#{lobby_id}")
}

fn player_sk(user_id: &str) -> String {
    format!("player#{user_id}")
}

fn lock_pk(user_id: &str) -> String {
    format!("player#{user_id}")
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Lobby {
    pub lobby_id: String,
    pub game_id: u32,
    pub mode: String,
    pub host_id: String,
    pub size: u32,
    pub visibility: String,
    /// `open`, `started` or `closed`.
    pub status: String,
    pub player_count: u32,
    /// Invite-only lobbies: the code that joins them (shown to their players only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub join_code: Option<String>,
    pub created_at: String,
    #[serde(skip)]
    pub expires_at: u64,
}

fn lobby_of(item: &Item) -> Option<Lobby> {
    Some(Lobby {
        lobby_id: get_s(item, "lobbyId")?.to_owned(),
        game_id: get_n(item, "gameId")?,
        mode: get_s(item, "mode").unwrap_or_default().to_owned(),
        host_id: get_s(item, "hostId").unwrap_or_default().to_owned(),
        size: get_n(item, "size").unwrap_or(0),
        visibility: get_s(item, "visibility").unwrap_or_default().to_owned(),
        status: get_s(item, "status").unwrap_or_default().to_owned(),
        player_count: get_n(item, "playerCount").unwrap_or(0),
        join_code: get_s(item, "joinCode").map(str::to_owned),
        created_at: get_s(item, "createdAt").unwrap_or_default().to_owned(),
        expires_at: get_n(item, "expiresAt").unwrap_or(0),
    })
}

/// The new lobby's meta item (with its players counted already).
pub fn put_lobby(app: &App, lobby: &Lobby) -> Result<TransactWriteItem, ApiError> {
    let mut put = Put::builder()
        .table_name(app.table(Table::LOBBIES)?)
        .item("pk", s(lobby_pk(&lobby.lobby_id)))
        .item("sk", s(META))
        .item("lobbyId", s(&lobby.lobby_id))
        .item("gameId", n(lobby.game_id))
        .item("mode", s(&lobby.mode))
        .item("hostId", s(&lobby.host_id))
        .item("size", n(lobby.size))
        .item("visibility", s(&lobby.visibility))
        .item("status", s(&lobby.status))
        .item("playerCount", n(lobby.player_count))
        .item("createdAt", s(&lobby.created_at))
        .item("expiresAt", n(lobby.expires_at))
        .condition_expression("attribute_not_exists(pk)");
    if let Some(code) = &lobby.join_code {
        put = put.item("joinCode", s(code));
    }
    if lobby.visibility == Visibility::Public.as_str() {
        put = put.item("openGameId", n(lobby.game_id)).item("listedAt", s(&lobby.created_at));
    }
    Ok(TransactWriteItem::builder().put(put.build().map_err(ApiError::internal)?).build())
}

pub async fn get(app: &App, lobby_id: &str) -> Result<Option<Lobby>, ApiError> {
    let out = app
        .db
        .get_item()
        .table_name(app.table(Table::LOBBIES)?)
        .key("pk", s(lobby_pk(lobby_id)))
        .key("sk", s(META))
        .consistent_read(true)
        .send()
        .await?;
    Ok(out.item.as_ref().and_then(lobby_of).filter(|l| l.expires_at > crate::clock::now_secs()))
}

/// A player in a lobby.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Seat {
    pub user_id: String,
    pub ready: bool,
    pub joined_at: String,
}

pub async fn players(app: &App, lobby_id: &str) -> Result<Vec<Seat>, ApiError> {
    let out = app
        .db
        .query()
        .table_name(app.table(Table::LOBBIES)?)
        .key_condition_expression("pk = :pk AND begins_with(sk, :player)")
        .expression_attribute_values(":pk", s(lobby_pk(lobby_id)))
        .expression_attribute_values(":player", s("player#"))
        .consistent_read(true)
        .send()
        .await?;
    Ok(out
        .items()
        .iter()
        .filter_map(|item| {
            Some(Seat {
                user_id: get_s(item, "userId")?.to_owned(),
                ready: item.get("ready").and_then(|v| v.as_bool().ok()).copied().unwrap_or(false),
                joined_at: get_s(item, "joinedAt").unwrap_or_default().to_owned(),
            })
        })
        .collect())
}

pub fn put_seat(app: &App, lobby_id: &str, user_id: &str) -> Result<TransactWriteItem, ApiError> {
    let put = Put::builder()
        .table_name(app.table(Table::LOBBIES)?)
        .item("pk", s(lobby_pk(lobby_id)))
        .item("sk", s(player_sk(user_id)))
        .item("userId", s(user_id))
        .item("ready", AttributeValue::Bool(false))
        .item("joinedAt", s(crate::clock::now_rfc3339()))
        .condition_expression("attribute_not_exists(sk)")
        .build()
        .map_err(ApiError::internal)?;
    Ok(TransactWriteItem::builder().put(put).build())
}

pub fn delete_seat(app: &App, lobby_id: &str, user_id: &str) -> Result<TransactWriteItem, ApiError> {
    let delete = Delete::builder()
        .table_name(app.table(Table::LOBBIES)?)
        .key("pk", s(lobby_pk(lobby_id)))
        .key("sk", s(player_sk(user_id)))
        .condition_expression("attribute_exists(sk)")
        .build()
        .map_err(ApiError::internal)?;
    Ok(TransactWriteItem::builder().delete(delete).build())
}

/// Holds while the player sits in the lobby and is ready.
pub fn is_ready(app: &App, lobby_id: &str, user_id: &str) -> Result<TransactWriteItem, ApiError> {
    let check = ConditionCheck::builder()
        .table_name(app.table(Table::LOBBIES)?)
        .key("pk", s(lobby_pk(lobby_id)))
        .key("sk", s(player_sk(user_id)))
        .condition_expression("ready = :true")
        .expression_attribute_values(":true", AttributeValue::Bool(true))
        .build()
        .map_err(ApiError::internal)?;
    Ok(TransactWriteItem::builder().condition_check(check).build())
}

/// Marks a seated player ready or not; `false` if they are not in the lobby.
pub async fn set_ready(app: &App, lobby_id: &str, user_id: &str, ready: bool) -> Result<bool, ApiError> {
    let result = app
        .db
        .update_item()
        .table_name(app.table(Table::LOBBIES)?)
        .key("pk", s(lobby_pk(lobby_id)))
        .key("sk", s(player_sk(user_id)))
        .update_expression("SET ready = :ready")
        .condition_expression("attribute_exists(sk)")
        .expression_attribute_values(":ready", AttributeValue::Bool(ready))
        .send()
        .await;
    super::applied(result)
}

/// One more (or fewer) player in an open lobby; a rise is refused when it is full or not open.
/// A failure returns the lobby as it was.
pub fn count(app: &App, lobby_id: &str, delta: i64) -> Result<TransactWriteItem, ApiError> {
    let mut update = Update::builder()
        .table_name(app.table(Table::LOBBIES)?)
        .key("pk", s(lobby_pk(lobby_id)))
        .key("sk", s(META))
        .update_expression("ADD playerCount :delta")
        .expression_attribute_names("#status", "status")
        .expression_attribute_values(":delta", n(delta))
        .expression_attribute_values(":open", s("open"))
        .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld);
    update = match delta > 0 {
        true => update
            .condition_expression("#status = :open AND playerCount < #size")
            .expression_attribute_names("#size", "size"),
        false => update.condition_expression("#status = :open"),
    };
    Ok(TransactWriteItem::builder().update(update.build().map_err(ApiError::internal)?).build())
}

/// The lobby moved from open to `status` (`started` or `closed`), if it still has the players
/// the flow read; it leaves the public listing.
pub fn end(app: &App, lobby_id: &str, status: &str, players: usize) -> Result<TransactWriteItem, ApiError> {
    let update = Update::builder()
        .table_name(app.table(Table::LOBBIES)?)
        .key("pk", s(lobby_pk(lobby_id)))
        .key("sk", s(META))
        .update_expression("SET #status = :to, endedAt = :now REMOVE openGameId")
        .condition_expression("#status = :open AND playerCount = :players")
        .expression_attribute_names("#status", "status")
        .expression_attribute_values(":to", s(status))
        .expression_attribute_values(":open", s("open"))
        .expression_attribute_values(":players", n(players))
        .expression_attribute_values(":now", s(crate::clock::now_rfc3339()))
        .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
        .build()
        .map_err(ApiError::internal)?;
    Ok(TransactWriteItem::builder().update(update).build())
}

/// What a player's lock names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Holding {
    Lobby(String),
    /// A queue ticket: its queue and sort key.
    Ticket {
        queue: String,
        order: String,
    },
}

impl Holding {
    fn encode(&self) -> String {
        match self {
            Holding::Lobby(id) => format!("lobby|{id}"),
            Holding::Ticket { queue, order } => format!("ticket|{queue}|{order}"),
        }
    }

    fn decode(raw: &str) -> Option<Holding> {
        let mut parts = raw.splitn(3, '|');
        match (parts.next()?, parts.next()?, parts.next()) {
            ("lobby", id, None) => Some(Holding::Lobby(id.to_owned())),
            ("ticket", queue, Some(order)) => {
                Some(Holding::Ticket { queue: queue.to_owned(), order: order.to_owned() })
            }
            _ => None,
        }
    }
}

/// A player's lock: what it holds and until when (an expired one holds nothing).
pub async fn lock(app: &App, user_id: &str) -> Result<Option<(Holding, u64)>, ApiError> {
    let out = app
        .db
        .get_item()
        .table_name(app.table(Table::LOBBIES)?)
        .key("pk", s(lock_pk(user_id)))
        .key("sk", s(LOCK))
        .consistent_read(true)
        .send()
        .await?;
    Ok(out
        .item
        .as_ref()
        .and_then(|item| Some((Holding::decode(get_s(item, "holding")?)?, get_n(item, "expiresAt").unwrap_or(0)))))
}

/// Takes a free lock (none, or an expired one) for `holding` until `until`.
pub fn take_lock(app: &App, user_id: &str, holding: &Holding, until: u64) -> Result<TransactWriteItem, ApiError> {
    let put = Put::builder()
        .table_name(app.table(Table::LOBBIES)?)
        .item("pk", s(lock_pk(user_id)))
        .item("sk", s(LOCK))
        .item("holding", s(holding.encode()))
        .item("expiresAt", n(until))
        .condition_expression("attribute_not_exists(pk) OR expiresAt <= :now")
        .expression_attribute_values(":now", n(crate::clock::now_secs()))
        .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
        .build()
        .map_err(ApiError::internal)?;
    Ok(TransactWriteItem::builder().put(put).build())
}

/// Moves a lock from `from` to `to` (a matched ticket becomes its lobby), if it still holds `from`.
pub fn move_lock(
    app: &App,
    user_id: &str,
    from: &Holding,
    to: &Holding,
    until: u64,
) -> Result<TransactWriteItem, ApiError> {
    let update = Update::builder()
        .table_name(app.table(Table::LOBBIES)?)
        .key("pk", s(lock_pk(user_id)))
        .key("sk", s(LOCK))
        .update_expression("SET holding = :to, expiresAt = :until")
        .condition_expression("holding = :from")
        .expression_attribute_values(":to", s(to.encode()))
        .expression_attribute_values(":from", s(from.encode()))
        .expression_attribute_values(":until", n(until))
        .build()
        .map_err(ApiError::internal)?;
    Ok(TransactWriteItem::builder().update(update).build())
}

/// Releases a lock, if it still holds `holding`.
pub fn release_lock(app: &App, user_id: &str, holding: &Holding) -> Result<TransactWriteItem, ApiError> {
    let delete = Delete::builder()
        .table_name(app.table(Table::LOBBIES)?)
        .key("pk", s(lock_pk(user_id)))
        .key("sk", s(LOCK))
        .condition_expression("holding = :holding")
        .expression_attribute_values(":holding", s(holding.encode()))
        .build()
        .map_err(ApiError::internal)?;
    Ok(TransactWriteItem::builder().delete(delete).build())
}

/// Public open lobbies of a game, newest first.
pub async fn open_of_game(app: &App, game_id: u32, limit: i32) -> Result<Vec<Lobby>, ApiError> {
    let out = app
        .db
        .query()
        .table_name(app.table(Table::LOBBIES)?)
        .index_name(BY_GAME)
        .key_condition_expression("openGameId = :g")
        .expression_attribute_values(":g", n(game_id))
        .scan_index_forward(false)
        .limit(limit)
        .send()
        .await?;
    let now = crate::clock::now_secs();
    Ok(out.items().iter().filter_map(lobby_of).filter(|l| l.expires_at > now).collect())
}

/// A matchmaking queue's key.
pub fn queue_key(game_id: u32, mode: &str, size: u32) -> String {
    format!("queue#{game_id}#{mode}#{size}")
}

/// A queued ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ticket {
    pub queue: String,
    pub order: String,
    pub user_id: String,
    pub expires_at: u64,
}

impl Ticket {
    pub fn new(queue: String, user_id: &str, timeout_secs: u64) -> Ticket {
        let now_ms = crate::clock::now().unix_timestamp_nanos() / 1_000_000;
        Ticket {
            queue,
            order: format!("{now_ms:013}#{user_id}"),
            user_id: user_id.to_owned(),
            expires_at: crate::clock::now_secs() + timeout_secs,
        }
    }

    pub fn holding(&self) -> Holding {
        Holding::Ticket { queue: self.queue.clone(), order: self.order.clone() }
    }
}

pub fn put_ticket(app: &App, ticket: &Ticket) -> Result<TransactWriteItem, ApiError> {
    let put = Put::builder()
        .table_name(app.table(Table::LOBBIES)?)
        .item("pk", s(&ticket.queue))
        .item("sk", s(&ticket.order))
        .item("userId", s(&ticket.user_id))
        .item("expiresAt", n(ticket.expires_at))
        .condition_expression("attribute_not_exists(sk)")
        .build()
        .map_err(ApiError::internal)?;
    Ok(TransactWriteItem::builder().put(put).build())
}

pub fn delete_ticket(app: &App, queue: &str, order: &str) -> Result<TransactWriteItem, ApiError> {
    let delete = Delete::builder()
        .table_name(app.table(Table::LOBBIES)?)
        .key("pk", s(queue))
        .key("sk", s(order))
        .condition_expression("attribute_exists(sk)")
        .build()
        .map_err(ApiError::internal)?;
    Ok(TransactWriteItem::builder().delete(delete).build())
}

/// The oldest tickets of a queue that have not timed out, in arrival order (up to `limit`).
pub async fn waiting(app: &App, queue: &str, limit: usize) -> Result<Vec<Ticket>, ApiError> {
    let now = crate::clock::now_secs();
    let mut found = Vec::new();
    let mut start = None;
    loop {
        let out = app
            .db
            .query()
            .table_name(app.table(Table::LOBBIES)?)
            // Tickets older than the longest timeout are expired: the key condition skips them
            // instead of reading them until TTL removes them.
            .key_condition_expression("pk = :q AND sk >= :oldest")
            .filter_expression("expiresAt > :now")
            .expression_attribute_values(":q", s(queue))
            .expression_attribute_values(":oldest", s(format!("{:013}", (now - MAX_TICKET_SECS) * 1000)))
            .expression_attribute_values(":now", n(now))
            .consistent_read(true)
            .set_exclusive_start_key(start)
            .send()
            .await?;
        found.extend(out.items().iter().filter_map(|item| {
            Some(Ticket {
                queue: queue.to_owned(),
                order: get_s(item, "sk")?.to_owned(),
                user_id: get_s(item, "userId")?.to_owned(),
                expires_at: get_n(item, "expiresAt")?,
            })
        }));
        start = out.last_evaluated_key;
        if start.is_none() || found.len() >= limit {
            found.truncate(limit);
            return Ok(found);
        }
    }
}
