//! Scheduled: sends domain events and delivery jobs whose dispatch after commit failed.
//! Invoked by hand with `{"olderThanSeconds": 0}` it flushes the whole outbox at once.

use lambda_runtime::{Error, LambdaEvent};
use platform::App;
use serde_json::{json, Value};

pub async fn handle(event: LambdaEvent<Value>, app: &App) -> Result<Value, Error> {
    let older_than = event.payload["olderThanSeconds"].as_u64().unwrap_or(platform::outbox::RELAY_AFTER_SECS);
    let sent = platform::outbox::relay(app, older_than).await.map_err(|e| format!("{e:?}"))?;
    tracing::info!(sent, "relayed outbox entries");
    Ok(json!({ "sent": sent }))
}
