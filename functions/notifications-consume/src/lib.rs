//! SQS consumer of the notifications queue (fed by an EventBridge rule): tells the player on the
//! channels they chose (`flows::notify`): in the app (stored once, then pushed, and for money
//! events the new balance, to the player's open sockets) and by email to a verified address (sent
//! once, tracked; a failure fails the message, so its redelivery retries the mail). The pushes are
//! best effort (the notification stays readable over HTTP) and repeat on a redelivery, so a client
//! tells them apart by `notificationId`.
//!
//! `GameDiscounted` fans out: every wishlister of the game is told once (the sale, or their
//! target price reached, at the sale price of their price region), keyed by the event's id, so a
//! redelivered event adds none.

use aws_lambda_events::sqs::SqsMessage;
use futures::StreamExt;
use platform::domain::{pricing, regions};
use platform::flows::notify::{self, Courier};
use platform::store::{accounts, connections, notifications, prices, wallet, wishlist};
use platform::{queue, sockets, ApiError, App};
use serde_json::json;

/// Wishlisters told at once while fanning out a sale.
const FAN_OUT: usize = 16;

/// Events that move a player's gems.
/// (`GiftPurchased`, `GiftDeclined` and `GiftExpired` tell the buyer, whose gems went and came
/// back.)
const MONEY_EVENTS: [&str; 7] = [
    "CurrencyPurchased",
    "PullCompleted",
    "GamePurchased",
    "GameRefunded",
    "GiftPurchased",
    "GiftDeclined",
    "GiftExpired",
];

pub async fn handle(record: SqsMessage, app: &App, courier: &Courier) -> Result<(), ApiError> {
    let event: serde_json::Value = queue::body(&record)?;
    let (detail_type, detail) = notifications::parts(&event)?;
    if detail_type == "GameDiscounted" {
        return alert_wishlisters(app, courier, detail).await;
    }
    let Some((user_id, title)) = notifications::notification_for(detail_type, detail) else {
        return Err(ApiError::internal(format!("no notification for a {detail_type} event")));
    };
    let addressee = accounts::addressee(app, &user_id).await?;
    let stored = notify::in_app(app, &user_id, addressee.as_ref(), detail_type, detail, &title).await?;
    tracing::info!(in_app = stored.as_ref().map(|s| s.new), %detail_type, "player told");
    // Pushed before the mail goes out, so a mail failure never holds back the socket.
    announce(app, &user_id, stored.as_ref(), MONEY_EVENTS.contains(&detail_type), detail_type).await;
    notify::by_email(app, courier, &user_id, addressee.as_ref(), detail_type, detail, &title).await
}

/// Pushes a stored notification, and for a money event the balance (state, not a notification:
/// pushed whatever the in-app setting), to the player's sockets, best effort.
async fn announce(app: &App, user_id: &str, stored: Option<&notifications::Stored>, money: bool, cause: &str) {
    // A redelivery (after a failed mail, say) pushes the balance again but not the notification.
    let frame = stored
        .filter(|stored| stored.new)
        .map(|stored| json!({ "type": "notification", "notification": stored.notification }));
    if frame.is_none() && !money {
        return;
    }
    if let Err(error) = push(app, user_id, frame, money, cause).await {
        tracing::warn!(?error, "socket push failed; the notification is stored");
    }
}

/// One notification per wishlister of the discounted game, a page of the `ByGame` index at a
/// time (a failure redelivers the event; players notified before find theirs stored). A sale's
/// emails are best effort: one wishlister's failed mail is recorded on its delivery and never
/// fails the event, so it cannot hold back everyone else's alert.
async fn alert_wishlisters(app: &App, courier: &Courier, detail: &serde_json::Value) -> Result<(), ApiError> {
    let game_id = detail["gameId"].as_u64().and_then(|id| u32::try_from(id).ok());
    let game_id = game_id.ok_or_else(|| ApiError::internal("GameDiscounted without a gameId"))?;
    let (base, percent) = (detail["listPriceGems"].as_u64(), detail["percent"].as_u64());
    let (Some(base), Some(percent)) = (base, percent.and_then(|p| u8::try_from(p).ok())) else {
        return Err(ApiError::internal("GameDiscounted without listPriceGems or percent"));
    };
    let game_prices = prices::read(app, game_id).await?;
    let (mut alerted, mut start) = (0, None);
    loop {
        let (wishes, next) = wishlist::of_game(app, game_id, start).await?;
        // Each wishlister is told the sale price of their own region (one batch read a page).
        let ids: Vec<String> = wishes.iter().map(|w| w.user_id.clone()).collect();
        let addressees = accounts::addressees(app, &ids).await?;
        let game_prices = &game_prices;
        let addressees = &addressees;
        // A page's players are told concurrently: a popular game's alert must fit the timeout.
        let told: Vec<Result<bool, ApiError>> = futures::stream::iter(wishes)
            .map(|wish| async move {
                let addressee = addressees.get(&wish.user_id);
                let country = addressee.and_then(|a| a.profile.country.as_deref());
                let region = regions::of_country(country).0;
                let price = pricing::discounted(game_prices.list_price(base, region), percent);
                let title = notifications::wishlist_alert(detail, price, wish.target_price_gems)
                    .ok_or_else(|| ApiError::internal("GameDiscounted without a name or percent"))?;
                let stored = notify::in_app(app, &wish.user_id, addressee, "GameDiscounted", detail, &title).await?;
                let new = stored.as_ref().is_some_and(|s| s.new);
                if new {
                    announce(app, &wish.user_id, stored.as_ref(), false, "GameDiscounted").await;
                }
                let mailed =
                    notify::by_email(app, courier, &wish.user_id, addressee, "GameDiscounted", detail, &title).await;
                if let Err(error) = mailed {
                    tracing::warn!(?error, user_id = %wish.user_id, "a sale alert's email was not sent");
                }
                Ok(new)
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
async fn push(
    app: &App,
    user_id: &str,
    frame: Option<serde_json::Value>,
    money: bool,
    cause: &str,
) -> Result<(), ApiError> {
    let listening = connections::of_player(app, user_id).await?;
    if listening.is_empty() {
        return Ok(());
    }
    let mut frames: Vec<serde_json::Value> = frame.into_iter().collect();
    if money {
        let balance = wallet::balance(app, user_id).await?;
        frames.push(json!({ "type": "balance", "currencyBalance": balance, "cause": cause }));
    }
    for frame in &frames {
        sockets::push_each(app, &listening, frame).await;
    }
    Ok(())
}
