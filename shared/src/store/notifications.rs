//! Notifications table, fed by domain events. A notification's id is its event's id, so a
//! redelivered event adds nothing.

use super::{n, s};
use crate::app::{App, Table};
use crate::error::ApiError;
use serde_json::{json, Value};

/// Notifications are kept 90 days.
const RETENTION_SECS: u64 = 90 * 24 * 3600;

/// Who hears about an event, and what they are told; `None` for events nobody is notified of.
pub fn notification_for(detail_type: &str, detail: &Value) -> Option<(String, String)> {
    let user = |k: &str| detail[k].as_str().map(str::to_owned);
    match detail_type {
        "CurrencyPurchased" => Some((user("userId")?, format!("You bought {} gems", detail["amount"].as_u64()?))),
        "PullCompleted" => {
            let count = detail["count"].as_u64()?;
            let banner = detail["bannerId"].as_str()?;
            Some((user("userId")?, format!("{count} pull{} on {banner}", if count == 1 { "" } else { "s" })))
        }
        "GamePurchased" => Some((user("userId")?, format!("{} is in your library", detail["name"].as_str()?))),
        "GameRefunded" => Some((
            user("userId")?,
            format!(
                "{} was refunded: {} gems are back in your wallet",
                detail["name"].as_str()?,
                detail["refundedGems"].as_u64()?
            ),
        )),
        "GiftSent" => Some((
            user("userId")?,
            format!("{} sent you a gift: {}", detail["fromUsername"].as_str()?, detail["name"].as_str()?),
        )),
        "GiftPurchased" => Some((
            user("userId")?,
            format!("You bought {} as a gift for {}", detail["name"].as_str()?, detail["toUsername"].as_str()?),
        )),
        "GiftAccepted" => Some((
            user("userId")?,
            format!("{} accepted your gift of {}", detail["byUsername"].as_str()?, detail["name"].as_str()?),
        )),
        "GiftDeclined" => Some((
            user("userId")?,
            format!(
                "{} declined your gift of {}: {} gems are back in your wallet",
                detail["byUsername"].as_str()?,
                detail["name"].as_str()?,
                detail["refundedGems"].as_u64()?
            ),
        )),
        "GiftExpired" => Some((
            user("userId")?,
            format!(
                "Your gift of {} to {} expired unanswered: {} gems are back in your wallet",
                detail["name"].as_str()?,
                detail["byUsername"].as_str()?,
                detail["refundedGems"].as_u64()?
            ),
        )),
        "MessageSent" => Some((user("recipientId")?, "You have a new message".to_owned())),
        "FriendRequestSent" => {
            Some((user("userId")?, format!("{} wants to be your friend", detail["fromUsername"].as_str()?)))
        }
        "FriendRequestAccepted" => {
            Some((user("userId")?, format!("{} accepted your friend request", detail["byUsername"].as_str()?)))
        }
        _ => None,
    }
}

/// What a wishlister of a discounted game is told: the sale at `price` (the sale price in their
/// region), or that the game reached their target price (one notification either way).
pub fn wishlist_alert(detail: &Value, price: u64, target_price_gems: Option<u64>) -> Option<String> {
    let (name, percent) = (detail["name"].as_str()?, detail["percent"].as_u64()?);
    Some(match target_price_gems {
        Some(target) if price <= target => {
            format!("{name} is at your target price: {price} gems ({percent} % off)")
        }
        _ if price == 0 => format!("{name} is free for a limited time"),
        _ => format!("{name} is {percent} % off: {price} gems"),
    })
}

/// A notification stored for a player.
#[derive(Debug, Clone)]
pub struct Stored {
    pub user_id: String,
    /// As `GET /notifications` shows it.
    pub notification: Value,
    /// Whether this delivery stored it (a redelivered event finds it stored).
    pub new: bool,
}

/// An event's detail-type and detail, of the version this code reads.
pub fn parts(event: &Value) -> Result<(&str, &Value), ApiError> {
    let detail_type = event["detail-type"].as_str().ok_or_else(|| ApiError::internal("event has no detail-type"))?;
    let detail = &event["detail"];
    if detail["version"].as_u64() != Some(u64::from(crate::outbox::DETAIL_VERSION)) {
        return Err(ApiError::internal(format!("unsupported detail version {}", detail["version"])));
    }
    Ok((detail_type, detail))
}

