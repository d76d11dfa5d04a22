//! Regional prices: the profile country selects a price region; games cost that region's share of
//! their base price (or the developer's regional price); gems are sold in the region's currency
//! with the country's tax within the total, shown on the receipt. Every expected figure below is
//! worked out by hand in the table, not by the code under test.

use futures::future::join_all;
use platform::domain::regions;
use platform::payments::GemPurchase;
use platform::store::idempotency;
use platform_tests::{stack, Player, Stack};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

/// ConcernedApe's Stardew Valley, GBP 10.99 (1,099 gems). No other test prices it.
const STARDEW: u64 = 413150;
/// Team Cherry's Hollow Knight, also 1,099. Only the override test below prices it.
const HOLLOW_KNIGHT: u64 = 367520;
/// Re-Logic's Terraria, 699. Only the sales-and-overrides test below prices it.
const TERRARIA: u64 = 105600;
/// Studio MDHR's Cuphead, 1,499. Only the price-rise test below prices it.
const CUPHEAD: u64 = 268910;

/// One row per country: its region, what Stardew Valley costs there in gems, and what 2,000 gems
/// cost (currency, total, tax rate, tax and net in minor units, total as printed).
struct Row {
    country: Option<&'static str>,
    region: &'static str,
    game_gems: u64,
    currency: &'static str,
    total_minor: u64,
    total: &'static str,
    tax_basis_points: u64,
    tax_minor: u64,
    net_minor: u64,
}

#[rustfmt::skip]
const TABLE: &[Row] = &[
    // 2,000 gems = GBP 20.00 incl. 20 % VAT: 20.00 x 20/120 = 3.333 -> 3.33.
    Row { country: Some("GB"), region: "GB", game_gems: 1_099, currency: "GBP", total_minor: 2_000, total: "20.00", tax_basis_points: 2_000, tax_minor: 333, net_minor: 1_667 },
    // Euro area at 100 %; EUR 23.00 incl. 19 % VAT: 23.00 x 19/119 = 3.672 -> 3.67.
    Row { country: Some("DE"), region: "EU", game_gems: 1_099, currency: "EUR", total_minor: 2_300, total: "23.00", tax_basis_points: 1_900, tax_minor: 367, net_minor: 1_933 },
    // Brazil at 60 %: 659.4 -> 659; BRL 136.00, no tax computed.
    Row { country: Some("BR"), region: "BR", game_gems: 659, currency: "BRL", total_minor: 13_600, total: "136.00", tax_basis_points: 0, tax_minor: 0, net_minor: 13_600 },
    // India at 45 %: 494.55 -> 495; INR 2200.00 incl. 18 % GST: 335.593 -> 335.59.
    Row { country: Some("IN"), region: "IN", game_gems: 495, currency: "INR", total_minor: 220_000, total: "2200.00", tax_basis_points: 1_800, tax_minor: 33_559, net_minor: 186_441 },
    // Japan at 85 %: 934.15 -> 934; JPY 3800 (no minor unit) incl. 10 %: 345.45 -> 345.
    Row { country: Some("JP"), region: "JP", game_gems: 934, currency: "JPY", total_minor: 3_800, total: "3800", tax_basis_points: 1_000, tax_minor: 345, net_minor: 3_455 },
    // Türkiye is in the MENA region (USD) at 50 %: 549.5 -> 550; USD 25.00 incl. 20 % VAT: 4.1667 -> 4.17.
    Row { country: Some("TR"), region: "MENA", game_gems: 550, currency: "USD", total_minor: 2_500, total: "25.00", tax_basis_points: 2_000, tax_minor: 417, net_minor: 2_083 },
    // The United States: USD at 100 %, no state so no sales tax.
    Row { country: Some("US"), region: "US", game_gems: 1_099, currency: "USD", total_minor: 2_500, total: "25.00", tax_basis_points: 0, tax_minor: 0, net_minor: 2_500 },
    // No country: the home region (GB).
    Row { country: None, region: "GB", game_gems: 1_099, currency: "GBP", total_minor: 2_000, total: "20.00", tax_basis_points: 2_000, tax_minor: 333, net_minor: 1_667 },
];

async fn player_in(s: &Stack, country: Option<&str>) -> Player {
    let p = s.new_player().await;
    if let Some(country) = country {
        let body = json!({ "country": country }).to_string();
        let r = s.call(Method::PATCH, "/account/profile", Some(&p.token), &[], Some(&body)).await;
        assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    }
    p
}

