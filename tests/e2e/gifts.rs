//! Gifts: a game bought for a friend in one money-flow transaction; the friend accepts it (it
//! enters their library) or declines it (the buyer gets back exactly what was paid), once, even
//! when both answers race; gifts go to friends only, never for a game they own, and the
//! ledger still sums to the balance.

use futures::future::join_all;
use platform_tests::{eventually, stack, Player, Reply, Stack};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::Duration;

/// Thekla's The Witness, Number None's Braid and Amanita Design's Machinarium: paid games no
/// other test buys or puts on sale. Dota 2 is free.
const WITNESS: u64 = 210970;
const BRAID: u64 = 26800;
const MACHINARIUM: u64 = 40700;
const DOTA_2: u64 = 570;

async fn befriend(s: &Stack, a: &Player, b: &Player) {
    let asked = s.post(&format!("/friends/{}", b.user_id), Some(&a.token), &json!({})).await;
    assert_eq!(asked.status, StatusCode::CREATED, "{:?}", asked.body);
    let accepted = s.post(&format!("/friends/{}", a.user_id), Some(&b.token), &json!({})).await;
    assert_eq!(accepted.body["state"], "friend", "{:?}", accepted.body);
}

async fn give(s: &Stack, from: &Player, to: &Player, game_id: u64) -> Reply {
    let key = uuid::Uuid::new_v4().to_string();
    let body = json!({ "gameId": game_id, "friendId": to.user_id, "message": "  enjoy!  " });
    s.post_keyed("/store/gifts", &from.token, &key, &body).await
}

async fn answer(s: &Stack, p: &Player, gift_id: &str, verb: &str) -> Reply {
    s.post(&format!("/store/gifts/{gift_id}/{verb}"), Some(&p.token), &json!({})).await
}

async fn price_for(s: &Stack, p: &Player, game_id: u64) -> i64 {
    let r = s.get(&format!("/store/games/{game_id}"), Some(&p.token)).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    r.body["priceGems"].as_i64().unwrap()
}

async fn owns(s: &Stack, p: &Player, game_id: u64) -> bool {
    p.all_pages(s, "/library", "games").await.iter().any(|g| g["gameId"] == game_id)
}

async fn ledger(s: &Stack, p: &Player) -> Vec<Value> {
    p.all_pages(s, "/account/ledger", "entries").await
}

async fn notified(s: &Stack, p: &Player, kind: &str, gift_id: &str) -> Value {
    eventually(&format!("a {kind} notification"), Duration::from_secs(20), || async {
        p.notifications(s).await.into_iter().find(|n| n["type"] == kind && n["data"]["giftId"] == gift_id)
    })
    .await
}

