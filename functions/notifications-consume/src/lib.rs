//! SQS consumer of the notifications queue (fed by an EventBridge rule): stores each once, then
//! pushes it, and for money events the new balance, to the player's open sockets. The pushes are
//! best effort (the notification stays readable over HTTP) and repeat on a redelivery, so a client
//! tells them apart by `notificationId`.

use aws_lambda_events::sqs::SqsMessage;
use platform::store::{connections, notifications, wallet};
use platform::{queue, sockets, ApiError, App};
use serde_json::json;

/// Events that move a player's gems.
const MONEY_EVENTS: [&str; 4] = ["CurrencyPurchased", "PullCompleted", "GamePurchased", "GameRefunded"];

pub async fn handle(record: SqsMessage, app: &App) -> Result<(), ApiError> {
    let event: serde_json::Value = queue::body(&record)?;
    let stored = notifications::store(app, &event).await?;
    let detail_type = event["detail-type"].as_str().unwrap_or_default();
    tracing::info!(new = stored.new, %detail_type, "notification stored");
    let frame = json!({ "type": "notification", "notification": stored.notification });
    if let Err(error) = push(app, &stored.user_id, &frame, MONEY_EVENTS.contains(&detail_type), detail_type).await {
        tracing::warn!(?error, "socket push failed; the notification is stored");
    }
    Ok(())
}

/// One query for the player's connections; the balance is read only if someone is listening.
async fn push(app: &App, user_id: &str, frame: &serde_json::Value, money: bool, cause: &str) -> Result<(), ApiError> {
    let listening = connections::of_player(app, user_id).await?;
    if listening.is_empty() {
        return Ok(());
    }
    let mut frames = vec![frame.clone()];
    if money {
        let balance = wallet::balance(app, user_id).await?;
        frames.push(json!({ "type": "balance", "currencyBalance": balance, "cause": cause }));
    }
    for frame in &frames {
        sockets::push_each(app, &listening, frame).await;
    }
    Ok(())
}
