//! Presence: online while a socket (or a client setting its status) showed a sign of life within
//! the idle limit; then the status the player chose (online, away, in a game). A socket that
//! drops without `$disconnect` stops refreshing it, so its player turns offline by itself.

use crate::error::ApiError;
use serde::{Deserialize, Serialize};

/// API Gateway closes a WebSocket connection idle for 10 minutes, so a live client shows a sign
/// of life (a frame such as `ping`) at least that often; presence waits as long.
pub const IDLE_SECS: u64 = 600;

/// What a player says they are doing while online.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub enum Status {
    #[default]
    Online,
    Away,
    InGame,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Online => "online",
            Status::Away => "away",
            Status::InGame => "inGame",
        }
    }

    pub fn parse(raw: &str) -> Option<Status> {
        [Status::Online, Status::Away, Status::InGame].into_iter().find(|s| s.as_str() == raw)
    }
}

/// A player's stored presence.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Record {
    pub status: Status,
    pub game_id: Option<u32>,
    /// Epoch seconds of the last sign of life.
    pub last_active_at: u64,
    /// Whether a connection is open (as far as `$connect` and `$disconnect` told).
    pub connected: bool,
}

/// Presence as others see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct View {
    /// `online`, `away`, `inGame` or `offline`.
    pub status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub game_id: Option<u32>,
    /// When last seen online (RFC 3339); absent for a player never seen.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_seen_at: Option<String>,
}

impl View {
    pub fn of(record: Option<&Record>, now: u64) -> View {
        let last_seen_at = record.filter(|r| r.last_active_at > 0).map(|r| crate::clock::rfc3339(r.last_active_at));
        match record {
            Some(r) if r.connected && r.last_active_at + IDLE_SECS > now => View {
                status: r.status.as_str(),
                game_id: r.game_id.filter(|_| r.status == Status::InGame),
                last_seen_at,
            },
            _ => View { status: "offline", game_id: None, last_seen_at },
        }
    }
}

/// A status set by a client: `inGame` needs the game, the others take none.
pub fn chosen(status: &str, game_id: Option<u32>) -> Result<(Status, Option<u32>), ApiError> {
    let status =
        Status::parse(status).ok_or_else(|| ApiError::validation("status", "status is one of online, away, inGame"))?;
    match (status, game_id) {
        (Status::InGame, None) => Err(ApiError::validation("gameId", "inGame needs the gameId being played")),
        (Status::InGame, Some(id)) => Ok((status, Some(id))),
        (_, Some(_)) => Err(ApiError::validation("gameId", "gameId goes with the inGame status only")),
        (_, None) => Ok((status, None)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn connected(at: u64, status: Status, game_id: Option<u32>) -> Record {
        Record { status, game_id, last_active_at: at, connected: true }
    }

    #[test]
    fn a_player_is_online_until_the_idle_limit_after_the_last_sign_of_life() {
        let record = connected(1_000, Status::Away, None);
        assert_eq!(View::of(Some(&record), 1_000 + IDLE_SECS - 1).status, "away");
        let stale = View::of(Some(&record), 1_000 + IDLE_SECS);
        assert_eq!(stale.status, "offline", "a dropped socket expires");
        assert_eq!(stale.last_seen_at.as_deref(), Some(crate::clock::rfc3339(1_000).as_str()));
    }

    #[test]
    fn a_disconnected_or_unknown_player_is_offline_and_in_game_shows_the_game() {
        assert_eq!(View::of(None, 5).status, "offline");
        assert_eq!(View::of(None, 5).last_seen_at, None);
        let gone = Record { connected: false, ..connected(5, Status::Online, None) };
        assert_eq!(View::of(Some(&gone), 6).status, "offline");
        let playing = View::of(Some(&connected(5, Status::InGame, Some(620))), 6);
        assert_eq!((playing.status, playing.game_id), ("inGame", Some(620)));
    }

    #[test]
    fn in_game_needs_a_game_and_only_in_game_takes_one() {
        assert!(chosen("inGame", None).is_err());
        assert!(chosen("away", Some(1)).is_err());
        assert!(chosen("invisible", None).is_err());
        assert_eq!(chosen("inGame", Some(1)).unwrap(), (Status::InGame, Some(1)));
    }
}
