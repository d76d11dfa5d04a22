//! PlaySessions table: the play sessions game servers report, one item per (player, game, the
//! server's session id), written once; the total goes onto the player's library entry in the same
//! transaction (a per-player item, so no hot spot).

use super::{n, put_new, s};
use crate::app::{App, Table};
use crate::error::ApiError;
use aws_sdk_dynamodb::types::{TransactWriteItem, Update};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct PlaySession {
    pub user_id: String,
    /// `<gameId>#<sessionId>`: the sort key.
    pub play_key: String,
    pub game_id: u32,
    pub session_id: String,
    pub client_id: String,
    pub started_at: String,
    pub minutes: u64,
    pub reported_at: String,
}

impl PlaySession {
    pub fn key(game_id: u32, session_id: &str) -> String {
        format!("{game_id}#{session_id}")
    }
}

/// The session, written once under its id (a retried report adds nothing).
pub fn record(app: &App, session: &PlaySession) -> Result<TransactWriteItem, ApiError> {
    put_new(app.table(Table::PLAY_SESSIONS)?, session, "playKey")
}

/// Adds the minutes to the library entry, which must exist (the player owns the game).
pub fn add_to_library(app: &App, user_id: &str, game_id: u32, minutes: u64) -> Result<TransactWriteItem, ApiError> {
    let update = Update::builder()
        .table_name(app.table(Table::LIBRARY)?)
        .key("userId", s(user_id))
        .key("gameId", n(game_id))
        .update_expression("ADD playedMinutes :minutes")
        .condition_expression("attribute_exists(gameId)")
        .expression_attribute_values(":minutes", n(minutes))
        .build()
        .map_err(ApiError::internal)?;
    Ok(TransactWriteItem::builder().update(update).build())
}

/// A session reported before, if any (to answer a retry with what was recorded).
pub async fn get(app: &App, user_id: &str, game_id: u32, session_id: &str) -> Result<Option<PlaySession>, ApiError> {
    let out = app
        .db
        .get_item()
        .table_name(app.table(Table::PLAY_SESSIONS)?)
        .key("userId", s(user_id))
        .key("playKey", s(PlaySession::key(game_id, session_id)))
        .consistent_read(true)
        .send()
        .await?;
    Ok(out.item.map(serde_dynamo::from_item).transpose()?)
}
