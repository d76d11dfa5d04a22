//! Provably fair pulls: every draw is recomputed from the revealed seed by an independent Python
//! implementation (hmac/hashlib, from the README's algorithm) and by the verify endpoint; a
//! changed seed is caught by the commitment published before the draws.

use platform_tests::{stack, third_party, Player, Stack};
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn funded(s: &Stack, gems: u64) -> Player {
    let p = s.new_player().await;
    assert_eq!(p.buy(s, gems).await.status, StatusCode::OK);
    p
}

async fn banner(s: &Stack, id: &str) -> Value {
    let r = s.get("/gacha/banners", None).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    r.body["banners"].as_array().unwrap().iter().find(|b| b["bannerId"] == id).cloned().expect("listed")
}

/// Runs `tests/third_party/fairness_check.py` on the banner, a revealed seed and pulls.
fn python_check(banner: &Value, seed: &Value, pulls: &[Value]) -> Value {
    let input = std::env::temp_dir().join(format!("fairness-{}.json", uuid::Uuid::new_v4()));
    std::fs::write(&input, json!({ "banner": banner, "seed": seed, "pulls": pulls }).to_string()).unwrap();
    let out = third_party("fairness_check.py", &[input.to_str().unwrap()]);
    std::fs::remove_file(input).ok();
    out
}

#[tokio::test]
async fn pulls_recompute_from_the_revealed_seed_in_python_and_a_changed_seed_breaks_the_commitment() {
    let s = stack();
    let p = funded(s, 22 * 160 + 11 * 100).await;
    // The seed the player's client seed will go with is committed to before they choose it.
    let announced = s.get("/gacha/fairness", Some(&p.token)).await.body["active"]["nextCommitment"].clone();
    let r = s.post("/gacha/fairness/rotate", Some(&p.token), &json!({ "clientSeed": "lucky-7" })).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let committed = r.body["active"]["commitment"].as_str().unwrap().to_owned();
    assert_eq!(announced, committed.as_str(), "the promoted seed is the one committed to before the client seed");
    assert!(r.body["active"].get("serverSeed").is_none() && r.body["active"].get("nextServerSeed").is_none());
    assert_eq!(r.body["active"]["clientSeed"], "lucky-7");
    assert_eq!(r.body["revealed"]["draws"], 0, "the seed made when none existed had drawn nothing");

    let mut pulled = Vec::new();
    for (banner_id, count) in [("heroes", 10), ("heroes", 1), ("equipment", 10), ("heroes", 10), ("equipment", 1)] {
        let r = p.pull(s, banner_id, count).await;
        assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
        assert_eq!(r.body["fairness"]["commitment"], committed.as_str());
        assert_eq!(r.body["fairness"]["clientSeed"], "lucky-7");
        pulled.extend(r.body["pullIds"].as_array().unwrap().iter().cloned());
    }
    let r = s.get("/gacha/fairness", Some(&p.token)).await;
    assert_eq!(
        (r.body["active"]["commitment"].as_str(), r.body["active"]["nextNonce"].as_u64()),
        (Some(&*committed), Some(32))
    );

    // Before the reveal nothing can be checked: the seed is secret.
    let first = pulled[0].as_str().unwrap();
    let r = s.get(&format!("/gacha/pulls/{first}/verification"), Some(&p.token)).await;
    assert_eq!((r.status, r.body["code"].as_str()), (StatusCode::CONFLICT, Some("seed_not_revealed")));

    let r = s.post("/gacha/fairness/rotate", Some(&p.token), &json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let seed = r.body["revealed"].clone();
    assert_eq!((seed["commitment"].as_str(), seed["draws"].as_u64()), (Some(&*committed), Some(32)));
    assert_ne!(r.body["active"]["commitment"], committed.as_str(), "a new seed follows");

    let history = p.all_pages(s, "/gacha/history", "pulls").await;
    assert_eq!(history.len(), 32);
    let mut nonces: Vec<u64> = history.iter().map(|h| h["proof"]["nonce"].as_u64().unwrap()).collect();
    nonces.sort_unstable();
    assert_eq!(nonces, (0..32).collect::<Vec<_>>(), "one nonce per draw, none skipped or reused");
    for banner_id in ["heroes", "equipment"] {
        let pulls: Vec<Value> = history.iter().filter(|h| h["bannerId"] == banner_id).cloned().collect();
        // The whole history goes in: the checker takes the given banner's pulls.
        let checked = python_check(&banner(s, banner_id).await, &seed, &history);
        assert_eq!(checked["commitmentMatches"], true, "{checked}");
        assert_eq!(checked["checked"].as_u64(), Some(pulls.len() as u64));
        assert_eq!(checked["mismatches"], json!([]), "{banner_id}: every draw recomputes to the recorded item");
    }

    // A server that swapped its seed after committing is caught.
    let mut forged = seed.clone();
    forged["serverSeed"] = json!(format!("{}0", &seed["serverSeed"].as_str().unwrap()[1..]));
    let heroes: Vec<Value> = history.iter().filter(|h| h["bannerId"] == "heroes").cloned().collect();
    let checked = python_check(&banner(s, "heroes").await, &forged, &heroes);
    assert_eq!(checked["commitmentMatches"], false, "the commitment binds the seed");
    assert!(!checked["mismatches"].as_array().unwrap().is_empty(), "a different seed draws different items");

    // The platform's own verification agrees, with the rolls shown.
    let r = s.get(&format!("/gacha/pulls/{first}/verification"), Some(&p.token)).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!((r.body["matches"].as_bool(), r.body["commitmentMatches"].as_bool()), (Some(true), Some(true)));
    assert_eq!(r.body["rolls"].as_array().unwrap().len(), 3, "rarity, featured coin and item");
    assert_eq!(r.body["serverSeed"], seed["serverSeed"]);
}

#[tokio::test]
async fn bad_seeds_and_other_players_pulls_are_refused_and_change_nothing() {
    let s = stack();
    let (p, other) = (funded(s, 160).await, s.new_player().await);
    let before = s.get("/gacha/fairness", Some(&p.token)).await.body["active"].clone();
    for bad in ["", "has space", "a:b", &"x".repeat(65)] {
        let r = s.post("/gacha/fairness/rotate", Some(&p.token), &json!({ "clientSeed": bad })).await;
        assert_eq!((r.status, r.body["field"].as_str()), (StatusCode::BAD_REQUEST, Some("clientSeed")), "{bad:?}");
    }
    assert_eq!(s.get("/gacha/fairness", Some(&p.token)).await.body["active"], before, "the seed did not move");
    let r = p.pull(s, "heroes", 1).await;
    let pull_id = r.body["pullIds"][0].as_str().unwrap().to_owned();
    let r = s.get(&format!("/gacha/pulls/{pull_id}/verification"), Some(&other.token)).await;
    assert_eq!((r.status, r.body["code"].as_str()), (StatusCode::NOT_FOUND, Some("unknown_pull")));
    let r = s.get("/gacha/pulls/not-a-pull/verification", Some(&p.token)).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}
