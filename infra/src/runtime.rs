//! A Lambda Runtime API emulator. Each function of the template runs as its real binary, polling
//! `/2018-06-01/runtime/invocation/next` as it would on Lambda. Instances are started on demand,
//! one invocation at a time each, up to a concurrency limit, like Lambda's scaling.

use crate::template::{Function, Template};
use anyhow::{anyhow, Result};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::oneshot;

#[derive(Debug)]
pub enum Outcome {
    Response(Bytes),
    /// The function reported an error, crashed or timed out.
    Error(String),
}

struct Invocation {
    id: String,
    payload: Bytes,
    deadline: Duration,
    reply: oneshot::Sender<Outcome>,
}

struct InFlight {
    instance: usize,
    reply: oneshot::Sender<Outcome>,
}

struct Pool {
    function: Function,
    queue: async_channel::Sender<Invocation>,
    waiting: async_channel::Receiver<Invocation>,
    idle: AtomicUsize,
    instances: AtomicUsize,
}

pub struct RuntimeOptions {
    /// Where the function binaries are (`target/debug` or `target/release`).
    pub bin_dir: PathBuf,
    /// Each function's stdout/stderr goes to `<log_dir>/<function>.log`; `None` inherits ours.
    pub log_dir: Option<PathBuf>,
    /// Most concurrent instances per function.
    pub max_instances: usize,
    /// Environment passed through from ours on top of the template's (AWS endpoint, region, keys).
    pub passthrough: Vec<(String, String)>,
}

pub struct Runtime {
    pools: HashMap<String, Arc<Pool>>,
    in_flight: Mutex<HashMap<String, InFlight>>,
    next_instance: AtomicUsize,
    options: RuntimeOptions,
    base_url: Mutex<String>,
}

impl Runtime {
    pub fn new(template: &Template, options: RuntimeOptions) -> Arc<Runtime> {
        let pools = template
            .functions
            .iter()
            .map(|f| {
                let (queue, waiting) = async_channel::unbounded();
                let pool = Pool {
                    function: f.clone(),
                    queue,
                    waiting,
                    idle: AtomicUsize::new(0),
                    instances: AtomicUsize::new(0),
                };
                (f.binary.clone(), Arc::new(pool))
            })
            .collect();
        Arc::new(Runtime {
            pools,
            in_flight: Mutex::new(HashMap::new()),
            next_instance: AtomicUsize::new(0),
            options,
            base_url: Mutex::new(String::new()),
        })
    }

    /// The Runtime API routes; mount them on a server, then call `set_base_url` with its address.
    pub fn router(self: &Arc<Self>) -> Router {
        Router::new()
            .route("/fn/{function}/{instance}/2018-06-01/runtime/invocation/next", get(next))
            .route("/fn/{function}/{instance}/2018-06-01/runtime/invocation/{id}/response", post(response))
            .route("/fn/{function}/{instance}/2018-06-01/runtime/invocation/{id}/error", post(error))
            .route("/fn/{function}/{instance}/2018-06-01/runtime/init/error", post(init_error))
            .with_state(self.clone())
    }

    pub fn set_base_url(&self, url: String) {
        *self.base_url.lock().expect("lock") = url;
    }

    pub fn function_names(&self) -> impl Iterator<Item = &str> {
        self.pools.keys().map(String::as_str)
    }

    /// Runs one invocation to completion, starting an instance if none is free.
    pub async fn invoke(self: &Arc<Self>, function: &str, payload: Bytes) -> Result<Outcome> {
        let pool = self.pools.get(function).ok_or_else(|| anyhow!("no function `{function}` in the template"))?.clone();
        let deadline = Duration::from_secs(pool.function.timeout_secs);
        let (reply, outcome) = oneshot::channel();
        let id = uuid::Uuid::new_v4().to_string();
        pool.queue.send(Invocation { id: id.clone(), payload, deadline, reply }).await?;
        if pool.waiting.len() > pool.idle.load(Ordering::SeqCst)
            && pool.instances.load(Ordering::SeqCst) < self.options.max_instances
        {
            self.start_instance(&pool)?;
        }
        // Queue time does not count against the function's timeout; a generous cap still applies.
        match tokio::time::timeout(deadline + Duration::from_secs(60), outcome).await {
            Ok(Ok(outcome)) => Ok(outcome),
            Ok(Err(_)) => Ok(Outcome::Error("the instance went away".into())),
            Err(_) => {
                self.in_flight.lock().expect("lock").remove(&id);
                Ok(Outcome::Error(format!("Task timed out after {} seconds", deadline.as_secs())))
            }
        }
    }

