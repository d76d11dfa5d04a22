//! Scheduled (every minute): announces each sale that has started since the last run and was
//! not announced at scheduling (it was set to start later): a `GameDiscounted` event written in
//! the same transaction that marks the sale announced, so it is announced once. The
//! notifications consumer alerts the game's wishlisters.

use lambda_runtime::{Error, LambdaEvent};
use platform::{clock, flows, App};
use serde_json::{json, Value};

pub async fn handle(_event: LambdaEvent<Value>, app: &App) -> Result<Value, Error> {
    let games = flows::sales::announce_started(app, clock::now_secs()).await.map_err(|e| format!("{e:?}"))?;
    tracing::info!(games, "sales announced");
    Ok(json!({ "games": games }))
}
