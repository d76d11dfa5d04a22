//! Tokens are checked once and strictly; nobody reads another player's money or pulls; login
//! failures are throttled and do not reveal which usernames exist.

use platform_tests::stack;
use reqwest::{Method, StatusCode};
use serde_json::json;

const PROTECTED: [(&str, &str); 5] = [
    ("GET", "/account/currency"),
    ("GET", "/account/ledger"),
    ("GET", "/gacha/history"),
    ("POST", "/gacha/pull"),
    ("POST", "/account/buy-currency"),
];

#[tokio::test]
async fn missing_malformed_tampered_expired_alg_none_and_foreign_tokens_get_401() {
    let s = stack();
    let p = s.new_player().await;
    let keys = s.tokens().await;
    let now = platform::clock::now_secs();
    let claims = |aud: &str, iat: u64, exp: u64| platform::tokens::Claims {
        sub: p.user_id.clone(),
        iss: "game-platform".into(),
        aud: aud.into(),
        iat,
        exp,
        sid: None,
        client_id: None,
        scope: None,
    };
    // Signed by the platform's own KMS key, so only the claims are wrong.
    let expired = keys.sign(&claims("game-platform-api", now - 7200, now - 3600)).await.unwrap();
    let wrong_audience = keys.sign(&claims("another-api", now, now + 600)).await.unwrap();
    assert!(keys.verify(&keys.sign(&claims("game-platform-api", now, now + 600)).await.unwrap()).await.is_ok());
    let mut tampered = p.token.clone();
    tampered.pop();
    tampered.push(if p.token.ends_with('A') { 'B' } else { 'A' });
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let alg_none = format!(
        "{}.{}.",
        b64.encode(br#"{"alg":"none","typ":"JWT"}"#),
        b64.encode(json!({ "sub": p.user_id, "iss": "game-platform", "aud": "game-platform-api", "iat": now, "exp": now + 600 }).to_string())
    );
    // HS256 under the real key's kid, keyed with a guessable secret: the algorithm is pinned.
    let kid = jsonwebtoken::decode_header(&p.token).unwrap().kid;
    let header = jsonwebtoken::Header { kid, ..jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256) };
    let other_secret = jsonwebtoken::encode(
        &header,
        &claims("game-platform-api", now, now + 600),
        &jsonwebtoken::EncodingKey::from_secret(&[9u8; 32]),
    )
    .unwrap();
    let bad_headers: Vec<Option<String>> = vec![
        None,
        Some("Bearer".into()),
        Some("Basic dXNlcjpwdw==".into()),
        Some("Bearer not.a.jwt".into()),
        Some(format!("Bearer {tampered}")),
        Some(format!("Bearer {expired}")),
        Some(format!("Bearer {alg_none}")),
        Some(format!("Bearer {wrong_audience}")),
        Some(format!("Bearer {other_secret}")),
    ];
    for (method, path) in PROTECTED {
        for header in &bad_headers {
            let mut request = platform_tests::http()
                .request(Method::from_bytes(method.as_bytes()).unwrap(), format!("{}{path}", s.base_url))
                .header("idempotency-key", "auth-test-key-1")
                .header("content-type", "application/json")
                .body(r#"{"amount":100,"paymentMethod":"tok_visa"}"#);
            if let Some(h) = header {
                request = request.header("authorization", h);
            }
            let r = request.send().await.unwrap();
            assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{method} {path} with {header:?}");
            assert_eq!(r.headers()["www-authenticate"], "Bearer");
            let body: serde_json::Value = r.json().await.unwrap();
            assert_eq!(body["code"], "unauthorized");
        }
    }
    assert_eq!(p.balance(s).await, 0, "no rejected request moved money");
}

#[tokio::test]
async fn a_player_only_ever_sees_their_own_balance_ledger_and_history() {
    let s = stack();
    let alice = s.new_player().await;
    let bob = s.new_player().await;
    assert_eq!(alice.buy(s, 480).await.status, StatusCode::OK);
    assert_eq!(alice.pull(s, "heroes", 1).await.status, StatusCode::OK);

    let r = s.get("/account/currency", Some(&bob.token)).await;
    assert_eq!(r.body, json!({ "userId": bob.user_id, "currencyBalance": 0 }));
    // Query parameters naming someone else are ignored: identity comes from the token only.
    let r = s.get(&format!("/gacha/history?userId={}", alice.user_id), Some(&bob.token)).await;
    assert_eq!(r.body["userId"], bob.user_id);
    assert_eq!(r.body["pulls"], json!([]));
    let r = s.get(&format!("/account/ledger?userId={}", alice.user_id), Some(&bob.token)).await;
    assert_eq!(r.body["entries"], json!([]));
    // Alice's cursor replayed by Bob pages through Bob's data, never Alice's.
    let page = s.get("/account/ledger?limit=1", Some(&alice.token)).await;
    let cursor = page.body["nextCursor"].as_str().expect("alice has two entries");
    let r = s.get(&format!("/account/ledger?cursor={cursor}"), Some(&bob.token)).await;
    assert_eq!(r.body["entries"], json!([]));
    // Spending with Bob's token spends Bob's (empty) wallet.
    s.post_keyed("/gacha/pull", &bob.token, "bob-pull-1", &json!({})).await.assert_problem(422, "insufficient_funds");
    assert_eq!(alice.balance(s).await, 320);
}

#[tokio::test]
async fn wrong_passwords_are_throttled_per_account_and_unknown_users_look_the_same() {
    let s = stack();
    let unknown =
        s.post("/account/login", None, &json!({ "username": "nobody-here-at-all", "password": "whatever1" })).await;
    unknown.assert_problem(401, "invalid_credentials");
    let limit = platform::flows::password::PER_ACCOUNT;
    platform_tests::within_one_window(limit.window_secs, || async {
        let p = s.new_player().await;
        let wrong = json!({ "username": p.username, "password": "not the password" });
        let first_wrong = s.post("/account/login", None, &wrong).await;
        first_wrong.assert_problem(401, "invalid_credentials");
        assert_eq!(unknown.body["detail"], first_wrong.body["detail"], "no user enumeration");
        for _ in 1..limit.max {
            s.post("/account/login", None, &wrong).await.assert_problem(401, "invalid_credentials");
        }
        // Now even the right password waits out the window, and so does a change of case.
        let shouted = json!({ "username": p.username.to_uppercase(), "password": "correct horse battery" });
        let right = json!({ "username": p.username, "password": "correct horse battery" });
        let r = s.post("/account/login", None, &right).await;
        if r.status != StatusCode::TOO_MANY_REQUESTS {
            return r;
        }
        s.post("/account/login", None, &shouted).await
    })
    .await;
}

#[tokio::test]
async fn throttled_logins_say_when_to_retry() {
    let s = stack();
    let limit = platform::flows::password::PER_ACCOUNT;
    platform_tests::within_one_window(limit.window_secs, || async {
        let p = s.new_player().await;
        let wrong = json!({ "username": p.username, "password": "not the password" });
        for _ in 0..limit.max {
            s.post("/account/login", None, &wrong).await;
        }
        let r = platform_tests::http()
            .post(format!("{}/account/login", s.base_url))
            .header("content-type", "application/json")
            .body(wrong.to_string())
            .send()
            .await
            .unwrap();
        if r.status() == StatusCode::TOO_MANY_REQUESTS {
            let retry_after: u64 = r.headers()["retry-after"].to_str().unwrap().parse().unwrap();
            assert!((1..=limit.window_secs).contains(&retry_after));
        }
        let status = r.status();
        let content_type = r.headers()["content-type"].to_str().unwrap().to_owned();
        platform_tests::Reply { status, content_type, body: r.json().await.unwrap() }
    })
    .await;
}
