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

/// The bus is unreachable when a purchase commits: the purchase still succeeds (the request
/// makes no bus call), the publisher fails and the stream retries it, and once the bus is back
/// the event arrives, once.
#[tokio::test]
async fn an_event_published_while_the_bus_is_down_arrives_once_after_it_is_back() {
    let s = stack();
    let p = funded(s, 1_000).await;
    let _outage = platform_tests::BUS_OUTAGE.lock().await;
    let refused_before = s.bus.refused();
    s.bus.set_down(true);
    let key = uuid::Uuid::new_v4().to_string();
    let r = s.post_keyed("/store/purchase", &p.token, &key, &json!({ "gameId": 20 })).await;
    eventually("the publisher to find the bus down", WAIT, || async {
        (s.bus.refused() > refused_before).then_some(())
    })
    .await;
    let notes_while_down = p.notifications(s).await;
    s.bus.set_down(false);
    assert_eq!(r.status, StatusCode::OK, "the purchase does not depend on the bus: {:?}", r.body);
    assert!(!notes_while_down.iter().any(|n| n["type"] == "GamePurchased"));
    let notes = eventually("the event after the bus is back", WAIT, || async {
        let n = p.notifications(s).await;
        n.iter().any(|x| x["type"] == "GamePurchased").then_some(n)
    })
    .await;
    assert_eq!(notes.iter().filter(|x| x["type"] == "GamePurchased").count(), 1);
}

/// An outbox record the publisher can never read is set aside at once on the failures queue,
/// with its stream position, the error and its image, and the records behind it flow (the stream
/// retries every other failure until the dependency is back, so a poison record must not).
#[tokio::test]
async fn an_outbox_record_that_can_never_be_published_is_set_aside_without_blocking_the_rest() {
    let s = stack();
    let db = s.dynamo().await;
    let poison_id = format!("poison-{}", uuid::Uuid::new_v4());
    let outbox = s.template.table_name("OutboxTable").unwrap().to_owned();
    let text = |v: &str| aws_sdk_dynamodb::types::AttributeValue::S(v.to_owned());
    db.put_item()
        .table_name(&outbox)
        .item("group", text(&format!("test#{poison_id}")))
        .item("eventId", text(&poison_id))
        .item("payload", text("{ not an outbox message"))
        .item("createdAt", aws_sdk_dynamodb::types::AttributeValue::N("0".into()))
        .item("expiresAt", aws_sdk_dynamodb::types::AttributeValue::N("0".into()))
        .send()
        .await
        .unwrap();
    let p = funded(s, 100).await;
    eventually("the purchase notification behind the poison record", WAIT, || async {
        p.notifications(s).await.iter().any(|n| n["type"] == "CurrencyPurchased").then_some(())
    })
    .await;
    let set_aside = eventually("the poison record on the failures queue", WAIT, || async {
        peek(s, "OutboxPublishFailuresQueue").await.into_iter().find_map(|body| {
            let failure: Value = serde_json::from_str(&body).ok()?;
            (failure["newImage"]["eventId"]["S"] == poison_id.as_str()).then_some(failure)
        })
    })
    .await;
    assert!(set_aside["sequenceNumber"].as_str().is_some_and(|n| !n.is_empty()), "{set_aside}");
    assert!(set_aside["error"].as_str().is_some_and(|e| e.contains(&poison_id)), "{set_aside}");
}

