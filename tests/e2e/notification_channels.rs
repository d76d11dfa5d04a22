//! Notification channels: per player and type, in the app and by email. An email notification
//! goes to a verified address once per event (read back from LocalStack's SES), not at all when
//! the player turned that channel off, and a failed one is retried by the event's redelivery
//! without ever reaching the inbox twice.

use crate::account_mail::mailed_token;
use platform_tests::{eventually, stack, Player, Stack, MAIL_OUTAGE};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::time::Duration;

/// A new player whose address is verified through the mailed link.
async fn verified_player(s: &Stack) -> (Player, String) {
    let p = s.new_player().await;
    let email = format!("{}@example.com", p.username);
    let asked = s.post("/account/email/verification", Some(&p.token), &json!({})).await;
    assert_eq!(asked.status, StatusCode::ACCEPTED, "{:?}", asked.body);
    let token = mailed_token(s, &email, "ev1.").await;
    let verified = s.post("/account/email/verify", None, &json!({ "token": token })).await;
    assert_eq!(verified.status, StatusCode::OK, "{:?}", verified.body);
    (p, email)
}

/// The mails SES holds for `to` with this subject.
async fn mails(s: &Stack, to: &str, subject: &str) -> Vec<Value> {
    s.mails_to(to).await.into_iter().filter(|m| m["Subject"] == subject).collect()
}

async fn deliveries(s: &Stack, p: &Player) -> Vec<Value> {
    p.all_pages(s, "/notifications/deliveries", "deliveries").await
}

/// The in-app notification of the player's gem purchase of `gems`, once stored.
async fn purchase_notice(s: &Stack, p: &Player, gems: u64) -> Value {
    let title = format!("You bought {gems} gems");
    eventually("the in-app notification", Duration::from_secs(20), || async {
        p.notifications(s).await.into_iter().find(|n| n["title"] == title.as_str())
    })
    .await
}

/// Delivers the event again, straight to `notifications-consume`, which must take it whole.
async fn redeliver(s: &Stack, notification: &Value) {
    let answer = s.invoke("notifications-consume", &queued(notification)).await;
    assert_eq!(answer["batchItemFailures"], json!([]), "{answer:?}");
}

/// The event a notification came from, as the queue hands it to `notifications-consume`.
fn queued(notification: &Value) -> Value {
    let envelope = json!({
        "version": "0", "id": uuid::Uuid::new_v4().to_string(), "source": "game-platform",
        "detail-type": notification["type"], "detail": notification["data"],
    });
    json!({ "Records": [{
        "messageId": uuid::Uuid::new_v4().to_string(), "receiptHandle": "test", "body": envelope.to_string(),
        "attributes": {}, "messageAttributes": {}, "eventSource": "aws:sqs",
    }] })
}

