//! Groups table: per group a `meta` item (name, open, member limit and count, owner), one
//! `member#<userId>` item per player with a standing in it (role, since, last message read;
//! index `byUser` lists a player's groups), and a `name#<lowercase name>` claim that keeps names
//! unique. The member count lives on `meta`, so joining is capped in the join's transaction.

use super::{get_n, get_s, n, s, Item};
use crate::app::{App, Table};
use crate::domain::groups::Role;
use crate::error::ApiError;
use aws_sdk_dynamodb::types::{AttributeValue, ConditionCheck, Delete, Put, TransactWriteItem, Update};
use serde::Serialize;

const META: &str = "meta";
const BY_USER: &str = "byUser";

fn member_key(user_id: &str) -> String {
    format!("member#{user_id}")
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Group {
    pub group_id: String,
    pub name: String,
    pub description: String,
    pub open: bool,
    pub max_members: u32,
    pub member_count: u32,
    pub owner_id: String,
    pub created_at: String,
}

fn group_of(item: &Item) -> Option<Group> {
    Some(Group {
        group_id: get_s(item, "groupId")?.to_owned(),
        name: get_s(item, "name")?.to_owned(),
        description: get_s(item, "description").unwrap_or_default().to_owned(),
        open: item.get("open").and_then(|v| v.as_bool().ok()).copied().unwrap_or(false),
        max_members: get_n(item, "maxMembers").unwrap_or(0),
        member_count: get_n(item, "memberCount").unwrap_or(0),
        owner_id: get_s(item, "ownerId").unwrap_or_default().to_owned(),
        created_at: get_s(item, "createdAt").unwrap_or_default().to_owned(),
    })
}

/// The steps that create a group with its owner: the meta item, the name claim and the owner's
/// membership, each new.
pub fn create(app: &App, group: &Group) -> Result<Vec<TransactWriteItem>, ApiError> {
    let table = app.table(Table::GROUPS)?;
    let meta = Put::builder()
        .table_name(table)
        .item("groupId", s(&group.group_id))
        .item("sk", s(META))
        .item("name", s(&group.name))
        .item("description", s(&group.description))
        .item("open", AttributeValue::Bool(group.open))
        .item("maxMembers", n(group.max_members))
        .item("memberCount", n(1))
        .item("ownerId", s(&group.owner_id))
        .item("createdAt", s(&group.created_at))
        .condition_expression("attribute_not_exists(groupId)")
        .build()
        .map_err(ApiError::internal)?;
    let claim = Put::builder()
        .table_name(table)
        .item("groupId", s(format!("name#{}", group.name.to_lowercase())))
        .item("sk", s("claim"))
        .item("claimedBy", s(&group.group_id))
        .condition_expression("attribute_not_exists(groupId)")
        .build()
        .map_err(ApiError::internal)?;
    Ok(vec![
        TransactWriteItem::builder().put(meta).build(),
        TransactWriteItem::builder().put(claim).build(),
        put_member(app, &group.group_id, &group.owner_id, Role::Owner)?,
    ])
}

pub async fn get(app: &App, group_id: &str) -> Result<Option<Group>, ApiError> {
    let out = app
        .db
        .get_item()
        .table_name(app.table(Table::GROUPS)?)
        .key("groupId", s(group_id))
        .key("sk", s(META))
        .consistent_read(true)
        .send()
        .await?;
    Ok(out.item.as_ref().and_then(group_of))
}

/// A player's standing in a group, read consistently (transitions depend on it).
pub async fn role(app: &App, group_id: &str, user_id: &str) -> Result<Option<Role>, ApiError> {
    let out = app
        .db
        .get_item()
        .table_name(app.table(Table::GROUPS)?)
        .key("groupId", s(group_id))
        .key("sk", s(member_key(user_id)))
        .consistent_read(true)
        .send()
        .await?;
    Ok(out.item.as_ref().and_then(|i| get_s(i, "role")).and_then(Role::parse))
}

/// A new standing of a player who has none.
pub fn put_member(app: &App, group_id: &str, user_id: &str, role: Role) -> Result<TransactWriteItem, ApiError> {
    let put = Put::builder()
        .table_name(app.table(Table::GROUPS)?)
        .item("groupId", s(group_id))
        .item("sk", s(member_key(user_id)))
        .item("userId", s(user_id))
        .item("role", s(role.as_str()))
        .item("since", s(crate::clock::now_rfc3339()))
        .condition_expression("attribute_not_exists(sk)")
        .build()
        .map_err(ApiError::internal)?;
    Ok(TransactWriteItem::builder().put(put).build())
}

/// A standing moved from `from` to `to` (`None`: removed), if it still is `from`.
pub fn move_member(
    app: &App,
    group_id: &str,
    user_id: &str,
    from: Role,
    to: Option<Role>,
) -> Result<TransactWriteItem, ApiError> {
    let table = app.table(Table::GROUPS)?;
    Ok(match to {
        Some(to) => {
            let update = Update::builder()
                .table_name(table)
                .key("groupId", s(group_id))
                .key("sk", s(member_key(user_id)))
                .update_expression("SET #role = :to, since = :now")
                .condition_expression("#role = :from")
                .expression_attribute_names("#role", "role")
                .expression_attribute_values(":to", s(to.as_str()))
                .expression_attribute_values(":from", s(from.as_str()))
                .expression_attribute_values(":now", s(crate::clock::now_rfc3339()))
                .build()
                .map_err(ApiError::internal)?;
            TransactWriteItem::builder().update(update).build()
        }
        None => {
            let delete = Delete::builder()
                .table_name(table)
                .key("groupId", s(group_id))
                .key("sk", s(member_key(user_id)))
                .condition_expression("#role = :from")
                .expression_attribute_names("#role", "role")
                .expression_attribute_values(":from", s(from.as_str()))
                .build()
                .map_err(ApiError::internal)?;
            TransactWriteItem::builder().delete(delete).build()
        }
    })
}

/// Holds while the player is a member (owner, admin or member), or an admin when `admin`.
pub fn is_member(app: &App, group_id: &str, user_id: &str, admin: bool) -> Result<TransactWriteItem, ApiError> {
    let roles: &[Role] = if admin { &[Role::Owner, Role::Admin] } else { &[Role::Owner, Role::Admin, Role::Member] };
    let mut check = ConditionCheck::builder()
        .table_name(app.table(Table::GROUPS)?)
        .key("groupId", s(group_id))
        .key("sk", s(member_key(user_id)))
        .expression_attribute_names("#role", "role");
    let mut names = Vec::new();
    for (i, role) in roles.iter().enumerate() {
        names.push(format!(":r{i}"));
        check = check.expression_attribute_values(format!(":r{i}"), s(role.as_str()));
    }
    let check =
        check.condition_expression(format!("#role IN ({})", names.join(", "))).build().map_err(ApiError::internal)?;
    Ok(TransactWriteItem::builder().condition_check(check).build())
}

/// Holds while the player still has `role` (the role a decision was made on).
pub fn holds(app: &App, group_id: &str, user_id: &str, role: Role) -> Result<TransactWriteItem, ApiError> {
    let check = ConditionCheck::builder()
        .table_name(app.table(Table::GROUPS)?)
        .key("groupId", s(group_id))
        .key("sk", s(member_key(user_id)))
        .condition_expression("#role = :role")
        .expression_attribute_names("#role", "role")
        .expression_attribute_values(":role", s(role.as_str()))
        .build()
        .map_err(ApiError::internal)?;
    Ok(TransactWriteItem::builder().condition_check(check).build())
}

/// A member sending a message: they must be a member, and have read up to it.
pub fn sender_reads(app: &App, group_id: &str, user_id: &str, message_id: &str) -> Result<TransactWriteItem, ApiError> {
    let update = Update::builder()
        .table_name(app.table(Table::GROUPS)?)
        .key("groupId", s(group_id))
        .key("sk", s(member_key(user_id)))
        .update_expression("SET lastReadMessageId = :m")
        .condition_expression("#role IN (:owner, :admin, :member)")
        .expression_attribute_names("#role", "role")
        .expression_attribute_values(":m", s(message_id))
        .expression_attribute_values(":owner", s(Role::Owner.as_str()))
        .expression_attribute_values(":admin", s(Role::Admin.as_str()))
        .expression_attribute_values(":member", s(Role::Member.as_str()))
        .build()
        .map_err(ApiError::internal)?;
    Ok(TransactWriteItem::builder().update(update).build())
}

/// Adds `delta` to the member count; a rise is refused at the group's limit (and for a group
/// that no longer exists).
pub fn count(app: &App, group_id: &str, delta: i64) -> Result<TransactWriteItem, ApiError> {
    let mut update = Update::builder()
        .table_name(app.table(Table::GROUPS)?)
        .key("groupId", s(group_id))
        .key("sk", s(META))
        .update_expression("ADD memberCount :delta")
        .expression_attribute_values(":delta", n(delta));
    update = match delta > 0 {
        true => update.condition_expression("memberCount < maxMembers"),
        false => update.condition_expression("attribute_exists(groupId)"),
    };
    Ok(TransactWriteItem::builder().update(update.build().map_err(ApiError::internal)?).build())
}

/// The owner named on the group's meta item (a transfer changes it).
pub fn set_owner(app: &App, group_id: &str, from: &str, to: &str) -> Result<TransactWriteItem, ApiError> {
    let update = Update::builder()
        .table_name(app.table(Table::GROUPS)?)
        .key("groupId", s(group_id))
        .key("sk", s(META))
        .update_expression("SET ownerId = :to")
        .condition_expression("ownerId = :from")
        .expression_attribute_values(":to", s(to))
        .expression_attribute_values(":from", s(from))
        .build()
        .map_err(ApiError::internal)?;
    Ok(TransactWriteItem::builder().update(update).build())
}

/// One player's standing in a group, as listed.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Member {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub group_id: String,
    pub user_id: String,
    pub role: String,
    pub since: String,
    #[serde(skip)]
    pub last_read: Option<String>,
}