async fn game_page(s: &Stack, game: u64, token: Option<&str>, query: &str) -> Value {
    let r = s.get(&format!("/store/games/{game}{query}"), token).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    r.body
}

async fn one_country(s: &Stack, row: &Row) {
    let label = row.country.unwrap_or("none");
    let p = player_in(s, row.country).await;

    // The game page, signed in, and the listing show the regional price.
    let page = game_page(s, STARDEW, Some(&p.token), "").await;
    assert_eq!((&page["priceGems"], &page["priceRegion"]), (&json!(row.game_gems), &json!(row.region)), "{label}");
    assert_eq!(page["listPriceGems"], row.game_gems, "{label}: no sale runs");

    // 2,000 gems in the region's currency, the tax within the total on the receipt.
    let bought = p.buy(s, 2_000).await;
    assert_eq!(bought.status, StatusCode::OK, "{label}: {:?}", bought.body);
    let receipt = &bought.body["receipt"];
    assert_eq!(
        (&receipt["currency"], &receipt["totalMinor"], &receipt["total"], &receipt["priceRegion"]),
        (&json!(row.currency), &json!(row.total_minor), &json!(row.total), &json!(row.region)),
        "{label}: {receipt}"
    );
    assert_eq!(
        (&receipt["tax"]["rateBasisPoints"], &receipt["tax"]["amountMinor"], &receipt["netMinor"]),
        (&json!(row.tax_basis_points), &json!(row.tax_minor), &json!(row.net_minor)),
        "{label}: {receipt}"
    );
    assert_eq!(receipt["lines"][0]["gems"], 2_000);
    assert_eq!(bought.body["newBalance"], 2_000, "{label}: gems are gems wherever they were bought");
    let charge = bought.body["chargeId"].as_str().unwrap();
    let again = s.get(&format!("/account/currency-purchases/{charge}/receipt"), Some(&p.token)).await;
    assert_eq!(again.status, StatusCode::OK, "{label}: {:?}", again.body);
    assert_eq!(&again.body, receipt, "{label}: the receipt route shows the purchase's receipt");

    // The purchase charges the regional price, and the order and its receipt say which region.
    let bought_game = p.purchase(s, STARDEW).await;
    assert_eq!(bought_game.status, StatusCode::OK, "{label}: {:?}", bought_game.body);
    assert_eq!(bought_game.body["priceGems"], row.game_gems, "{label}");
    assert_eq!(p.balance(s).await, 2_000 - row.game_gems as i64, "{label}");
    assert_eq!(p.ledger_sum(s).await, 2_000 - row.game_gems as i64, "{label}");
    let order = bought_game.body["orderId"].as_str().unwrap();
    let order_receipt = s.get(&format!("/store/orders/{order}/receipt"), Some(&p.token)).await;
    assert_eq!(
        (&order_receipt.body["priceRegion"], &order_receipt.body["totalGems"]),
        (&json!(row.region), &json!(row.game_gems)),
        "{label}"
    );
}

#[tokio::test]
async fn each_country_pays_its_regions_game_price_and_its_tax_on_gems_as_the_table_says() {
    let s = stack();
    join_all(TABLE.iter().map(|row| one_country(s, row))).await;

    // Signed out, `country` picks the region; signed in, the profile does (the query is ignored).
    let anonymous = game_page(s, STARDEW, None, "?country=br").await;
    assert_eq!((&anonymous["priceGems"], &anonymous["priceRegion"]), (&json!(659), &json!("BR")));
    let listed = s.get("/store/games?q=stardew+valley&country=IN", None).await;
    assert_eq!(listed.status, StatusCode::OK, "{:?}", listed.body);
    let stardew = listed.body["games"].as_array().unwrap().iter().find(|g| g["gameId"] == STARDEW).cloned().unwrap();
    assert_eq!(stardew["priceGems"], 495);
    let briton = player_in(s, Some("GB")).await;
    assert_eq!(game_page(s, STARDEW, Some(&briton.token), "?country=IN").await["priceGems"], 1_099);
    s.get(&format!("/store/games/{STARDEW}?country=XX"), None).await.assert_problem(400, "validation_failed");
}

#[tokio::test]
async fn a_gem_receipt_is_only_its_buyers() {
    let s = stack();
    let (buyer, other) = (s.funded_player(100).await, s.new_player().await);
    let ledger = s.get("/account/ledger", Some(&buyer.token)).await;
    let charge = ledger.body["entries"][0]["reference"].as_str().unwrap().to_owned();
    let mine = s.get(&format!("/account/currency-purchases/{charge}/receipt"), Some(&buyer.token)).await;
    assert_eq!((mine.status, &mine.body["lines"][0]["gems"]), (StatusCode::OK, &json!(100)), "{:?}", mine.body);
    let theirs = s.get(&format!("/account/currency-purchases/{charge}/receipt"), Some(&other.token)).await;
    theirs.assert_problem(404, "unknown_purchase");
    s.get("/account/currency-purchases/ch_nope/receipt", Some(&buyer.token))
        .await
        .assert_problem(404, "unknown_purchase");
}

