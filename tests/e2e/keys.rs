//! Product keys: made by a game's developer and shown once, redeemed exactly once, revocable, and
//! not guessable by trying (failed redemptions are throttled per account and per source).

use futures::future::join_all;
use platform_tests::{new_source, stack, Player, Stack};
use reqwest::StatusCode;
use serde_json::{json, Value};

/// Campo Santo's Firewatch. Keys tests only; a key's order is price 0 whatever the price.
const FIREWATCH: u64 = 383870;

async fn make_keys(s: &Stack, dev: &Player, count: u32) -> (String, Vec<String>) {
    let r = s.post(&format!("/developer/games/{FIREWATCH}/keys"), Some(&dev.token), &json!({ "count": count })).await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    let keys: Vec<String> = r.body["keys"].as_array().unwrap().iter().map(|k| k.as_str().unwrap().to_owned()).collect();
    (r.body["batchId"].as_str().unwrap().to_owned(), keys)
}

async fn redeem(s: &Stack, p: &Player, source: std::net::IpAddr, key: &str) -> platform_tests::Reply {
    s.post_from(source, "/store/keys/redeem", Some(&p.token), &json!({ "key": key })).await
}

async fn owns(s: &Stack, p: &Player, game: u64) -> bool {
    p.all_pages(s, "/library", "games").await.iter().any(|g| g["gameId"] == game)
}

async fn batches(s: &Stack, dev: &Player) -> Vec<Value> {
    let r = s.get(&format!("/developer/games/{FIREWATCH}/keys"), Some(&dev.token)).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    r.body["batches"].as_array().unwrap().clone()
}

#[tokio::test]
async fn fifty_concurrent_redemptions_of_one_key_put_the_game_in_exactly_one_library() {
    let s = stack();
    let dev = s.developer_of("Campo Santo").await;
    let (batch_id, keys) = make_keys(s, &dev, 3).await;
    assert_eq!(keys.len(), 3);
    assert!(keys.iter().all(|k| k.len() == 17 && k.matches('-').count() == 2), "{keys:?}");
    assert_ne!(keys[0], keys[1]);

    let players = join_all((0..50).map(|_| s.new_player())).await;
    // Each from a source of its own: this is a race for one key, not a flood from one address.
    let typed = keys[0].to_lowercase();
    let replies = join_all(players.iter().map(|p| redeem(s, p, new_source(), &typed))).await;
    let winners: Vec<&Player> =
        players.iter().zip(&replies).filter(|(_, r)| r.status == StatusCode::OK).map(|(p, _)| p).collect();
    assert_eq!(winners.len(), 1, "exactly one redemption succeeds");
    for r in replies.iter().filter(|r| r.status != StatusCode::OK) {
        r.assert_problem(409, "key_already_redeemed");
    }
    let owners = join_all(players.iter().map(|p| owns(s, p, FIREWATCH))).await;
    assert_eq!(owners.iter().filter(|o| **o).count(), 1, "one library entry in all");

    let winner = winners[0];
    let again = redeem(s, winner, new_source(), &keys[0]).await;
    assert_eq!(again.status, StatusCode::OK, "the redeemer asking again gets the same answer: {:?}", again.body);
    let first = replies.iter().find(|r| r.status == StatusCode::OK).unwrap();
    assert_eq!(again.body["orderId"], first.body["orderId"]);
    let orders = winner.all_pages(s, "/store/orders", "orders").await;
    assert_eq!(orders.len(), 1, "one order");
    assert_eq!(
        (&orders[0]["gameId"], &orders[0]["priceGems"], &orders[0]["source"]),
        (&json!(FIREWATCH), &json!(0), &json!("key"))
    );
    assert_eq!(winner.balance(s).await, 0, "a key costs no gems");
    let batch = batches(s, &dev).await.into_iter().find(|b| b["batchId"] == batch_id.as_str()).unwrap();
    assert_eq!((&batch["count"], &batch["redeemed"]), (&json!(3), &json!(1)));
    assert!(batch.get("keys").is_none(), "keys are shown once, at creation");
}

