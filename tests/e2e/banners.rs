//! Live banners: an admin schedules them, the list shows what is open and what is coming, pulls
//! are taken only while a banner is open, and an open banner's draws cannot change.

use platform_tests::{grant_role, stack, Player, Stack};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

fn at(offset: Duration) -> String {
    (OffsetDateTime::now_utc() + offset).format(&Rfc3339).unwrap()
}

fn limited(starts: Duration, ends: Duration) -> Value {
    json!({
        "name": "Test Festival",
        "kind": "limited",
        "startsAt": at(starts),
        "endsAt": at(ends),
        "costPerPull": 100,
        "rates": { "rare": 9_000, "superRare": 900, "ultraRare": 100 },
        "items": [
            { "id": "hero-ashen-knight", "name": "Ashen Knight", "type": "hero", "rarity": "rare" },
            { "id": "hero-ember-sage", "name": "Ember Sage", "type": "hero", "rarity": "super rare" },
            { "id": "hero-crown-regent", "name": "Crown Regent", "type": "hero", "rarity": "ultra rare" },
            { "id": "hero-test-warden", "name": "Test Warden", "type": "hero", "rarity": "ultra rare" }
        ],
        "featured": ["hero-test-warden"],
        "pity": { "bannerType": "heroes", "hardPity": 90, "softPityFrom": 74, "softPityStep": 600,
                  "superRareEvery": 10, "featuredShare": 5_000 }
    })
}

async fn schedule(s: &Stack, admin: &Player, id: &str, body: &Value) -> platform_tests::Reply {
    let path = format!("/admin/gacha/banners/{id}");
    s.call(Method::PUT, &path, Some(&admin.token), &[], Some(&body.to_string())).await
}

#[tokio::test]
async fn scheduled_banners_are_listed_open_only_in_their_window_and_locked_once_open() {
    let s = stack();
    let admin = s.new_player().await;
    grant_role(&admin.username, "admin");
    let suffix = &uuid::Uuid::new_v4().simple().to_string()[..8];
    let (open, coming) = (format!("open-{suffix}"), format!("coming-{suffix}"));
    let opened = limited(Duration::minutes(-1), Duration::days(14));
    let r = schedule(s, &admin, &open, &opened).await;
    assert_eq!((r.status, r.body["status"].as_str()), (StatusCode::CREATED, Some("active")), "{:?}", r.body);
    let r = schedule(s, &admin, &coming, &limited(Duration::hours(1), Duration::days(21))).await;
    assert_eq!((r.status, r.body["status"].as_str()), (StatusCode::CREATED, Some("upcoming")), "{:?}", r.body);

    let r = s.get("/gacha/banners", None).await;
    assert_eq!(r.status, StatusCode::OK);
    let listed = r.body["banners"].as_array().unwrap();
    let find = |id: &str| listed.iter().find(|b| b["bannerId"] == id).cloned().unwrap_or_else(|| panic!("{id} listed"));
    let (o, c) = (find(&open), find(&coming));
    assert_eq!((o["status"].as_str(), c["status"].as_str()), (Some("active"), Some("upcoming")));
    assert_eq!(o["featuredItems"][0]["id"], "hero-test-warden");
    assert!(o["consolidatedChances"]["ultraRare"].as_f64().unwrap() > 1.0, "odds with pity are published");
    assert!(o["endsAt"].as_str().is_some() && c["startsAt"].as_str().is_some());
    let position = |id: &str| listed.iter().position(|b| b["bannerId"] == id).unwrap();
    assert!(position("heroes") < position(&coming) && position(&open) < position(&coming), "open banners first");

    let p = s.new_player().await;
    assert_eq!(p.buy(s, 1_000).await.status, StatusCode::OK);
    let r = p.pull(s, &coming, 1).await;
    assert_eq!((r.status, r.body["code"].as_str()), (StatusCode::CONFLICT, Some("banner_not_open")));
    assert_eq!(p.balance(s).await, 1_000, "a refused pull costs nothing");
    let r = p.pull(s, &open, 1).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["pity"]["bannerType"], "heroes", "the limited banner shares the heroes counters");

    // Open: its draws and start are fixed, for good; its end is not.
    let mut changed = opened.clone();
    changed["rates"] = json!({ "rare": 9_500, "superRare": 450, "ultraRare": 50 });
    let r = schedule(s, &admin, &open, &changed).await;
    assert_eq!((r.status, r.body["code"].as_str()), (StatusCode::CONFLICT, Some("banner_rules_locked")));
    let mut reopened = opened.clone();
    reopened["startsAt"] = json!(at(Duration::days(1)));
    reopened["endsAt"] = json!(at(Duration::days(30)));
    let r = schedule(s, &admin, &open, &reopened).await;
    assert_eq!(
        (r.status, r.body["code"].as_str()),
        (StatusCode::CONFLICT, Some("banner_rules_locked")),
        "moving an opened banner's start into the future would unlock its rules"
    );
    let mut shorter = opened.clone();
    shorter["endsAt"] = json!(at(Duration::days(7)));
    let r = schedule(s, &admin, &open, &shorter).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    // Upcoming: anything may change.
    let r = schedule(s, &admin, &coming, &changed).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
}

#[tokio::test]
async fn only_admins_schedule_and_bad_banners_are_refused() {
    let s = stack();
    let player = s.new_player().await;
    let r = schedule(s, &player, "sneaky", &limited(Duration::minutes(-1), Duration::days(1))).await;
    assert_eq!((r.status, r.body["code"].as_str()), (StatusCode::FORBIDDEN, Some("forbidden")));
    let admin = s.new_player().await;
    grant_role(&admin.username, "admin");
    let mut bad = limited(Duration::minutes(-1), Duration::days(1));
    bad["rates"]["rare"] = json!(1);
    let r = schedule(s, &admin, "bad-rates", &bad).await;
    assert_eq!((r.status, r.body["code"].as_str()), (StatusCode::BAD_REQUEST, Some("validation_failed")));
    let r = schedule(s, &admin, "backwards", &limited(Duration::days(2), Duration::days(1))).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let mut named = limited(Duration::minutes(-1), Duration::days(1));
    named["bannerId"] = json!("other");
    let r = schedule(s, &admin, "named", &named).await;
    assert_eq!((r.status, r.body["field"].as_str()), (StatusCode::BAD_REQUEST, Some("bannerId")));
    let r = s.get("/gacha/rarity-chances?bannerId=bad-rates", None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "nothing was stored");
}
