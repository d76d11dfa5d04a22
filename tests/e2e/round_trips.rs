//! DynamoDB round trips per request, counted with an SDK interceptor on the real handler:
//! a pull of 1 and a pull of 10 are each exactly one TransactWriteItems.

use platform_tests::{stack, CallCounter};
use serde_json::json;

fn pull_request(token: &str, key: &str, body: serde_json::Value) -> lambda_http::Request {
    lambda_http::http::Request::builder()
        .method("POST")
        .uri("/gacha/pull")
        .header("authorization", format!("Bearer {token}"))
        .header("idempotency-key", key)
        .header("content-type", "application/json")
        .body(lambda_http::Body::Text(body.to_string()))
        .unwrap()
}

#[tokio::test]
async fn a_pull_of_one_and_a_pull_of_ten_are_each_one_transaction() {
    let s = stack();
    let p = s.new_player().await;
    assert_eq!(p.buy(s, 160 + 1600).await.status.as_u16(), 200);
    let counter = CallCounter::default();
    let app = s.app(s.dynamo_with(counter.clone()).await).await;

    for (key, count) in [("rt-key-one", 1), ("rt-key-ten", 10)] {
        counter.take();
        let response = gacha_pull::handle(pull_request(&p.token, key, json!({ "count": count })), &app).await.unwrap();
        assert_eq!(response.status(), 200);
        let calls = counter.take();
        assert_eq!(calls.iter().filter(|c| *c == "TransactWriteItems").count(), 1, "{calls:?}");
        // Banner read and the transaction, then (concurrently) clearing the published event from
        // the outbox, the balance read and the stored final response: nothing else.
        assert_eq!(calls[..2], ["GetItem", "TransactWriteItems"], "count {count}");
        let mut after: Vec<&str> = calls[2..].iter().map(String::as_str).collect();
        after.sort_unstable();
        assert_eq!(after, ["DeleteItem", "GetItem", "UpdateItem"], "count {count}");
    }
    assert_eq!(p.balance(s).await, 0);

    // A replay moves nothing: no transaction commits and the stored answer is returned.
    counter.take();
    let replay = gacha_pull::handle(pull_request(&p.token, "rt-key-ten", json!({ "count": 10 })), &app).await.unwrap();
    assert_eq!(replay.status(), 200);
    assert_eq!(p.balance(s).await, 0);
}
