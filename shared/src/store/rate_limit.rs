//! Fixed-window counters with TTL, for login throttling (and any other per-key limit).

use super::{get_n, n, s};
use crate::app::{App, Table};
use crate::error::ApiError;
use aws_sdk_dynamodb::types::KeysAndAttributes;

#[derive(Debug, Clone, Copy)]
pub struct Limit {
    pub max: u32,
    pub window_secs: u64,
}

fn window_key(scope: &str, limit: Limit, now: u64) -> (String, u64) {
    let window = now / limit.window_secs;
    (format!("{scope}#{window}"), (window + 1) * limit.window_secs)
}

/// 429 with the seconds left in the window if any scope has reached its limit.
pub async fn check(app: &App, scopes: &[(String, Limit)]) -> Result<(), ApiError> {
    let now = crate::clock::now_secs();
    let table = app.table(Table::RATE_LIMITS)?;
    let mut keys = KeysAndAttributes::builder();
    let mut windows = Vec::new();
    for (scope, limit) in scopes {
        let (key, ends) = window_key(scope, *limit, now);
        keys = keys.keys([("key".to_string(), s(&key))].into());
        windows.push((key, *limit, ends));
    }
    let out = app
        .db
        .batch_get_item()
        .request_items(table, keys.consistent_read(true).build().map_err(ApiError::internal)?)
        .send()
        .await?;
    let found = out.responses.and_then(|mut r| r.remove(table)).unwrap_or_default();
    for item in found {
        let count: u32 = get_n(&item, "count").unwrap_or(0);
        let key = super::get_s(&item, "key").unwrap_or_default();
        if let Some((_, limit, ends)) = windows.iter().find(|(k, _, _)| k == key) {
            if count >= limit.max {
                return Err(ApiError::TooManyRequests { retry_after_secs: ends.saturating_sub(now).max(1) });
            }
        }
    }
    Ok(())
}

/// Counts one event against each scope's current window.
pub async fn record(app: &App, scopes: &[(String, Limit)]) -> Result<(), ApiError> {
    let now = crate::clock::now_secs();
    let table = app.table(Table::RATE_LIMITS)?;
    for (scope, limit) in scopes {
        let (key, ends) = window_key(scope, *limit, now);
        app.db
            .update_item()
            .table_name(table)
            .key("key", s(key))
            .update_expression("ADD #c :one SET expiresAt = :exp")
            .expression_attribute_names("#c", "count")
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":exp", n(ends + 60))
            .send()
            .await?;
    }
    Ok(())
}

/// Counts one event and refuses it (429) if the window is already full, atomically.
pub async fn consume(app: &App, scope: &str, limit: Limit) -> Result<(), ApiError> {
    let now = crate::clock::now_secs();
    let (key, ends) = window_key(scope, limit, now);
    let result = app
        .db
        .update_item()
        .table_name(app.table(Table::RATE_LIMITS)?)
        .key("key", s(key))
        .update_expression("ADD #c :one SET expiresAt = :exp")
        .condition_expression("attribute_not_exists(#c) OR #c < :max")
        .expression_attribute_names("#c", "count")
        .expression_attribute_values(":one", n(1))
        .expression_attribute_values(":max", n(limit.max))
        .expression_attribute_values(":exp", n(ends + 60))
        .send()
        .await;
    match result {
        Ok(_) => Ok(()),
        Err(err) if super::condition_failed(&err) => {
            Err(ApiError::TooManyRequests { retry_after_secs: ends.saturating_sub(now).max(1) })
        }
        Err(err) => Err(err.into()),
    }
}
