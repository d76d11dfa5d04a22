//! Group membership changes. Each reads the standings it depends on, decides with
//! `domain::groups::decide`, and commits the standings, the member count and the owner in one
//! transaction conditioned on what it read; when another change landed first it reads again.
//! So a group at its limit admits exactly as many joiners as it has places.

use super::transaction::retry_moved;
use super::{Step, Transaction, Verdict};
use crate::app::App;
use crate::domain::groups::{decide, Action, Change, Role};
use crate::error::ApiError;
use crate::store::groups::{self, Group};
use serde_json::json;

/// Reads before giving up on standings that keep moving.
const ATTEMPTS: u32 = 8;

fn unknown(group_id: &str) -> ApiError {
    ApiError::NotFound { code: "unknown_group", what: format!("group {group_id}") }
}

pub async fn create(
    app: &App,
    owner: &str,
    name: &str,
    description: &str,
    open: bool,
    max: u32,
) -> Result<Group, ApiError> {
    let group = Group {
        group_id: crate::store::new_id(),
        name: name.to_owned(),
        description: description.to_owned(),
        open,
        max_members: max,
        member_count: 1,
        owner_id: owner.to_owned(),
        created_at: crate::clock::now_rfc3339(),
    };
    let mut tx = Transaction::new();
    let [meta, claim, membership]: [_; 3] =
        groups::create(app, &group)?.try_into().map_err(|_| ApiError::internal("three creation steps"))?;
    tx.add(Step::GroupMeta, meta).add(Step::GroupNameClaim, claim).add(Step::Membership, membership);
    tx.commit(&app.db).await?;
    Ok(group)
}

/// What joining did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Joined {
    /// An open group: a member now.
    Member,
    /// A closed group: the request waits for an admin.
    Requested,
    /// Already a member or already asked: nothing changed.
    Unchanged(Role),
}

pub async fn join(app: &App, group_id: &str, user_id: &str) -> Result<(Joined, Group), ApiError> {
    retry_moved(ATTEMPTS, "the group", || async {
        let (group, role) = tokio::try_join!(groups::get(app, group_id), groups::role(app, group_id, user_id))
            .map_err(Verdict::Failed)?;
        let group = group.ok_or_else(|| Verdict::Refused(unknown(group_id)))?;
        let joined = match role {
            Some(Role::Banned) => return Err(Verdict::Refused(ApiError::Forbidden("you are banned from this group"))),
            Some(role) => return Ok((Joined::Unchanged(role), group)),
            None if group.open => Joined::Member,
            None => Joined::Requested,
        };
        let built = || -> Result<Transaction, ApiError> {
            let mut tx = Transaction::new();
            match joined {
                Joined::Member => tx
                    .add(Step::Membership, groups::put_member(app, group_id, user_id, Role::Member)?)
                    .add(Step::MemberSlot, groups::count(app, group_id, 1)?),
                _ => tx.add(Step::Membership, groups::put_member(app, group_id, user_id, Role::Requested)?),
            };
            Ok(tx)
        };
        built().map_err(Verdict::Failed)?.commit(&app.db).await.map(|()| (joined, group.clone()))
    })
    .await
}

/// `actor` does `action` to `target` (themselves for `Leave`). Returns the change made.
pub async fn manage(app: &App, group_id: &str, actor: &str, target: &str, action: Action) -> Result<Change, ApiError> {
    let on_self = actor == target;
    retry_moved(ATTEMPTS, "the group", || async {
        let (group, actor_role, target_role) = tokio::try_join!(
            groups::get(app, group_id),
            groups::role(app, group_id, actor),
            groups::role(app, group_id, target)
        )
        .map_err(Verdict::Failed)?;
        if group.is_none() {
            return Err(Verdict::Refused(unknown(group_id)));
        }
        let actor_role =
            actor_role.ok_or(Verdict::Refused(ApiError::Forbidden("you are not a member of this group")))?;
        let target_role = target_role.ok_or(Verdict::Refused(ApiError::NotFound {
            code: "not_a_member",
            what: format!("player {target} in group {group_id}"),
        }))?;
        let change = decide(action, actor_role, target_role, on_self).map_err(Verdict::Refused)?;
        let built = || -> Result<Transaction, ApiError> {
            let mut tx = Transaction::new();
            tx.add(Step::Membership, groups::move_member(app, group_id, target, target_role, change.target_after)?);
            if !on_self && change.actor_after != Some(actor_role) {
                tx.add(Step::Membership, groups::move_member(app, group_id, actor, actor_role, change.actor_after)?);
                tx.add(Step::Membership, groups::set_owner(app, group_id, actor, target)?);
            } else if !on_self {
                // The actor must still hold the role the decision was made on.
                tx.add(Step::Membership, groups::holds(app, group_id, actor, actor_role)?);
            }
            if change.member_delta != 0 {
                tx.add(Step::MemberSlot, groups::count(app, group_id, change.member_delta)?);
            }
            Ok(tx)
        };
        built().map_err(Verdict::Failed)?.commit(&app.db).await.map(|()| change)
    })
    .await
}

/// Tells a player's sockets their standing in a group changed (best effort).
pub async fn announce(app: &App, user_id: &str, group_id: &str, event: &str, role: Option<Role>) {
    let frame = json!({ "type": "group", "groupId": group_id, "event": event, "role": role.map(Role::as_str) });
    match crate::store::connections::of_player(app, user_id).await {
        Ok(listening) => {
            crate::sockets::push_each(app, &listening, &frame).await;
        }
        Err(error) => tracing::warn!(?error, "group push skipped"),
    }
}
