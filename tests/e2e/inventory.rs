//! The inventory: every drawn copy is counted, copies past the cap become shards in the pull's
//! own transaction, and the shards' ledger explains the shards as the gems' explains the balance.

use platform_tests::stack;
use reqwest::StatusCode;
use serde_json::Value;
use std::collections::HashMap;

#[tokio::test]
async fn a_hundred_pulls_fill_the_inventory_and_duplicates_past_the_cap_become_ledgered_shards() {
    let s = stack();
    let p = s.new_player().await;
    assert_eq!(p.buy(s, 100 * 160).await.status, StatusCode::OK);
    let mut drawn: HashMap<String, u64> = HashMap::new();
    let mut converted: HashMap<String, u64> = HashMap::new();
    let mut rarity_of: HashMap<String, String> = HashMap::new();
    for _ in 0..10 {
        let r = p.pull(s, "heroes", 10).await;
        assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
        for item in r.body["items"].as_array().unwrap() {
            *drawn.entry(item["id"].as_str().unwrap().into()).or_default() += 1;
            rarity_of.insert(item["id"].as_str().unwrap().into(), item["rarity"].as_str().unwrap().into());
        }
        for gain in r.body["inventory"].as_array().unwrap() {
            *converted.entry(gain["itemId"].as_str().unwrap().into()).or_default() +=
                gain["convertedToShards"].as_u64().unwrap();
        }
    }
    let r = s.get("/gacha/inventory", Some(&p.token)).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let cap = r.body["duplicateCap"].as_u64().unwrap();
    let held: HashMap<String, Value> =
        r.body["items"].as_array().unwrap().iter().map(|i| (i["itemId"].as_str().unwrap().into(), i.clone())).collect();
    assert_eq!(held.len(), drawn.len(), "one entry per distinct item drawn");
    let mut expected_shards = 0;
    for (id, copies) in &drawn {
        let count = held[id]["count"].as_u64().unwrap();
        assert_eq!(count, (*copies).min(cap), "{id}: copies up to the cap are kept");
        assert_eq!(converted.get(id).copied().unwrap_or(0), copies - count, "{id}: the rest were converted");
        assert!(held[id]["firstObtainedAt"].as_str().is_some());
        let per_copy = match rarity_of[id].as_str() {
            "rare" => 1,
            "super rare" => 10,
            _ => 50,
        };
        expected_shards += (copies - count) * per_copy;
    }
    assert!(expected_shards > 0, "a hundred pulls over five rares repeat one past the cap: {drawn:?}");
    assert_eq!(r.body["shards"].as_u64(), Some(expected_shards));
    let shard_entries = p.all_pages(s, "/account/ledger?currency=shards", "entries").await;
    assert!(shard_entries.iter().all(|e| e["kind"] == "duplicate_shards" && e["currency"] == "shards"));
    assert_eq!(shard_entries.iter().map(|e| e["amount"].as_i64().unwrap()).sum::<i64>(), expected_shards as i64);
    assert_eq!(p.ledger_sum(s).await, p.balance(s).await, "the gem ledger still sums to the balance");
    assert_eq!(p.balance(s).await, 0);
}
