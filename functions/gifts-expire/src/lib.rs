//! Scheduled hourly: gifts left unanswered for 30 days expire, and each buyer gets back exactly
//! what was paid (`flows::gifts::expire`, the decline's money flow) and is told (`GiftExpired`).
//! A run takes at most `PER_RUN` gifts; the Waiting index keeps the rest for the next run.

use lambda_runtime::{Error, LambdaEvent};
use platform::store::gifts;
use platform::{flows, App};
use serde_json::{json, Value};

/// Gifts expired per run: well inside the function's timeout.
const PER_RUN: i32 = 100;

pub async fn handle(_event: LambdaEvent<Value>, app: &App) -> Result<Value, Error> {
    let due = gifts::expired(app, platform::clock::now_secs(), PER_RUN).await.map_err(|e| format!("{e:?}"))?;
    let (mut expired, mut failed) = (0, 0);
    for gift in &due {
        match flows::gifts::expire(app, gift).await {
            Ok(done) => expired += usize::from(done),
            Err(error) => {
                failed += 1;
                tracing::error!(?error, gift_id = %gift.gift_id, "a gift was not expired; the next run tries again");
            }
        }
    }
    tracing::info!(expired, failed, "expired unanswered gifts");
    Ok(json!({ "expired": expired, "failed": failed }))
}