#[tokio::test]
async fn a_declined_gift_refunds_the_buyer_exactly_and_an_accepted_one_enters_the_friends_library() {
    let s = stack();
    let (ann, bob) = (s.funded_player(10_000).await, s.new_player().await);
    befriend(s, &ann, &bob).await;
    let start = ann.balance(s).await;
    let witness = price_for(s, &ann, WITNESS).await;

    let sent = give(s, &ann, &bob, WITNESS).await;
    assert_eq!(sent.status, StatusCode::CREATED, "{:?}", sent.body);
    let gift_id = sent.body["giftId"].as_str().unwrap().to_owned();
    assert_eq!(sent.body["status"], "pending");
    assert_eq!(sent.body["priceGems"], witness);
    assert_eq!(sent.body["note"], "enjoy!", "the note is trimmed");
    assert_eq!(sent.body["newBalance"], start - witness);
    assert_eq!(ann.balance(s).await, start - witness);
    assert!(!owns(s, &ann, WITNESS).await, "a gift is not the buyer's game");
    give(s, &ann, &bob, WITNESS).await.assert_problem(409, "gift_pending");

    let received = bob.all_pages(s, "/store/gifts", "gifts").await;
    assert_eq!(received.len(), 1, "{received:?}");
    assert_eq!(received[0]["giftId"], gift_id.as_str());
    assert_eq!(received[0]["from"]["username"], ann.username.as_str());
    assert!(received[0].get("priceGems").is_none(), "the recipient is not shown the price");
    let note = notified(s, &bob, "GiftSent", &gift_id).await;
    assert!(note["title"].as_str().unwrap().contains(&ann.username), "{note:?}");
    assert!(note["data"].get("priceGems").is_none(), "the recipient's notification holds no price: {note:?}");
    let receipt = notified(s, &ann, "GiftPurchased", &gift_id).await;
    assert_eq!(receipt["data"]["priceGems"], witness, "the buyer's does");

    // The buyer cannot refund a gift: the recipient's decline is its refund.
    let order_id = sent.body["orderId"].as_str().unwrap();
    s.post(&format!("/store/orders/{order_id}/refund"), Some(&ann.token), &json!({}))
        .await
        .assert_problem(422, "gift_not_refundable");

    let declined = answer(s, &bob, &gift_id, "decline").await;
    assert_eq!(declined.status, StatusCode::OK, "{:?}", declined.body);
    assert_eq!(declined.body["status"], "declined");
    assert!(declined.body.get("buyerBalance").is_none(), "the buyer's balance is not the recipient's to see");
    assert_eq!(ann.balance(s).await, start, "every gem back, exactly");
    let again = answer(s, &bob, &gift_id, "decline").await;
    assert_eq!(again.status, StatusCode::OK, "declining twice answers the same: {:?}", again.body);
    assert_eq!(ann.balance(s).await, start, "and refunds once");
    answer(s, &bob, &gift_id, "accept").await.assert_problem(409, "gift_decided");
    assert!(!owns(s, &bob, WITNESS).await);
    let entries = ledger(s, &ann).await;
    let of_order: Vec<(&str, i64)> = entries
        .iter()
        .filter(|e| e["reference"] == order_id)
        .map(|e| (e["kind"].as_str().unwrap(), e["amount"].as_i64().unwrap()))
        .collect();
    assert_eq!(of_order.len(), 2, "{of_order:?}");
    assert!(of_order.contains(&("gift_purchase", -witness)) && of_order.contains(&("gift_refund", witness)));
    notified(s, &ann, "GiftDeclined", &gift_id).await;

    // Accepted: the game is the friend's, the buyer stays charged.
    let braid = price_for(s, &ann, BRAID).await;
    let sent = give(s, &ann, &bob, BRAID).await;
    assert_eq!(sent.status, StatusCode::CREATED, "{:?}", sent.body);
    let braid_gift = sent.body["giftId"].as_str().unwrap().to_owned();
    let accepted = answer(s, &bob, &braid_gift, "accept").await;
    assert_eq!(accepted.status, StatusCode::OK, "{:?}", accepted.body);
    assert!(owns(s, &bob, BRAID).await);
    let again = answer(s, &bob, &braid_gift, "accept").await;
    assert_eq!(again.body["orderId"], accepted.body["orderId"], "accepting twice answers the same");
    answer(s, &bob, &braid_gift, "decline").await.assert_problem(409, "gift_decided");
    let bob_orders = bob.all_pages(s, "/store/orders", "orders").await;
    let gift_order = bob_orders.iter().find(|o| o["orderId"] == accepted.body["orderId"]).expect("listed");
    assert_eq!((gift_order["priceGems"].as_i64(), gift_order["source"].as_str()), (Some(0), Some("gift")));
    notified(s, &ann, "GiftAccepted", &braid_gift).await;

    // A friend who owns the game is not given it again, and nothing is charged.
    give(s, &ann, &bob, BRAID).await.assert_problem(409, "recipient_owns_game");
    assert_eq!(ann.balance(s).await, start - braid);
    assert_eq!(ann.ledger_sum(s).await, ann.balance(s).await, "the ledger sums to the balance");
    let sent_list = ann.all_pages(s, "/store/gifts?direction=sent", "gifts").await;
    let states: Vec<&str> = sent_list.iter().map(|g| g["status"].as_str().unwrap()).collect();
    assert_eq!(states, ["accepted", "declined"], "newest first");
}

