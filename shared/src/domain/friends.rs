//! Friendships as Nakama models them: each side of a pair holds its own state, and every change
//! of the pair is one conditional transaction over both sides. Adding someone who already asked
//! you accepts them, so two players adding each other at once end as friends.

use crate::domain::profile::Privacy;
use serde::{Deserialize, Serialize};

/// Outgoing requests a player may have waiting at once (Steam-like spam guard).
pub const MAX_PENDING_SENT: u64 = 100;
/// Friends a player may have.
pub const MAX_FRIENDS: u64 = 500;

/// One side of a relation, as its owner sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    Friend,
    /// The owner asked the other.
    Sent,
    /// The other asked the owner.
    Received,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Friend => "friend",
            State::Sent => "sent",
            State::Received => "received",
        }
    }

    /// What the other side holds when this side holds `self`.
    pub fn mirrored(self) -> State {
        match self {
            State::Friend => State::Friend,
            State::Sent => State::Received,
            State::Received => State::Sent,
        }
    }

    pub fn parse(raw: &str) -> Option<State> {
        [State::Friend, State::Sent, State::Received].into_iter().find(|s| s.as_str() == raw)
    }
}

/// What `POST /friends/{userId}` does from the caller's current state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Add {
    /// No relation: send a request.
    Request,
    /// They asked first: become friends.
    Accept,
    /// Already asked, or already friends: nothing changes.
    Unchanged(State),
}

pub fn on_add(current: Option<State>) -> Add {
    match current {
        None => Add::Request,
        Some(State::Received) => Add::Accept,
        Some(state) => Add::Unchanged(state),
    }
}

/// What ending a relation is called, from the state it ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Removal {
    /// The caller withdraws their own request.
    Cancelled,
    /// The caller refuses a request they received.
    Declined,
    /// Friends no more.
    Removed,
}

impl Removal {
    pub fn of(state: State) -> Removal {
        match state {
            State::Sent => Removal::Cancelled,
            State::Received => Removal::Declined,
            State::Friend => Removal::Removed,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Removal::Cancelled => "cancelled",
            Removal::Declined => "declined",
            Removal::Removed => "removed",
        }
    }
}

/// Who may see a player's friends and presence: the player, and by privacy setting, their
/// friends (public or friends-only) or anyone (public).
pub fn may_see(privacy: Privacy, viewer_is_self: bool, viewer_is_friend: bool) -> bool {
    viewer_is_self
        || match privacy {
            Privacy::Public => true,
            Privacy::Friends => viewer_is_friend,
            Privacy::Private => false,
        }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adding_someone_who_asked_first_accepts_them_and_repeats_change_nothing() {
        assert_eq!(on_add(None), Add::Request);
        assert_eq!(on_add(Some(State::Received)), Add::Accept);
        assert_eq!(on_add(Some(State::Sent)), Add::Unchanged(State::Sent));
        assert_eq!(on_add(Some(State::Friend)), Add::Unchanged(State::Friend));
    }

    #[test]
    fn a_relation_ends_as_cancelled_declined_or_removed_by_its_state() {
        assert_eq!(Removal::of(State::Sent), Removal::Cancelled);
        assert_eq!(Removal::of(State::Received), Removal::Declined);
        assert_eq!(Removal::of(State::Friend), Removal::Removed);
        assert_eq!(State::Sent.mirrored(), State::Received);
    }

    #[test]
    fn private_players_show_friends_and_presence_to_themselves_only() {
        assert!(may_see(Privacy::Public, false, false));
        assert!(may_see(Privacy::Friends, false, true));
        assert!(!may_see(Privacy::Friends, false, false));
        assert!(!may_see(Privacy::Private, false, true));
        assert!(may_see(Privacy::Private, true, false));
    }
}
