//! Pity through the API: counters advance draw by draw inside the pull's transaction, exactly as
//! the items drawn say; 90 pulls always hold an ultra rare; concurrent pulls never lose or repeat a
//! counter update; the published odds are the consolidated ones the rules give.

use platform::domain::gacha::Rarity;
use platform::domain::pity::{advance, PityState};
use platform_tests::{stack, Player, Stack};
use reqwest::StatusCode;
use serde_json::Value;

const BANNER: &str = "heroes";

fn rarity(item: &Value) -> Rarity {
    serde_json::from_value(item["rarity"].clone()).unwrap()
}

/// The banner's featured item ids, as `rarity-chances` publishes them.
async fn featured(s: &Stack) -> Vec<String> {
    let r = s.get(&format!("/gacha/rarity-chances?bannerId={BANNER}"), None).await;
    r.body["featuredItems"].as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap().to_owned()).collect()
}

/// The counters after `items`, computed here from the items alone.
fn replay(mut state: PityState, items: &[Value], featured: &[String]) -> PityState {
    for item in items {
        let drawn = rarity(item);
        if drawn == Rarity::UltraRare {
            state.featured_guaranteed = !featured.iter().any(|id| id == item["id"].as_str().unwrap());
        }
        state = advance(state, drawn);
    }
    state
}

fn counters(reply: &Value) -> (PityState, u64) {
    let counters = &reply["pity"]["counters"];
    (serde_json::from_value(counters.clone()).unwrap(), counters["version"].as_u64().unwrap())
}

async fn funded(s: &Stack, gems: u64) -> Player {
    let p = s.new_player().await;
    assert_eq!(p.buy(s, gems).await.status, StatusCode::OK);
    p
}

#[tokio::test]
async fn ten_pulls_advance_the_counters_exactly_as_their_items_say_and_ninety_hold_an_ultra_rare() {
    let s = stack();
    let featured = featured(s).await;
    let p = funded(s, 90 * 160).await;
    let mut expected = PityState::default();
    let mut ultra_rares = 0;
    for round in 1..=9u64 {
        let r = p.pull(s, BANNER, 10).await;
        assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
        assert_eq!(r.body["pity"]["bannerType"], BANNER);
        let items = r.body["items"].as_array().unwrap();
        expected = replay(expected, items, &featured);
        assert_eq!(counters(&r.body), (expected, round), "round {round}: the counters follow the draws");
        assert!(expected.since_ultra_rare < 90 && expected.since_super_rare < 10);
        ultra_rares += items.iter().filter(|i| rarity(i) == Rarity::UltraRare).count();
    }
    assert!(ultra_rares >= 1, "90 pulls on a fresh account hold an ultra rare (hard pity)");
    assert_eq!(p.balance(s).await, 0);
}

/// Ten single pulls at once on one account: every commit moves the counters from the version it
/// drew from, so the versions are exactly 1..=10 and each step follows from the one before.
#[tokio::test]
async fn concurrent_pulls_never_lose_or_repeat_a_counter_update() {
    let s = stack();
    let featured = featured(s).await;
    let p = funded(s, 10 * 160).await;
    let pulls = futures::future::join_all((0..10).map(|_| p.pull(s, BANNER, 1))).await;
    let mut steps: Vec<(u64, PityState, Value)> = pulls
        .iter()
        .map(|r| {
            assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
            let (state, version) = counters(&r.body);
            (version, state, r.body["item"].clone())
        })
        .collect();
    steps.sort_by_key(|(version, ..)| *version);
    assert_eq!(steps.iter().map(|(v, ..)| *v).collect::<Vec<_>>(), (1..=10).collect::<Vec<_>>());
    let mut state = PityState::default();
    for (version, reported, item) in &steps {
        state = replay(state, std::slice::from_ref(item), &featured);
        assert_eq!(*reported, state, "version {version}");
    }
    assert_eq!(p.balance(s).await, 0, "every pull paid once");
}

#[tokio::test]
async fn the_odds_endpoint_publishes_the_consolidated_rates_and_the_rules() {
    let s = stack();
    let r = s.get(&format!("/gacha/rarity-chances?bannerId={BANNER}"), None).await;
    assert_eq!(r.status, StatusCode::OK);
    let odds = &r.body["consolidatedChances"];
    let total: f64 = ["rare", "superRare", "ultraRare"].iter().map(|k| odds[*k].as_f64().unwrap()).sum();
    assert!((total - 100.0).abs() < 1e-9, "{odds}");
    let (base, consolidated) = (r.body["chances"]["ultra_rare"].as_f64().unwrap(), odds["ultraRare"].as_f64().unwrap());
    assert!(consolidated > base, "pity lifts the ultra-rare rate: {base} -> {consolidated}");
    assert_eq!(r.body["pity"]["hardPity"], 90);
    assert_eq!(odds["maxPullsToUltraRare"], 90);
    let expected = odds["expectedPullsToUltraRare"].as_f64().unwrap();
    assert!((100.0 / expected - consolidated).abs() < 1e-9, "one ultra rare per expected run");
}
