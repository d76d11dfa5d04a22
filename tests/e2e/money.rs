//! Money rules under concurrency and faults: nothing is lost, nothing is counted twice, no balance
//! goes negative, and the ledger always explains the balance.

use futures::future::join_all;
use platform::payments::GemPurchase;
use platform::store::idempotency;
use platform_tests::stack;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn two_hundred_concurrent_pulls_funded_for_fifty_spend_exactly_fifty() {
    let s = stack();
    let p = s.new_player().await;
    assert_eq!(p.buy(s, 50 * 160).await.status, StatusCode::OK);

    let replies = join_all((0..200).map(|_| p.pull(s, "heroes", 1))).await;
    let ok = replies.iter().filter(|r| r.status == StatusCode::OK).count();
    for r in replies.iter().filter(|r| r.status != StatusCode::OK) {
        r.assert_problem(422, "insufficient_funds");
    }
    assert_eq!(ok, 50);
    assert_eq!(p.balance(s).await, 0);
    assert_eq!(p.all_pages(s, "/gacha/history", "pulls").await.len(), 50);
    assert_eq!(p.ledger_sum(s).await, 0, "the ledger explains the balance");
    let balances: Vec<i64> = replies.iter().filter_map(|r| r.body["newCurrencyBalance"].as_i64()).collect();
    assert!(balances.iter().all(|b| *b >= 0), "never negative: {balances:?}");
}

#[tokio::test]
async fn twenty_concurrent_buys_with_one_key_credit_once() {
    let s = stack();
    let p = s.new_player().await;
    let body = json!({ "amount": 700, "paymentMethod": "tok_visa" });
    let replies =
        join_all((0..20).map(|_| s.post_keyed("/account/buy-currency", &p.token, "same-key-20x", &body))).await;
    let mut charge_ids = std::collections::HashSet::new();
    for r in &replies {
        match r.status.as_u16() {
            200 => {
                charge_ids.insert(r.body["chargeId"].as_str().unwrap().to_owned());
            }
            409 => r.assert_problem(409, "idempotency_in_progress"),
            other => panic!("unexpected {other}: {:?}", r.body),
        }
    }
    assert_eq!(charge_ids.len(), 1, "every success reports the same single charge");
    assert_eq!(p.balance(s).await, 700);
    assert_eq!(p.ledger_sum(s).await, 700);
    assert_eq!(p.all_pages(s, "/account/ledger", "entries").await.len(), 1);
}

#[tokio::test]
async fn a_replayed_key_returns_the_first_response_and_a_changed_body_is_refused() {
    let s = stack();
    let p = s.new_player().await;
    let buy = json!({ "amount": 500, "paymentMethod": "tok_visa" });
    let first = s.post_keyed("/account/buy-currency", &p.token, "replay-buy", &buy).await;
    let again = s.post_keyed("/account/buy-currency", &p.token, "replay-buy", &buy).await;
    assert_eq!(first.status, StatusCode::OK);
    assert_eq!(first.body, again.body);
    let changed = s
        .post_keyed(
            "/account/buy-currency",
            &p.token,
            "replay-buy",
            &json!({ "amount": 900, "paymentMethod": "tok_visa" }),
        )
        .await;
    changed.assert_problem(422, "idempotency_key_reused");

    let pull = json!({ "bannerId": "heroes", "count": 1 });
    let first = s.post_keyed("/gacha/pull", &p.token, "replay-pull", &pull).await;
    let again = s.post_keyed("/gacha/pull", &p.token, "replay-pull", &pull).await;
    assert_eq!(first.status, StatusCode::OK);
    assert_eq!(first.body, again.body, "same items, same balance: the replay moved nothing");
    let changed =
        s.post_keyed("/gacha/pull", &p.token, "replay-pull", &json!({ "bannerId": "heroes", "count": 10 })).await;
    changed.assert_problem(422, "idempotency_key_reused");
    assert_eq!(p.balance(s).await, 500 - 160);
    assert_eq!(p.all_pages(s, "/gacha/history", "pulls").await.len(), 1);

    // Keys are per player: another player's identical key is independent.
    let q = s.new_player().await;
    let r = s.post_keyed("/account/buy-currency", &q.token, "replay-buy", &buy).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_ne!(r.body["chargeId"], first.body["chargeId"]);
}