/// A stream batch delivered twice (as Lambda may) publishes twice, and the consumers absorb it:
/// one notification, one inbox entry.
#[tokio::test]
async fn a_redelivered_stream_batch_adds_no_notification_or_inbox_entry() {
    let s = stack();
    let (ann, bob) = (s.new_player().await, s.new_player().await);
    let r =
        s.post("/chat/messages", Some(&ann.token), &json!({ "recipientId": bob.user_id, "text": "once only" })).await;
    assert_eq!(r.status, StatusCode::CREATED);
    let conversation = r.body["conversationId"].as_str().unwrap().to_owned();
    eventually("the first delivery and its notification", WAIT, || async {
        let inbox = s.get("/chat/conversations", Some(&bob.token)).await.body;
        let noted = bob.notifications(s).await.iter().any(|n| n["type"] == "MessageSent");
        (inbox["totalUnread"] == 1 && noted).then_some(())
    })
    .await;

    // The outbox records of that send, as the stream carried them, delivered again.
    let db = s.dynamo().await;
    let outbox = s.template.table_name("OutboxTable").unwrap().to_owned();
    let mut records = Vec::new();
    for group in [format!("chat#{conversation}"), format!("user#{}", ann.user_id)] {
        let items = db
            .query()
            .table_name(&outbox)
            .key_condition_expression("#g = :g")
            .expression_attribute_names("#g", "group")
            .expression_attribute_values(":g", aws_sdk_dynamodb::types::AttributeValue::S(group))
            .send()
            .await
            .unwrap()
            .items
            .unwrap_or_default();
        for (i, item) in items.iter().enumerate() {
            let image: serde_json::Map<String, Value> = item
                .iter()
                .map(|(k, v)| match v {
                    aws_sdk_dynamodb::types::AttributeValue::N(n) => (k.clone(), json!({ "N": n })),
                    other => (k.clone(), json!({ "S": other.as_s().unwrap() })),
                })
                .collect();
            records.push(json!({
                "eventID": format!("redelivery-{i}"), "eventName": "INSERT", "eventVersion": "1.1",
                "eventSource": "aws:dynamodb", "awsRegion": "us-east-1",
                "dynamodb": { "NewImage": image, "SequenceNumber": format!("{}", 900 + records.len()), "SizeBytes": 100, "StreamViewType": "NEW_IMAGE" },
            }));
        }
    }
    assert!(records.len() >= 2, "the delivery job and the MessageSent event");
    let answer = s.invoke("outbox-publish", &json!({ "Records": records })).await;
    assert_eq!(answer["batchItemFailures"], json!([]), "{answer}");

    let sqs = s.sqs().await;
    for queue in ["NotificationsQueue", "ChatDeliveryQueue"] {
        let url = s.queue_url(queue).await;
        eventually("the redelivered messages consumed", WAIT, || async {
            use aws_sdk_sqs::types::QueueAttributeName as A;
            let attrs =
                sqs.get_queue_attributes().queue_url(&url).attribute_names(A::All).send().await.ok()?.attributes?;
            let zero = |k: A| attrs.get(&k).is_none_or(|v| v == "0");
            (zero(A::ApproximateNumberOfMessages) && zero(A::ApproximateNumberOfMessagesNotVisible)).then_some(())
        })
        .await;
    }
    assert_eq!(s.get("/chat/conversations", Some(&bob.token)).await.body["totalUnread"], 1);
    let notes = bob.notifications(s).await;
    assert_eq!(notes.iter().filter(|n| n["type"] == "MessageSent").count(), 1);
}

/// Messages sent one after another reach the inbox in the order they were sent: the outbox
/// groups them by conversation (one stream partition) and the FIFO queue by conversation.
#[tokio::test]
async fn chat_messages_sent_in_order_are_delivered_in_order() {
    let s = stack();
    let (ann, bob) = (s.new_player().await, s.new_player().await);
    let mut sent = Vec::new();
    for i in 0..8 {
        let r = s
            .post("/chat/messages", Some(&ann.token), &json!({ "recipientId": bob.user_id, "text": format!("n{i}") }))
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
        sent.push(r.body["messageId"].as_str().unwrap().to_owned());
    }
    let path = format!("/chat/conversations/{}/messages?limit=100", ann.user_id);
    let messages = eventually("every message delivered", WAIT, || async {
        let list = s.get(&path, Some(&bob.token)).await.body["messages"].as_array().cloned().unwrap_or_default();
        (list.len() == sent.len() && list.iter().all(|m| m["delivered"] == true)).then_some(list)
    })
    .await;
    let mut by_delivery: Vec<(String, String)> = messages
        .iter()
        .map(|m| (sortable(m["deliveredAt"].as_str().unwrap()), m["messageId"].as_str().unwrap().to_owned()))
        .collect();
    by_delivery.sort();
    let delivered: Vec<String> = by_delivery.into_iter().map(|(_, id)| id).collect();
    assert_eq!(delivered, sent, "delivered in the order sent");
}

/// An RFC 3339 UTC time with its fraction padded to nanoseconds, so strings sort as times.
fn sortable(time: &str) -> String {
    let time = time.trim_end_matches('Z');
    let (whole, fraction) = time.split_once('.').unwrap_or((time, ""));
    format!("{whole}.{fraction:0<9}")
}
