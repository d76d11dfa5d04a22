//! The security review's findings, each reproduced through the public API (or the way an
//! attacker would reach it), and a client written from seed 002 alone.

use platform::payments::{GemPurchase, OPERATION};
use platform::store::idempotency::Guard;
use platform::Table;
use platform_tests::{http_from, new_source, stack};
use reqwest::StatusCode;
use serde_json::{json, Value};

/// Finding 1: an expired idempotency record must not let a key be reused to credit a different
/// amount against the first charge. The provider key includes the request's hash, and the credit
/// transaction records the charge (`charge#<id>`), so after the record expires the same request is
/// refused as already credited and a bigger one is a new charge of its own amount.
#[tokio::test]
async fn a_key_reused_after_its_record_expired_never_credits_more_than_was_charged() {
    let s = stack();
    let p = s.new_player().await;
    let one_gem = json!({ "amount": 1, "paymentMethod": "tok_visa" });
    let first = s.post_keyed("/account/buy-currency", &p.token, "expiring-key", &one_gem).await;
    assert_eq!(first.status, StatusCode::OK, "{:?}", first.body);

    // The record's 24 hours pass: it is gone, as TTL would remove it.
    let app = s.app(s.dynamo().await).await;
    let request = GemPurchase::new(1, "tok_visa").unwrap().request_json();
    let record_key = Guard::new(&p.user_id, OPERATION, "expiring-key", &request).record_key;
    app.db
        .delete_item()
        .table_name(app.table(Table::IDEMPOTENCY).unwrap())
        .key("key", aws_sdk_dynamodb::types::AttributeValue::S(record_key))
        .send()
        .await
        .unwrap();

    let again = s.post_keyed("/account/buy-currency", &p.token, "expiring-key", &one_gem).await;
    again.assert_problem(409, "charge_already_credited");
    assert_eq!(p.balance(s).await, 1, "the provider's earlier charge is not credited twice");

    let million = json!({ "amount": 1_000_000, "paymentMethod": "tok_visa" });
    let big = s.post_keyed("/account/buy-currency", &p.token, "expiring-key", &million).await;
    assert_eq!(big.status, StatusCode::OK, "{:?}", big.body);
    assert_ne!(big.body["chargeId"], first.body["chargeId"], "a new charge, not the one-penny one");
    let charge = sandbox_charge(s, big.body["chargeId"].as_str().unwrap()).await;
    // A player without a country pays the home region's price: 100 gems = £1.00.
    assert_eq!(charge["amountMinor"]["N"], "1000000", "charged for what is credited");
    assert_eq!(charge["currency"]["S"], "GBP");
    assert_eq!(p.balance(s).await, 1_000_001);
    assert_eq!(p.ledger_sum(s).await, 1_000_001);
}

async fn sandbox_charge(s: &platform_tests::Stack, charge_id: &str) -> Value {
    let app = s.app(s.dynamo().await).await;
    let out = app
        .db
        .scan()
        .table_name(app.table(Table::SANDBOX_CHARGES).unwrap())
        .filter_expression("chargeId = :id")
        .expression_attribute_values(":id", aws_sdk_dynamodb::types::AttributeValue::S(charge_id.into()))
        .send()
        .await
        .unwrap();
    let items = out.items.unwrap_or_default();
    assert_eq!(items.len(), 1, "one sandbox charge {charge_id}");
    let item: serde_json::Map<String, Value> = items[0]
        .iter()
        .map(|(k, v)| {
            let v = match v {
                aws_sdk_dynamodb::types::AttributeValue::N(n) => json!({ "N": n }),
                aws_sdk_dynamodb::types::AttributeValue::S(s) => json!({ "S": s }),
                _ => Value::Null,
            };
            (k.clone(), v)
        })
        .collect();
    Value::Object(item)
}

/// Finding 3: twenty wrong passwords at once. Each takes its slot before the password is checked,
/// so exactly the limit is checked (401) and the rest are refused (429).
#[tokio::test]
async fn a_burst_of_wrong_passwords_gets_no_more_checks_than_the_limit() {
    let s = stack();
    let limit = platform::flows::password::PER_ACCOUNT;
    for _ in 0..2 {
        let p = s.new_player().await;
        let window = platform::clock::now_secs() / limit.window_secs;
        let source = new_source(); // its own per-IP budget, so only the account limit is in play
        let wrong = json!({ "username": p.username, "password": "not the password" });
        let burst =
            futures::future::join_all((0..20).map(|_| s.post_from(source, "/account/login", None, &wrong))).await;
        if platform::clock::now_secs() / limit.window_secs != window {
            continue; // the burst straddled two windows: it proves nothing, run it again
        }
        let checked = burst.iter().filter(|r| r.status == StatusCode::UNAUTHORIZED).count();
        let refused = burst.iter().filter(|r| r.status == StatusCode::TOO_MANY_REQUESTS).count();
        assert_eq!((checked, refused), (limit.max as usize, 20 - limit.max as usize));
        return;
    }
    panic!("two bursts in a row straddled a window boundary");
}

/// A successful login gives its slot back: only failures count against the account.
#[tokio::test]
async fn successful_logins_do_not_use_up_the_failure_budget() {
    let s = stack();
    let p = s.new_player().await;
    let source = new_source();
    let right = json!({ "username": p.username, "password": "correct horse battery" });
    for _ in 0..platform::flows::password::PER_ACCOUNT.max + 3 {
        let r = s.post_from(source, "/account/login", None, &right).await;
        assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    }
}

