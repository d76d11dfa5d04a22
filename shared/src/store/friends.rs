//! Friends table: one item per side of a relation (`userId`, `otherUserId`, `state`, `since`), and
//! per player a counts item (its own partition, `counts#<userId>`, so it never shows in a list)
//! that caps pending requests and friends inside the same transaction as the change.

use super::{get_s, n, s, Filter, Item};
use crate::app::{App, Table};
use crate::domain::friends::State;
use crate::error::ApiError;
use aws_sdk_dynamodb::types::{ConditionCheck, Delete, Put, TransactWriteItem, Update};

/// A counter in a player's counts item.
#[derive(Debug, Clone, Copy)]
pub enum Counter {
    /// Requests the player sent that wait for an answer.
    PendingSent,
    Friends,
}

impl Counter {
    fn cap(self) -> u64 {
        match self {
            Counter::PendingSent => crate::domain::friends::MAX_PENDING_SENT,
            Counter::Friends => crate::domain::friends::MAX_FRIENDS,
        }
    }

    fn attribute(self) -> &'static str {
        match self {
            Counter::PendingSent => "pendingSent",
            Counter::Friends => "friends",
        }
    }
}

/// The caller's side of a relation, read consistently (the transition depends on it).
pub async fn relation(app: &App, owner: &str, other: &str) -> Result<Option<State>, ApiError> {
    let out = app
        .db
        .get_item()
        .table_name(app.table(Table::FRIENDS)?)
        .key("userId", s(owner))
        .key("otherUserId", s(other))
        .consistent_read(true)
        .send()
        .await?;
    Ok(out.item.as_ref().and_then(|i| get_s(i, "state")).and_then(State::parse))
}

/// Whether `viewer` (if anyone is signed in) is a friend of `user_id`.
pub async fn is_friend(app: &App, viewer: Option<&str>, user_id: &str) -> Result<bool, ApiError> {
    match viewer {
        Some(viewer) => Ok(relation(app, viewer, user_id).await? == Some(State::Friend)),
        None => Ok(false),
    }
}

/// A new side of a relation, if that side holds none.
pub fn put_side(app: &App, owner: &str, other: &str, state: State) -> Result<TransactWriteItem, ApiError> {
    let put = Put::builder()
        .table_name(app.table(Table::FRIENDS)?)
        .item("userId", s(owner))
        .item("otherUserId", s(other))
        .item("state", s(state.as_str()))
        .item("since", s(crate::clock::now_rfc3339()))
        .condition_expression("attribute_not_exists(otherUserId)")
        .build()
        .map_err(ApiError::internal)?;
    Ok(TransactWriteItem::builder().put(put).build())
}

/// Holds while the owner's side of a relation is still absent.
pub fn absent(app: &App, owner: &str, other: &str) -> Result<TransactWriteItem, ApiError> {
    let check = ConditionCheck::builder()
        .table_name(app.table(Table::FRIENDS)?)
        .key("userId", s(owner))
        .key("otherUserId", s(other))
        .condition_expression("attribute_not_exists(otherUserId)")
        .build()
        .map_err(ApiError::internal)?;
    Ok(TransactWriteItem::builder().condition_check(check).build())
}

/// Holds while the owner's side of a relation is `state` (a gift goes to a friend only).
pub fn holds(app: &App, owner: &str, other: &str, state: State) -> Result<TransactWriteItem, ApiError> {
    let check = ConditionCheck::builder()
        .table_name(app.table(Table::FRIENDS)?)
        .key("userId", s(owner))
        .key("otherUserId", s(other))
        .condition_expression("#state = :state")
        .expression_attribute_names("#state", "state")
        .expression_attribute_values(":state", s(state.as_str()))
        .build()
        .map_err(ApiError::internal)?;
    Ok(TransactWriteItem::builder().condition_check(check).build())
}

/// A side moved from `from` to `to`, if it still holds `from`.
pub fn move_side(app: &App, owner: &str, other: &str, from: State, to: State) -> Result<TransactWriteItem, ApiError> {
    let update = Update::builder()
        .table_name(app.table(Table::FRIENDS)?)
        .key("userId", s(owner))
        .key("otherUserId", s(other))
        .update_expression("SET #state = :to, since = :now")
        .condition_expression("#state = :from")
        .expression_attribute_names("#state", "state")
        .expression_attribute_values(":to", s(to.as_str()))
        .expression_attribute_values(":from", s(from.as_str()))
        .expression_attribute_values(":now", s(crate::clock::now_rfc3339()))
        .build()
        .map_err(ApiError::internal)?;
    Ok(TransactWriteItem::builder().update(update).build())
}

/// A side deleted, if it still holds `state`.
pub fn delete_side(app: &App, owner: &str, other: &str, state: State) -> Result<TransactWriteItem, ApiError> {
    let delete = Delete::builder()
        .table_name(app.table(Table::FRIENDS)?)
        .key("userId", s(owner))
        .key("otherUserId", s(other))
        .condition_expression("#state = :state")
        .expression_attribute_names("#state", "state")
        .expression_attribute_values(":state", s(state.as_str()))
        .build()
        .map_err(ApiError::internal)?;
    Ok(TransactWriteItem::builder().delete(delete).build())
}

