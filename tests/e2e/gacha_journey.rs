//! The seed-002 journey through the HTTP API, checking the exact response shapes.

use platform_tests::stack;
use reqwest::StatusCode;
use serde_json::json;

fn assert_item_shape(item: &serde_json::Value) {
    assert!(item["id"].is_string() && item["name"].is_string(), "{item}");
    assert!(["hero", "item"].contains(&item["type"].as_str().unwrap()), "{item}");
    assert!(["rare", "super rare", "ultra rare"].contains(&item["rarity"].as_str().unwrap()), "{item}");
}

#[tokio::test]
async fn register_login_buy_pull_and_read_everything_back() {
    let s = stack();
    let name = format!("j{}", &uuid::Uuid::new_v4().simple().to_string()[..10]);
    let r = s
        .post(
            "/account/register",
            None,
            &json!({ "username": name, "password": "hunter2hunter2", "email": format!("{name}@example.com") }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    assert_eq!(r.body["message"], "User registered successfully");
    let user_id = r.body["userId"].as_str().unwrap().to_owned();

    let r = s.post("/account/login", None, &json!({ "username": name, "password": "hunter2hunter2" })).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["message"], "Login successful");
    let token = r.body["token"].as_str().unwrap().to_owned();
    assert_eq!(s.tokens().await.verify(&token).await.unwrap().user_id, user_id);

    let r = s
        .post_keyed(
            "/account/buy-currency",
            &token,
            "journey-buy-1",
            &json!({ "amount": 2000, "paymentMethod": "tok_visa" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["message"], "Currency purchased successfully");
    assert_eq!(r.body["newBalance"], 2000);

    let r = s.get("/account/currency", Some(&token)).await;
    assert_eq!(r.body, json!({ "userId": user_id, "currencyBalance": 2000 }));

    let r = s.get("/gacha/items", None).await;
    assert_eq!(r.status, StatusCode::OK);
    let items = r.body["items"].as_array().unwrap();
    let on = |banner: &str| items.iter().filter(|i| i["bannerId"] == banner).count();
    assert_eq!((on("heroes"), on("equipment")), (10, 7), "the permanent banners' items");
    items.iter().for_each(assert_item_shape);
    let r = s.get("/gacha/items?bannerId=equipment", None).await;
    assert!(r.body["items"].as_array().unwrap().iter().all(|i| i["type"] == "item" && i["bannerId"] == "equipment"));

    let r = s.get("/gacha/rarity-chances", None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["chances"], json!({ "rare": 79.0, "super_rare": 18.0, "ultra_rare": 3.0 }));
    let r = s.get("/gacha/rarity-chances?bannerId=equipment", None).await;
    assert_eq!(r.body["chances"], json!({ "rare": 75.0, "super_rare": 20.0, "ultra_rare": 5.0 }));

    // Seed 002's own body: only currencySpent, on the default banner.
    let r = s.post_keyed("/gacha/pull", &token, "journey-pull-1", &json!({ "currencySpent": 160 })).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["message"], "Pull successful");
    assert_item_shape(&r.body["item"]);
    assert_eq!(r.body["item"]["type"], "hero");
    assert_eq!(r.body["newCurrencyBalance"], 2000 - 160);

    let r = s
        .post_keyed(
            "/gacha/pull",
            &token,
            "journey-pull-10",
            &json!({ "bannerId": "equipment", "count": 10, "currencySpent": 1000 }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let ten = r.body["items"].as_array().unwrap();
    assert_eq!(ten.len(), 10);
    ten.iter().for_each(assert_item_shape);
    assert_eq!(r.body["newCurrencyBalance"], 2000 - 160 - 1000);

    let r = s.get("/gacha/history", Some(&token)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["userId"], user_id);
    let pulls = r.body["pulls"].as_array().unwrap();
    assert_eq!(pulls.len(), 11);
    for p in pulls {
        assert!(p["pullId"].is_string() && p["pulledAt"].is_string());
        assert_item_shape(&p["item"]);
    }
    assert_eq!(pulls.last().unwrap()["currencySpent"], 160, "oldest last: the single heroes pull");
    assert_eq!(pulls[0]["currencySpent"], 100);

    // Pages of 4 walk the same 11 pulls with no gaps or repeats.
    let mut seen = Vec::new();
    let mut url = "/gacha/history?limit=4".to_string();
    loop {
        let r = s.get(&url, Some(&token)).await;
        seen.extend(r.body["pulls"].as_array().unwrap().iter().map(|p| p["pullId"].clone()));
        match r.body["nextCursor"].as_str() {
            Some(c) => url = format!("/gacha/history?limit=4&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(seen, pulls.iter().map(|p| p["pullId"].clone()).collect::<Vec<_>>());

    let r = s.get("/account/ledger", Some(&token)).await;
    let entries = r.body["entries"].as_array().unwrap();
    let amounts: Vec<i64> = entries.iter().map(|e| e["amount"].as_i64().unwrap()).collect();
    assert_eq!(amounts, [-1000, -160, 2000], "newest first");
    assert_eq!(entries[2]["kind"], "currency_purchase");
    assert_eq!(entries[0]["kind"], "gacha_pull");
}

#[tokio::test]
async fn an_unknown_route_is_a_404() {
    let r = stack().get("/gacha/nope", None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

/// History filtered by banner or rarity holds exactly the matching pulls, newest first, across
/// pages of three (a sparse filter fills a page from several queries and never skips one).
#[tokio::test]
async fn history_filters_by_banner_and_rarity_and_pages_through_them() {
    let s = stack();
    let p = s.new_player().await;
    assert_eq!(p.buy(s, 2 * 1_600 + 2 * 1_000).await.status, StatusCode::OK);
    for banner in ["heroes", "equipment", "heroes", "equipment"] {
        assert_eq!(p.pull(s, banner, 10).await.status, StatusCode::OK);
    }
    let everything = p.all_pages(s, "/gacha/history", "pulls").await;
    assert_eq!(everything.len(), 40);
    let token = p.token.as_str();
    let pages_of_three = |query: &'static str| async move {
        let (mut seen, mut cursor) = (Vec::new(), None::<String>);
        loop {
            let url = match &cursor {
                Some(c) => format!("/gacha/history?{query}&limit=3&cursor={c}"),
                None => format!("/gacha/history?{query}&limit=3"),
            };
            let r = s.get(&url, Some(token)).await;
            assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
            let page = r.body["pulls"].as_array().unwrap();
            assert!(page.len() <= 3);
            seen.extend(page.iter().map(|x| x["pullId"].as_str().unwrap().to_owned()));
            match r.body["nextCursor"].as_str() {
                Some(next) => cursor = Some(next.to_owned()),
                None => return seen,
            }
        }
    };
    let expect = |keep: &dyn Fn(&serde_json::Value) -> bool| -> Vec<String> {
        everything.iter().filter(|x| keep(x)).map(|x| x["pullId"].as_str().unwrap().to_owned()).collect()
    };
    assert_eq!(pages_of_three("bannerId=equipment").await, expect(&|x| x["bannerId"] == "equipment"));
    assert_eq!(pages_of_three("rarity=rare").await, expect(&|x| x["item"]["rarity"] == "rare"));
    assert_eq!(
        pages_of_three("bannerId=heroes&rarity=super_rare").await,
        expect(&|x| x["bannerId"] == "heroes" && x["item"]["rarity"] == "super rare")
    );
    s.get("/gacha/history?rarity=mythic", Some(&p.token)).await.assert_problem(400, "validation_failed");
}
