//! Queue and event guarantees: poison messages end in their dead-letter queue without blocking the
//! rest; redelivered messages change nothing; an event whose bus was down at commit is neither
//! lost nor able to fail the purchase that caused it.

use platform_tests::{eventually, stack, Player, Stack};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::Duration;

/// Dead-lettering takes three failed receives; generous, since a test only waits as long as it must.
const WAIT: Duration = Duration::from_secs(90);

/// Bodies now in a queue (received and made visible again at once).
async fn peek(s: &Stack, logical_id: &str) -> Vec<String> {
    let sqs = s.sqs().await;
    let url = s.queue_url(logical_id).await;
    let out =
        sqs.receive_message().queue_url(&url).max_number_of_messages(10).visibility_timeout(0).send().await.unwrap();
    out.messages.unwrap_or_default().into_iter().filter_map(|m| m.body).collect()
}

async fn funded(s: &Stack, gems: u64) -> Player {
    let p = s.new_player().await;
    assert_eq!(p.buy(s, gems).await.status, StatusCode::OK);
    p
}

#[tokio::test]
async fn a_poison_chat_job_is_dead_lettered_and_other_conversations_flow() {
    let s = stack();
    let sqs = s.sqs().await;
    let poison = format!("poison-{}", uuid::Uuid::new_v4());
    sqs.send_message()
        .queue_url(s.queue_url("ChatDeliveryQueue").await)
        .message_group_id(&poison)
        .message_deduplication_id(&poison)
        .message_body(format!("{{\"not\":\"a message\",\"tag\":\"{poison}\"}}"))
        .send()
        .await
        .unwrap();
    let (ann, bob) = (s.new_player().await, s.new_player().await);
    let r = s
        .post("/chat/messages", Some(&ann.token), &json!({ "recipientId": bob.user_id, "text": "still flowing" }))
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    eventually("the healthy message", WAIT, || async {
        let inbox = s.get("/chat/conversations", Some(&bob.token)).await.body;
        (inbox["totalUnread"] == 1).then_some(())
    })
    .await;
    eventually("the poison job in the dead-letter queue", WAIT, || async {
        peek(s, "ChatDeliveryDeadLetterQueue").await.iter().any(|b| b.contains(&poison)).then_some(())
    })
    .await;
}

#[tokio::test]
async fn a_poison_event_is_dead_lettered_and_notifications_keep_flowing() {
    let s = stack();
    let sqs = s.sqs().await;
    let tag = uuid::Uuid::new_v4().to_string();
    let poison = json!({ "detail-type": "GamePurchased", "detail": { "version": 99, "tag": tag } });
    sqs.send_message()
        .queue_url(s.queue_url("NotificationsQueue").await)
        .message_body(poison.to_string())
        .send()
        .await
        .unwrap();
    let p = funded(s, 100).await;
    eventually("the purchase notification", WAIT, || async {
        p.notifications(s).await.iter().any(|n| n["type"] == "CurrencyPurchased").then_some(())
    })
    .await;
    eventually("the poison event in the dead-letter queue", WAIT, || async {
        peek(s, "NotificationsDeadLetterQueue").await.iter().any(|b| b.contains(&tag)).then_some(())
    })
    .await;
}

