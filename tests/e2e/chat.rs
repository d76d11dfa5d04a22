//! Chat: messages stored, delivered through the FIFO queue into the recipient's inbox, read back
//! in order; blocks, limits and bad input.

use platform_tests::{eventually, stack, Player, Stack};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::Duration;

const DELIVERY: Duration = Duration::from_secs(20);

async fn send(s: &Stack, from: &Player, to: &str, text: &str) -> platform_tests::Reply {
    s.post("/chat/messages", Some(&from.token), &json!({ "recipientId": to, "text": text })).await
}

async fn inbox(s: &Stack, p: &Player) -> Value {
    let r = s.get("/chat/conversations", Some(&p.token)).await;
    assert_eq!(r.status, StatusCode::OK);
    r.body
}

#[tokio::test]
async fn a_message_arrives_in_the_recipients_inbox_and_reading_marks_it_read() {
    let s = stack();
    let (ann, bob) = (s.new_player().await, s.new_player().await);
    let r = send(s, &ann, &bob.user_id, "  good game!  ").await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    let message_id = r.body["messageId"].as_str().unwrap().to_owned();

    let conversation = eventually("delivery to bob's inbox", DELIVERY, || async {
        let body = inbox(s, &bob).await;
        (body["totalUnread"] == 1).then(|| body["conversations"][0].clone())
    })
    .await;
    assert_eq!(conversation["userId"], ann.user_id);
    assert_eq!(conversation["lastMessage"]["text"], "good game!");
    assert_eq!(conversation["lastMessage"]["messageId"], message_id);

    let r = s.get(&format!("/chat/conversations/{}/messages", ann.user_id), Some(&bob.token)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["messages"][0]["text"], "good game!");
    assert_eq!(r.body["messages"][0]["senderId"], ann.user_id);
    assert_eq!(inbox(s, &bob).await["totalUnread"], 0, "reading marks read");
    // The sender sees the conversation too, with nothing unread.
    assert_eq!(inbox(s, &ann).await["conversations"][0]["unread"], 0);

    let notes = eventually("bob's message notification", DELIVERY, || async {
        let n = bob.notifications(s).await;
        n.iter().any(|x| x["type"] == "MessageSent").then_some(n)
    })
    .await;
    assert_eq!(notes.iter().find(|x| x["type"] == "MessageSent").unwrap()["data"]["messageId"], message_id);
}

#[tokio::test]
async fn messages_sent_in_order_are_read_back_in_order() {
    let s = stack();
    let (ann, bob) = (s.new_player().await, s.new_player().await);
    let texts: Vec<String> = (0..12).map(|i| format!("message {i:02}")).collect();
    for (i, text) in texts.iter().enumerate() {
        let (from, to) = if i % 3 == 2 { (&bob, &ann.user_id) } else { (&ann, &bob.user_id) };
        assert_eq!(send(s, from, to, text).await.status, StatusCode::CREATED);
    }
    eventually("every message delivered", DELIVERY, || async {
        let body = inbox(s, &bob).await;
        (body["conversations"][0]["lastMessage"]["text"] == "message 11" && body["totalUnread"] == 8).then_some(())
    })
    .await;
    let read: Vec<String> = ann
        .all_pages(s, &format!("/chat/conversations/{}/messages", bob.user_id), "messages")
        .await
        .iter()
        .rev()
        .map(|m| m["text"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(read, texts);
    // Pages of 5 give the same order.
    let mut paged = Vec::new();
    let mut url = format!("/chat/conversations/{}/messages?limit=5", ann.user_id);
    loop {
        let r = s.get(&url, Some(&bob.token)).await;
        paged.extend(r.body["messages"].as_array().unwrap().iter().map(|m| m["text"].as_str().unwrap().to_owned()));
        match r.body["nextCursor"].as_str() {
            Some(c) => url = format!("/chat/conversations/{}/messages?limit=5&cursor={c}", ann.user_id),
            None => break,
        }
    }
    paged.reverse();
    assert_eq!(paged, texts);
}

#[tokio::test]
async fn blocked_unknown_and_self_recipients_and_bad_text_are_refused() {
    let s = stack();
    let (ann, bob) = (s.new_player().await, s.new_player().await);
    let r = s.post("/chat/blocks", Some(&bob.token), &json!({ "userId": ann.user_id, "blocked": true })).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    send(s, &ann, &bob.user_id, "hi").await.assert_problem(403, "forbidden");
    s.post("/chat/blocks", Some(&bob.token), &json!({ "userId": ann.user_id, "blocked": false })).await;
    assert_eq!(send(s, &ann, &bob.user_id, "hi again").await.status, StatusCode::CREATED);

    let stranger = uuid::Uuid::new_v4().to_string();
    send(s, &ann, &stranger, "hello?").await.assert_problem(404, "unknown_recipient");
    send(s, &ann, &ann.user_id, "me").await.assert_problem(422, "cannot_message_self");
    send(s, &ann, "not-a-user-id", "x").await.assert_problem(400, "validation_failed");
    send(s, &ann, &bob.user_id, "   ").await.assert_problem(400, "validation_failed");
    send(s, &ann, &bob.user_id, &"x".repeat(2_001)).await.assert_problem(400, "validation_failed");
    send(s, &ann, &bob.user_id, "bell\u{7}").await.assert_problem(400, "validation_failed");
    s.post("/chat/messages", Some(&ann.token), &json!({ "recipientId": bob.user_id }))
        .await
        .assert_problem(400, "validation_failed");
    s.post("/chat/blocks", Some(&ann.token), &json!({ "userId": ann.user_id, "blocked": true }))
        .await
        .assert_problem(422, "cannot_block_self");
    s.post("/chat/blocks", Some(&ann.token), &json!({ "userId": stranger, "blocked": true }))
        .await
        .assert_problem(404, "unknown_user");
    s.get(&format!("/chat/conversations/{}/messages?cursor=zzz", bob.user_id), Some(&ann.token))
        .await
        .assert_problem(400, "invalid_cursor");
    s.get("/chat/conversations/nobody/messages", Some(&ann.token)).await.assert_problem(400, "validation_failed");
    s.get("/notifications?cursor=zzz", Some(&ann.token)).await.assert_problem(400, "invalid_cursor");

    // Only the one accepted message exists.
    eventually("the accepted message", DELIVERY, || async { (inbox(s, &bob).await["totalUnread"] == 1).then_some(()) })
        .await;
    let all = bob.all_pages(s, &format!("/chat/conversations/{}/messages", ann.user_id), "messages").await;
    assert_eq!(all.len(), 1);
}

#[tokio::test]
async fn a_flooding_sender_is_rate_limited() {
    let s = stack();
    let bob = s.new_player().await;
    let limit = chat_send::PER_SENDER;
    platform_tests::within_one_window(limit.window_secs, || async {
        let ann = s.new_player().await;
        for i in 0..limit.max {
            assert_eq!(send(s, &ann, &bob.user_id, &format!("spam {i}")).await.status, StatusCode::CREATED);
        }
        send(s, &ann, &bob.user_id, "one too many").await
    })
    .await;
}