#[tokio::test]
async fn gifts_go_to_friends_only_and_only_the_recipient_answers_them() {
    let s = stack();
    let (ann, bob, eve) = (s.funded_player(10_000).await, s.new_player().await, s.funded_player(10_000).await);
    let start = ann.balance(s).await;
    give(s, &ann, &bob, MACHINARIUM).await.assert_problem(422, "not_friends");
    give(s, &ann, &ann, MACHINARIUM).await.assert_problem(422, "cannot_gift_self");
    befriend(s, &ann, &bob).await;
    give(s, &ann, &bob, DOTA_2).await.assert_problem(422, "free_game");
    let long = json!({ "gameId": MACHINARIUM, "friendId": bob.user_id, "message": "x".repeat(281) });
    s.post("/store/gifts", Some(&ann.token), &long).await.assert_problem(400, "validation_failed");
    assert_eq!(ann.balance(s).await, start, "refusals charge nothing");

    let sent = give(s, &ann, &bob, MACHINARIUM).await;
    assert_eq!(sent.status, StatusCode::CREATED, "{:?}", sent.body);
    let gift_id = sent.body["giftId"].as_str().unwrap();
    answer(s, &eve, gift_id, "accept").await.assert_problem(404, "unknown_gift");
    answer(s, &ann, gift_id, "decline").await.assert_problem(404, "unknown_gift");
    let unknown = uuid::Uuid::new_v4();
    answer(s, &bob, &unknown.to_string(), "accept").await.assert_problem(404, "unknown_gift");
    assert!(eve.all_pages(s, "/store/gifts", "gifts").await.is_empty());
    s.get("/store/gifts?direction=sideways", Some(&ann.token)).await.assert_problem(400, "validation_failed");

    // The same Idempotency-Key sends one gift, whatever the retries.
    let key = uuid::Uuid::new_v4().to_string();
    let carl = s.new_player().await;
    befriend(s, &ann, &carl).await;
    let body = json!({ "gameId": MACHINARIUM, "friendId": carl.user_id });
    let replies = join_all((0..5).map(|_| s.post_keyed("/store/gifts", &ann.token, &key, &body))).await;
    let ids: Vec<&Value> =
        replies.iter().filter(|r| r.status == StatusCode::CREATED).map(|r| &r.body["giftId"]).collect();
    assert!(!ids.is_empty() && ids.iter().all(|id| *id == ids[0]), "{replies:?}");
    let to_carl: Vec<Value> = carl.all_pages(s, "/store/gifts", "gifts").await;
    assert_eq!(to_carl.len(), 1);
    assert_eq!(ann.ledger_sum(s).await, ann.balance(s).await);
}