#[tokio::test]
async fn an_email_notification_is_sent_once_per_event_and_not_when_the_channel_is_off() {
    let s = stack();
    let _mail_up = MAIL_OUTAGE.read().await;
    let (p, email) = verified_player(s).await;
    let settings = s.get("/account/notification-settings", Some(&p.token)).await;
    assert_eq!(settings.status, StatusCode::OK, "{:?}", settings.body);
    assert_eq!(settings.body["emailVerified"], true);
    assert_eq!(
        settings.body["types"]["CurrencyPurchased"],
        json!({ "about": "gems you buy", "inApp": true, "email": true })
    );
    assert_eq!(settings.body["types"]["MessageSent"]["email"], false, "chat is not mailed by default");

    assert_eq!(p.buy(s, 500).await.status, StatusCode::OK);
    let subject = "You bought 500 gems";
    let sent = eventually("the email", Duration::from_secs(20), || async {
        let found = mails(s, &email, subject).await;
        (!found.is_empty()).then_some(found)
    })
    .await;
    let text = sent[0]["Body"]["text_part"].as_str().unwrap();
    assert!(text.contains(&format!("Hi {},", p.username)), "{text}");
    assert!(text.contains("http://localhost:3000/notifications"), "links to the app (AppUrl): {text}");
    let notice = purchase_notice(s, &p, 500).await;
    let tracked = eventually("the delivery marked sent", Duration::from_secs(20), || async {
        deliveries(s, &p)
            .await
            .into_iter()
            .find(|d| d["notificationId"] == notice["notificationId"] && d["status"] == "sent")
    })
    .await;
    assert_eq!((tracked["channel"].as_str(), tracked["attempts"].as_u64()), (Some("email"), Some(1)));
    assert_eq!(tracked["messageId"], sent[0]["Id"], "the delivery names the mail SES holds");

    // The same event delivered twice more: the inbox still holds one mail of it.
    for _ in 0..2 {
        redeliver(s, &notice).await;
    }
    assert_eq!(mails(s, &email, subject).await.len(), 1, "one email per event");

    // Email off for gem purchases: in the app only.
    let off = json!({ "types": { "CurrencyPurchased": { "email": false } } });
    let changed =
        s.call(Method::PUT, "/account/notification-settings", Some(&p.token), &[], Some(&off.to_string())).await;
    assert_eq!(changed.status, StatusCode::OK, "{:?}", changed.body);
    assert_eq!(
        changed.body["types"]["CurrencyPurchased"],
        json!({ "about": "gems you buy", "inApp": true, "email": false })
    );
    assert_eq!(changed.body["types"]["GiftSent"]["email"], true, "other types keep theirs");
    assert_eq!(p.buy(s, 300).await.status, StatusCode::OK);
    let quiet = purchase_notice(s, &p, 300).await;
    // Delivered again, synchronously: had the channel been on, the mail would be out on return.
    redeliver(s, &quiet).await;
    assert!(mails(s, &email, "You bought 300 gems").await.is_empty(), "no email with the channel off");
    assert!(deliveries(s, &p).await.iter().all(|d| d["notificationId"] != quiet["notificationId"]));

    // In-app off too: nothing stored for the next purchase, and bad settings change nothing.
    let none = json!({ "types": { "CurrencyPurchased": { "inApp": false } } });
    let put = s.call(Method::PUT, "/account/notification-settings", Some(&p.token), &[], Some(&none.to_string())).await;
    assert_eq!(put.body["types"]["CurrencyPurchased"]["inApp"], false, "{:?}", put.body);
    let bad = json!({ "types": { "CurrencyPurchased": { "inApp": true, "sms": true } } });
    s.call(Method::PUT, "/account/notification-settings", Some(&p.token), &[], Some(&bad.to_string()))
        .await
        .assert_problem(400, "validation_failed");
    let after = s.get("/account/notification-settings", Some(&p.token)).await;
    assert_eq!(after.body["types"]["CurrencyPurchased"]["inApp"], false, "a refused change changes nothing");
    let bought = p.buy(s, 200).await;
    assert_eq!(bought.status, StatusCode::OK);
    let event = json!({ "type": "CurrencyPurchased", "data": {
        "version": 1, "eventId": uuid::Uuid::now_v7().to_string(), "userId": p.user_id,
        "occurredAt": "2026-11-26T12:00:00Z", "amount": 200 } });
    redeliver(s, &event).await;
    assert!(p.notifications(s).await.iter().all(|n| n["title"] != "You bought 200 gems"), "in-app off stores nothing");
}

#[tokio::test]
async fn a_failed_email_is_retried_by_the_redelivery_and_reaches_the_inbox_once() {
    let s = stack();
    let (p, email) = {
        let _mail_up = MAIL_OUTAGE.read().await;
        verified_player(s).await
    };
    let outage = MAIL_OUTAGE.write().await;
    s.mail.set_down(true);
    // Up again however this test ends, before the lock lets the other mail tests run.
    let restore = MailBack(s);
    assert_eq!(p.buy(s, 700).await.status, StatusCode::OK, "buying does not wait for mail");
    let failed = eventually("the delivery marked failed", Duration::from_secs(30), || async {
        deliveries(s, &p).await.into_iter().find(|d| d["status"] == "failed")
    })
    .await;
    assert!(failed["lastError"].as_str().is_some_and(|e| !e.is_empty()), "{failed:?}");
    assert_eq!(failed["lastError"], "service_unavailable", "a code, never the provider's text");
    drop(restore);
    drop(outage);
    // The event delivered again (as the queue does after its visibility timeout; it may also
    // have, locally, where failed records come back after 1 s): the mail goes out, once.
    redeliver(s, &purchase_notice(s, &p, 700).await).await;
    let sent = deliveries(s, &p).await.into_iter().find(|d| d["deliveryId"] == failed["deliveryId"]).unwrap();
    assert_eq!(sent["status"], "sent", "{sent:?}");
    assert!(sent["attempts"].as_u64().unwrap() >= 2, "{sent:?}");
    assert_eq!(sent["lastError"], Value::Null, "{sent:?}");
    assert_eq!(mails(s, &email, "You bought 700 gems").await.len(), 1, "sent once, after the failure");
}

#[tokio::test]
async fn an_unverified_address_is_never_mailed() {
    let s = stack();
    let _mail_up = MAIL_OUTAGE.read().await;
    let p = s.new_player().await;
    assert_eq!(p.buy(s, 400).await.status, StatusCode::OK);
    let notice = purchase_notice(s, &p, 400).await;
    redeliver(s, &notice).await;
    assert!(s.mails_to(&format!("{}@example.com", p.username)).await.is_empty());
    assert!(deliveries(s, &p).await.is_empty());
}

/// Brings SES back up when dropped (also when the test fails while it is down).
struct MailBack(&'static Stack);

impl Drop for MailBack {
    fn drop(&mut self) {
        self.0.mail.set_down(false);
    }
}
