//! Sales: a developer schedules them; listings, the game page and purchases show and charge the
//! same price; a sale ends on time with no job; while discounted, the prior 30 days' lowest price
//! is shown; a 100 % sale is a free-game promotion, claimed once per player.

use futures::future::join_all;
use platform_tests::{eventually, stack, Player, Stack};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::Duration;

/// Fullbright's Gone Home (GBP 10.99) and Tacoma (14.99); Playdead's LIMBO (6.99). No other test
/// prices them.
const GONE_HOME: (u64, u64) = (232430, 1_099);
const TACOMA: (u64, u64) = (343860, 1_499);
const LIMBO: (u64, u64) = (48000, 699);

fn at(secs_from_now: i64) -> String {
    platform::clock::rfc3339((platform::clock::now_secs() as i64 + secs_from_now) as u64)
}

async fn schedule(s: &Stack, dev: &Player, game: u64, percent: u8, starts: Option<i64>, ends: i64) -> Value {
    let mut body = json!({ "percent": percent, "endsAt": at(ends) });
    if let Some(starts) = starts {
        body["startsAt"] = json!(at(starts));
    }
    let r = s.post(&format!("/developer/games/{game}/sales"), Some(&dev.token), &body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    r.body
}

async fn page(s: &Stack, game: u64) -> Value {
    let r = s.get(&format!("/store/games/{game}"), None).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    r.body
}

/// The game as a name search lists it.
async fn listed(s: &Stack, game: u64, name: &str) -> Value {
    let r = s.get(&format!("/store/games?limit=100&q={}", name.replace(' ', "+")), None).await;
    r.body["games"].as_array().unwrap().iter().find(|g| g["gameId"] == game).cloned().expect("listed")
}

/// 25 % off the list price, rounded half up (computed here, not by the code under test).
fn off(list: u64, percent: u64) -> u64 {
    (list * (100 - percent) + 50) / 100
}

#[tokio::test]
async fn a_sale_is_shown_and_charged_alike_and_the_lowest_price_looks_back_to_the_earlier_sale() {
    let s = stack();
    let dev = s.developer_of("Fullbright").await;
    let (game, list) = GONE_HOME;
    let before = page(s, game).await;
    assert_eq!(
        (&before["priceGems"], &before["listPriceGems"], &before["discountPercent"]),
        (&json!(list), &json!(list), &json!(0))
    );
    assert!(before.get("lowestPrice30DaysGems").is_none());

    // 25 % now; a deeper 50 % sale overlapping it from two seconds on.
    let first = schedule(s, &dev, game, 25, None, 300).await;
    assert_eq!(first["price"]["priceGems"], off(list, 25));
    let shown = page(s, game).await;
    assert_eq!((&shown["priceGems"], &shown["discountPercent"]), (&json!(off(list, 25)), &json!(25)));
    assert_eq!(shown["lowestPrice30DaysGems"], list, "before the first sale the price was the list price");
    assert_eq!(listed(s, game, "Gone Home").await["priceGems"], off(list, 25), "the listing shows the same price");
    let early = s.funded_player(3_000).await;
    let bought = early.purchase(s, game).await;
    assert_eq!(
        (&bought.body["priceGems"], &bought.body["listPriceGems"]),
        (&json!(off(list, 25)), &json!(list)),
        "{:?}",
        bought.body
    );
    assert_eq!(early.balance(s).await, 3_000 - off(list, 25) as i64, "charged what was shown");

    schedule(s, &dev, game, 50, Some(2), 300).await;
    let deeper = eventually("the 50 % sale to start", Duration::from_secs(20), || async {
        let p = page(s, game).await;
        (p["discountPercent"] == 50).then_some(p)
    })
    .await;
    assert_eq!(deeper["priceGems"], off(list, 50));
    assert_eq!(deeper["lowestPrice30DaysGems"], off(list, 25), "the 25 % sale ran in the 30 days before");
    assert!(deeper["saleEndsAt"].is_string());
    let late = s.funded_player(3_000).await;
    let receipt_of = late.purchase(s, game).await;
    assert_eq!(receipt_of.body["priceGems"], off(list, 50));
    let order = receipt_of.body["orderId"].as_str().unwrap();
    let receipt = s.get(&format!("/store/orders/{order}/receipt"), Some(&late.token)).await;
    assert_eq!(receipt.body["lines"][0]["listPriceGems"], list, "{:?}", receipt.body);
    assert_eq!(receipt.body["saleDiscountGems"], list - off(list, 50));
    assert_eq!(receipt.body["totalGems"], off(list, 50));
    assert_eq!(late.ledger_sum(s).await, late.balance(s).await);
}

#[tokio::test]
async fn after_a_sale_ends_the_list_price_is_shown_and_charged() {
    let s = stack();
    let dev = s.developer_of("Fullbright").await;
    let (game, list) = TACOMA;
    schedule(s, &dev, game, 30, None, 3).await;
    assert_eq!(page(s, game).await["discountPercent"], 30);
    let ended = eventually("the sale to end", Duration::from_secs(20), || async {
        let p = page(s, game).await;
        (p["discountPercent"] == 0).then_some(p)
    })
    .await;
    assert_eq!((&ended["priceGems"], &ended["listPriceGems"]), (&json!(list), &json!(list)));
    assert!(ended.get("saleEndsAt").is_none() && ended.get("lowestPrice30DaysGems").is_none());
    let p = s.funded_player(2_000).await;
    assert_eq!(p.purchase(s, game).await.body["priceGems"], list);

    // Only the game's developers (and admins) price it, within the rules.
    let outsider = s.developer_of("Playdead").await;
    let body = json!({ "percent": 20, "endsAt": at(60) });
    let path = format!("/developer/games/{game}/sales");
    s.post(&path, Some(&outsider.token), &body).await.assert_problem(403, "forbidden");
    s.post(&path, Some(&p.token), &body).await.assert_problem(403, "forbidden");
    s.post(&path, Some(&dev.token), &json!({ "percent": 4, "endsAt": at(60) }))
        .await
        .assert_problem(400, "validation_failed");
    s.post(&path, Some(&dev.token), &json!({ "percent": 20, "endsAt": at(-60) }))
        .await
        .assert_problem(400, "validation_failed");
    s.post(&path, Some(&dev.token), &json!({ "percent": 20, "endsAt": at(61 * 86_400) }))
        .await
        .assert_problem(400, "validation_failed");
    assert_eq!(page(s, game).await["discountPercent"], 0, "refusals schedule nothing");
}

#[tokio::test]
async fn a_free_game_promotion_is_claimed_once_per_player_at_no_cost() {
    let s = stack();
    let dev = s.developer_of("Playdead").await;
    let (game, list) = LIMBO;
    schedule(s, &dev, game, 100, None, 600).await;
    let promoted = page(s, game).await;
    assert_eq!((&promoted["priceGems"], &promoted["listPriceGems"]), (&json!(0), &json!(list)));

    let players = join_all((0..30).map(|_| s.funded_player(100))).await;
    let claims = join_all(players.iter().map(|p| p.purchase(s, game))).await;
    for claim in &claims {
        assert_eq!((claim.status, &claim.body["priceGems"]), (StatusCode::OK, &json!(0)), "{:?}", claim.body);
    }
    let again = join_all(players.iter().take(5).map(|p| p.purchase(s, game))).await;
    for r in &again {
        r.assert_problem(409, "already_owned");
    }
    for p in &players[..3] {
        assert_eq!(p.balance(s).await, 100, "a claim costs nothing");
        let library = p.all_pages(s, "/library", "games").await;
        assert_eq!(library.iter().filter(|g| g["gameId"] == game).count(), 1);
    }
}
