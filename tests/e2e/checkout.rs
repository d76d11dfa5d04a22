//! Cart and checkout: the whole cart in one transaction at the total the player was shown, one
//! owned game buying nothing; coupons capped across players under concurrency; refunds of one
//! game of a checkout.

use futures::future::join_all;
use platform_tests::{grant_role, stack, Player, Reply, Stack};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

async fn add(s: &Stack, p: &Player, game: u64) -> Reply {
    s.post("/store/cart/items", Some(&p.token), &json!({ "gameId": game })).await
}

async fn cart(s: &Stack, p: &Player, coupon: Option<&str>) -> Value {
    let path = coupon.map_or("/store/cart".to_owned(), |c| format!("/store/cart?couponCode={c}"));
    let r = s.get(&path, Some(&p.token)).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    r.body
}

async fn checkout(s: &Stack, p: &Player, expected: u64, coupon: Option<&str>) -> Reply {
    let mut body = json!({ "expectedTotalGems": expected });
    if let Some(code) = coupon {
        body["couponCode"] = json!(code);
    }
    s.post("/store/checkout", Some(&p.token), &body).await
}

/// A game's price now, as its page shows it.
async fn price(s: &Stack, game: u64) -> u64 {
    s.get(&format!("/store/games/{game}"), None).await.body["priceGems"].as_u64().unwrap()
}

fn owned(library: &[Value]) -> Vec<u64> {
    let mut ids: Vec<u64> = library.iter().map(|g| g["gameId"].as_u64().unwrap()).collect();
    ids.sort_unstable();
    ids
}

#[tokio::test]
async fn a_cart_is_bought_whole_at_the_total_shown_and_one_owned_game_buys_nothing() {
    let s = stack();
    // Half-Life (70), Half-Life: Opposing Force (50) and Team Fortress Classic (20).
    let games = [70, 50, 20];
    let p = s.funded_player(5_000).await;
    for game in games {
        assert_eq!(add(s, &p, game).await.status, StatusCode::CREATED);
    }
    assert_eq!(add(s, &p, 70).await.status, StatusCode::OK, "already in the cart");
    let shown = cart(s, &p, None).await;
    let total: u64 = join_all(games.iter().map(|g| price(s, *g))).await.iter().sum();
    assert_eq!((&shown["count"], &shown["totalGems"]), (&json!(3), &json!(total)), "{shown:?}");

    checkout(s, &p, total + 1, None).await.assert_problem(409, "price_changed");
    // Bought on its own meanwhile: the cart now holds an owned game, so nothing is bought.
    let tfc = p.purchase(s, 20).await;
    assert_eq!(tfc.status, StatusCode::OK);
    let after_tfc = p.balance(s).await;
    let refused = checkout(s, &p, total, None).await;
    refused.assert_problem(409, "already_owned");
    assert!(refused.body["detail"].as_str().unwrap().contains("20"), "names the game: {:?}", refused.body);
    assert_eq!(p.balance(s).await, after_tfc, "nothing bought");
    assert_eq!(owned(&p.all_pages(s, "/library", "games").await), [20]);
    assert_eq!(cart(s, &p, None).await["count"], 3, "the cart is untouched");
    add(s, &p, 20).await.assert_problem(409, "already_owned");

    let path = "/store/cart/items/20";
    assert_eq!(s.call(Method::DELETE, path, Some(&p.token), &[], None).await.body["removed"], true);
    assert_eq!(s.call(Method::DELETE, path, Some(&p.token), &[], None).await.body["removed"], false);
    let shown = cart(s, &p, None).await;
    let total = shown["totalGems"].as_u64().unwrap();
    let bought =
        s.post_keyed("/store/checkout", &p.token, "cart-checkout-1", &json!({ "expectedTotalGems": total })).await;
    assert_eq!(bought.status, StatusCode::OK, "{:?}", bought.body);
    assert_eq!(bought.body["newBalance"], after_tfc - total as i64);
    let replay =
        s.post_keyed("/store/checkout", &p.token, "cart-checkout-1", &json!({ "expectedTotalGems": total })).await;
    assert_eq!(replay.body, bought.body, "the key replays the first answer though the cart is empty");
    assert_eq!(p.balance(s).await, after_tfc - total as i64, "one debit");
    assert_eq!(p.ledger_sum(s).await, p.balance(s).await);
    assert_eq!(owned(&p.all_pages(s, "/library", "games").await), [20, 50, 70]);
    assert_eq!(cart(s, &p, None).await["count"], 0, "the cart is empty");
    checkout(s, &p, 0, None).await.assert_problem(422, "cart_empty");

    // One order with a line per game; each game refunds on its own.
    let order = bought.body["orderId"].as_str().unwrap().to_owned();
    let refund_path = format!("/store/orders/{order}/refund");
    s.post(&refund_path, Some(&p.token), &json!({})).await.assert_problem(400, "validation_failed");
    let half = s.post(&refund_path, Some(&p.token), &json!({ "gameId": 50 })).await;
    assert_eq!(half.status, StatusCode::OK, "{:?}", half.body);
    let orders = p.all_pages(s, "/store/orders", "orders").await;
    let listed = orders.iter().find(|o| o["orderId"] == order.as_str()).unwrap();
    assert_eq!((&listed["status"], listed["lines"].as_array().unwrap().len()), (&json!("partially_refunded"), 2));
    let rest = s.post(&refund_path, Some(&p.token), &json!({ "gameId": 70 })).await;
    assert_eq!(rest.status, StatusCode::OK, "{:?}", rest.body);
    let receipt = s.get(&format!("/store/orders/{order}/receipt"), Some(&p.token)).await;
    assert_eq!((&receipt.body["status"], &receipt.body["refundedGems"]), (&json!("refunded"), &json!(total)));
    assert_eq!(p.balance(s).await, after_tfc, "both games paid back");
    assert_eq!(p.ledger_sum(s).await, after_tfc);
}

