//! Friendship transitions. Each reads the caller's side, then commits both sides (and the
//! counters, the block checks and the event) in one transaction conditioned on what it read; when
//! the other player moved first (they sent a request at the same moment) it reads again and takes
//! the transition from there. So mutual requests end as friends, never as two pending requests.

use super::transaction::retry_moved;
use super::{Step, Transaction, Verdict};
use crate::app::App;
use crate::domain::friends::{on_add, Add, Removal, State};
use crate::error::ApiError;
use crate::outbox;
use crate::store::friends::{self, Counter};
use serde_json::json;

/// Reads before giving up on a relation the other side keeps moving (a handful of clicks).
const ATTEMPTS: u32 = 5;

/// What a transition did and the caller's side after it (`None`: no relation left).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub transition: &'static str,
    pub state: Option<State>,
}

/// `me` adds `other`: a request, or the acceptance of theirs. `me_name` goes in the event.
pub async fn add(app: &App, me: &str, me_name: &str, other: &str) -> Result<Outcome, ApiError> {
    retry_moved(ATTEMPTS, "the relation", || async {
        let current = friends::relation(app, me, other).await.map_err(Verdict::Failed)?;
        let step = on_add(current);
        let outcome = match step {
            // Asked already, or friends: a block would have ended the relation, so none stands.
            Add::Unchanged(state) => return Ok(Outcome { transition: "unchanged", state: Some(state) }),
            Add::Request => Outcome { transition: "requested", state: Some(State::Sent) },
            Add::Accept => Outcome { transition: "accepted", state: Some(State::Friend) },
        };
        let tx = add_steps(app, me, me_name, other, step).map_err(Verdict::Failed)?;
        tx.commit(&app.db).await.map(|()| outcome)
    })
    .await
}

fn add_steps(app: &App, me: &str, me_name: &str, other: &str, step: Add) -> Result<Transaction, ApiError> {
    let mut tx = Transaction::new();
    tx.add(Step::NotBlockedBy, friends::not_blocked(app, other, me)?)
        .add(Step::NotBlocking, friends::not_blocked(app, me, other)?);
    match step {
        Add::Request => {
            let event =
                outbox::Entry::event("FriendRequestSent", other, json!({ "fromUserId": me, "fromUsername": me_name }));
            tx.add(Step::Relation, friends::put_side(app, me, other, State::Sent)?)
                .add(Step::Relation, friends::put_side(app, other, me, State::Received)?)
                .add(Step::PendingRequestLimit, friends::count(app, me, &[(Counter::PendingSent, 1)])?)
                .add(Step::OutboxEntry, event.put(app)?);
        }
        Add::Accept => {
            let event =
                outbox::Entry::event("FriendRequestAccepted", other, json!({ "byUserId": me, "byUsername": me_name }));
            tx.add(Step::Relation, friends::move_side(app, me, other, State::Received, State::Friend)?)
                .add(Step::Relation, friends::move_side(app, other, me, State::Sent, State::Friend)?)
                .add(Step::FriendLimit, friends::count(app, me, &[(Counter::Friends, 1)])?)
                .add(
                    Step::FriendLimit,
                    friends::count(app, other, &[(Counter::Friends, 1), (Counter::PendingSent, -1)])?,
                )
                .add(Step::OutboxEntry, event.put(app)?);
        }
        Add::Unchanged(_) => {}
    }
    Ok(tx)
}

/// The steps that end a relation whose `me` side holds `state`, with the counters it held.
fn end(app: &App, tx: &mut Transaction, me: &str, other: &str, state: State) -> Result<(), ApiError> {
    tx.add(Step::Relation, friends::delete_side(app, me, other, state)?)
        .add(Step::Relation, friends::delete_side(app, other, me, state.mirrored())?);
    match state {
        State::Sent => tx.add(Step::PendingRequestLimit, friends::count(app, me, &[(Counter::PendingSent, -1)])?),
        State::Received => {
            tx.add(Step::PendingRequestLimit, friends::count(app, other, &[(Counter::PendingSent, -1)])?)
        }
        State::Friend => tx
            .add(Step::FriendLimit, friends::count(app, me, &[(Counter::Friends, -1)])?)
            .add(Step::FriendLimit, friends::count(app, other, &[(Counter::Friends, -1)])?),
    };
    Ok(())
}

