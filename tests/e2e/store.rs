//! The store: the real 27,075-game catalog browsed, filtered, searched and paged exactly; purchases
//! that charge once, own once, and never overdraw.

use futures::future::join_all;
use platform::domain::catalog::{GameQuery, SortBy, Summary};
use platform_tests::{eventually, stack, Stack};
use reqwest::StatusCode;
use serde_json::json;
use std::time::Duration;

/// The whole result of a query, following cursors, as game ids.
async fn walk(s: &Stack, query: &str) -> Vec<u64> {
    let mut ids = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..2_000 {
        let url = match &cursor {
            Some(c) => format!("/store/games?{query}&limit=100&cursor={c}"),
            None => format!("/store/games?{query}&limit=100"),
        };
        let r = s.get(&url, None).await;
        assert_eq!(r.status, StatusCode::OK, "{url}: {:?}", r.body);
        ids.extend(r.body["games"].as_array().unwrap().iter().map(|g| g["gameId"].as_u64().unwrap()));
        match r.body["nextCursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return ids,
        }
    }
    panic!("{query}: too many pages");
}

/// What the query must return, computed from the shipped data set directly.
fn expected(pairs: &[(&str, &str)]) -> Vec<u64> {
    let games = infra::catalog::parse(infra::catalog::CATALOG_GZ).unwrap();
    let query = GameQuery::parse(|k| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string())).unwrap();
    let mut hits: Vec<Summary> = games.iter().map(Summary::from).filter(|g| query.admits(g)).collect();
    match query.sort.unwrap_or(SortBy::Rating) {
        SortBy::Rating => {
            hits.sort_by(|a, b| b.positive_ratings.cmp(&a.positive_ratings).then(a.game_id.cmp(&b.game_id)))
        }
        SortBy::Release => hits.sort_by(|a, b| b.release_date.cmp(&a.release_date).then(a.game_id.cmp(&b.game_id))),
    }
    if query.ascending {
        hits.reverse();
    }
    hits.iter().map(|g| u64::from(g.game_id)).collect()
}

#[tokio::test]
async fn browsing_filters_search_sort_and_paging_return_exactly_the_matching_games() {
    let s = stack();
    let cases: [&[(&str, &str)]; 6] = [
        &[("q", "zombie")],
        &[("q", "Counter STRIKE")],
        &[("genre", "RPG"), ("platform", "linux"), ("maxPrice", "500"), ("sort", "release")],
        &[("tag", "puzzle"), ("free", "true")],
        &[("q", "war"), ("sort", "release"), ("order", "asc")],
        // Sparse: few games cost over GBP 100, so pages come back short with cursors.
        &[("minPrice", "10000")],
    ];
    for pairs in cases {
        let query: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={}", v.replace(' ', "%20"))).collect();
        let got = walk(s, &query.join("&")).await;
        let want = expected(pairs);
        assert!(!want.is_empty(), "{pairs:?} should match something");
        assert_eq!(got, want, "{pairs:?}");
    }
    // Spot checks against the data itself, not the shared filter code.
    let r = s.get("/store/games?genre=rpg&limit=50", None).await;
    for g in r.body["games"].as_array().unwrap() {
        assert!(g["genres"].as_array().unwrap().iter().any(|x| x.as_str().unwrap().eq_ignore_ascii_case("rpg")), "{g}");
    }
    let r = s.get("/store/games?q=half-life&limit=100", None).await;
    let names: Vec<&str> = r.body["games"].as_array().unwrap().iter().map(|g| g["name"].as_str().unwrap()).collect();
    assert!(names.contains(&"Half-Life 2"), "{names:?}");
    let r = s.get("/store/games?limit=1", None).await;
    assert_eq!(r.body["games"][0]["name"], "Counter-Strike: Global Offensive", "most rated first");
}

#[tokio::test]
async fn every_game_of_the_catalog_is_loaded_and_readable() {
    let s = stack();
    let r = s.get("/store/games/10", None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["name"], "Counter-Strike");
    assert_eq!(r.body["priceGems"], 719, "GBP 7.19 is 719 gems");
    assert_eq!(r.body["developers"], json!(["Valve"]));
    assert_eq!(s.get("/store/games/1069460", None).await.body["name"], "Rune Lord");
    assert_eq!(s.get("/store/games/387870", None).await.body["name"], "Mold on Pizza 🍕");
    let everything = walk(s, "sort=release").await;
    assert_eq!(everything.len(), 27_075);
    assert_eq!(everything.iter().collect::<std::collections::HashSet<_>>().len(), 27_075, "no game listed twice");
}

