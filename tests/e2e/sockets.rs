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

#[tokio::test]
async fn a_banner_that_opened_is_announced_once_to_every_open_connection() {
    use futures::StreamExt;
    let s = stack();
    let p = s.new_player().await;
    let (mut socket, _) =
        tokio_tungstenite::connect_async(format!("{}/?token={}", s.socket_url, p.token).as_str()).await.unwrap();
    let admin = s.new_player().await;
    platform_tests::grant_role(&admin.username, "admin");
    let id = format!("opened-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    let now = time::OffsetDateTime::now_utc();
    let at = |d: time::Duration| (now + d).format(&time::format_description::well_known::Rfc3339).unwrap();
    let banner = serde_json::json!({
        "name": "Announced", "kind": "limited", "startsAt": at(time::Duration::minutes(-1)),
        "endsAt": at(time::Duration::days(1)), "costPerPull": 100,
        "rates": { "rare": 10_000, "superRare": 0, "ultraRare": 0 },
        "items": [{ "id": "hero-ashen-knight", "name": "Ashen Knight", "type": "hero", "rarity": "rare" }]
    });
    let path = format!("/admin/gacha/banners/{id}");
    let r = s.call(reqwest::Method::PUT, &path, Some(&admin.token), &[], Some(&banner.to_string())).await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);

    let scheduled = serde_json::json!({ "detail-type": "Scheduled Event", "source": "aws.events", "detail": {} });
    let announced =
        |run: &Value| run["announced"].as_array().unwrap().contains(&Value::from(format!("{id} bannerOpened")));
    let first = s.invoke("banner-announcements", &scheduled).await;
    assert!(announced(&first), "{first}");
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let frame = tokio::time::timeout_at(deadline, socket.next()).await.expect("an announcement in time");
        let text = frame.unwrap().unwrap().into_text().unwrap();
        let frame: Value = serde_json::from_str(&text).unwrap();
        if frame["type"] == "bannerOpened" && frame["bannerId"] == id.as_str() {
            assert_eq!(frame["banner"]["status"], "active");
            break;
        }
    }
    let again = s.invoke("banner-announcements", &scheduled).await;
    assert!(!announced(&again), "each opening is announced once: {again}");
}
