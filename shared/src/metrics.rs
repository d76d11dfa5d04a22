//! Business metrics in CloudWatch Embedded Metric Format (EMF): one JSON document per line on
//! stdout, which CloudWatch Logs turns into metrics with no API call and no extra latency.
//!
//! They are emitted in one place, `outbox-publish`, for each business event it publishes: only
//! facts that committed are counted, and no request path pays for it. The event names what
//! happened; `of_event` says which metrics that is.

use serde_json::{json, Map, Value};

pub const NAMESPACE: &str = "GamePlatform/Business";
/// The one dimension: which deployment (a stack's name) the figures are of.
pub const SERVICE: &str = "game-platform";

/// A metric of an event: its name, value and CloudWatch unit.
pub type Metric = (&'static str, f64, &'static str);

/// The metrics a business event counts (none for events that are not business figures).
pub fn of_event(detail_type: &str, detail: &Value) -> Vec<Metric> {
    let number = |field: &str| detail[field].as_f64().unwrap_or(0.0);
    match detail_type {
        "UserRegistered" => vec![("Signups", 1.0, "Count")],
        "CurrencyPurchased" => vec![("GemPurchases", 1.0, "Count"), ("GemsBought", number("amount"), "Count")],
        "PullCompleted" => {
            vec![("Pulls", number("count"), "Count"), ("GemsSpentOnPulls", number("currencySpent"), "Count")]
        }
        "GamePurchased" if detail["source"] == "key" => vec![("KeyRedemptions", 1.0, "Count")],
        "GamePurchased" => vec![("GamesSold", 1.0, "Count"), ("StoreRevenueGems", number("priceGems"), "Count")],
        "GiftPurchased" => vec![
            ("GiftsSent", 1.0, "Count"),
            ("GamesSold", 1.0, "Count"),
            ("StoreRevenueGems", number("priceGems"), "Count"),
        ],
        "GameRefunded" | "GiftDeclined" | "GiftExpired" => {
            vec![("Refunds", 1.0, "Count"), ("RefundedGems", number("refundedGems"), "Count")]
        }
        _ => Vec::new(),
    }
}

/// The EMF document of `metrics` at `timestamp_ms`, with `properties` (searchable in the logs,
/// not metrics).
pub fn document(metrics: &[Metric], timestamp_ms: u64, properties: &[(&str, &Value)]) -> Value {
    let mut doc = Map::new();
    doc.insert(
        "_aws".into(),
        json!({
            "Timestamp": timestamp_ms,
            "CloudWatchMetrics": [{
                "Namespace": NAMESPACE,
                "Dimensions": [["Service"]],
                "Metrics": metrics.iter().map(|(name, _, unit)| json!({ "Name": name, "Unit": unit })).collect::<Vec<_>>(),
            }],
        }),
    );
    doc.insert("Service".into(), json!(SERVICE));
    for (name, value, _) in metrics {
        doc.insert((*name).into(), json!(value));
    }
    for (name, value) in properties {
        doc.insert((*name).into(), (*value).clone());
    }
    Value::Object(doc)
}

/// Prints the metrics of a published event, if it counts any.
pub fn emit_for_event(detail_type: &str, detail: &Value) {
    let metrics = of_event(detail_type, detail);
    if metrics.is_empty() {
        return;
    }
    let now_ms = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64);
    let event = json!(detail_type);
    let properties = [("event", &event), ("eventId", &detail["eventId"]), ("userId", &detail["userId"])];
    // Straight to stdout, one line: EMF must be the whole log event, not inside a tracing record.
    println!("{}", document(&metrics, now_ms, &properties));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_business_event_counts_its_figures() {
        let purchase = json!({ "priceGems": 719, "gameId": 400 });
        assert_eq!(
            of_event("GamePurchased", &purchase),
            vec![("GamesSold", 1.0, "Count"), ("StoreRevenueGems", 719.0, "Count")]
        );
        let key = json!({ "priceGems": 0, "source": "key" });
        assert_eq!(of_event("GamePurchased", &key), vec![("KeyRedemptions", 1.0, "Count")]);
        let gift = json!({ "priceGems": 1099 });
        assert_eq!(
            of_event("GiftPurchased", &gift)[1..],
            [("GamesSold", 1.0, "Count"), ("StoreRevenueGems", 1099.0, "Count")]
        );
        assert_eq!(of_event("GiftDeclined", &json!({ "refundedGems": 1099 }))[1], ("RefundedGems", 1099.0, "Count"));
        let pull = json!({ "count": 10, "currencySpent": 1600 });
        assert_eq!(of_event("PullCompleted", &pull)[0], ("Pulls", 10.0, "Count"));
        assert!(of_event("FriendRequestSent", &json!({})).is_empty());
    }

    #[test]
    fn the_document_is_embedded_metric_format() {
        let doc = document(&[("GemsBought", 500.0, "Count")], 1_700_000_000_000, &[("userId", &json!("u1"))]);
        let directive = &doc["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(directive["Namespace"], NAMESPACE);
        assert_eq!(directive["Dimensions"], json!([["Service"]]));
        assert_eq!(directive["Metrics"], json!([{ "Name": "GemsBought", "Unit": "Count" }]));
        // Every metric and dimension named in the directive is a top-level member.
        assert_eq!(
            (&doc["GemsBought"], &doc["Service"], &doc["userId"]),
            (&json!(500.0), &json!(SERVICE), &json!("u1"))
        );
        assert_eq!(doc["_aws"]["Timestamp"], 1_700_000_000_000u64);
    }
}