#[tokio::test]
async fn buying_a_game_debits_once_and_shows_in_library_orders_ledger_and_notifications() {
    let s = stack();
    let p = s.funded_player(5_000).await;
    let r = s.post_keyed("/store/purchase", &p.token, "buy-cs-once", &json!({ "gameId": 10 })).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["priceGems"], 719);
    assert_eq!(r.body["newBalance"], 5_000 - 719);
    let again = s.post_keyed("/store/purchase", &p.token, "buy-cs-once", &json!({ "gameId": 10 })).await;
    assert_eq!(again.body, r.body, "a replay returns the first response");
    p.purchase(s, 10).await.assert_problem(409, "already_owned");

    // A free game is claimed: owned, no money moves.
    let free = p.purchase(s, 730).await;
    assert_eq!(free.status, StatusCode::OK, "{:?}", free.body);
    assert_eq!(free.body["priceGems"], 0);
    assert_eq!(p.balance(s).await, 5_000 - 719);

    let library: Vec<u64> =
        p.all_pages(s, "/library", "games").await.iter().map(|g| g["gameId"].as_u64().unwrap()).collect();
    assert_eq!(library, [730, 10]);
    let orders = p.all_pages(s, "/store/orders", "orders").await;
    assert_eq!(orders.len(), 2);
    assert_eq!(orders[1]["gameId"], 10);
    let ledger = p.all_pages(s, "/account/ledger", "entries").await;
    assert_eq!(ledger.iter().filter(|e| e["kind"] == "store_purchase").count(), 1);
    assert_eq!(p.ledger_sum(s).await, p.balance(s).await);

    let notes = eventually("purchase notifications", Duration::from_secs(20), || async {
        let n = p.notifications(s).await;
        (n.iter().filter(|x| x["type"] == "GamePurchased").count() == 2).then_some(n)
    })
    .await;
    assert!(notes.iter().any(|n| n["title"] == "Counter-Strike is in your library"));
    assert!(notes.iter().any(|n| n["type"] == "CurrencyPurchased"));
}

#[tokio::test]
async fn fifty_concurrent_purchases_of_one_game_make_one_order_and_one_debit() {
    let s = stack();
    let p = s.funded_player(10 * 719).await;
    let replies = join_all((0..50).map(|_| p.purchase(s, 10))).await;
    assert_eq!(replies.iter().filter(|r| r.status == StatusCode::OK).count(), 1);
    for r in replies.iter().filter(|r| r.status != StatusCode::OK) {
        r.assert_problem(409, "already_owned");
    }
    assert_eq!(p.all_pages(s, "/store/orders", "orders").await.len(), 1);
    assert_eq!(p.balance(s).await, 9 * 719);
    assert_eq!(p.ledger_sum(s).await, 9 * 719);
}

#[tokio::test]
async fn concurrent_purchases_of_different_games_never_overdraw() {
    let s = stack();
    let r = s.get("/store/games?minPrice=500&maxPrice=1500&limit=20", None).await;
    let games: Vec<(u64, i64)> = r.body["games"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| (g["gameId"].as_u64().unwrap(), g["priceGems"].as_i64().unwrap()))
        .collect();
    assert_eq!(games.len(), 20);
    let p = s.funded_player(4_000).await;
    let replies = join_all(games.iter().map(|(id, _)| p.purchase(s, *id))).await;
    let mut spent = 0;
    for (r, (_, price)) in replies.iter().zip(&games) {
        match r.status.as_u16() {
            200 => spent += price,
            _ => r.assert_problem(422, "insufficient_funds"),
        }
    }
    let balance = p.balance(s).await;
    assert!(balance >= 0);
    assert!(spent > 0);
    assert_eq!(balance, 4_000 - spent);
    assert_eq!(p.ledger_sum(s).await, balance);
    let owned = p.all_pages(s, "/library", "games").await.len();
    assert_eq!(owned, replies.iter().filter(|r| r.status == StatusCode::OK).count());
}

