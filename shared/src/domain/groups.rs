//! Groups (clans) as Nakama models them: an owner, admins and members, join requests for closed
//! groups, bans, and a member limit. Who may do what to whom is decided here, from the two roles.

use crate::error::ApiError;
use serde::{Deserialize, Serialize};

/// Members a group may have, at most (and by default).
pub const MAX_MEMBERS: u32 = 100;
pub const DEFAULT_MAX_MEMBERS: u32 = 50;

/// A player's standing in a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Owner,
    Admin,
    Member,
    /// Asked to join a closed group; not a member yet.
    Requested,
    /// Removed and kept out.
    Banned,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::Member => "member",
            Role::Requested => "requested",
            Role::Banned => "banned",
        }
    }

    pub fn parse(raw: &str) -> Option<Role> {
        [Role::Owner, Role::Admin, Role::Member, Role::Requested, Role::Banned].into_iter().find(|r| r.as_str() == raw)
    }

    /// Counted against the member limit, reads the chat, may post.
    pub fn is_member(self) -> bool {
        matches!(self, Role::Owner | Role::Admin | Role::Member)
    }

    fn rank(self) -> u8 {
        match self {
            Role::Owner => 3,
            Role::Admin => 2,
            Role::Member => 1,
            Role::Requested | Role::Banned => 0,
        }
    }

    /// Runs the group's membership (approves, kicks, bans, deletes others' messages).
    pub fn is_admin(self) -> bool {
        self.rank() >= 2
    }
}

/// What a member does to a member (`POST /groups/{groupId}/members/{userId}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Action {
    Approve,
    Kick,
    Ban,
    Unban,
    Promote,
    Demote,
    TransferOwnership,
    Leave,
}

/// A membership change decided: the target's role before and after (`None`: no item), the
/// actor's role after (a transfer demotes the owner), and the change to the member count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Change {
    pub target_before: Role,
    pub target_after: Option<Role>,
    pub actor_after: Option<Role>,
    pub member_delta: i64,
}

fn refused(detail: &str) -> ApiError {
    ApiError::Forbidden(match detail {
        "admin" => "only the group's owner or admins may do this",
        "owner" => "only the group's owner may do this",
        _ => "you may only act on members below your role",
    })
}

fn rule(code: &'static str, detail: &str) -> ApiError {
    ApiError::Rule { code, field: Some("action"), detail: detail.into() }
}

/// What `action` by a player of role `actor` (acting on themselves when `on_self`) does to a
/// player of role `target`, or why it may not.
pub fn decide(action: Action, actor: Role, target: Role, on_self: bool) -> Result<Change, ApiError> {
    let change = |after: Option<Role>, delta: i64| Change {
        target_before: target,
        target_after: after,
        actor_after: Some(actor),
        member_delta: delta,
    };
    if on_self != (action == Action::Leave) {
        return Err(rule("invalid_member_action", "leave is for yourself; every other action for someone else"));
    }
    let outranks = actor.rank() > target.rank();
    match action {
        Action::Leave => match actor {
            Role::Owner => Err(rule("owner_must_transfer", "transfer the ownership to another member before leaving")),
            Role::Admin | Role::Member => Ok(change(None, -1)),
            // Withdraws the request.
            Role::Requested => Ok(change(None, 0)),
            Role::Banned => Err(ApiError::Forbidden("you are banned from this group")),
        },
        _ if !actor.is_member() => Err(ApiError::Forbidden("you are not a member of this group")),
        Action::Approve if !actor.is_admin() => Err(refused("admin")),
        Action::Approve if target == Role::Requested => Ok(change(Some(Role::Member), 1)),
        Action::Approve => Err(rule("not_requested", "this player has not asked to join")),
        Action::Kick | Action::Ban if !actor.is_admin() => Err(refused("admin")),
        Action::Kick | Action::Ban if !outranks && target.is_member() => Err(refused("rank")),
        Action::Kick if target == Role::Banned => Err(rule("not_a_member", "this player is not in the group")),
        Action::Kick => Ok(change(None, if target.is_member() { -1 } else { 0 })),
        Action::Ban if target == Role::Banned => Ok(change(Some(Role::Banned), 0)),
        Action::Ban => Ok(change(Some(Role::Banned), if target.is_member() { -1 } else { 0 })),
        Action::Unban if !actor.is_admin() => Err(refused("admin")),
        Action::Unban if target == Role::Banned => Ok(change(None, 0)),
        Action::Unban => Err(rule("not_banned", "this player is not banned")),
        Action::Promote | Action::Demote | Action::TransferOwnership if actor != Role::Owner => Err(refused("owner")),
        Action::Promote if target == Role::Member => Ok(change(Some(Role::Admin), 0)),
        Action::Promote => Err(rule("not_promotable", "only a member can be promoted (to admin)")),
        Action::Demote if target == Role::Admin => Ok(change(Some(Role::Member), 0)),
        Action::Demote => Err(rule("not_demotable", "only an admin can be demoted (to member)")),
        Action::TransferOwnership if target.is_member() => {
            Ok(Change { actor_after: Some(Role::Admin), ..change(Some(Role::Owner), 0) })
        }
        Action::TransferOwnership => Err(rule("not_a_member", "ownership goes to a member of the group")),
    }
}