/// Adds to a player's counters in one update (a transaction may touch an item once); each rise
/// is refused at its cap.
pub fn count(app: &App, owner: &str, changes: &[(Counter, i64)]) -> Result<TransactWriteItem, ApiError> {
    let mut update = Update::builder()
        .table_name(app.table(Table::FRIENDS)?)
        .key("userId", s(format!("counts#{owner}")))
        .key("otherUserId", s("-"));
    let (mut adds, mut caps) = (Vec::new(), Vec::new());
    for (i, (counter, delta)) in changes.iter().enumerate() {
        adds.push(format!("#c{i} :d{i}"));
        update = update
            .expression_attribute_names(format!("#c{i}"), counter.attribute())
            .expression_attribute_values(format!(":d{i}"), n(delta));
        if *delta > 0 {
            caps.push(format!("(attribute_not_exists(#c{i}) OR #c{i} < :max{i})"));
            update = update.expression_attribute_values(format!(":max{i}"), n(counter.cap()));
        }
    }
    update = update.update_expression(format!("ADD {}", adds.join(", ")));
    if !caps.is_empty() {
        update = update.condition_expression(caps.join(" AND "));
    }
    Ok(TransactWriteItem::builder().update(update.build().map_err(ApiError::internal)?).build())
}

/// Holds only while `blocker` has not blocked `blocked` (the Blocks table is the one block rule
/// for chat and friends).
pub fn not_blocked(app: &App, blocker: &str, blocked: &str) -> Result<TransactWriteItem, ApiError> {
    let check = ConditionCheck::builder()
        .table_name(app.table(Table::BLOCKS)?)
        .key("userId", s(blocker))
        .key("blockedUserId", s(blocked))
        .condition_expression("attribute_not_exists(userId)")
        .build()
        .map_err(ApiError::internal)?;
    Ok(TransactWriteItem::builder().condition_check(check).build())
}

/// The block item, as a transaction step (unconditional: blocking twice is blocking).
pub fn put_block(app: &App, blocker: &str, blocked: &str) -> Result<TransactWriteItem, ApiError> {
    let put = Put::builder()
        .table_name(app.table(Table::BLOCKS)?)
        .item("userId", s(blocker))
        .item("blockedUserId", s(blocked))
        .item("createdAt", s(crate::clock::now_rfc3339()))
        .build()
        .map_err(ApiError::internal)?;
    Ok(TransactWriteItem::builder().put(put).build())
}

pub async fn unblock(app: &App, blocker: &str, blocked: &str) -> Result<(), ApiError> {
    app.db
        .delete_item()
        .table_name(app.table(Table::BLOCKS)?)
        .key("userId", s(blocker))
        .key("blockedUserId", s(blocked))
        .send()
        .await?;
    Ok(())
}

/// One side of a relation as its owner lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Side {
    pub user_id: String,
    /// `friend`, `sent`, `received`, or `blocked` (from the Blocks table).
    pub state: String,
    pub since: String,
}

fn side_of(item: &Item, other_key: &str, state: Option<&str>, since_key: &str) -> Option<Side> {
    Some(Side {
        user_id: get_s(item, other_key)?.to_owned(),
        state: state.or_else(|| get_s(item, "state"))?.to_owned(),
        since: get_s(item, since_key).unwrap_or_default().to_owned(),
    })
}

/// One page of a player's relations, optionally in one state (`blocked` pages the Blocks table).
pub async fn page(
    app: &App,
    owner: &str,
    state: Option<&str>,
    cursor: Option<&str>,
    limit: i32,
) -> Result<(Vec<Side>, Option<String>), ApiError> {
    if state == Some("blocked") {
        let (items, next) =
            super::page_of(app, Table::BLOCKS, ("userId", owner), ("blockedUserId", false), cursor, limit).await?;
        let sides = items.iter().filter_map(|i| side_of(i, "blockedUserId", Some("blocked"), "createdAt")).collect();
        return Ok((sides, next));
    }
    let filter = state.map(|state| Filter {
        expression: "#state = :state".into(),
        names: vec![("#state".into(), "state".into())],
        values: vec![(":state".into(), s(state))],
    });
    let (items, next) = super::page_matching(
        app,
        Table::FRIENDS,
        ("userId", owner),
        ("otherUserId", false),
        cursor,
        limit,
        filter.as_ref(),
    )
    .await?;
    Ok((items.iter().filter_map(|i| side_of(i, "otherUserId", None, "since")).collect(), next))
}

/// Every friend of a player (at most `MAX_FRIENDS`, so a few pages), for pushes.
pub async fn all_friends(app: &App, owner: &str) -> Result<Vec<String>, ApiError> {
    let mut friends = Vec::new();
    let mut cursor = None;
    loop {
        let (sides, next) = page(app, owner, Some(State::Friend.as_str()), cursor.as_deref(), 500).await?;
        friends.extend(sides.into_iter().map(|side| side.user_id));
        match next {
            Some(next) => cursor = Some(next),
            None => return Ok(friends),
        }
    }
}