#[tokio::test]
async fn redelivered_jobs_and_events_add_nothing() {
    let s = stack();
    let sqs = s.sqs().await;
    let (ann, bob) = (s.new_player().await, s.new_player().await);
    let r = s.post("/chat/messages", Some(&ann.token), &json!({ "recipientId": bob.user_id, "text": "once" })).await;
    let message_id = r.body["messageId"].as_str().unwrap().to_owned();
    let conversation = r.body["conversationId"].as_str().unwrap().to_owned();
    let unread = |n: u64| {
        let token = bob.token.clone();
        move || {
            let token = token.clone();
            async move { (s.get("/chat/conversations", Some(&token)).await.body["totalUnread"] == n).then_some(()) }
        }
    };
    eventually("first delivery", WAIT, unread(1)).await;

    // The same job again (as SQS may deliver it), then a new message behind it in the same group.
    let job = json!({
        "messageId": message_id, "conversationId": conversation, "senderId": ann.user_id,
        "recipientId": bob.user_id, "text": "once", "sentAt": r.body["sentAt"],
    });
    sqs.send_message()
        .queue_url(s.queue_url("ChatDeliveryQueue").await)
        .message_group_id(&conversation)
        .message_deduplication_id(format!("redelivery-{message_id}"))
        .message_body(job.to_string())
        .send()
        .await
        .unwrap();
    s.post("/chat/messages", Some(&ann.token), &json!({ "recipientId": bob.user_id, "text": "twice" })).await;
    eventually("the second message, queued after the redelivery", WAIT, || async {
        let inbox = s.get("/chat/conversations", Some(&bob.token)).await.body;
        (inbox["conversations"][0]["lastMessage"]["text"] == "twice").then_some(())
    })
    .await;
    assert_eq!(s.get("/chat/conversations", Some(&bob.token)).await.body["totalUnread"], 2, "not 3");

    // The same domain event twice: one notification.
    let p = funded(s, 250).await;
    let first = eventually("the purchase notification", WAIT, || async {
        p.notifications(s).await.into_iter().find(|n| n["type"] == "CurrencyPurchased")
    })
    .await;
    let envelope = json!({ "version": "0", "id": uuid::Uuid::new_v4().to_string(), "detail-type": "CurrencyPurchased",
        "source": "game-platform", "detail": first["data"] });
    let url = s.queue_url("NotificationsQueue").await;
    sqs.send_message().queue_url(&url).message_body(envelope.to_string()).send().await.unwrap();
    eventually("the duplicate consumed", WAIT, || async {
        let attrs = sqs
            .get_queue_attributes()
            .queue_url(&url)
            .attribute_names(aws_sdk_sqs::types::QueueAttributeName::All)
            .send()
            .await
            .unwrap()
            .attributes
            .unwrap_or_default();
        let count = |k: aws_sdk_sqs::types::QueueAttributeName| attrs.get(&k).map_or("0".into(), Clone::clone);
        use aws_sdk_sqs::types::QueueAttributeName as A;
        (count(A::ApproximateNumberOfMessages) == "0" && count(A::ApproximateNumberOfMessagesNotVisible) == "0")
            .then_some(())
    })
    .await;
    let notes = p.notifications(s).await;
    assert_eq!(notes.iter().filter(|n| n["notificationId"] == first["notificationId"]).count(), 1);
}

/// EventBridge is unreachable when the purchase commits: the purchase still succeeds, its event
/// waits in the outbox, and the relay (the real function, invoked) delivers it later.
#[tokio::test]
async fn an_event_the_bus_could_not_take_is_kept_and_relayed() {
    let s = stack();
    let p = funded(s, 1_000).await;
    let unreachable = aws_sdk_eventbridge::Client::from_conf(
        aws_sdk_eventbridge::config::Builder::from(&platform::app::sdk_config().await)
            .endpoint_url("http://127.0.0.1:9")
            .retry_config(aws_sdk_eventbridge::config::retry::RetryConfig::disabled())
            .build(),
    );
    let app = s.app(s.dynamo().await).await.with_events_client(unreachable);
    let game = platform::store::catalog::game(&app, 20).await.unwrap();
    let response = platform::store::orders::purchase(&app, &p.user_id, "outbox-purchase", &game).await.unwrap();
    assert_eq!(response["gameId"], 20, "the purchase does not fail with the bus");
    assert_eq!(p.balance(s).await, 1_000 - game.price_gems as i64);

    let relayed: Value = s.invoke("events-relay", &json!({ "olderThanSeconds": 0 })).await;
    assert!(relayed["sent"].as_u64().unwrap() >= 1, "{relayed}");
    let notes = eventually("the relayed notification", WAIT, || async {
        let n = p.notifications(s).await;
        n.iter().any(|x| x["type"] == "GamePurchased").then_some(n)
    })
    .await;
    assert_eq!(notes.iter().filter(|x| x["type"] == "GamePurchased").count(), 1);
}
