//! SQS consumer of the notifications queue (fed by an EventBridge rule): stores each once, then
//! pushes it, and for money events the new balance, to the player's open sockets. The pushes are
//! best effort (the notification stays readable over HTTP) and repeat on a redelivery, so a client
//! tells them apart by `notificationId`.
//!
//! `GameDiscounted` fans out: every wishlister of the game gets one notification (the sale, or
//! their target price reached), keyed by the event's id, so a redelivered event adds none.

use aws_lambda_events::sqs::SqsMessage;
use futures::StreamExt;
use platform::store::{connections, notifications, wallet, wishlist};
use platform::{queue, sockets, ApiError, App};
use serde_json::json;

/// Wishlisters told at once while fanning out a sale.
const FAN_OUT: usize = 16;

/// Events that move a player's gems.
const MONEY_EVENTS: [&str; 4] = ["CurrencyPurchased", "PullCompleted", "GamePurchased", "GameRefunded"];

pub async fn handle(record: SqsMessage, app: &App) -> Result<(), ApiError> {
    let event: serde_json::Value = queue::body(&record)?;
    let (detail_type, detail) = notifications::parts(&event)?;
    if detail_type == "GameDiscounted" {
        return alert_wishlisters(app, detail).await;
    }
    let stored = notifications::store(app, &event).await?;
    tracing::info!(new = stored.new, %detail_type, "notification stored");
    announce(app, &stored, MONEY_EVENTS.contains(&detail_type), detail_type).await;
    Ok(())
}

/// Pushes a stored notification to the player's sockets, best effort.
async fn announce(app: &App, stored: &notifications::Stored, money: bool, cause: &str) {
    let frame = json!({ "type": "notification", "notification": stored.notification });
    if let Err(error) = push(app, &stored.user_id, &frame, money, cause).await {
        tracing::warn!(?error, "socket push failed; the notification is stored");
    }
}

/// One notification per wishlister of the discounted game, a page of the `ByGame` index at a
/// time (a failure redelivers the event; players notified before find theirs stored).
async fn alert_wishlisters(app: &App, detail: &serde_json::Value) -> Result<(), ApiError> {
    let game_id = detail["gameId"].as_u64().and_then(|id| u32::try_from(id).ok());
    let game_id = game_id.ok_or_else(|| ApiError::internal("GameDiscounted without a gameId"))?;
    let (mut alerted, mut start) = (0, None);
    loop {
        let (wishes, next) = wishlist::of_game(app, game_id, start).await?;
        // A page's players are told concurrently: a popular game's alert must fit the timeout.
        let told: Vec<Result<bool, ApiError>> = futures::stream::iter(wishes)
            .map(|wish| async move {
                let title = notifications::wishlist_alert(detail, wish.target_price_gems)
                    .ok_or_else(|| ApiError::internal("GameDiscounted without name, price or percent"))?;
                let stored = notifications::store_for(app, &wish.user_id, "GameDiscounted", detail, &title).await?;
                if stored.new {
                    announce(app, &stored, false, "GameDiscounted").await;
                }
                Ok(stored.new)
            })
            .buffer_unordered(FAN_OUT)
            .collect()
            .await;
        for new in told {
            alerted += usize::from(new?);
        }
        match next {
            Some(key) => start = Some(key),
            None => break,
        }
    }
    tracing::info!(game_id, alerted, "wishlisters alerted");
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