#[tokio::test]
async fn sandbox_declines_change_nothing_and_transient_failures_are_retried() {
    let s = stack();
    let p = s.new_player().await;
    let r = s
        .post_keyed(
            "/account/buy-currency",
            &p.token,
            "declined-1",
            &json!({ "amount": 100, "paymentMethod": "tok_declined" }),
        )
        .await;
    r.assert_problem(402, "payment_declined");
    let r = s
        .post_keyed(
            "/account/buy-currency",
            &p.token,
            "no-funds-1",
            &json!({ "amount": 100, "paymentMethod": "tok_insufficient_funds" }),
        )
        .await;
    r.assert_problem(402, "payment_declined");
    assert_eq!(p.balance(s).await, 0);

    // A decline releases its key: the same key with a card that works is a new, successful charge.
    let r = s
        .post_keyed(
            "/account/buy-currency",
            &p.token,
            "declined-1",
            &json!({ "amount": 100, "paymentMethod": "tok_visa" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["newBalance"], 100);

    // Fails once at the provider, succeeds on our retry with the same provider key: one credit.
    let r = s
        .post_keyed(
            "/account/buy-currency",
            &p.token,
            "flaky-key-1",
            &json!({ "amount": 300, "paymentMethod": "tok_flaky" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["newBalance"], 400);

    // Never reachable: 503, nothing credited, and the same key may be retried straight away.
    let down = json!({ "amount": 50, "paymentMethod": "tok_unavailable" });
    s.post_keyed("/account/buy-currency", &p.token, "down-key-1", &down)
        .await
        .assert_problem(503, "service_unavailable");
    s.post_keyed("/account/buy-currency", &p.token, "down-key-1", &down)
        .await
        .assert_problem(503, "service_unavailable");
    assert_eq!(p.balance(s).await, 400);
    assert_eq!(p.ledger_sum(s).await, 400);
}

/// The function dies after the card was charged and before the credit: the scheduled reconciler
/// (the real binary, invoked through the Lambda Invoke API) credits it once, and the client's
/// retry then gets the same answer without a second credit.
#[tokio::test]
async fn a_charge_whose_function_died_is_credited_once_by_the_reconciler() {
    let s = stack();
    let p = s.new_player().await;
    let app = s.app(s.dynamo().await).await;
    let purchase = GemPurchase::new(1234, "tok_visa").unwrap();
    let guard =
        idempotency::Guard::new(&p.user_id, platform::payments::OPERATION, "crash-key", &purchase.request_json());
    // Claimed and charged, and here the invocation died; its lock runs out.
    platform_tests::charged_then_crashed(&app, &p.user_id, &guard, &purchase.request_json(), (1234, "GBP")).await;
    assert_eq!(p.balance(s).await, 0, "charged but not yet credited");

    let r = platform_tests::http()
        .post(format!("{}/2015-03-31/functions/payments-reconcile/invocations", s.invoke_url))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert!(r.headers().get("x-amz-function-error").is_none());
    let report: serde_json::Value = r.json().await.unwrap();
    assert!(report["credited"].as_u64().unwrap() >= 1, "{report}");
    assert_eq!(p.balance(s).await, 1234);

    let retry = s
        .post_keyed(
            "/account/buy-currency",
            &p.token,
            "crash-key",
            &json!({ "amount": 1234, "paymentMethod": "tok_visa" }),
        )
        .await;
    assert_eq!(retry.status, StatusCode::OK, "{:?}", retry.body);
    assert_eq!(retry.body["newBalance"], 1234);
    assert_eq!(p.balance(s).await, 1234);
    assert_eq!(p.all_pages(s, "/account/ledger", "entries").await.len(), 1);
}

/// One key, one outcome: a pull refused for want of gems is refused again under the same key
/// after a top-up lands (a double tap or a retry never gets both answers); a new key pulls.
#[tokio::test]
async fn a_key_refused_for_insufficient_gems_stays_refused_after_a_top_up() {
    let s = stack();
    let p = s.new_player().await;
    let body = json!({ "bannerId": "heroes", "count": 1, "currencySpent": 160 });
    s.post_keyed("/gacha/pull", &p.token, "broke-pull", &body).await.assert_problem(422, "insufficient_funds");
    assert_eq!(p.buy(s, 160).await.status, StatusCode::OK);

    s.post_keyed("/gacha/pull", &p.token, "broke-pull", &body).await.assert_problem(422, "insufficient_funds");
    assert_eq!(p.balance(s).await, 160, "the refused key moved nothing");
    let fresh = s.post_keyed("/gacha/pull", &p.token, "funded-pull", &body).await;
    assert_eq!(fresh.status, StatusCode::OK, "{:?}", fresh.body);
    assert_eq!(p.balance(s).await, 0);
}
