//! `GET /health`: whether each dependency answers: DynamoDB (one GetItem), the event bus
//! (DescribeEventBus) and every queue the function is given (GetQueueAttributes; the template
//! hands it each `*_QUEUE_URL`, so a new queue is checked by adding it there). Each check has a
//! 3-second deadline; the report is kept 10 s per instance, so a flood of health checks costs the
//! dependencies almost nothing. 200 when all are up, 503 when one is down.

use lambda_http::Request;
use platform::http::{json_response, HttpResult};
use platform::store::cache::TtlCache;
use platform::App;
use serde::Serialize;
use std::future::Future;
use std::time::{Duration, Instant};

const DEADLINE: Duration = Duration::from_secs(3);
static REPORT: TtlCache<Report> = TtlCache::new(10, 1);

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
struct Check {
    name: String,
    status: &'static str,
    latency_ms: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
struct Report {
    status: &'static str,
    checked_at: String,
    dependencies: Vec<Check>,
}

async fn check<F, T, E>(name: String, probe: F) -> Check
where
    F: Future<Output = Result<T, E>>,
    E: std::fmt::Display,
{
    let started = Instant::now();
    let outcome = match tokio::time::timeout(DEADLINE, probe).await {
        Ok(Ok(_)) => None,
        Ok(Err(error)) => Some(error.to_string()),
        Err(_) => Some(format!("no answer within {} s", DEADLINE.as_secs())),
    };
    Check {
        name,
        status: if outcome.is_none() { "up" } else { "down" },
        latency_ms: started.elapsed().as_millis() as u64,
        error: outcome,
    }
}

/// The queues the template gives this function: `NOTIFICATIONS_QUEUE_URL` is `queue:notifications`.
fn queues() -> Vec<(String, String)> {
    let mut queues: Vec<(String, String)> = std::env::vars()
        .filter_map(|(name, url)| {
            let stem = name.strip_suffix("_QUEUE_URL")?;
            Some((format!("queue:{}", stem.to_ascii_lowercase().replace('_', "-")), url))
        })
        .collect();
    queues.sort();
    queues
}

async fn report(app: &App) -> Report {
    let table = app.table(platform::Table::USERS).unwrap_or_default().to_owned();
    let bus = app.setting(platform::app::EVENT_BUS_NAME).unwrap_or_default().to_owned();
    let dynamodb = check("dynamodb".into(), async {
        app.db.get_item().table_name(table).key("pk", platform::store::s("health#probe")).send().await
    });
    let event_bus = check("eventBus".into(), async { app.events.describe_event_bus().name(bus).send().await });
    let queues = futures::future::join_all(
        queues()
            .into_iter()
            .map(|(name, url)| check(name, async move { app.sqs.get_queue_attributes().queue_url(url).send().await })),
    );
    let (dynamodb, event_bus, queues) = tokio::join!(dynamodb, event_bus, queues);
    let dependencies: Vec<Check> = [dynamodb, event_bus].into_iter().chain(queues).collect();
    let all_up = dependencies.iter().all(|c| c.status == "up");
    Report { status: if all_up { "ok" } else { "down" }, checked_at: platform::clock::now_rfc3339(), dependencies }
}

pub async fn handle(_req: Request, app: &App) -> HttpResult {
    let report = match REPORT.get("report") {
        Some(report) => report,
        None => {
            let fresh = report(app).await;
            REPORT.put("report", fresh.clone());
            fresh
        }
    };
    json_response(if report.status == "ok" { 200 } else { 503 }, &report)
}