#[tokio::test]
async fn a_developers_regional_price_replaces_the_derived_one_and_a_change_refuses_an_older_checkout() {
    let s = stack();
    let dev = s.developer_of("Team Cherry").await;
    let path = format!("/developer/games/{HOLLOW_KNIGHT}/regional-prices");
    let put = |token: String, body: Value| {
        let path = path.clone();
        async move { s.call(Method::PUT, &path, Some(&token), &[], Some(&body.to_string())).await }
    };

    // Only the game's developers (and admins) price it; the home region is the base price.
    let stranger = s.new_player().await;
    put(stranger.token.clone(), json!({ "prices": { "BR": 450 } })).await.assert_problem(403, "forbidden");
    put(dev.token.clone(), json!({ "prices": { "GB": 450 } })).await.assert_problem(400, "validation_failed");
    put(dev.token.clone(), json!({ "prices": { "XX": 450 } })).await.assert_problem(400, "validation_failed");
    put(dev.token.clone(), json!({ "prices": { "BR": 0 } })).await.assert_problem(400, "validation_failed");

    let set = put(dev.token.clone(), json!({ "prices": { "BR": 450 } })).await;
    assert_eq!(set.status, StatusCode::OK, "{:?}", set.body);
    let regions = set.body["regions"].as_array().unwrap();
    let brazil = regions.iter().find(|r| r["region"] == "BR").unwrap();
    assert_eq!(
        (&brazil["listPriceGems"], &brazil["derivedPriceGems"], &brazil["overridden"]),
        (&json!(450), &json!(659), &json!(true))
    );
    let india = regions.iter().find(|r| r["region"] == "IN").unwrap();
    assert_eq!((&india["listPriceGems"], &india["overridden"]), (&json!(495), &json!(false)));

    // A Brazilian player is shown 450 in the cart; the developer moves it to 500 before checkout.
    let p = player_in(s, Some("BR")).await;
    assert_eq!(p.buy(s, 1_000).await.status, StatusCode::OK);
    let added = s.post("/store/cart/items", Some(&p.token), &json!({ "gameId": HOLLOW_KNIGHT })).await;
    assert!(added.status.is_success(), "{:?}", added.body);
    let cart = s.get("/store/cart", Some(&p.token)).await;
    assert_eq!((&cart.body["totalGems"], &cart.body["priceRegion"]), (&json!(450), &json!("BR")));
    assert_eq!(put(dev.token.clone(), json!({ "prices": { "BR": 500 } })).await.status, StatusCode::OK);
    let stale = s.post("/store/checkout", Some(&p.token), &json!({ "expectedTotalGems": 450 })).await;
    stale.assert_problem(409, "price_changed");
    assert_eq!(p.balance(s).await, 1_000, "nothing charged");
    let paid = s.post("/store/checkout", Some(&p.token), &json!({ "expectedTotalGems": 500 })).await;
    assert_eq!(paid.status, StatusCode::OK, "{:?}", paid.body);
    assert_eq!(p.balance(s).await, 500);

    // Cleared: every region derived from the base price again.
    assert_eq!(put(dev.token.clone(), json!({ "prices": {} })).await.status, StatusCode::OK);
    assert_eq!(game_page(s, HOLLOW_KNIGHT, None, "?country=BR").await["priceGems"], 659);
}

async fn set_prices(s: &Stack, token: &str, game: u64, prices: Value) -> platform_tests::Reply {
    let body = json!({ "prices": prices }).to_string();
    s.call(Method::PUT, &format!("/developer/games/{game}/regional-prices"), Some(token), &[], Some(&body)).await
}

async fn sale(s: &Stack, token: &str, game: u64, percent: u8, starts_in: u64) -> platform_tests::Reply {
    let now = platform::clock::now_secs();
    let body = json!({
        "percent": percent,
        "startsAt": platform::clock::rfc3339(now + starts_in),
        "endsAt": platform::clock::rfc3339(now + starts_in + 3_600),
    });
    s.post(&format!("/developer/games/{game}/sales"), Some(token), &body).await
}

