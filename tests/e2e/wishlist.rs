//! The wishlist: games at their price now, and one alert per wishlister when a sale starts (at
//! once, or later through the announcer), naming the target price when the sale reaches it.

use futures::future::join_all;
use platform_tests::{eventually, stack, Player, Stack};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::time::Duration;

/// Powerhoof's Crawl (GBP 10.99) and Regular Human Basketball (3.99): no other test prices them.
const CRAWL: (u64, u64) = (293780, 1_099);
const BASKETBALL: u64 = 661940;

async fn wish(s: &Stack, p: &Player, game: u64, target: Option<u64>) -> StatusCode {
    let body = target.map(|t| json!({ "targetPriceGems": t }).to_string());
    s.call(Method::PUT, &format!("/wishlist/{game}"), Some(&p.token), &[], body.as_deref()).await.status
}

async fn alerts(s: &Stack, p: &Player, game: u64) -> Vec<Value> {
    let notes = p.notifications(s).await;
    notes.into_iter().filter(|n| n["type"] == "GameDiscounted" && n["data"]["gameId"] == game).collect()
}

fn in_secs(secs: i64) -> String {
    platform::clock::rfc3339((platform::clock::now_secs() as i64 + secs) as u64)
}

#[tokio::test]
async fn a_sale_alerts_each_wishlister_once_and_names_a_target_price_it_reaches() {
    let s = stack();
    let (game, list) = CRAWL;
    let players = join_all((0..5).map(|_| s.new_player())).await;
    // Two aim at 600 gems (the 50 % sale, 550, reaches it), one at 400 (it does not), two at any sale.
    let targets = [Some(600), Some(600), Some(400), None, None];
    for (p, target) in players.iter().zip(targets) {
        assert_eq!(wish(s, p, game, target).await, StatusCode::CREATED);
    }
    assert_eq!(wish(s, &players[3], game, None).await, StatusCode::OK, "already on the list");
    let gone = s.new_player().await;
    wish(s, &gone, game, None).await;
    let removed = s.call(Method::DELETE, &format!("/wishlist/{game}"), Some(&gone.token), &[], None).await;
    assert_eq!(removed.body["removed"], true);

    let listed = s.get("/wishlist", Some(&players[0].token)).await;
    let entry = &listed.body["games"][0];
    assert_eq!(
        (&entry["gameId"], &entry["priceGems"], &entry["targetPriceGems"]),
        (&json!(game), &json!(list), &json!(600))
    );

    let dev = s.developer_of("Powerhoof").await;
    let sale = json!({ "percent": 50, "endsAt": in_secs(600) });
    let r = s.post(&format!("/developer/games/{game}/sales"), Some(&dev.token), &sale).await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    let price = (list * 50 + 50) / 100;
    for (p, target) in players.iter().zip(targets) {
        let got = eventually("the wishlist alert", Duration::from_secs(30), || async {
            let got = alerts(s, p, game).await;
            (!got.is_empty()).then_some(got)
        })
        .await;
        let expected = match target {
            Some(t) if price <= t => format!("Crawl is at your target price: {price} gems (50 % off)"),
            _ => format!("Crawl is 50 % off: {price} gems"),
        };
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0]["title"], expected);
    }
    // The alert was fanned out once: re-running the announcer adds none, and the player who
    // took the game off the list heard nothing.
    let scheduled = json!({ "detail-type": "Scheduled Event", "source": "aws.events", "detail": {} });
    s.invoke("sales-announce", &scheduled).await;
    assert!(alerts(s, &gone, game).await.is_empty());
    let listed = s.get("/wishlist", Some(&players[0].token)).await;
    assert_eq!(
        (&listed.body["games"][0]["priceGems"], &listed.body["games"][0]["discountPercent"]),
        (&json!(price), &json!(50))
    );
    for p in &players {
        assert_eq!(alerts(s, p, game).await.len(), 1, "one alert per player per sale");
    }
}

#[tokio::test]
async fn a_sale_scheduled_to_start_later_is_announced_once_it_starts() {
    let s = stack();
    let p = s.new_player().await;
    assert_eq!(wish(s, &p, BASKETBALL, None).await, StatusCode::CREATED);
    let dev = s.developer_of("Powerhoof").await;
    let sale = json!({ "percent": 25, "startsAt": in_secs(2), "endsAt": in_secs(600) });
    let r = s.post(&format!("/developer/games/{BASKETBALL}/sales"), Some(&dev.token), &sale).await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    assert!(alerts(s, &p, BASKETBALL).await.is_empty(), "not before it starts");
    // The announcer runs every minute; the test runs it itself until the sale has started.
    let scheduled = json!({ "detail-type": "Scheduled Event", "source": "aws.events", "detail": {} });
    eventually("the sale to be announced", Duration::from_secs(30), || async {
        s.invoke("sales-announce", &scheduled).await;
        let got = alerts(s, &p, BASKETBALL).await;
        (!got.is_empty()).then_some(())
    })
    .await;
    // The event was written with the sale marked announced, so later runs announce it no more.
    s.invoke("sales-announce", &scheduled).await;
    let stored = s
        .dynamo()
        .await
        .get_item()
        .table_name(s.template.table_name("PricesTable").unwrap())
        .key("gameId", aws_sdk_dynamodb::types::AttributeValue::N(BASKETBALL.to_string()))
        .consistent_read(true)
        .send()
        .await
        .unwrap();
    let sales: Value = serde_json::from_str(stored.item.unwrap()["sales"].as_s().unwrap()).unwrap();
    assert!(sales.as_array().unwrap().iter().all(|sale| sale["announced"] == true), "{sales}");
    let got = alerts(s, &p, BASKETBALL).await;
    assert_eq!(got.len(), 1, "{got:?}");
    assert!(got[0]["title"].as_str().unwrap().starts_with("Regular Human Basketball is 25 % off"));
}
