//! `GET /health`: every dependency is checked and named; a stopped one is reported down (503)
//! and up again once it is back.

use platform_tests::{eventually, stack};
use reqwest::StatusCode;
use serde_json::Value;
use std::time::Duration;

/// The report is kept 10 s per function instance, and the local API runs up to four.
const WAIT: Duration = Duration::from_secs(60);

fn state<'a>(report: &'a Value, name: &str) -> &'a Value {
    let found = report["dependencies"].as_array().unwrap().iter().find(|d| d["name"] == name);
    &found.unwrap_or_else(|| panic!("{name} is not in {report}"))["status"]
}

#[tokio::test]
async fn health_names_each_dependency_and_reports_a_stopped_event_bus_as_down_until_it_is_back() {
    let s = stack();
    let _outage = platform_tests::BUS_OUTAGE.lock().await;
    let healthy = |want: StatusCode| async move {
        eventually(&format!("GET /health answering {want}"), WAIT, || async {
            let r = s.get("/health", None).await;
            (r.status == want).then_some(r.body)
        })
        .await
    };
    let up = healthy(StatusCode::OK).await;
    assert_eq!(up["status"], "ok");
    for name in ["dynamodb", "eventBus", "queue:notifications", "queue:chat-delivery", "queue:match-starts"] {
        assert_eq!(state(&up, name), "up", "{up}");
    }

    s.bus.set_down(true);
    let down = healthy(StatusCode::SERVICE_UNAVAILABLE).await;
    s.bus.set_down(false);
    assert_eq!((&down["status"], state(&down, "eventBus")), (&Value::from("down"), &Value::from("down")), "{down}");
    assert_eq!(state(&down, "dynamodb"), "up", "only the stopped dependency is down: {down}");
    assert!(down["dependencies"].as_array().unwrap().iter().any(|d| d["name"] == "eventBus" && d["error"].is_string()));

    let back = healthy(StatusCode::OK).await;
    assert_eq!(state(&back, "eventBus"), "up");
}