/// Sales and regional prices share one record: saving either keeps the other. A price may fall
/// during a sale but not rise, and after a rise no sale starts for 30 days (so the prior 30
/// days' lowest price is never a raised one).
#[tokio::test]
async fn sales_apply_to_regional_prices_and_a_price_rise_keeps_sales_30_days_away() {
    let s = stack();
    let dev = s.developer_of("Re-Logic").await;
    assert_eq!(sale(s, &dev.token, TERRARIA, 50, 0).await.status, StatusCode::CREATED);

    // Lower in Brazil (derived 699 x 60 % = 419.4 -> 419) during the sale: allowed, sale kept.
    let lower = set_prices(s, &dev.token, TERRARIA, json!({ "BR": 300 })).await;
    assert_eq!(lower.status, StatusCode::OK, "{:?}", lower.body);
    let br = game_page(s, TERRARIA, None, "?country=BR").await;
    assert_eq!(
        (&br["listPriceGems"], &br["priceGems"], &br["discountPercent"]),
        (&json!(300), &json!(150), &json!(50))
    );
    assert_eq!(game_page(s, TERRARIA, None, "").await["priceGems"], 350, "GB: 699 at 50 % = 349.5 -> 350");

    // A deeper sale keeps the regional price: 300 at 60 % off = 120.
    assert_eq!(sale(s, &dev.token, TERRARIA, 60, 0).await.status, StatusCode::CREATED);
    assert_eq!(game_page(s, TERRARIA, None, "?country=BR").await["priceGems"], 120);

    // A rise while sales run is refused and changes nothing.
    set_prices(s, &dev.token, TERRARIA, json!({ "BR": 400 })).await.assert_problem(409, "sale_planned");
    assert_eq!(game_page(s, TERRARIA, None, "?country=BR").await["listPriceGems"], 300);
}

#[tokio::test]
async fn no_sale_may_start_within_30_days_of_a_regional_price_rise() {
    let s = stack();
    let dev = s.developer_of("Studio MDHR Entertainment Inc.").await;
    // Mexico derives 1,499 x 65 % = 974.35 -> 974; 1,200 is a rise.
    let raised = set_prices(s, &dev.token, CUPHEAD, json!({ "MX": 1_200 })).await;
    assert_eq!(raised.status, StatusCode::OK, "{:?}", raised.body);
    sale(s, &dev.token, CUPHEAD, 20, 0).await.assert_problem(422, "recent_price_rise");
    sale(s, &dev.token, CUPHEAD, 20, 29 * 24 * 3600).await.assert_problem(422, "recent_price_rise");
    assert_eq!(sale(s, &dev.token, CUPHEAD, 20, 31 * 24 * 3600).await.status, StatusCode::CREATED);
}

/// The card was charged by a quote in pounds, the function died, the player moved to Germany,
/// and the client retried the same key: the retry completes the first attempt (pounds, the first
/// quote), not a new one in euros that the charge would not match.
#[tokio::test]
async fn a_retried_gem_purchase_completes_by_the_quote_it_was_charged_by() {
    let s = stack();
    let p = player_in(s, Some("GB")).await;
    let app = s.app(s.dynamo().await).await;
    let purchase = GemPurchase::new(1_000, "tok_visa").unwrap();
    let guard =
        idempotency::Guard::new(&p.user_id, platform::payments::OPERATION, "moved-key", &purchase.request_json());
    let mut claimed = purchase.request_json();
    claimed["quote"] = purchase.quote(&p.user_id, &regions::gem_price(1_000, Some("GB")));
    // Charged by that quote; the invocation died; then the player moves.
    platform_tests::charged_then_crashed(&app, &p.user_id, &guard, &claimed, (1_000, "GBP")).await;
    let moved = json!({ "country": "DE" }).to_string();
    let r = s.call(Method::PATCH, "/account/profile", Some(&p.token), &[], Some(&moved)).await;
    assert_eq!(r.status, StatusCode::OK);

    let retry = s
        .post_keyed(
            "/account/buy-currency",
            &p.token,
            "moved-key",
            &json!({ "amount": 1_000, "paymentMethod": "tok_visa" }),
        )
        .await;
    assert_eq!(retry.status, StatusCode::OK, "{:?}", retry.body);
    let receipt = &retry.body["receipt"];
    assert_eq!((&receipt["currency"], &receipt["totalMinor"]), (&json!("GBP"), &json!(1_000)), "{receipt}");
    assert_eq!(p.balance(s).await, 1_000, "credited once");
    assert_eq!(p.ledger_sum(s).await, 1_000);
}