/// Finding 4: registrations from one source are limited before any password is hashed, and past
/// the limit a taken username or email is no longer answered.
#[tokio::test]
async fn registrations_from_one_source_are_limited_and_stop_answering_name_checks() {
    let s = stack();
    let limit = account_register::PER_SOURCE;
    let taken = s.new_player().await;
    platform_tests::within_one_window(limit.window_secs, || async {
        let source = new_source();
        for i in 0..limit.max {
            let name = format!("r{i}{}", &uuid::Uuid::new_v4().simple().to_string()[..10]);
            let body = json!({ "username": name, "password": "correct horse battery", "email": format!("{name}@example.com") });
            let r = s.post_from(source, "/account/register", None, &body).await;
            assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
        }
        let probe = json!({ "username": taken.username, "password": "correct horse battery", "email": "x@example.com" });
        let r = s.post_from(source, "/account/register", None, &probe).await;
        assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "no username oracle past the limit: {:?}", r.body);
        r
    })
    .await;
}

/// Finding 5: the public port serves the template's routes and nothing else: not the Runtime API
/// (which hands out callers' requests and takes answers), not the Invoke API (which runs any
/// function on any event), and nothing to a request addressed to another host name.
#[tokio::test]
async fn the_public_port_serves_no_runtime_or_invoke_api_and_checks_the_host() {
    let s = stack();
    let client = platform_tests::http();
    for path in [
        "/fn/gacha-pull/0/2018-06-01/runtime/invocation/next",
        "/2018-06-01/runtime/invocation/next",
        "/fn/gacha-pull/0/x/2018-06-01/runtime/invocation/next",
    ] {
        let r = client.get(format!("{}{path}", s.base_url)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{path}");
    }
    let forged = json!({ "detail-type": "CurrencyPurchased", "detail": { "userId": "u", "amount": 999999 } });
    for function in ["notifications-consume", "account-buy-currency"] {
        let r = client
            .post(format!("{}/2015-03-31/functions/{function}/invocations", s.base_url))
            .body(forged.to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "the Invoke API is not on the public port");
    }
    let rebinding = client
        .get(format!("{}/gacha/rarity-chances", s.base_url))
        .header("host", "attacker.example:80")
        .send()
        .await
        .unwrap();
    assert_eq!(rebinding.status(), StatusCode::FORBIDDEN);
    let local = client.get(format!("{}/gacha/rarity-chances", s.base_url)).send().await.unwrap();
    assert_eq!(local.status(), StatusCode::OK);
}

/// Finding 7: small things a client trips on.
#[tokio::test]
async fn huge_game_ids_capital_bearer_and_invisible_chat_text_get_the_right_answers() {
    let s = stack();
    s.get("/store/games/99999999999", None).await.assert_problem(404, "unknown_game");
    s.get("/store/games/abc", None).await.assert_problem(400, "validation_failed");

    let p = s.new_player().await;
    let r = platform_tests::http()
        .get(format!("{}/account/currency", s.base_url))
        .header("authorization", format!("BEARER {}", p.token))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "the auth scheme is case-insensitive");

    let q = s.new_player().await;
    for text in ["\u{200B}", "\u{FEFF}\u{200B}\u{2060}", "hello \u{202E}dlrow"] {
        let body = json!({ "recipientId": q.user_id, "text": text });
        s.post("/chat/messages", Some(&p.token), &body).await.assert_problem(400, "validation_failed");
    }
}

/// A client written from seed 002 alone: its request bodies exactly, no Idempotency-Key, no
/// content type, a free-form payment method, a pull that names only the currency spent.
#[tokio::test]
async fn a_client_written_from_the_seed_alone_registers_buys_pulls_and_reads_its_history() {
    let s = stack();
    let client = http_from(new_source());
    let url = |path: &str| format!("{}{path}", s.base_url);
    let name = format!("seed{}", &uuid::Uuid::new_v4().simple().to_string()[..10]);
    let send = |request: reqwest::RequestBuilder, body: Value| async move {
        let r = request.body(body.to_string()).send().await.unwrap();
        let status = r.status();
        (status, r.json::<Value>().await.unwrap())
    };

    let (status, registered) = send(
        client.post(url("/account/register")),
        json!({ "username": name, "password": "a seed password", "email": format!("{name}@example.com") }),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{registered:?}");
    assert_eq!(registered["message"], "User registered successfully");

    let (status, login) =
        send(client.post(url("/account/login")), json!({ "username": name, "password": "a seed password" })).await;
    assert_eq!(status, StatusCode::OK, "{login:?}");
    assert_eq!(login["message"], "Login successful");
    let bearer = format!("Bearer {}", login["token"].as_str().unwrap());

    let (status, bought) = send(
        client.post(url("/account/buy-currency")).header("Authorization", &bearer),
        json!({ "amount": 1600, "paymentMethod": "credit_card" }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{bought:?}");
    assert_eq!(bought["message"], "Currency purchased successfully");
    assert_eq!(bought["newBalance"], 1600);

    let (status, pulled) =
        send(client.post(url("/gacha/pull")).header("Authorization", &bearer), json!({ "currencySpent": 160 })).await;
    assert_eq!(status, StatusCode::OK, "{pulled:?}");
    assert_eq!(pulled["message"], "Pull successful");
    assert_eq!(pulled["newCurrencyBalance"], 1440);
    for field in ["id", "name", "type", "rarity"] {
        assert!(pulled["item"][field].is_string(), "item.{field}: {pulled:?}");
    }

    let r = client.get(url("/gacha/history")).header("Authorization", &bearer).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let history: Value = r.json().await.unwrap();
    assert_eq!(history["userId"], registered["userId"]);
    let pulls = history["pulls"].as_array().unwrap();
    assert_eq!(pulls.len(), 1);
    assert_eq!(pulls[0]["item"], pulled["item"]);
    assert_eq!(pulls[0]["currencySpent"], 160);
    assert!(pulls[0]["pullId"].is_string() && pulls[0]["pulledAt"].is_string());
}
