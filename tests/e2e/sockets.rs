//! The WebSocket API through a third-party client (Python `websockets`): a player connects with
//! a token, selects a banner, pulls over the socket through the same money flow as HTTP, and gets
//! the result and a balance push; a handshake without a valid token is refused; bad frames get
//! error frames and change nothing.

use platform_tests::{stack, third_party};
use reqwest::StatusCode;
use serde_json::Value;

#[tokio::test]
async fn a_socket_client_selects_a_banner_pulls_and_gets_its_result_and_a_balance_push() {
    let s = stack();
    let p = s.new_player().await;
    assert_eq!(p.buy(s, 2_000).await.status, StatusCode::OK);
    let seen = tokio::task::spawn_blocking({
        let (url, token) = (s.socket_url.clone(), p.token.clone());
        move || third_party("socket_client.py", &[&url, &token, "journey"])
    })
    .await
    .unwrap();
    assert_eq!(seen["selected"]["type"], "bannerSelected", "{seen}");
    assert_eq!(seen["selected"]["banner"]["pity"]["bannerType"], "equipment");
    let result = &seen["pullResult"];
    assert_eq!(result["type"], "pullResult", "{seen}");
    assert_eq!(result["bannerId"], "equipment", "the pull used the selected banner");
    assert_eq!(result["items"].as_array().unwrap().len(), 10);
    let cost = result["currencySpent"].as_i64().unwrap();
    assert_eq!(result["newCurrencyBalance"].as_i64(), Some(2_000 - cost));
    assert_eq!(
        seen["balance"]["currencyBalance"].as_i64(),
        Some(2_000 - cost),
        "the balance push says the new balance"
    );
    assert_eq!(seen["replay"]["pullIds"], result["pullIds"], "a repeated idempotency key replays the first pull");
    // The same money flow as HTTP: one debit, ten pull records, a ledger that explains it.
    assert_eq!(p.balance(s).await, 2_000 - cost);
    assert_eq!(p.ledger_sum(s).await, 2_000 - cost);
    assert_eq!(p.all_pages(s, "/gacha/history", "pulls").await.len(), 10);
}

#[tokio::test]
async fn handshakes_without_a_valid_token_are_refused_and_bad_frames_get_error_frames_changing_nothing() {
    let s = stack();
    let p = s.new_player().await;
    assert_eq!(p.buy(s, 1_000).await.status, StatusCode::OK);
    let url = s.socket_url.clone();
    let refused = tokio::task::spawn_blocking({
        let url = url.clone();
        move || third_party("socket_client.py", &[&url, "-", "refused"])
    })
    .await
    .unwrap();
    assert_eq!(refused["statuses"], serde_json::json!([401, 401]), "{refused}");

    let token = p.token.clone();
    let bad = tokio::task::spawn_blocking(move || third_party("socket_client.py", &[&url, &token, "bad-frames"]))
        .await
        .unwrap();
    let errors: Vec<&Value> = bad["errors"].as_array().unwrap().iter().collect();
    assert!(errors.iter().all(|e| e["type"] == "error"), "{bad}");
    let codes: Vec<&str> = errors.iter().map(|e| e["code"].as_str().unwrap()).collect();
    assert_eq!(
        codes,
        ["malformed_json", "validation_failed", "validation_failed", "validation_failed", "unknown_banner"]
    );
    assert_eq!((errors[1]["field"].as_str(), errors[2]["field"].as_str()), (Some("action"), Some("count")));
    assert_eq!(errors[3]["field"], "bannerId");
    assert_eq!(p.balance(s).await, 1_000, "bad frames moved no gems");
    assert!(p.all_pages(s, "/gacha/history", "pulls").await.is_empty());
}
