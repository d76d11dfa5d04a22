//! A Lambda Runtime API emulator. Each function of the template runs as its real binary, polling
//! `/2018-06-01/runtime/invocation/next` as it would on Lambda. Instances are started on demand,
//! one invocation at a time each, up to a concurrency limit, like Lambda's scaling.
//!
//! The Runtime API hands out callers' requests (with their bearer tokens) and takes the answers,
//! so it listens on its own loopback port, never the public one, and each instance's URL carries
//! a random secret: a process that is not that instance can neither read its invocations nor
//! answer them. The functions only see `AWS_LAMBDA_RUNTIME_API`, as on Lambda.

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
    instance: Instance,
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
    /// The local WebSocket API's management endpoint, given to functions in place of the
    /// `https://{api}.execute-api...` URL their template environment builds.
    pub socket_url: Option<String>,
}

/// A template environment value as a local function gets it: an execute-api URL (only the
/// WebSocket API's management endpoint is one) becomes the local socket endpoint.
pub fn localized<'a>(value: &'a str, socket_url: Option<&'a str>) -> &'a str {
    match socket_url {
        Some(local) if value.contains(".execute-api.") => local,
        _ => value,
    }
}

/// Who may poll and answer: one running function process.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Instance {
    function: String,
    number: usize,
    secret: String,
}

