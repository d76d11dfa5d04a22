//! Scheduled: sends domain events and delivery jobs whose dispatch after commit failed.

use lambda_runtime::{Error, LambdaEvent};
use platform::App;
use serde_json::{json, Value};

pub async fn handle(_event: LambdaEvent<Value>, app: &App) -> Result<Value, Error> {
    let sent = platform::outbox::relay(app).await.map_err(|e| format!("{e:?}"))?;
    tracing::info!(sent, "relayed outbox entries");
    Ok(json!({ "sent": sent }))
}