#[tokio::test]
async fn a_cart_holds_fifteen_games() {
    let s = stack();
    let p = s.new_player().await;
    let listing = s.get("/store/games?minPrice=1&limit=16", None).await;
    let games: Vec<u64> =
        listing.body["games"].as_array().unwrap().iter().map(|g| g["gameId"].as_u64().unwrap()).collect();
    assert_eq!(games.len(), 16);
    let added = join_all(games.iter().map(|g| add(s, &p, *g))).await;
    assert_eq!(added.iter().filter(|r| r.status == StatusCode::CREATED).count(), 15, "{added:?}");
    added.iter().find(|r| r.status != StatusCode::CREATED).unwrap().assert_problem(422, "cart_full");
    assert_eq!(cart(s, &p, None).await["count"], 15);
}

#[tokio::test]
async fn a_hundred_concurrent_checkouts_with_a_coupon_capped_at_ten_discount_exactly_ten() {
    let s = stack();
    let admin = s.new_player().await;
    grant_role(&admin.username, "admin");
    let code = format!("CAP10-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    let made = s
        .post(
            "/store/coupons",
            Some(&admin.token),
            &json!({ "code": code, "kind": "percent", "value": 50, "endsAt": platform::clock::rfc3339(platform::clock::now_secs() + 3600), "maxUses": 10 }),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{:?}", made.body);

    // Portal (400): 719 gems, 360 with the coupon.
    let (game, full) = (400, price(s, 400).await);
    let players = join_all((0..100).map(|_| s.funded_player(2_000))).await;
    join_all(players.iter().map(|p| add(s, p, game))).await;
    let discounted = cart(s, &players[0], Some(&code)).await["totalGems"].as_u64().unwrap();
    assert_eq!(discounted, full - (full * 50 + 50) / 100);

    let with_coupon = join_all(players.iter().map(|p| checkout(s, p, discounted, Some(&code)))).await;
    let winners: Vec<usize> = (0..100).filter(|i| with_coupon[*i].status == StatusCode::OK).collect();
    assert_eq!(winners.len(), 10, "exactly the cap");
    for r in with_coupon.iter().filter(|r| r.status != StatusCode::OK) {
        r.assert_problem(422, "coupon_exhausted");
    }
    let losers: Vec<&Player> = (0..100).filter(|i| !winners.contains(i)).map(|i| &players[i]).collect();
    let at_full = join_all(losers.iter().map(|p| checkout(s, p, full, None))).await;
    assert!(at_full.iter().all(|r| r.status == StatusCode::OK), "{at_full:?}");

    let balances = join_all(players.iter().map(|p| p.balance(s))).await;
    let spent: i64 = balances.iter().map(|b| 2_000 - b).sum();
    assert_eq!(spent, 10 * discounted as i64 + 90 * full as i64, "totals exact");
    for (i, p) in players.iter().enumerate().step_by(9) {
        assert_eq!(p.ledger_sum(s).await, balances[i], "ledger = balance");
    }
    // A winner may not use it again; it is spent anyway.
    let winner = &players[winners[0]];
    add(s, winner, 620).await;
    let again = cart(s, winner, Some(&code)).await["totalGems"].as_u64().unwrap();
    let reuse = checkout(s, winner, again, Some(&code)).await;
    assert!(
        ["coupon_already_used", "coupon_exhausted"].contains(&reuse.body["code"].as_str().unwrap()),
        "{:?}",
        reuse.body
    );
}

#[tokio::test]
async fn coupons_are_made_by_admins_and_by_developers_for_their_own_games() {
    let s = stack();
    let dev = s.developer_of("Valve").await;
    let ends = platform::clock::rfc3339(platform::clock::now_secs() + 3600);
    let code = format!("VALVE-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    let coupon = |games: Value| json!({ "code": code, "kind": "fixed", "value": 100, "minSpendGems": 500, "endsAt": ends, "gameIds": games, "maxUses": 5 });
    // Dark Messiah (2100) is Arkane's and Ubisoft's.
    s.post("/store/coupons", Some(&dev.token), &coupon(json!([10, 2100]))).await.assert_problem(403, "forbidden");
    let made = s.post("/store/coupons", Some(&dev.token), &coupon(json!([10]))).await;
    assert_eq!(made.status, StatusCode::CREATED, "{:?}", made.body);
    s.post("/store/coupons", Some(&dev.token), &coupon(json!([10]))).await.assert_problem(409, "coupon_code_taken");
    let player = s.new_player().await;
    s.post("/store/coupons", Some(&player.token), &coupon(json!([10]))).await.assert_problem(403, "forbidden");

    // The coupon applies to Counter-Strike only, above its minimum spend.
    let p = s.funded_player(3_000).await;
    add(s, &p, 20).await;
    let r = s.get(&format!("/store/cart?couponCode={}", code.to_lowercase()), Some(&p.token)).await;
    r.assert_problem(422, "coupon_not_applicable");
    add(s, &p, 10).await;
    let shown = cart(s, &p, Some(&code)).await;
    assert_eq!(shown["couponGems"], 100);
    let cs = shown["games"].as_array().unwrap().iter().find(|g| g["gameId"] == 10).unwrap().clone();
    assert_eq!(cs["couponGems"], 100, "the whole discount on the eligible game");
    let total = shown["totalGems"].as_u64().unwrap();
    let bought = checkout(s, &p, total, Some(&code)).await;
    assert_eq!((bought.status, &bought.body["couponGems"]), (StatusCode::OK, &json!(100)), "{:?}", bought.body);
    let receipt =
        s.get(&format!("/store/orders/{}/receipt", bought.body["orderId"].as_str().unwrap()), Some(&p.token)).await;
    assert_eq!(receipt.body["coupon"]["discountGems"], 100);
    assert_eq!(receipt.body["totalGems"], total);
    s.get("/store/cart?couponCode=NOPE-NOPE", Some(&p.token)).await.assert_problem(404, "unknown_coupon");
}
