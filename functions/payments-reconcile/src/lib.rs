//! Scheduled: credits gem purchases whose charge succeeded but whose invocation died before the
//! credit, and forgets claims whose charge never happened.

use lambda_runtime::{Error, LambdaEvent};
use platform::payments::{reconcile, SandboxProvider};
use platform::App;
use serde_json::{json, Value};

pub async fn handle(_event: LambdaEvent<Value>, app: &App) -> Result<Value, Error> {
    let credited = reconcile(app, &SandboxProvider { app }).await.map_err(|e| format!("{e:?}"))?;
    tracing::info!(credited, "reconciled abandoned gem purchases");
    Ok(json!({ "credited": credited }))
}