    fn start_instance(self: &Arc<Self>, pool: &Arc<Pool>) -> Result<()> {
        let instance = self.next_instance.fetch_add(1, Ordering::SeqCst);
        let f = &pool.function;
        let binary = self.options.bin_dir.join(&f.binary);
        if !binary.exists() {
            return Err(anyhow!("{} is not built (run cargo build --workspace)", binary.display()));
        }
        let api = format!("{}/fn/{}/{instance}", self.base_url.lock().expect("lock"), f.binary);
        let mut command = tokio::process::Command::new(&binary);
        // Only what Lambda would give: the template's variables, the runtime's own, and AWS access.
        command
            .env_clear()
            .envs(&f.environment)
            .envs(self.options.passthrough.iter().cloned())
            .env("AWS_LAMBDA_RUNTIME_API", api)
            .env("AWS_LAMBDA_FUNCTION_NAME", &f.binary)
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", f.memory_mb.to_string())
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env("AWS_LAMBDA_LOG_GROUP_NAME", format!("/aws/lambda/{}", f.binary))
            .env("AWS_LAMBDA_LOG_STREAM_NAME", format!("local/{instance}"))
            .stdin(Stdio::null())
            .kill_on_drop(true);
        if let Some(dir) = &self.options.log_dir {
            std::fs::create_dir_all(dir)?;
            let log =
                std::fs::OpenOptions::new().create(true).append(true).open(dir.join(format!("{}.log", f.binary)))?;
            command.stdout(log.try_clone()?).stderr(log);
        }
        let mut child = command.spawn()?;
        pool.instances.fetch_add(1, Ordering::SeqCst);
        let (runtime, pool) = (self.clone(), pool.clone());
        tokio::spawn(async move {
            let status = child.wait().await;
            pool.instances.fetch_sub(1, Ordering::SeqCst);
            tracing::warn!(function = %pool.function.binary, instance, ?status, "function instance exited");
            // Whatever that instance was running will never be answered.
            let mut in_flight = runtime.in_flight.lock().expect("lock");
            let orphaned: Vec<String> =
                in_flight.iter().filter(|(_, f)| f.instance == instance).map(|(id, _)| id.clone()).collect();
            for id in orphaned {
                if let Some(f) = in_flight.remove(&id) {
                    let _ = f.reply.send(Outcome::Error(format!("Runtime exited ({status:?})")));
                }
            }
        });
        Ok(())
    }

    fn settle(&self, id: &str, outcome: Outcome) -> StatusCode {
        match self.in_flight.lock().expect("lock").remove(id) {
            Some(f) => {
                let _ = f.reply.send(outcome);
                StatusCode::ACCEPTED
            }
            None => StatusCode::NOT_FOUND,
        }
    }
}

async fn next(State(runtime): State<Arc<Runtime>>, Path((function, instance)): Path<(String, usize)>) -> Response {
    let Some(pool) = runtime.pools.get(&function).cloned() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let invocation = {
        // Counted as idle while waiting, even if the instance hangs up mid-wait.
        let _idle = IdleGuard::enter(&pool.idle);
        pool.waiting.recv().await
    };
    let Ok(invocation) = invocation else {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    };
    let deadline_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| (d + invocation.deadline).as_millis())
        .unwrap_or_default();
    runtime
        .in_flight
        .lock()
        .expect("lock")
        .insert(invocation.id.clone(), InFlight { instance, reply: invocation.reply });
    let mut headers = HeaderMap::new();
    let arn = format!("arn:aws:lambda:us-east-1:000000000000:function:{function}");
    for (name, value) in [
        ("lambda-runtime-aws-request-id", invocation.id.as_str()),
        ("lambda-runtime-deadline-ms", &deadline_ms.to_string()),
        ("lambda-runtime-invoked-function-arn", &arn),
        ("lambda-runtime-trace-id", "Root=1-00000000-000000000000000000000000;Sampled=0"),
        ("content-type", "application/json"),
    ] {
        headers.insert(name, value.parse().expect("valid header"));
    }
    (StatusCode::OK, headers, invocation.payload).into_response()
}

async fn response(
    State(runtime): State<Arc<Runtime>>,
    Path((_, _, id)): Path<(String, usize, String)>,
    body: Bytes,
) -> StatusCode {
    runtime.settle(&id, Outcome::Response(body))
}

async fn error(
    State(runtime): State<Arc<Runtime>>,
    Path((_, _, id)): Path<(String, usize, String)>,
    body: Bytes,
) -> StatusCode {
    runtime.settle(&id, Outcome::Error(String::from_utf8_lossy(&body).into_owned()))
}

async fn init_error(Path((function, instance)): Path<(String, usize)>, body: Bytes) -> StatusCode {
    tracing::error!(%function, instance, error = %String::from_utf8_lossy(&body), "function failed to initialise");
    StatusCode::ACCEPTED
}

struct IdleGuard<'a>(&'a AtomicUsize);

impl<'a> IdleGuard<'a> {
    fn enter(counter: &'a AtomicUsize) -> Self {
        counter.fetch_add(1, Ordering::SeqCst);
        IdleGuard(counter)
    }
}

impl Drop for IdleGuard<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}
