//! Lobbies and matchmaking: the rules without I/O. A player is in at most one lobby or queue at
//! a time (a lock item says which); a lobby fills up to its size; its host starts the match when
//! every player is ready; a matchmaking queue per game and mode forms lobbies of its size from
//! the oldest tickets that have not timed out.

use crate::error::ApiError;
use serde::{Deserialize, Serialize};

pub const MIN_SIZE: u32 = 2;
pub const MAX_SIZE: u32 = 16;
/// A lobby (and the lock of each player in it) lasts this long unless it starts or empties.
pub const LOBBY_LIFETIME_SECS: u64 = 2 * 3600;
pub const DEFAULT_TICKET_SECS: u64 = 120;
pub const MAX_TICKET_SECS: u64 = 600;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Visibility {
    /// Listed in `GET /lobbies?gameId=`; anyone who owns the game joins.
    Public,
    /// Not listed; joined with its join code.
    InviteOnly,
    /// Formed by matchmaking: not listed, not joinable.
    Matchmade,
}

impl Visibility {
    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Public => "public",
            Visibility::InviteOnly => "inviteOnly",
            Visibility::Matchmade => "matchmade",
        }
    }

    pub fn parse(raw: &str) -> Option<Visibility> {
        [Visibility::Public, Visibility::InviteOnly, Visibility::Matchmade].into_iter().find(|v| v.as_str() == raw)
    }
}

/// A game mode: a short slug such as `duel` or `squad-4`.
pub fn mode(raw: &str) -> Result<String, ApiError> {
    match crate::domain::gacha::is_slug(raw) && raw.len() <= 32 {
        true => Ok(raw.to_owned()),
        false => Err(ApiError::validation("mode", "mode is 1-32 characters of a-z, 0-9 and -")),
    }
}

pub fn size(raw: u32) -> Result<u32, ApiError> {
    match (MIN_SIZE..=MAX_SIZE).contains(&raw) {
        true => Ok(raw),
        false => Err(ApiError::validation("size", format!("size is {MIN_SIZE} to {MAX_SIZE} players"))),
    }
}

pub fn ticket_secs(raw: Option<u64>) -> Result<u64, ApiError> {
    match raw.unwrap_or(DEFAULT_TICKET_SECS) {
        secs @ 5..=MAX_TICKET_SECS => Ok(secs),
        _ => Err(ApiError::validation("timeoutSecs", format!("timeoutSecs is 5 to {MAX_TICKET_SECS}"))),
    }
}

/// What may start a match: the host asks, at least two players, all ready.
pub fn ensure_startable(is_host: bool, players: &[(String, bool)]) -> Result<(), ApiError> {
    if !is_host {
        return Err(ApiError::Forbidden("only the lobby's host starts the match"));
    }
    if players.len() < MIN_SIZE as usize {
        return Err(ApiError::Rule {
            code: "not_enough_players",
            field: None,
            detail: "a match needs two players".into(),
        });
    }
    let waiting: Vec<&str> = players.iter().filter(|(_, ready)| !ready).map(|(id, _)| id.as_str()).collect();
    if !waiting.is_empty() {
        return Err(ApiError::Rule {
            code: "players_not_ready",
            field: None,
            detail: format!("waiting for {} to be ready", waiting.join(", ")),
        });
    }
    Ok(())
}

/// A queue's tickets in arrival order, cut into groups of `size`; the rest wait.
pub fn matches<T: Clone>(queued: &[T], size: usize) -> Vec<Vec<T>> {
    queued.chunks_exact(size).map(<[T]>::to_vec).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twelve_tickets_for_a_mode_of_four_make_three_lobbies_in_arrival_order() {
        let queued: Vec<u32> = (1..=14).collect();
        let formed = matches(&queued, 4);
        assert_eq!(formed, vec![vec![1, 2, 3, 4], vec![5, 6, 7, 8], vec![9, 10, 11, 12]]);
    }

    #[test]
    fn only_the_host_starts_with_every_player_ready() {
        let ready = |r: bool| vec![("a".to_owned(), true), ("b".to_owned(), r)];
        assert!(ensure_startable(true, &ready(true)).is_ok());
        assert!(ensure_startable(false, &ready(true)).is_err());
        assert!(ensure_startable(true, &ready(false)).is_err());
        assert!(ensure_startable(true, &[("a".to_owned(), true)]).is_err());
    }

    #[test]
    fn sizes_modes_and_timeouts_are_bounded() {
        assert!(size(1).is_err() && size(17).is_err() && size(4).is_ok());
        assert!(mode("Duel").is_err() && mode("squad-4").is_ok());
        assert_eq!(ticket_secs(None).unwrap(), DEFAULT_TICKET_SECS);
        assert!(ticket_secs(Some(601)).is_err());
    }
}