fn member_of(item: &Item) -> Option<Member> {
    Some(Member {
        group_id: String::new(),
        user_id: get_s(item, "userId")?.to_owned(),
        role: get_s(item, "role")?.to_owned(),
        since: get_s(item, "since").unwrap_or_default().to_owned(),
        last_read: get_s(item, "lastReadMessageId").map(str::to_owned),
    })
}

/// Everyone with a standing in a group (at most the member limit plus requests and bans).
pub async fn members(app: &App, group_id: &str) -> Result<Vec<Member>, ApiError> {
    let mut found = Vec::new();
    let mut start = None;
    loop {
        let out = app
            .db
            .query()
            .table_name(app.table(Table::GROUPS)?)
            .key_condition_expression("groupId = :g AND begins_with(sk, :member)")
            .expression_attribute_values(":g", s(group_id))
            .expression_attribute_values(":member", s("member#"))
            .set_exclusive_start_key(start)
            .send()
            .await?;
        found.extend(out.items().iter().filter_map(member_of));
        start = out.last_evaluated_key;
        if start.is_none() {
            return Ok(found);
        }
    }
}

/// The groups a player has a standing in, with it.
pub async fn of_player(app: &App, user_id: &str) -> Result<Vec<Member>, ApiError> {
    let out = app
        .db
        .query()
        .table_name(app.table(Table::GROUPS)?)
        .index_name(BY_USER)
        .key_condition_expression("userId = :u")
        .expression_attribute_values(":u", s(user_id))
        .send()
        .await?;
    Ok(out
        .items()
        .iter()
        .filter_map(|item| Some(Member { group_id: get_s(item, "groupId")?.to_owned(), ..member_of(item)? }))
        .collect())
}

/// Groups' meta items by id.
pub async fn many(app: &App, group_ids: &[String]) -> Result<Vec<Group>, ApiError> {
    let keys =
        group_ids.iter().map(|id| Item::from([("groupId".to_owned(), s(id)), ("sk".to_owned(), s(META))])).collect();
    Ok(super::batch_get(app, Table::GROUPS, keys, None).await?.iter().filter_map(group_of).collect())
}

/// Remembers the newest message a member has read (for unread counts).
pub async fn mark_read(app: &App, group_id: &str, user_id: &str, message_id: &str) -> Result<(), ApiError> {
    let result = app
        .db
        .update_item()
        .table_name(app.table(Table::GROUPS)?)
        .key("groupId", s(group_id))
        .key("sk", s(member_key(user_id)))
        .update_expression("SET lastReadMessageId = :m")
        .condition_expression(
            "attribute_exists(sk) AND (attribute_not_exists(lastReadMessageId) OR lastReadMessageId < :m)",
        )
        .expression_attribute_values(":m", s(message_id))
        .send()
        .await;
    super::applied(result).map(drop)
}