#[tokio::test]
async fn bad_store_input_is_rejected_and_changes_nothing() {
    let s = stack();
    let p = s.funded_player(1_000).await;
    for (path, code, field) in [
        ("/store/games?minPrice=-5", "validation_failed", Some("minPrice")),
        ("/store/games?maxPrice=abc", "validation_failed", Some("maxPrice")),
        ("/store/games?minPrice=10&maxPrice=1", "validation_failed", Some("minPrice")),
        ("/store/games?platform=dos", "validation_failed", Some("platform")),
        ("/store/games?sort=price", "validation_failed", Some("sort")),
        ("/store/games?q=%21%21", "validation_failed", Some("q")),
        ("/store/games?cursor=bogus", "invalid_cursor", None),
        ("/store/games/abc", "validation_failed", Some("id")),
        ("/library?cursor=bogus", "invalid_cursor", None),
        ("/store/orders?limit=0", "validation_failed", Some("limit")),
    ] {
        let r = s.get(path, Some(&p.token)).await;
        r.assert_problem(400, code);
        if let Some(field) = field {
            assert_eq!(r.body["field"], field, "{path}");
        }
    }
    // A cursor from one query is refused by another.
    let page = s.get("/store/games?genre=action&limit=1", None).await;
    let cursor = page.body["nextCursor"].as_str().unwrap();
    s.get(&format!("/store/games?genre=rpg&cursor={cursor}"), None).await.assert_problem(400, "invalid_cursor");

    s.get("/store/games/999999999", None).await.assert_problem(404, "unknown_game");
    p.purchase(s, 999_999_999).await.assert_problem(404, "unknown_game");
    s.post_keyed("/store/purchase", &p.token, "bad-store-1", &json!({ "gameId": "ten" }))
        .await
        .assert_problem(400, "validation_failed");
    s.post_keyed("/store/purchase", &p.token, "bad-store-2", &json!({})).await.assert_problem(400, "validation_failed");
    s.call(
        reqwest::Method::POST,
        "/store/purchase",
        Some(&p.token),
        &[("idempotency-key", "no")],
        Some(r#"{"gameId":10}"#),
    )
    .await
    .assert_problem(400, "invalid_idempotency_key");
    p.purchase(s, 12_210).await.assert_problem(422, "insufficient_funds"); // GTA IV: 1,999 gems
    assert_eq!(p.balance(s).await, 1_000);
    assert!(p.all_pages(s, "/library", "games").await.is_empty());
    assert!(p.all_pages(s, "/store/orders", "orders").await.is_empty());
}

/// Suggestions computed straight from the shipped data (not by the code under test): games with a
/// name word beginning with the word being typed and every finished word, most rated first.
fn expected_suggestions(q: &str, limit: usize) -> Vec<u64> {
    let games = infra::catalog::parse(infra::catalog::CATALOG_GZ).unwrap();
    let words = |text: &str| -> Vec<String> {
        text.to_lowercase().split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(String::from).collect()
    };
    let mut typed = words(q);
    let typing = if q.ends_with(' ') { String::new() } else { typed.pop().unwrap() };
    let mut hits: Vec<_> = games
        .iter()
        .filter(|g| {
            let name = words(&g.name);
            typed.iter().all(|t| name.contains(t)) && name.iter().any(|w| w.starts_with(&typing))
        })
        .collect();
    hits.sort_by(|a, b| b.positive_ratings.cmp(&a.positive_ratings).then(a.game_id.cmp(&b.game_id)));
    hits.iter().take(limit).map(|g| u64::from(g.game_id)).collect()
}

#[tokio::test]
async fn typing_a_prefix_suggests_the_games_whose_name_words_begin_with_it() {
    let s = stack();
    let suggest = |q: &str, limit: usize| {
        let path = format!("/store/search/suggest?q={}&limit={limit}", q.replace(' ', "+"));
        async move {
            let r = s.get(&path, None).await;
            assert_eq!(r.status, StatusCode::OK, "{path}: {:?}", r.body);
            r.body["games"].as_array().unwrap().iter().map(|g| g["gameId"].as_u64().unwrap()).collect::<Vec<_>>()
        }
    };
    let port = suggest("port", 10).await;
    assert!(port.contains(&400) && port.contains(&620), "Portal and Portal 2: {port:?}");
    for (q, limit) in
        [("port", 10), ("portal 2", 5), ("counter str", 10), ("Half", 20), ("z", 10), ("ba", 10), ("portal ", 10)]
    {
        assert_eq!(suggest(q, limit).await, expected_suggestions(q, limit), "q={q:?}");
    }
    assert!(suggest("qqqqzzzz", 10).await.is_empty());
    assert!(suggest("", 10).await.is_empty());
    let long = "a".repeat(101);
    s.get(&format!("/store/search/suggest?q={long}"), None).await.assert_problem(400, "validation_failed");
}
