//! Every bad input gets a clear 4xx problem+json and changes nothing.

use platform_tests::{stack, Player, Stack};
use reqwest::Method;
use serde_json::Value;

async fn snapshot(s: &Stack, p: &Player) -> (i64, Vec<Value>, Vec<Value>) {
    (
        p.balance(s).await,
        p.all_pages(s, "/account/ledger", "entries").await,
        p.all_pages(s, "/gacha/history", "pulls").await,
    )
}

struct Case {
    method: Method,
    path: &'static str,
    key: Option<&'static str>,
    body: Option<String>,
    content_type: &'static str,
    status: u16,
    code: &'static str,
    field: Option<&'static str>,
}

fn case(
    method: Method,
    path: &'static str,
    body: Option<&str>,
    status: u16,
    code: &'static str,
    field: Option<&'static str>,
) -> Case {
    Case {
        method,
        path,
        key: Some("bad-input-key-1"),
        body: body.map(str::to_owned),
        content_type: "application/json",
        status,
        code,
        field,
    }
}

/// A valid purchase body whose Idempotency-Key is malformed (a missing key is fine: optional).
fn buy_with_key(key: Option<&'static str>) -> Case {
    let body = r#"{"amount":100,"paymentMethod":"tok_visa"}"#;
    Case { key, ..case(Method::POST, "/account/buy-currency", Some(body), 400, "invalid_idempotency_key", None) }
}