/// `me` ends the relation with `other`: cancels a request, declines one, or unfriends.
pub async fn remove(app: &App, me: &str, other: &str) -> Result<Outcome, ApiError> {
    retry_moved(ATTEMPTS, "the relation", || async {
        let current = friends::relation(app, me, other).await.map_err(Verdict::Failed)?;
        let Some(state) = current else {
            return Err(Verdict::Refused(ApiError::NotFound {
                code: "no_relation",
                what: format!("a friendship or request with player {other}"),
            }));
        };
        let mut tx = Transaction::new();
        end(app, &mut tx, me, other, state).map_err(Verdict::Failed)?;
        tx.commit(&app.db).await.map(|()| Outcome { transition: Removal::of(state).as_str(), state: None })
    })
    .await
}

/// `me` blocks `other`: the block and the end of any relation between them, in one transaction,
/// so a blocked player is never left a friend or a pending request.
pub async fn block(app: &App, me: &str, other: &str) -> Result<Outcome, ApiError> {
    retry_moved(ATTEMPTS, "the relation", || async {
        let current = friends::relation(app, me, other).await.map_err(Verdict::Failed)?;
        let built = || -> Result<Transaction, ApiError> {
            let mut tx = Transaction::new();
            tx.add(Step::Block, friends::put_block(app, me, other)?);
            match current {
                Some(state) => end(app, &mut tx, me, other, state)?,
                // A request that lands first makes this read again and end it.
                None => {
                    tx.add(Step::Relation, friends::absent(app, me, other)?);
                }
            }
            Ok(tx)
        };
        let tx = built().map_err(Verdict::Failed)?;
        tx.commit(&app.db).await.map(|()| Outcome { transition: "blocked", state: None })
    })
    .await
}

/// Whose list is read: the owner's own (every state, with friends' presence) or someone else's
/// (friends only). Names show as each listed player's privacy allows the owner (a friend) or a
/// stranger: never for a private player, so sending a request reveals no hidden name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reader {
    Owner,
    Other,
}

/// One page of a player's relations as `reader` sees them.
pub async fn listing(
    app: &App,
    owner: &str,
    state: Option<&str>,
    reader: Reader,
    cursor: Option<&str>,
    limit: i32,
) -> Result<(Vec<serde_json::Value>, Option<String>), ApiError> {
    let state = if reader == Reader::Other { Some(State::Friend.as_str()) } else { state };
    let (sides, next) = friends::page(app, owner, state, cursor, limit).await?;
    let ids: Vec<String> = sides.iter().map(|side| side.user_id.clone()).collect();
    let friend_ids: Vec<String> = sides.iter().filter(|s| s.state == "friend").map(|s| s.user_id.clone()).collect();
    let presence_of = async {
        match reader {
            Reader::Owner => crate::store::presence::get_many(app, &friend_ids).await,
            Reader::Other => Ok(Default::default()),
        }
    };
    let (profiles, presence) = tokio::try_join!(crate::store::accounts::profiles(app, &ids), presence_of)?;
    let now = crate::clock::now_secs();
    let entries = sides
        .iter()
        .map(|side| {
            let mut entry = json!({ "userId": side.user_id, "state": side.state, "since": side.since });
            let Some((username, profile)) = profiles.get(&side.user_id) else { return entry };
            let is_friend = side.state == "friend" && reader == Reader::Owner;
            if let Some(shown) = profile.seen_by_others(is_friend) {
                entry["username"] = json!(username);
                entry["displayName"] = json!(shown.display_name);
                entry["avatarUrl"] = json!(shown.avatar_url);
            }
            if is_friend && crate::domain::friends::may_see(profile.privacy, false, true) {
                let view = crate::domain::presence::View::of(presence.get(&side.user_id), now);
                entry["presence"] = json!(view);
            }
            entry
        })
        .collect();
    Ok((entries, next))
}