/// Stores the notification of an event for one player, once (keyed by the event's id): an
/// event fanned out to many players gives each one.
pub async fn store_for(
    app: &App,
    user_id: &str,
    detail_type: &str,
    detail: &Value,
    title: &str,
) -> Result<Stored, ApiError> {
    let event_id = detail["eventId"].as_str().ok_or_else(|| ApiError::internal("event has no eventId"))?;
    let now = crate::clock::now_secs();
    let item: super::Item = [
        ("userId", s(user_id)),
        ("notificationId", s(event_id)),
        ("type", s(detail_type)),
        ("title", s(title)),
        ("data", s(detail.to_string())),
        ("createdAt", s(detail["occurredAt"].as_str().unwrap_or_default())),
        ("expiresAt", n(now + RETENTION_SECS)),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    let notification = notification_json(&item);
    let result = app
        .db
        .put_item()
        .table_name(app.table(Table::NOTIFICATIONS)?)
        .set_item(Some(item))
        .condition_expression("attribute_not_exists(notificationId)")
        .send()
        .await;
    Ok(Stored { user_id: user_id.into(), notification, new: super::applied(result)? })
}

/// One page of a player's notifications, newest first, as clients read them.
pub async fn page(
    app: &App,
    user_id: &str,
    cursor: Option<&str>,
    limit: i32,
) -> Result<(Vec<Value>, Option<String>), ApiError> {
    let (items, next) =
        super::page_of(app, Table::NOTIFICATIONS, ("userId", user_id), ("notificationId", false), cursor, limit)
            .await?;
    Ok((items.iter().map(notification_json).collect(), next))
}

fn notification_json(item: &super::Item) -> Value {
    let text = |k: &str| super::get_s(item, k).unwrap_or_default().to_owned();
    json!({
        "notificationId": text("notificationId"),
        "type": text("type"),
        "title": text("title"),
        "data": serde_json::from_str::<Value>(&text("data")).unwrap_or(Value::Null),
        "createdAt": text("createdAt"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_notify_the_recipient_and_purchases_the_buyer() {
        let (who, title) = notification_for("MessageSent", &json!({ "userId": "a", "recipientId": "b" })).unwrap();
        assert_eq!((who.as_str(), title.as_str()), ("b", "You have a new message"));
        let (who, title) = notification_for("GamePurchased", &json!({ "userId": "a", "name": "Portal" })).unwrap();
        assert_eq!((who.as_str(), title.as_str()), ("a", "Portal is in your library"));
        assert!(notification_for("UserRegistered", &json!({ "userId": "a" })).is_none());
        assert!(notification_for("GamePurchased", &json!({ "userId": "a" })).is_none());
        // A gift's events are addressed to whom they tell: the recipient, then the buyer.
        let sent = json!({ "userId": "b", "fromUsername": "ann", "name": "Braid" });
        assert_eq!(notification_for("GiftSent", &sent).unwrap(), ("b".into(), "ann sent you a gift: Braid".into()));
        let declined = json!({ "userId": "a", "byUsername": "bob", "name": "Braid", "refundedGems": 1099 });
        assert_eq!(
            notification_for("GiftDeclined", &declined).unwrap().1,
            "bob declined your gift of Braid: 1099 gems are back in your wallet"
        );
        let sale = json!({ "name": "Portal", "priceGems": 360, "percent": 50 });
        assert_eq!(wishlist_alert(&sale, 360, None).unwrap(), "Portal is 50 % off: 360 gems");
        assert_eq!(
            wishlist_alert(&sale, 360, Some(400)).unwrap(),
            "Portal is at your target price: 360 gems (50 % off)"
        );
        assert_eq!(wishlist_alert(&sale, 360, Some(359)).unwrap(), "Portal is 50 % off: 360 gems");
        assert_eq!(wishlist_alert(&sale, 0, None).unwrap(), "Portal is free for a limited time");
    }
}