/// A group name: 3-32 characters, trimmed, visible, no control or bidirectional characters.
pub fn name(raw: &str) -> Result<String, ApiError> {
    let name = raw.trim();
    let count = name.chars().count();
    if !(3..=32).contains(&count)
        || name.chars().any(|c| c.is_control() || crate::domain::chat::is_bidi_control(c))
        || !name.chars().any(|c| !c.is_whitespace() && !crate::domain::chat::is_invisible(c))
    {
        return Err(ApiError::validation("name", "name is 3-32 characters with a visible one, no control characters"));
    }
    Ok(name.to_owned())
}

pub fn max_members(raw: Option<u32>) -> Result<u32, ApiError> {
    match raw.unwrap_or(DEFAULT_MAX_MEMBERS) {
        n @ 2..=MAX_MEMBERS => Ok(n),
        _ => Err(ApiError::validation("maxMembers", format!("maxMembers is 2 to {MAX_MEMBERS}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Action::*;
    use Role::*;

    #[test]
    fn admins_approve_kick_and_ban_only_below_their_rank() {
        assert_eq!(decide(Approve, Admin, Requested, false).unwrap().target_after, Some(Member));
        assert_eq!(decide(Approve, Admin, Requested, false).unwrap().member_delta, 1);
        assert!(decide(Approve, Member, Requested, false).is_err());
        assert_eq!(decide(Kick, Admin, Member, false).unwrap().member_delta, -1);
        assert!(decide(Kick, Admin, Admin, false).is_err(), "an admin cannot kick an admin");
        assert!(decide(Ban, Admin, Owner, false).is_err());
        assert_eq!(decide(Ban, Owner, Admin, false).unwrap().target_after, Some(Banned));
        assert_eq!(decide(Ban, Admin, Requested, false).unwrap().member_delta, 0, "a banned request was no member");
        assert_eq!(decide(Unban, Admin, Banned, false).unwrap().target_after, None);
    }

    #[test]
    fn only_the_owner_promotes_demotes_and_transfers_and_must_transfer_before_leaving() {
        assert_eq!(decide(Promote, Owner, Member, false).unwrap().target_after, Some(Admin));
        assert!(decide(Promote, Admin, Member, false).is_err());
        assert_eq!(decide(Demote, Owner, Admin, false).unwrap().target_after, Some(Member));
        let transfer = decide(TransferOwnership, Owner, Member, false).unwrap();
        assert_eq!((transfer.target_after, transfer.actor_after), (Some(Owner), Some(Admin)));
        assert!(decide(TransferOwnership, Owner, Requested, false).is_err());
        assert!(decide(Leave, Owner, Owner, true).is_err());
        assert_eq!(decide(Leave, Member, Member, true).unwrap().member_delta, -1);
        assert_eq!(decide(Leave, Requested, Requested, true).unwrap().member_delta, 0, "a request withdrawn");
        assert!(decide(Leave, Banned, Banned, true).is_err());
        assert!(decide(Kick, Owner, Owner, true).is_err(), "no action but leave on yourself");
    }

    #[test]
    fn names_and_limits() {
        assert!(name("ab").is_err() && name("\u{200B}\u{200B}\u{200B}").is_err());
        assert_eq!(name("  Night Owls ").unwrap(), "Night Owls");
        assert!(max_members(Some(1)).is_err() && max_members(Some(MAX_MEMBERS + 1)).is_err());
        assert_eq!(max_members(None).unwrap(), DEFAULT_MAX_MEMBERS);
    }
}
