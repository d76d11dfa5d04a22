//! Round trips per request, counted with an SDK interceptor on the real handlers (DynamoDB, SQS
//! and EventBridge clients alike): the calls of each money request are asserted exactly, and none
//! of them talks to the bus or a queue (events leave through the outbox's stream).

use platform_tests::{stack, CallCounter};
use serde_json::json;

fn request(path: &str, token: &str, key: Option<&str>, body: serde_json::Value) -> lambda_http::Request {
    platform_tests::handler_request(path, token, key, &body)
}

fn sorted(calls: &[String]) -> Vec<&str> {
    let mut calls: Vec<&str> = calls.iter().map(String::as_str).collect();
    calls.sort_unstable();
    calls
}

#[tokio::test]
async fn a_pull_reads_wallet_pity_seed_and_inventory_together_then_commits_once_and_a_replay_writes_nothing_more() {
    let s = stack();
    let p = s.new_player().await;
    assert_eq!(p.buy(s, 160 * 3 + 1600 * 2).await.status.as_u16(), 200);
    let counter = CallCounter::default();
    let app = s.counted_app(&counter).await;
    // The first pull of an instance also reads the banner, before the wallet, pity counters, seed
    // and inventory; a player's first pull also creates their seed (GetItem finds none, PutItem).
    let warm = gacha_pull::handle(request("/gacha/pull", &p.token, None, json!({})), &app).await.unwrap();
    assert_eq!(warm.status(), 200);
    assert_eq!(
        sorted(&counter.take()),
        ["GetItem", "GetItem", "GetItem", "GetItem", "PutItem", "Query", "TransactWriteItems"]
    );

    for (key, count) in [("rt-key-one", 1), ("rt-key-ten", 10)] {
        let response = gacha_pull::handle(request("/gacha/pull", &p.token, Some(key), json!({ "count": count })), &app)
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(
            sorted(&counter.take()),
            ["GetItem", "GetItem", "GetItem", "Query", "TransactWriteItems"],
            "pull x{count}: wallet, pity counters, seed and inventory read together, then the transaction"
        );
    }
    let replay = gacha_pull::handle(request("/gacha/pull", &p.token, Some("rt-key-ten"), json!({ "count": 10 })), &app)
        .await
        .unwrap();
    assert_eq!(replay.status(), 200);
    assert_eq!(
        sorted(&counter.take()),
        ["GetItem", "GetItem", "GetItem", "Query", "TransactWriteItems"],
        "the cancelled transaction returns the stored answer"
    );
    assert_eq!(p.balance(s).await, 160 + 1600, "the replay moved nothing");
}

#[tokio::test]
async fn a_purchase_reads_the_game_its_sales_the_wallet_and_the_region_together_then_its_fee_tier_then_commits_once() {
    let s = stack();
    let p = s.new_player().await;
    assert_eq!(p.buy(s, 1_000).await.status.as_u16(), 200);
    let counter = CallCounter::default();
    let app = s.counted_app(&counter).await;
    let response = store_purchase::handle(
        request("/store/purchase", &p.token, Some("rt-purchase-key"), json!({ "gameId": 20 })),
        &app,
    )
    .await
    .unwrap();
    assert_eq!(response.status(), 200);
    let calls = counter.take();
    assert_eq!(
        sorted(&calls[..4]),
        ["GetItem", "GetItem", "GetItem", "GetItem"],
        "game, its prices, the wallet and the profile (price region), in parallel"
    );
    // The seller's lifetime revenue for the fee tier is keyed by the seller the game names.
    assert_eq!(calls[4..], ["GetItem", "TransactWriteItems"]);
}

#[tokio::test]
async fn buying_gems_claims_charges_and_credits_in_one_transaction() {
    let s = stack();
    let p = s.new_player().await;
    let counter = CallCounter::default();
    let app = s.counted_app(&counter).await;
    let body = json!({ "amount": 500, "paymentMethod": "tok_visa" });
    let response =
        account_buy_currency::handle(request("/account/buy-currency", &p.token, Some("rt-buy-key-1"), body), &app)
            .await
            .unwrap();
    assert_eq!(response.status(), 200);
    let calls = counter.take();
    assert_eq!(calls[0], "GetItem", "the profile: the price region (and birth date) the quote needs");
    assert_eq!(
        sorted(&calls[1..3]),
        ["GetItem", "UpdateItem"],
        "the key's claim with the quote and the wallet, in parallel; an adult reserves nothing"
    );
    assert_eq!(calls[3..5], ["GetItem", "PutItem"], "the sandbox provider looks the charge up, then records it");
    assert_eq!(calls[5..], ["TransactWriteItems"]);
}

#[tokio::test]
async fn a_chat_message_is_checked_then_stored_with_its_block_check_and_jobs_in_one_transaction() {
    let s = stack();
    let (ann, bob) = (s.new_player().await, s.new_player().await);
    let counter = CallCounter::default();
    let app = s.counted_app(&counter).await;
    let body = json!({ "recipientId": bob.user_id, "text": "counted" });
    let response = chat_send::handle(request("/chat/messages", &ann.token, None, body), &app).await.unwrap();
    assert_eq!(response.status(), 201);
    let calls = counter.take();
    assert_eq!(calls[0], "UpdateItem", "the sender's rate-limit slot");
    assert_eq!(calls[1], "GetItem", "the recipient exists");
    assert_eq!(calls[2..], ["TransactWriteItems"], "one transaction checks the block and stores the message");
}