#[tokio::test]
async fn a_revoked_batch_stops_its_unredeemed_keys_and_only_the_games_developers_manage_keys() {
    let s = stack();
    let dev = s.developer_of("Campo Santo").await;
    let (batch_id, keys) = make_keys(s, &dev, 2).await;
    let (early, late, stranger) = (s.new_player().await, s.new_player().await, s.new_player().await);
    assert_eq!(redeem(s, &early, new_source(), &keys[0]).await.status, StatusCode::OK);

    let path = format!("/developer/games/{FIREWATCH}/keys/{batch_id}/revoke");
    s.post(&path, Some(&stranger.token), &json!({})).await.assert_problem(403, "forbidden");
    s.post(&format!("/developer/games/{FIREWATCH}/keys"), Some(&stranger.token), &json!({ "count": 1 }))
        .await
        .assert_problem(403, "forbidden");
    let revoked = s.post(&path, Some(&dev.token), &json!({})).await;
    assert_eq!(revoked.status, StatusCode::OK, "{:?}", revoked.body);
    assert!(revoked.body["revokedAt"].is_string());

    redeem(s, &late, new_source(), &keys[1]).await.assert_problem(422, "key_revoked");
    assert!(!owns(s, &late, FIREWATCH).await);
    assert!(owns(s, &early, FIREWATCH).await, "a key redeemed before the revocation stays redeemed");
    s.post(&format!("/developer/games/{FIREWATCH}/keys"), Some(&dev.token), &json!({ "count": 1_001 }))
        .await
        .assert_problem(400, "validation_failed");
}

#[tokio::test]
async fn an_owner_keeps_the_key_unused_and_a_guessing_flood_is_throttled_per_account_and_per_source() {
    let s = stack();
    let dev = s.developer_of("Campo Santo").await;
    let (_, keys) = make_keys(s, &dev, 1).await;
    let owner = s.new_player().await;
    assert_eq!(redeem(s, &owner, new_source(), &make_keys(s, &dev, 1).await.1[0]).await.status, StatusCode::OK);
    // A real key for a game already owned: refused, the key stays unused, and it is no guess.
    redeem(s, &owner, new_source(), &keys[0]).await.assert_problem(409, "already_owned");
    let friend = s.new_player().await;
    assert_eq!(redeem(s, &friend, new_source(), &keys[0]).await.status, StatusCode::OK, "the key still works");

    // One account guessing: ten failures an hour, then 429, even for a real key. A success in
    // between gives its slot back: it was no guess.
    let guesser = s.new_player().await;
    for _ in 0..9 {
        redeem(s, &guesser, new_source(), "AAAAA-AAAAA-AAAAA").await.assert_problem(404, "unknown_key");
    }
    let (_, good) = make_keys(s, &dev, 2).await;
    let unused = &good[1];
    assert_eq!(redeem(s, &guesser, new_source(), &good[0]).await.status, StatusCode::OK);
    redeem(s, &guesser, new_source(), "AAAAA-AAAAA-AAAAA").await.assert_problem(404, "unknown_key");
    redeem(s, &guesser, new_source(), unused).await.assert_problem(429, "rate_limited");
    redeem(s, &guesser, new_source(), "not a key").await.assert_problem(400, "validation_failed");
    let someone = s.new_player().await;
    assert_eq!(redeem(s, &someone, new_source(), unused).await.status, StatusCode::OK, "the refused key stays unused");

    // One source guessing across accounts: thirty failures an hour, then 429 for anyone there.
    let source = new_source();
    let mut failures = 0;
    for p in join_all((0..3).map(|_| s.new_player())).await {
        for _ in 0..10 {
            redeem(s, &p, source, "CCCCC-CCCCC-CCCCC").await.assert_problem(404, "unknown_key");
            failures += 1;
        }
    }
    assert_eq!(failures, 30);
    let fresh = s.new_player().await;
    redeem(s, &fresh, source, "DDDDD-DDDDD-DDDDD").await.assert_problem(429, "rate_limited");
}

/// Redemptions of different keys of one batch only check the batch, so a launch-day rush on one
/// bundle's keys does not contend on it.
#[tokio::test]
async fn thirty_players_redeeming_thirty_keys_of_one_batch_at_once_all_succeed_and_are_counted() {
    let s = stack();
    let dev = s.developer_of("Campo Santo").await;
    let (batch_id, keys) = make_keys(s, &dev, 30).await;
    let players = join_all((0..30).map(|_| s.new_player())).await;
    let replies = join_all(players.iter().zip(&keys).map(|(p, key)| redeem(s, p, new_source(), key))).await;
    for r in &replies {
        assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    }
    let batch = batches(s, &dev).await.into_iter().find(|b| b["batchId"] == batch_id.as_str()).unwrap();
    assert_eq!((&batch["count"], &batch["redeemed"]), (&json!(30), &json!(30)));
}