pub struct Runtime {
    pools: HashMap<String, Arc<Pool>>,
    /// The running instances, by number.
    instances: Mutex<HashMap<usize, Instance>>,
    in_flight: Mutex<HashMap<String, InFlight>>,
    /// How to kill each running instance (the fault injector's "function killed mid-invocation").
    kills: Mutex<HashMap<usize, oneshot::Sender<()>>>,
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
            instances: Mutex::new(HashMap::new()),
            in_flight: Mutex::new(HashMap::new()),
            kills: Mutex::new(HashMap::new()),
            next_instance: AtomicUsize::new(0),
            options,
            base_url: Mutex::new(String::new()),
        })
    }

    /// Starts the Runtime API on a private loopback port; instances are given its address.
    pub async fn start_api(self: &Arc<Self>) -> Result<()> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        *self.base_url.lock().expect("lock") = format!("http://{}", listener.local_addr()?);
        let router = Router::new()
            .route("/fn/{function}/{instance}/{secret}/2018-06-01/runtime/invocation/next", get(next))
            .route("/fn/{function}/{instance}/{secret}/2018-06-01/runtime/invocation/{id}/response", post(response))
            .route("/fn/{function}/{instance}/{secret}/2018-06-01/runtime/invocation/{id}/error", post(error))
            .route("/fn/{function}/{instance}/{secret}/2018-06-01/runtime/init/error", post(init_error))
            .with_state(self.clone());
        tokio::spawn(async move { axum::serve(listener, router).await });
        Ok(())
    }

    /// The instance these path segments name, if the secret is its own.
    fn instance(&self, (function, number, secret): &InstancePath) -> Option<Instance> {
        let instances = self.instances.lock().expect("lock");
        instances.get(number).filter(|i| &i.function == function && &i.secret == secret).cloned()
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
        let number = self.next_instance.fetch_add(1, Ordering::SeqCst);
        let f = &pool.function;
        let instance =
            Instance { function: f.binary.clone(), number, secret: uuid::Uuid::new_v4().simple().to_string() };
        let binary = self.options.bin_dir.join(&f.binary);
        if !binary.exists() {
            return Err(anyhow!("{} is not built (run cargo build --workspace)", binary.display()));
        }
        let base_url = self.base_url.lock().expect("lock").clone();
        if base_url.is_empty() {
            return Err(anyhow!("the Runtime API is not started (Runtime::start_api)"));
        }
        let api = format!("{base_url}/fn/{}/{number}/{}", f.binary, instance.secret);
        let mut command = tokio::process::Command::new(&binary);
        // Only what Lambda would give: the template's variables, the runtime's own, and AWS access.
        command
            .env_clear()
            .envs(f.environment.iter().map(|(k, v)| (k, localized(v, self.options.socket_url.as_deref()))))
            .envs(self.options.passthrough.iter().cloned())
            .env("AWS_LAMBDA_RUNTIME_API", api)
            .env("AWS_LAMBDA_FUNCTION_NAME", &f.binary)
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", f.memory_mb.to_string())
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env("AWS_LAMBDA_LOG_GROUP_NAME", format!("/aws/lambda/{}", f.binary))
            .env("AWS_LAMBDA_LOG_STREAM_NAME", format!("local/{number}"))
            .stdin(Stdio::null())
            .kill_on_drop(true);
        if let Some(dir) = &self.options.log_dir {
            std::fs::create_dir_all(dir)?;
            let log =
                std::fs::OpenOptions::new().create(true).append(true).open(dir.join(format!("{}.log", f.binary)))?;
            command.stdout(log.try_clone()?).stderr(log);
        }
        let mut child = command.spawn()?;
        let (kill, killed) = oneshot::channel();
        self.kills.lock().expect("lock").insert(number, kill);
        self.instances.lock().expect("lock").insert(number, instance.clone());
        pool.instances.fetch_add(1, Ordering::SeqCst);
        let (runtime, pool) = (self.clone(), pool.clone());
        tokio::spawn(async move {
            let status = tokio::select! {
                status = child.wait() => status,
                Ok(()) = killed => {
                    let _ = child.start_kill();
                    child.wait().await
                }
            };
            pool.instances.fetch_sub(1, Ordering::SeqCst);
            runtime.instances.lock().expect("lock").remove(&number);
            runtime.kills.lock().expect("lock").remove(&number);
            tracing::warn!(function = %pool.function.binary, instance = number, ?status, "function instance exited");
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

    /// Kills (SIGKILL) one instance of `function` that is in the middle of an invocation, as a
    /// crash or an out-of-memory kill would: its caller gets the error API Gateway gives, and the
    /// next invocation starts a fresh instance. False if no instance of it was busy.
    pub fn kill_busy_instance(&self, function: &str) -> bool {
        // Held while killing: the invocation cannot be answered between the choice and the kill,
        // so the kill always lands mid-invocation.
        let in_flight = self.in_flight.lock().expect("lock");
        let busy = in_flight.values().find(|f| f.instance.function == function).map(|f| f.instance.number);
        let kill = busy.and_then(|number| self.kills.lock().expect("lock").remove(&number));
        kill.is_some_and(|kill| kill.send(()).is_ok())
    }

    /// Answers invocation `id`, if `path` names the instance running it.
    fn settle(&self, path: &InstancePath, id: &str, outcome: Outcome) -> StatusCode {
        let Some(instance) = self.instance(path) else { return StatusCode::FORBIDDEN };
        let mut in_flight = self.in_flight.lock().expect("lock");
        match in_flight.get(id) {
            Some(f) if f.instance == instance => {
                let _ = in_flight.remove(id).expect("present").reply.send(outcome);
                StatusCode::ACCEPTED
            }
            Some(_) => StatusCode::FORBIDDEN,
            None => StatusCode::NOT_FOUND,
        }
    }
}

/// `/fn/{function}/{instance}/{secret}/...`
type InstancePath = (String, usize, String);

async fn next(State(runtime): State<Arc<Runtime>>, Path(path): Path<InstancePath>) -> Response {
    let Some(instance) = runtime.instance(&path) else {
        return StatusCode::FORBIDDEN.into_response();
    };
    let Some(pool) = runtime.pools.get(&instance.function).cloned() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let function = &instance.function;
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
        .insert(invocation.id.clone(), InFlight { instance: instance.clone(), reply: invocation.reply });
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
    Path((function, number, secret, id)): Path<(String, usize, String, String)>,
    body: Bytes,
) -> StatusCode {
    runtime.settle(&(function, number, secret), &id, Outcome::Response(body))
}

async fn error(
    State(runtime): State<Arc<Runtime>>,
    Path((function, number, secret, id)): Path<(String, usize, String, String)>,
    body: Bytes,
) -> StatusCode {
    runtime.settle(&(function, number, secret), &id, Outcome::Error(String::from_utf8_lossy(&body).into_owned()))
}

async fn init_error(State(runtime): State<Arc<Runtime>>, Path(path): Path<InstancePath>, body: Bytes) -> StatusCode {
    let Some(instance) = runtime.instance(&path) else { return StatusCode::FORBIDDEN };
    let error = String::from_utf8_lossy(&body);
    tracing::error!(function = %instance.function, instance = instance.number, %error, "function failed to initialise");
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

#[cfg(test)]
mod tests {
    use super::*;

    fn runtime() -> Arc<Runtime> {
        let template = Template::parse("Resources: {}", &HashMap::new()).expect("empty template");
        let options = RuntimeOptions {
            bin_dir: PathBuf::new(),
            log_dir: None,
            max_instances: 1,
            passthrough: Vec::new(),
            socket_url: None,
        };
        Runtime::new(&template, options)
    }

    /// Only the instance holding the secret may poll for invocations or answer them.
    #[tokio::test]
    async fn the_runtime_api_answers_only_the_instance_that_holds_its_secret() {
        let runtime = runtime();
        runtime.start_api().await.unwrap();
        let instance = Instance { function: "f".into(), number: 7, secret: "the-secret".into() };
        runtime.instances.lock().unwrap().insert(7, instance.clone());
        let (reply, _outcome) = oneshot::channel();
        runtime.in_flight.lock().unwrap().insert("req-1".into(), InFlight { instance, reply });
        let base = runtime.base_url.lock().unwrap().clone();
        let client = reqwest::Client::new();
        let next = |secret: &str| format!("{base}/fn/f/7/{secret}/2018-06-01/runtime/invocation/next");
        let answer = |secret: &str| format!("{base}/fn/f/7/{secret}/2018-06-01/runtime/invocation/req-1/response");

        for secret in ["guess", "the-secre", "the-secret-"] {
            assert_eq!(client.get(next(secret)).send().await.unwrap().status(), 403, "{secret}");
            assert_eq!(client.post(answer(secret)).body("forged").send().await.unwrap().status(), 403, "{secret}");
        }
        assert!(runtime.in_flight.lock().unwrap().contains_key("req-1"), "nothing forged reached the caller");
        let answered = client.post(answer("the-secret")).body("{}").send().await.unwrap();
        assert_eq!(answered.status(), 202);
    }
}