#[tokio::test]
async fn bad_input_is_rejected_with_a_problem_and_changes_nothing() {
    let s = stack();
    let p = s.new_player().await;
    assert_eq!(p.buy(s, 1000).await.status.as_u16(), 200);
    assert_eq!(p.pull(s, "heroes", 1).await.status.as_u16(), 200);
    let before = snapshot(s, &p).await;
    let taken_user = format!(
        r#"{{"username":"{}","password":"long enough pw","email":"fresh-{}@example.com"}}"#,
        p.username, p.username
    );
    let taken_email =
        format!(r#"{{"username":"x{}","password":"long enough pw","email":"{}@example.com"}}"#, p.username, p.username);
    let huge = format!(r#"{{"amount":1,"paymentMethod":"{}"}}"#, "x".repeat(20_000));
    use Method as M;
    let mut cases = vec![
        // register
        case(M::POST, "/account/register", Some("{not json"), 400, "malformed_json", None),
        case(M::POST, "/account/register", Some(""), 400, "validation_failed", None),
        case(
            M::POST,
            "/account/register",
            Some(r#"{"username":"ann","password":"long enough pw"}"#),
            400,
            "validation_failed",
            Some("email"),
        ),
        case(
            M::POST,
            "/account/register",
            Some(r#"{"username":5,"password":"long enough pw","email":"a@b.co"}"#),
            400,
            "validation_failed",
            Some("username"),
        ),
        case(
            M::POST,
            "/account/register",
            Some(r#"{"username":"аdmin","password":"long enough pw","email":"a@b.co"}"#),
            400,
            "validation_failed",
            Some("username"),
        ),
        case(
            M::POST,
            "/account/register",
            Some(r#"{"username":"ad\u200bmin","password":"long enough pw","email":"a@b.co"}"#),
            400,
            "validation_failed",
            Some("username"),
        ),
        case(
            M::POST,
            "/account/register",
            Some(r#"{"username":"newbie","password":"short","email":"a@b.co"}"#),
            400,
            "validation_failed",
            Some("password"),
        ),
        case(
            M::POST,
            "/account/register",
            Some(r#"{"username":"newbie","password":"long enough pw","email":"nope"}"#),
            400,
            "validation_failed",
            Some("email"),
        ),
        case(
            M::POST,
            "/account/register",
            Some(r#"{"username":"newbie","password":"long enough pw","email":"a@b.co","admin":true}"#),
            400,
            "validation_failed",
            None,
        ),
        case(M::POST, "/account/register", Some(&taken_user), 409, "username_taken", None),
        case(M::POST, "/account/register", Some(&taken_email), 409, "email_taken", None),
        // login
        case(M::POST, "/account/login", Some(r#"{"username":"ann"}"#), 400, "validation_failed", Some("password")),
        case(M::POST, "/account/login", Some(r#"["ann","pw"]"#), 400, "validation_failed", None),
        // buy-currency
        case(
            M::POST,
            "/account/buy-currency",
            Some(r#"{"amount":0,"paymentMethod":"tok_visa"}"#),
            400,
            "validation_failed",
            Some("amount"),
        ),
        case(
            M::POST,
            "/account/buy-currency",
            Some(r#"{"amount":-5,"paymentMethod":"tok_visa"}"#),
            400,
            "validation_failed",
            Some("amount"),
        ),
        case(
            M::POST,
            "/account/buy-currency",
            Some(r#"{"amount":1000000000000,"paymentMethod":"tok_visa"}"#),
            400,
            "validation_failed",
            Some("amount"),
        ),
        case(
            M::POST,
            "/account/buy-currency",
            Some(r#"{"amount":99999999999999999999999,"paymentMethod":"tok_visa"}"#),
            400,
            "validation_failed",
            Some("amount"),
        ),
        case(
            M::POST,
            "/account/buy-currency",
            Some(r#"{"amount":10.5,"paymentMethod":"tok_visa"}"#),
            400,
            "validation_failed",
            Some("amount"),
        ),
        case(
            M::POST,
            "/account/buy-currency",
            Some(r#"{"amount":"100","paymentMethod":"tok_visa"}"#),
            400,
            "validation_failed",
            Some("amount"),
        ),
        case(
            M::POST,
            "/account/buy-currency",
            Some(r#"{"amount":100}"#),
            400,
            "validation_failed",
            Some("paymentMethod"),
        ),
        case(
            M::POST,
            "/account/buy-currency",
            Some(r#"{"amount":100,"paymentMethod":""}"#),
            400,
            "validation_failed",
            Some("paymentMethod"),
        ),
        case(
            M::POST,
            "/account/buy-currency",
            Some(r#"{"amount":100,"paymentMethod":"tok_visa"} trailing"#),
            400,
            "malformed_json",
            None,
        ),
        case(M::POST, "/account/buy-currency", Some(&huge), 413, "payload_too_large", None),
        buy_with_key(Some("semi;colon-key")),
        buy_with_key(Some("short")),
        buy_with_key(Some("has spaces in it")),
        Case {
            content_type: "text/plain",
            ..case(
                M::POST,
                "/account/buy-currency",
                Some(r#"{"amount":100,"paymentMethod":"tok_visa"}"#),
                415,
                "unsupported_media_type",
                None,
            )
        },
        // pull
        case(M::POST, "/gacha/pull", Some(r#"{"count":2}"#), 400, "validation_failed", Some("count")),
        case(M::POST, "/gacha/pull", Some(r#"{"count":0}"#), 400, "validation_failed", Some("count")),
        case(M::POST, "/gacha/pull", Some(r#"{"count":-1}"#), 400, "validation_failed", Some("count")),
        case(M::POST, "/gacha/pull", Some(r#"{"bannerId":"nope"}"#), 404, "unknown_banner", None),
        case(M::POST, "/gacha/pull", Some(r#"{"bannerId":"BAD ID"}"#), 400, "validation_failed", Some("bannerId")),
        case(M::POST, "/gacha/pull", Some(r#"{"currencySpent":1}"#), 422, "price_mismatch", Some("currencySpent")),
        case(
            M::POST,
            "/gacha/pull",
            Some(r#"{"currencySpent":-160}"#),
            400,
            "validation_failed",
            Some("currencySpent"),
        ),
        case(M::POST, "/gacha/pull", Some(r#"{"bannerId":"heroes","count":10}"#), 422, "insufficient_funds", None),
        Case { key: Some("tiny"), ..case(M::POST, "/gacha/pull", Some("{}"), 400, "invalid_idempotency_key", None) },
        // reads
        case(M::GET, "/gacha/history?limit=0", None, 400, "validation_failed", Some("limit")),
        case(M::GET, "/gacha/history?limit=abc", None, 400, "validation_failed", Some("limit")),
        case(M::GET, "/gacha/history?cursor=garbage!", None, 400, "invalid_cursor", None),
        case(M::GET, "/account/ledger?limit=101", None, 400, "validation_failed", Some("limit")),
        case(M::GET, "/account/ledger?cursor=djE6", None, 400, "invalid_cursor", None),
        case(M::GET, "/gacha/items?bannerId=nope", None, 404, "unknown_banner", None),
        case(M::GET, "/gacha/rarity-chances?bannerId=nope", None, 404, "unknown_banner", None),
        case(M::GET, "/gacha/rarity-chances?bannerId=%00", None, 400, "validation_failed", Some("bannerId")),
    ];
    for c in cases.drain(..) {
        let mut headers = vec![];
        if let Some(key) = c.key {
            headers.push(("idempotency-key", key));
        }
        let mut request = platform_tests::http()
            .request(c.method.clone(), format!("{}{}", s.base_url, c.path))
            .header("authorization", format!("Bearer {}", p.token));
        for (k, v) in &headers {
            request = request.header(*k, *v);
        }
        if let Some(body) = &c.body {
            request = request.header("content-type", c.content_type).body(body.clone());
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let content_type = response.headers()["content-type"].to_str().unwrap().to_owned();
        let body: Value = response.json().await.unwrap();
        let label = format!("{} {} {:?}", c.method, c.path, c.body.as_deref().map(|b| &b[..b.len().min(80)]));
        assert_eq!(status, c.status, "{label}: {body}");
        assert_eq!(content_type, "application/problem+json", "{label}");
        assert_eq!(body["code"], c.code, "{label}: {body}");
        assert!(body["detail"].as_str().is_some_and(|d| !d.is_empty()), "{label}: a clear detail");
        if let Some(field) = c.field {
            assert_eq!(body["field"], field, "{label}: {body}");
        }
    }
    assert_eq!(snapshot(s, &p).await, before, "bad input changed balance, ledger or history");
}
