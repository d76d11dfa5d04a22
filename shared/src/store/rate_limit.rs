//! Fixed-window counters with TTL: login and registration throttling, the chat send limit.
//!
//! A request takes its slot *before* doing the work, with one conditional update per scope
//! (`count < max`, then `count + 1`): twenty requests at once can never all pass a limit of five,
//! as they could if the limit were checked and the attempt recorded in two steps.

use super::{n, s};
use crate::app::{App, Table};
use crate::error::ApiError;

#[derive(Debug, Clone, Copy)]
pub struct Limit {
    pub max: u32,
    pub window_secs: u64,
}

/// A limit applied to one key (an account, a source IP, a sender).
#[derive(Debug, Clone)]
pub struct Scope {
    pub key: String,
    pub limit: Limit,
}

impl Scope {
    pub fn new(key: impl Into<String>, limit: Limit) -> Scope {
        Scope { key: key.into(), limit }
    }

    /// This window's counter key and when the window ends.
    fn window(&self, now: u64) -> (String, u64) {
        let window = now / self.limit.window_secs;
        (format!("{}#{window}", self.key), (window + 1) * self.limit.window_secs)
    }
}

/// A counted allowance taken inside a transaction (refunds per month): one more use of `key`,
/// if it has had fewer than `max`; the counter expires at `expires_at` (epoch seconds).
pub fn allowance_use(
    app: &App,
    key: &str,
    max: u32,
    expires_at: u64,
) -> Result<aws_sdk_dynamodb::types::TransactWriteItem, ApiError> {
    let update = aws_sdk_dynamodb::types::Update::builder()
        .table_name(app.table(Table::RATE_LIMITS)?)
        .key("key", s(key))
        .update_expression("ADD #c :one SET expiresAt = :exp")
        .condition_expression("attribute_not_exists(#c) OR #c < :max")
        .expression_attribute_names("#c", "count")
        .expression_attribute_values(":one", n(1))
        .expression_attribute_values(":max", n(max))
        .expression_attribute_values(":exp", n(expires_at))
        .build()
        .map_err(ApiError::internal)?;
    Ok(aws_sdk_dynamodb::types::TransactWriteItem::builder().update(update).build())
}

/// Slots taken in the current windows; `give_back` returns them (a login that succeeded).
#[must_use]
pub struct Taken {
    counters: Vec<String>,
}

/// Takes one slot in every scope, or none: a refused scope answers 429 with the seconds left in
/// its window, and the slots already taken for this request are given back.
pub async fn take(app: &App, scopes: &[Scope]) -> Result<Taken, ApiError> {
    let now = crate::clock::now_secs();
    let mut taken = Taken { counters: Vec::new() };
    for scope in scopes {
        let (counter, ends) = scope.window(now);
        let result = app
            .db
            .update_item()
            .table_name(app.table(Table::RATE_LIMITS)?)
            .key("key", s(&counter))
            .update_expression("ADD #c :one SET expiresAt = :exp")
            .condition_expression("attribute_not_exists(#c) OR #c < :max")
            .expression_attribute_names("#c", "count")
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":max", n(scope.limit.max))
            .expression_attribute_values(":exp", n(ends + 60))
            .send()
            .await;
        match result {
            Ok(_) => taken.counters.push(counter),
            Err(err) => {
                taken.give_back(app).await?;
                return Err(if super::condition_failed(&err) {
                    ApiError::TooManyRequests { retry_after_secs: ends.saturating_sub(now).max(1) }
                } else {
                    err.into()
                });
            }
        }
    }
    Ok(taken)
}

impl Taken {
    pub async fn give_back(self, app: &App) -> Result<(), ApiError> {
        for counter in self.counters {
            let result = app
                .db
                .update_item()
                .table_name(app.table(Table::RATE_LIMITS)?)
                .key("key", s(counter))
                .update_expression("ADD #c :minus_one")
                .condition_expression("attribute_exists(#c)")
                .expression_attribute_names("#c", "count")
                .expression_attribute_values(":minus_one", n(-1))
                .send()
                .await;
            // A counter already expired has nothing to give back to.
            super::applied(result)?;
        }
        Ok(())
    }
}
