//! Apps table: one item per developer app (OAuth client), keyed by client id; the `byOwner` index
//! lists a developer's apps.

use super::s;
use crate::app::{App, Table};
use crate::domain::apps;
use crate::error::ApiError;

/// Writes a new app; a client id is random, so a clash means a bug, not a user error.
pub async fn create(app: &App, record: &apps::App) -> Result<(), ApiError> {
    app.db
        .put_item()
        .table_name(app.table(Table::APPS)?)
        .set_item(Some(serde_dynamo::to_item(record)?))
        .condition_expression("attribute_not_exists(clientId)")
        .send()
        .await?;
    Ok(())
}

/// The app with this client id; `None` for ids no app can have (empty, too long: DynamoDB would
/// refuse the key), without a read.
pub async fn get(app: &App, client_id: &str) -> Result<Option<apps::App>, ApiError> {
    if client_id.is_empty() || client_id.len() > 100 {
        return Ok(None);
    }
    let out = app.db.get_item().table_name(app.table(Table::APPS)?).key("clientId", s(client_id)).send().await?;
    Ok(out.item.map(serde_dynamo::from_item).transpose()?)
}

/// A developer's apps, newest first (the first 100).
pub async fn of_owner(app: &App, user_id: &str) -> Result<Vec<apps::App>, ApiError> {
    let out = app
        .db
        .query()
        .table_name(app.table(Table::APPS)?)
        .index_name("byOwner")
        .key_condition_expression("ownerUserId = :owner")
        .expression_attribute_values(":owner", s(user_id))
        .scan_index_forward(false)
        .limit(100)
        .send()
        .await?;
    Ok(serde_dynamo::from_items(out.items.unwrap_or_default())?)
}
