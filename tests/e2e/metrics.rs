//! Business metrics: each committed business event is counted once it is published, as an
//! Embedded Metric Format document on `outbox-publish`'s stdout (its log here; CloudWatch Logs on
//! AWS turns the same line into metrics).

use platform_tests::{eventually, repo_root, stack};
use reqwest::StatusCode;
use serde_json::Value;
use std::time::Duration;

/// Valve's Portal, 719 gems.
const PORTAL: (u64, f64) = (400, 719.0);

/// The EMF documents `outbox-publish` printed for this player's events.
fn documents_of(user_id: &str) -> Vec<Value> {
    let log = std::fs::read_to_string(repo_root().join(".local/logs/tests/outbox-publish.log")).unwrap_or_default();
    log.lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|doc| doc.get("_aws").is_some() && doc["userId"] == user_id)
        .collect()
}

#[tokio::test]
async fn a_signup_a_gem_purchase_and_a_game_sale_are_each_counted_once_in_embedded_metric_format() {
    let s = stack();
    let p = s.funded_player(1_000).await;
    assert_eq!(p.purchase(s, PORTAL.0).await.status, StatusCode::OK);

    let docs = eventually("the three events counted", Duration::from_secs(60), || async {
        let docs = documents_of(&p.user_id);
        (docs.len() >= 3).then_some(docs)
    })
    .await;
    let by_event = |event: &str| docs.iter().filter(|d| d["event"] == event).cloned().collect::<Vec<_>>();
    let (signups, gems, sales) = (by_event("UserRegistered"), by_event("CurrencyPurchased"), by_event("GamePurchased"));
    assert_eq!((signups.len(), gems.len(), sales.len()), (1, 1, 1), "each once: {docs:?}");
    assert_eq!(signups[0]["Signups"], 1.0);
    assert_eq!((&gems[0]["GemsBought"], &gems[0]["GemPurchases"]), (&Value::from(1_000.0), &Value::from(1.0)));
    assert_eq!((&sales[0]["StoreRevenueGems"], &sales[0]["GamesSold"]), (&Value::from(PORTAL.1), &Value::from(1.0)));
    let directive = &sales[0]["_aws"]["CloudWatchMetrics"][0];
    assert_eq!(directive["Namespace"], platform::metrics::NAMESPACE);
    let named: Vec<&str> =
        directive["Metrics"].as_array().unwrap().iter().map(|m| m["Name"].as_str().unwrap()).collect();
    assert_eq!(named, ["GamesSold", "StoreRevenueGems"]);
}
