//! Benchmarks that print tables (never timed assertions in tests):
//! - cold start of each function binary: exec -> first response posted to a minimal Runtime API,
//!   median and max of N runs, peak RSS (VmHWM), binary size;
//! - warm latency of endpoints through the local API, p50/p99.

use crate::template::{Function, Template};
use anyhow::{anyhow, Context, Result};
use axum::body::Bytes;
use axum::routing::{get, post};
use axum::Router;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::oneshot;

pub struct ColdStart {
    pub function: String,
    pub median_ms: f64,
    pub max_ms: f64,
    pub peak_rss_kib: u64,
    pub binary_bytes: u64,
}

/// What a cold start runs: a program (a function binary, or an interpreter and its script) with a
/// function's template environment.
pub struct Handler<'a> {
    pub program: &'a Path,
    pub args: &'a [&'a str],
    pub function: &'a Function,
    /// The local WebSocket API's endpoint, given in place of the template's execute-api URL.
    pub socket_url: Option<&'a str>,
}

/// One cold start: a fresh process, one invocation of its sample event, time to its response.
async fn one_cold_start(handler: &Handler<'_>, event: Bytes) -> Result<(Duration, u64)> {
    let function = handler.function;
    let (done_tx, done_rx) = oneshot::channel::<()>();
    let done = Arc::new(Mutex::new(Some(done_tx)));
    let served = Arc::new(Mutex::new(false));
    let app = Router::new()
        .route(
            "/2018-06-01/runtime/invocation/next",
            get(move || {
                let (event, served) = (event.clone(), served.clone());
                async move {
                    // One event, then hold the poll open as an idle Lambda instance would wait.
                    if std::mem::replace(&mut *served.lock().expect("lock"), true) {
                        std::future::pending::<()>().await;
                    }
                    let deadline = (std::time::SystemTime::now() + Duration::from_secs(30))
                        .duration_since(std::time::UNIX_EPOCH)
                        .unwrap_or_default()
                        .as_millis()
                        .to_string();
                    (
                        [
                            ("lambda-runtime-aws-request-id", "bench".to_string()),
                            ("lambda-runtime-deadline-ms", deadline),
                            ("lambda-runtime-invoked-function-arn", "arn:aws:lambda:us-east-1:0:function:bench".into()),
                        ],
                        event,
                    )
                }
            }),
        )
        .route(
            "/2018-06-01/runtime/invocation/{id}/{kind}",
            post(move || {
                let done = done.clone();
                async move {
                    if let Some(tx) = done.lock().expect("lock").take() {
                        let _ = tx.send(());
                    }
                    axum::http::StatusCode::ACCEPTED
                }
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    let started = Instant::now();
    let mut child = tokio::process::Command::new(handler.program)
        .args(handler.args)
        .env_clear()
        .envs(function.environment.iter().map(|(k, v)| (k, crate::runtime::localized(v, handler.socket_url))))
        .envs(crate::aws_passthrough())
        .env("AWS_LAMBDA_RUNTIME_API", format!("http://{addr}"))
        .env("AWS_LAMBDA_FUNCTION_NAME", &function.binary)
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", function.memory_mb.to_string())
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("RUST_LOG", "error")
        .stdout(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()?;
    tokio::time::timeout(Duration::from_secs(30), done_rx).await.context("no response within 30 s")??;
    let elapsed = started.elapsed();
    let pid = child.id().ok_or_else(|| anyhow!("process already gone"))?;
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let peak = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0);
    child.kill().await?;
    server.abort();
    Ok((elapsed, peak))
}

/// Median, max and peak RSS of `runs` cold starts of `handler` on `event`.
pub async fn cold_start(name: &str, handler: &Handler<'_>, event: Bytes, runs: usize) -> Result<ColdStart> {
    let mut times = Vec::new();
    let mut peak = 0;
    for _ in 0..runs {
        let (t, rss) = one_cold_start(handler, event.clone()).await.with_context(|| format!("cold start of {name}"))?;
        times.push(t.as_secs_f64() * 1000.0);
        peak = peak.max(rss);
    }
    times.sort_by(f64::total_cmp);
    Ok(ColdStart {
        function: name.to_owned(),
        median_ms: times[times.len() / 2],
        max_ms: *times.last().unwrap_or(&0.0),
        peak_rss_kib: peak,
        binary_bytes: std::fs::metadata(handler.program)?.len(),
    })
}

/// Every function of the template, each on its sample event from `events_dir`.
pub async fn cold_starts(
    template: &Template,
    bin_dir: &Path,
    events_dir: &Path,
    runs: usize,
    socket_url: Option<&str>,
) -> Result<Vec<ColdStart>> {
    let mut out = Vec::new();
    for function in &template.functions {
        let binary = bin_dir.join(&function.binary);
        let event = Bytes::from(std::fs::read(events_dir.join(format!("{}.json", function.binary)))?);
        let handler = Handler { program: &binary, args: &[], function, socket_url };
        out.push(cold_start(&function.binary, &handler, event, runs).await?);
    }
    Ok(out)
}

pub fn percentile(sorted_ms: &[f64], p: f64) -> f64 {
    if sorted_ms.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * sorted_ms.len() as f64).ceil() as usize;
    sorted_ms[rank.clamp(1, sorted_ms.len()) - 1]
}

/// Latency of `request` repeated `n` times after a warm-up, sequentially.
pub async fn warm_latency<F, Fut>(n: usize, mut request: F) -> Result<(f64, f64)>
where
    F: FnMut(usize) -> Fut,
    Fut: std::future::Future<Output = Result<()>>,
{
    for i in 0..10 {
        request(i).await?;
    }
    let mut times = Vec::with_capacity(n);
    for i in 0..n {
        let started = Instant::now();
        request(10 + i).await?;
        times.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    Ok((percentile(&times, 50.0), percentile(&times, 99.0)))
}

#[cfg(test)]
mod tests {
    #[test]
    fn percentiles_use_the_nearest_rank() {
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(super::percentile(&v, 50.0), 50.0);
        assert_eq!(super::percentile(&v, 99.0), 99.0);
        assert_eq!(super::percentile(&[7.0], 99.0), 7.0);
    }
}