#[tokio::test]
async fn twenty_racing_accepts_and_declines_of_one_gift_settle_it_once() {
    let s = stack();
    let (ann, bob) = (s.funded_player(10_000).await, s.new_player().await);
    befriend(s, &ann, &bob).await;
    let start = ann.balance(s).await;
    let sent = give(s, &ann, &bob, MACHINARIUM).await;
    assert_eq!(sent.status, StatusCode::CREATED, "{:?}", sent.body);
    let (gift_id, paid) = (sent.body["giftId"].as_str().unwrap(), sent.body["priceGems"].as_i64().unwrap());

    let verbs: Vec<&str> = (0..20).map(|i| if i % 2 == 0 { "accept" } else { "decline" }).collect();
    let replies = join_all(verbs.iter().map(|verb| answer(s, &bob, gift_id, verb))).await;
    let winners: Vec<&str> =
        verbs.iter().zip(&replies).filter(|(_, r)| r.status == StatusCode::OK).map(|(v, _)| *v).collect();
    assert!(!winners.is_empty() && winners.iter().all(|v| *v == winners[0]), "one answer wins: {winners:?}");
    for r in replies.iter().filter(|r| r.status != StatusCode::OK) {
        r.assert_problem(409, "gift_decided");
    }
    let gift = bob.all_pages(s, "/store/gifts", "gifts").await.into_iter().next().unwrap();
    let owns_it = owns(s, &bob, MACHINARIUM).await;
    match winners[0] {
        "accept" => {
            assert_eq!(gift["status"], "accepted");
            assert!(owns_it);
            assert_eq!(ann.balance(s).await, start - paid);
        }
        _ => {
            assert_eq!(gift["status"], "declined");
            assert!(!owns_it);
            assert_eq!(ann.balance(s).await, start, "refunded once");
        }
    }
    let refunds = ledger(s, &ann).await.iter().filter(|e| e["kind"] == "gift_refund").count();
    assert_eq!(refunds, usize::from(winners[0] == "decline"), "refunded once if declined, never if accepted");
    assert_eq!(ann.ledger_sum(s).await, ann.balance(s).await);
    let notes = eventually("the buyer's notification", Duration::from_secs(20), || async {
        let notes: Vec<Value> = ann
            .notifications(s)
            .await
            .into_iter()
            .filter(|n| {
                n["data"]["giftId"] == gift_id
                    && ["GiftAccepted", "GiftDeclined"].contains(&n["type"].as_str().unwrap())
            })
            .collect();
        (!notes.is_empty()).then_some(notes)
    })
    .await;
    assert_eq!(notes.len(), 1, "one notification of the answer: {notes:?}");
}

#[tokio::test]
async fn a_gift_left_unanswered_for_thirty_days_expires_and_refunds_the_buyer_once() {
    let s = stack();
    let (ann, bob) = (s.funded_player(10_000).await, s.new_player().await);
    befriend(s, &ann, &bob).await;
    let start = ann.balance(s).await;
    let sent = give(s, &ann, &bob, BRAID).await;
    assert_eq!(sent.status, StatusCode::CREATED, "{:?}", sent.body);
    let gift_id = sent.body["giftId"].as_str().unwrap().to_owned();
    assert_eq!(ann.balance(s).await, start - sent.body["priceGems"].as_i64().unwrap());

    // Thirty days pass (the one thing written behind the API: the gift's deadline).
    s.dynamo()
        .await
        .update_item()
        .table_name(s.template.table_name("GiftsTable").unwrap())
        .key("giftId", aws_sdk_dynamodb::types::AttributeValue::S(gift_id.clone()))
        .update_expression("SET expiresAt = :past")
        .expression_attribute_values(
            ":past",
            aws_sdk_dynamodb::types::AttributeValue::N((platform::clock::now_secs() - 1).to_string()),
        )
        .send()
        .await
        .unwrap();
    let hourly = json!({ "source": "aws.events", "detail-type": "Scheduled Event", "detail": {} });
    let run = s.invoke("gifts-expire", &hourly).await;
    assert!(run["expired"].as_u64().unwrap() >= 1, "{run:?}");
    assert_eq!(ann.balance(s).await, start, "every gem back");
    let gift =
        bob.all_pages(s, "/store/gifts", "gifts").await.into_iter().find(|g| g["giftId"] == gift_id.as_str()).unwrap();
    assert_eq!(gift["status"], "expired");
    answer(s, &bob, &gift_id, "accept").await.assert_problem(409, "gift_decided");
    s.invoke("gifts-expire", &hourly).await;
    assert_eq!(ann.balance(s).await, start, "refunded once");
    assert_eq!(ann.ledger_sum(s).await, ann.balance(s).await);
    notified(s, &ann, "GiftExpired", &gift_id).await;
    // The friend may be given the game again.
    assert_eq!(give(s, &ann, &bob, BRAID).await.status, StatusCode::CREATED);
}
