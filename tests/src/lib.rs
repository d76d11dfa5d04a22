//! The end-to-end harness: each test binary deploys template.yaml's resources to the emulators
//! and serves the local API (real function binaries) on a free port, once. `./dev test` starts
//! the emulators and points the SDK at them through the standard AWS_ENDPOINT_URL variables.

use infra::template::Template;
use platform::tokens::{TokenSettings, Tokens};
use platform::App;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

pub struct Stack {
    pub base_url: String,
    /// The Lambda Invoke API, on its own port (the public one does not serve it).
    pub invoke_url: String,
    /// The WebSocket API (`ws://...`), whose functions push through its @connections endpoint.
    pub socket_url: String,
    pub template: Template,
    /// The functions reach EventBridge, DynamoDB and SQS through these fault injectors
    /// (`infra::faults`): each dependency can be down, slow, cut mid-request or lose replies.
    pub bus: std::sync::Arc<infra::faults::Proxy>,
    pub dynamodb: std::sync::Arc<infra::faults::Proxy>,
    pub sqs: std::sync::Arc<infra::faults::Proxy>,
    /// SES (mail), for the functions that send it.
    pub mail: std::sync::Arc<infra::faults::Proxy>,
    /// The local Lambda runtime, to kill a function in the middle of an invocation.
    pub runtime: std::sync::Arc<infra::runtime::Runtime>,
}

/// One client per test thread: a pooled connection lives on the runtime that opened it, and each
/// test has its own runtime, so sharing a client across tests breaks when one test ends.
pub fn http() -> reqwest::Client {
    thread_local! {
        static CLIENT: reqwest::Client = reqwest::Client::builder().pool_max_idle_per_host(256).build().unwrap();
    }
    CLIENT.with(Clone::clone)
}

/// A client whose connections leave from `source`, a loopback address (all of 127.0.0.0/8 is
/// loopback on Linux): the functions see it as the caller's IP, as API Gateway reports the peer.
/// Players of different tests come from different addresses, so per-IP limits stay per test.
pub fn http_from(source: std::net::IpAddr) -> reqwest::Client {
    thread_local! {
        static CLIENTS: std::cell::RefCell<HashMap<std::net::IpAddr, reqwest::Client>> = Default::default();
    }
    CLIENTS.with(|clients| {
        clients
            .borrow_mut()
            .entry(source)
            .or_insert_with(|| reqwest::Client::builder().local_address(source).build().unwrap())
            .clone()
    })
}

/// A POST as API Gateway hands it to a function, for calling handlers in process.
pub fn handler_request(path: &str, token: &str, key: Option<&str>, body: &Value) -> lambda_http::Request {
    let mut builder = lambda_http::http::Request::builder()
        .method("POST")
        .uri(path)
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json");
    if let Some(key) = key {
        builder = builder.header("idempotency-key", key);
    }
    builder.body(lambda_http::Body::Text(body.to_string())).expect("a valid request")
}

/// The password of every player `Stack::new_player` makes.
pub const PLAYER_PASSWORD: &str = "correct horse battery";

/// A fresh loopback source address, other than 127.0.0.1.
pub fn new_source() -> std::net::IpAddr {
    let [_, b, c, d] = uuid::Uuid::new_v4().as_bytes()[..4] else { unreachable!() };
    std::net::IpAddr::from([127, b | 1, c, d.max(1)])
}

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The stack for this test binary, started on first use.
pub fn stack() -> &'static Stack {
    static STACK: OnceLock<Stack> = OnceLock::new();
    STACK.get_or_init(|| {
        assert!(
            std::env::var("AWS_ENDPOINT_URL_DYNAMODB").is_ok(),
            "end-to-end tests need the emulators: run them with ./dev test"
        );
        let params = HashMap::new();
        let template_path = repo_root().join("template.yaml");
        let template = Template::load(&template_path, &params).expect("template.yaml loads");
        // FUNCTIONS_BIN_DIR lets the benchmark serve release builds.
        let bin_dir =
            std::env::var("FUNCTIONS_BIN_DIR").map(PathBuf::from).unwrap_or_else(|_| repo_root().join("target/debug"));
        let log_dir = repo_root().join(".local/logs/tests");
        let (tx, rx) = std::sync::mpsc::channel();
        let deploy_template = template.clone();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
            runtime.block_on(async move {
                let bus = infra::faults::Proxy::start(emulator_addr("EVENTBRIDGE")).await.expect("bus proxy");
                let dynamodb = infra::faults::Proxy::start(emulator_addr("DYNAMODB")).await.expect("DynamoDB proxy");
                let sqs = infra::faults::Proxy::start(emulator_addr("SQS")).await.expect("SQS proxy");
                let mail = infra::faults::Proxy::start(emulator_addr("SES")).await.expect("SES proxy");
                let extra_env = vec![
                    ("AWS_ENDPOINT_URL_SES".to_string(), mail.url()),
                    ("AWS_ENDPOINT_URL_EVENTBRIDGE".to_string(), bus.url()),
                    ("AWS_ENDPOINT_URL_DYNAMODB".to_string(), dynamodb.url()),
                    ("AWS_ENDPOINT_URL_SQS".to_string(), sqs.url()),
                ];
                let socket = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                let socket_addr = socket.local_addr().unwrap();
                let api = infra::LocalApi::new(
                    &template_path,
                    &params,
                    bin_dir,
                    Some(log_dir),
                    16,
                    extra_env,
                    Some(format!("http://{socket_addr}")),
                )
                .expect("local API");
                let runtime = api.runtime.clone();
                infra::deploy::deploy(&deploy_template).await.expect("deploy to the emulators");
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                let invoke = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                let faults = (bus, dynamodb, sqs, mail, runtime);
                tx.send((listener.local_addr().unwrap(), invoke.local_addr().unwrap(), socket_addr, faults)).unwrap();
                api.serve(listener, Some(invoke), Some(socket)).await.unwrap();
            });
        });
        // The first deploy loads the 27,075-game catalog (about 30 s on an idle machine, more on a
        // busy one); later ones find it loaded. A deadline, not a wait.
        let (addr, invoke, socket, (bus, dynamodb, sqs, mail, runtime)) =
            rx.recv_timeout(std::time::Duration::from_secs(300)).expect("local API started");
        Stack {
            base_url: format!("http://{addr}"),
            invoke_url: format!("http://{invoke}"),
            socket_url: format!("ws://{socket}"),
            template,
            bus,
            dynamodb,
            sqs,
            mail,
            runtime,
        }
    })
}

/// Another local API over the same deployed resources, with template parameters overridden (as
/// after `sam deploy --parameter-overrides`): its base URL. Lives until the test binary exits.
/// It serves routes only: the shared stack's API alone consumes the queues and streams.
pub fn serve_with_params(params: &[(&str, &str)]) -> String {
    stack(); // deployed once, by the shared stack
    let params: HashMap<String, String> = params.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let bin_dir = repo_root().join("target/debug");
    let log_dir = repo_root().join(".local/logs/tests-overridden");
    let api =
        infra::LocalApi::new(&repo_root().join("template.yaml"), &params, bin_dir, Some(log_dir), 4, Vec::new(), None)
            .expect("local API");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(listener.local_addr().unwrap()).unwrap();
            api.serve_routes_only(listener).await.unwrap();
        });
    });
    format!("http://{}", rx.recv_timeout(std::time::Duration::from_secs(30)).expect("local API started"))
}

/// `infra grant-role USERNAME ROLE` against the test stack's tables, as an operator runs it.
pub fn grant_role(username: &str, role: &str) {
    let out = std::process::Command::new(repo_root().join("target/debug/infra"))
        .args(["grant-role", username, role, "--template"])
        .arg(repo_root().join("template.yaml"))
        .output()
        .expect("infra is built by ./dev test");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

/// Runs a third-party client script of `tests/third_party` (in .venv-fuzz) and parses its JSON.
pub fn third_party(script: &str, args: &[&str]) -> Value {
    let out = std::process::Command::new(repo_root().join(".venv-fuzz/bin/python"))
        .arg(repo_root().join("tests/third_party").join(script))
        .args(args)
        .output()
        .expect("the third-party clients in .venv-fuzz (./dev test installs them)");
    assert!(out.status.success(), "{script} {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("JSON from the script")
}

/// Runs `tests/third_party/pyjwt_tokens.py` (PyJWT in .venv-fuzz) and parses its JSON answer.
pub fn pyjwt(args: &[&str]) -> Value {
    third_party("pyjwt_tokens.py", args)
}

/// Where the SDK reaches a service (`AWS_ENDPOINT_URL_<SERVICE>`, else `AWS_ENDPOINT_URL`).
fn emulator_addr(service: &str) -> std::net::SocketAddr {
    let url = std::env::var(format!("AWS_ENDPOINT_URL_{service}"))
        .or_else(|_| std::env::var("AWS_ENDPOINT_URL"))
        .expect("AWS_ENDPOINT_URL is set by ./dev test");
    let host_port = url.trim_start_matches("http://").trim_end_matches('/');
    std::net::ToSocketAddrs::to_socket_addrs(host_port).expect("emulator address").next().expect("one address")
}

impl Stack {
    /// The token settings of a signing function (login), with its KMS keys on the emulator: for
    /// in-process handlers and for tests that sign claims no endpoint would (an expired token).
    pub async fn tokens(&self) -> Tokens {
        let login = self.template.function("account-login").expect("account-login is declared");
        let settings = TokenSettings::from_vars(|name| login.environment.get(name).cloned()).unwrap();
        Tokens::new(aws_sdk_kms::Client::new(&platform::app::sdk_config().await), settings)
    }

    /// An `App` like a function's, for in-process checks, with the given DynamoDB client.
    pub async fn app(&self, db: aws_sdk_dynamodb::Client) -> App {
        infra::deploy::app_for(db, &self.template, Ok(self.tokens().await)).await
    }

    /// An `App` whose DynamoDB, SQS and EventBridge calls are all recorded by `counter`.
    pub async fn counted_app(&self, counter: &CallCounter) -> App {
        let config = platform::app::sdk_config().await;
        let sqs = aws_sdk_sqs::Client::from_conf(
            aws_sdk_sqs::config::Builder::from(&config).interceptor(counter.clone()).build(),
        );
        let events = aws_sdk_eventbridge::Client::from_conf(
            aws_sdk_eventbridge::config::Builder::from(&config).interceptor(counter.clone()).build(),
        );
        self.app(self.dynamo_with(counter.clone()).await).await.with_sqs_client(sqs).with_events_client(events)
    }

    /// A DynamoDB client on the emulator endpoint with `interceptor` installed.
    pub async fn dynamo_with(
        &self,
        interceptor: impl aws_sdk_dynamodb::config::Intercept + 'static,
    ) -> aws_sdk_dynamodb::Client {
        let config = aws_sdk_dynamodb::config::Builder::from(&platform::app::sdk_config().await)
            .interceptor(interceptor)
            .build();
        aws_sdk_dynamodb::Client::from_conf(config)
    }

    pub async fn dynamo(&self) -> aws_sdk_dynamodb::Client {
        aws_sdk_dynamodb::Client::new(&platform::app::sdk_config().await)
    }

    /// Sends one request from 127.0.0.1; returns status, headers and the JSON body (Null when empty).
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        headers: &[(&str, &str)],
        body: Option<&str>,
    ) -> Reply {
        self.call_via(&http(), method, path, token, headers, body).await
    }

    /// A POST from the loopback address `source`.
    pub async fn post_from(&self, source: std::net::IpAddr, path: &str, token: Option<&str>, body: &Value) -> Reply {
        self.call_via(&http_from(source), Method::POST, path, token, &[], Some(&body.to_string())).await
    }

    async fn call_via(
        &self,
        client: &reqwest::Client,
        method: Method,
        path: &str,
        token: Option<&str>,
        headers: &[(&str, &str)],
        body: Option<&str>,
    ) -> Reply {
        let mut request = client.request(method, format!("{}{path}", self.base_url));
        if let Some(token) = token {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if let Some(body) = body {
            request = request.header("content-type", "application/json").body(body.to_owned());
        }
        let response = request.send().await.expect("the local API answers");
        let status = response.status();
        let content_type =
            response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
        let text = response.text().await.unwrap();
        let body =
            if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap_or(Value::String(text)) };
        Reply { status, content_type, body }
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Reply {
        self.call(Method::GET, path, token, &[], None).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: &Value) -> Reply {
        self.call(Method::POST, path, token, &[], Some(&body.to_string())).await
    }

    /// A POST carrying an Idempotency-Key.
    pub async fn post_keyed(&self, path: &str, token: &str, key: &str, body: &Value) -> Reply {
        self.call(Method::POST, path, Some(token), &[("idempotency-key", key)], Some(&body.to_string())).await
    }

    /// A registered, logged-in player, from a source address of its own.
    pub async fn new_player(&self) -> Player {
        let name = format!("p{}", &uuid::Uuid::new_v4().simple().to_string()[..12]);
        let password = PLAYER_PASSWORD;
        let source = new_source();
        let r = self
            .post_from(
                source,
                "/account/register",
                None,
                &json!({ "username": name, "password": password, "email": format!("{name}@example.com") }),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
        let user_id = r.body["userId"].as_str().unwrap().to_owned();
        let r =
            self.post_from(source, "/account/login", None, &json!({ "username": name, "password": password })).await;
        assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
        Player { username: name, user_id, token: r.body["token"].as_str().unwrap().to_owned() }
    }

    /// A game server's token from the token endpoint (client-credentials grant, HTTP Basic).
    pub async fn server_token(&self, client_id: &str, secret: &str, scope: Option<&str>) -> String {
        let mut form = vec![("grant_type", "client_credentials")];
        form.extend(scope.map(|scope| ("scope", scope)));
        let answer = http()
            .post(format!("{}/oauth/token", self.base_url))
            .basic_auth(client_id, Some(secret))
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), StatusCode::OK);
        answer.json::<Value>().await.unwrap()["access_token"].as_str().unwrap().to_owned()
    }

    /// A new player who bought `gems` by card.
    pub async fn funded_player(&self, gems: u64) -> Player {
        let p = self.new_player().await;
        let bought = p.buy(self, gems).await;
        assert_eq!(bought.status, StatusCode::OK, "{:?}", bought.body);
        p
    }

    /// A new developer linked to `studio` by an admin (the admin made by the operator command).
    pub async fn developer_of(&self, studio: &str) -> Player {
        let (boss, dev) = (self.new_player().await, self.new_player().await);
        grant_role(&boss.username, "admin");
        let roles = json!({ "roles": ["developer"], "studios": [studio] });
        let made = self.post(&format!("/admin/players/{}/roles", dev.user_id), Some(&boss.token), &roles).await;
        assert_eq!(made.status, StatusCode::OK, "{:?}", made.body);
        dev
    }
}

#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub content_type: String,
    pub body: Value,
}

impl Reply {
    /// Asserts an RFC 9457 problem with this status and code.
    pub fn assert_problem(&self, status: u16, code: &str) {
        assert_eq!(self.status.as_u16(), status, "expected {status} {code}, got {:?}", self.body);
        assert_eq!(self.content_type, "application/problem+json", "{:?}", self.body);
        assert_eq!(self.body["code"], code, "{:?}", self.body);
        assert_eq!(self.body["status"], status);
        assert!(self.body["requestId"].as_str().is_some_and(|id| !id.is_empty()));
    }
}

pub struct Player {
    pub username: String,
    pub user_id: String,
    pub token: String,
}

impl Player {
    pub async fn buy(&self, stack: &Stack, gems: u64) -> Reply {
        let key = uuid::Uuid::new_v4().to_string();
        stack
            .post_keyed(
                "/account/buy-currency",
                &self.token,
                &key,
                &json!({ "amount": gems, "paymentMethod": "tok_visa" }),
            )
            .await
    }

    /// Buys a game from the store, with a fresh Idempotency-Key.
    pub async fn purchase(&self, stack: &Stack, game_id: u64) -> Reply {
        let key = uuid::Uuid::new_v4().to_string();
        stack.post_keyed("/store/purchase", &self.token, &key, &json!({ "gameId": game_id })).await
    }

    pub async fn pull(&self, stack: &Stack, banner: &str, count: u32) -> Reply {
        let key = uuid::Uuid::new_v4().to_string();
        stack.post_keyed("/gacha/pull", &self.token, &key, &json!({ "bannerId": banner, "count": count })).await
    }

    pub async fn balance(&self, stack: &Stack) -> i64 {
        let r = stack.get("/account/currency", Some(&self.token)).await;
        assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
        r.body["currencyBalance"].as_i64().unwrap()
    }

    /// Every page of a paginated list endpoint, following `nextCursor`.
    pub async fn all_pages(&self, stack: &Stack, path: &str, field: &str) -> Vec<Value> {
        let mut out = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let sep = if path.contains('?') { '&' } else { '?' };
            let url = match &cursor {
                Some(c) => format!("{path}{sep}limit=100&cursor={c}"),
                None => format!("{path}{sep}limit=100"),
            };
            let r = stack.get(&url, Some(&self.token)).await;
            assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
            out.extend(r.body[field].as_array().unwrap().iter().cloned());
            match r.body["nextCursor"].as_str() {
                Some(next) => cursor = Some(next.to_owned()),
                None => return out,
            }
        }
    }

    /// What the ledger says the balance is.
    pub async fn ledger_sum(&self, stack: &Stack) -> i64 {
        self.all_pages(stack, "/account/ledger", "entries").await.iter().map(|e| e["amount"].as_i64().unwrap()).sum()
    }
}

/// Counts DynamoDB round trips (one per attempt sent) by operation name.
#[derive(Debug, Clone, Default)]
pub struct CallCounter(std::sync::Arc<std::sync::Mutex<Vec<String>>>);

impl CallCounter {
    pub fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

impl aws_sdk_dynamodb::config::Intercept for CallCounter {
    fn name(&self) -> &'static str {
        "CallCounter"
    }

    fn read_before_transmit(
        &self,
        _context: &aws_sdk_dynamodb::config::interceptors::BeforeTransmitInterceptorContextRef<'_>,
        _components: &aws_sdk_dynamodb::config::RuntimeComponents,
        cfg: &mut aws_sdk_dynamodb::config::ConfigBag,
    ) -> Result<(), aws_sdk_dynamodb::error::BoxError> {
        if let Some(meta) = cfg.load::<aws_smithy_runtime_api::client::orchestrator::Metadata>() {
            self.0.lock().unwrap().push(meta.name().to_owned());
        }
        Ok(())
    }
}

/// Taken for writing by a test while it takes SES down (`stack().mail.set_down`), for reading by
/// every test that needs mail to go out.
pub static MAIL_OUTAGE: tokio::sync::RwLock<()> = tokio::sync::RwLock::const_new(());

/// Held by a test while it takes the event bus down (`stack().bus.set_down`), so two such tests
/// never heal each other's outage early.
pub static BUS_OUTAGE: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// A gem purchase charged by a function that died before crediting it: claimed under `guard`
/// (with `claimed` as the stored request), charged at the sandbox, and its lock run out, as
/// after a crash. A retry with the key, or the reconciler, completes it.
pub async fn charged_then_crashed(
    app: &App,
    user_id: &str,
    guard: &platform::store::idempotency::Guard,
    claimed: &Value,
    (amount_minor, currency): (u64, &str),
) {
    use platform::payments::{ChargeOutcome, PaymentProvider, SandboxProvider, OPERATION};
    platform::store::idempotency::claim(app, guard, OPERATION, user_id, claimed).await.unwrap().unwrap();
    let charged = SandboxProvider { app }.charge(&guard.external_key(), amount_minor, currency, "tok_visa").await;
    assert!(matches!(charged, Ok(ChargeOutcome::Succeeded { .. })), "{charged:?}");
    app.db
        .update_item()
        .table_name(app.table(platform::Table::IDEMPOTENCY).unwrap())
        .key("key", platform::store::s(&guard.record_key))
        .update_expression("SET lockedUntil = :past")
        .expression_attribute_values(":past", platform::store::n(1))
        .send()
        .await
        .unwrap();
}

/// Polls `probe` until it returns `Some`, or panics with `what` after `deadline`. Tests wait for
/// asynchronous work (queues, events) this way, never with fixed sleeps.
pub async fn eventually<T, F, Fut>(what: &str, deadline: std::time::Duration, probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    poll_every(what, deadline, std::time::Duration::from_millis(100), probe).await
}

/// `eventually`, probing every `interval` (the bench measures delivery to within a few ms).
pub async fn poll_every<T, F, Fut>(
    what: &str,
    deadline: std::time::Duration,
    interval: std::time::Duration,
    mut probe: F,
) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let started = std::time::Instant::now();
    loop {
        if let Some(value) = probe().await {
            return value;
        }
        assert!(started.elapsed() < deadline, "timed out after {deadline:?} waiting for {what}");
        tokio::time::sleep(interval).await;
    }
}

impl Stack {
    pub async fn sqs(&self) -> aws_sdk_sqs::Client {
        aws_sdk_sqs::Client::new(&platform::app::sdk_config().await)
    }

    /// The URL of a template queue by logical id.
    pub async fn queue_url(&self, logical_id: &str) -> String {
        let name = &self.template.queue(logical_id).expect("queue in template").name;
        self.sqs().await.get_queue_url().queue_name(name).send().await.unwrap().queue_url.unwrap()
    }

    /// Invokes a function through the Lambda Invoke API of the local stack.
    pub async fn invoke(&self, function: &str, event: &Value) -> Value {
        let r = http()
            .post(format!("{}/2015-03-31/functions/{function}/invocations", self.invoke_url))
            .body(event.to_string())
            .send()
            .await
            .unwrap();
        assert!(r.headers().get("x-amz-function-error").is_none(), "{function} failed");
        r.json().await.unwrap()
    }
}

impl Stack {
    /// Every mail LocalStack's SES holds for `to`, oldest first (as the player's inbox would).
    pub async fn mails_to(&self, to: &str) -> Vec<Value> {
        let sender = self.template.email_identities.first().expect("the template's sender identity");
        let localstack = std::env::var("AWS_ENDPOINT_URL").expect("AWS_ENDPOINT_URL is set by ./dev test");
        let mailbox: Value =
            http().get(format!("{localstack}/_aws/ses?email={sender}")).send().await.unwrap().json().await.unwrap();
        let sent_to =
            |m: &&Value| m["Destination"]["ToAddresses"].as_array().is_some_and(|a| a.iter().any(|t| t == to));
        mailbox["messages"].as_array().map(|all| all.iter().filter(sent_to).cloned().collect()).unwrap_or_default()
    }
}

impl Player {
    pub async fn notifications(&self, stack: &Stack) -> Vec<Value> {
        self.all_pages(stack, "/notifications", "notifications").await
    }
}

/// Runs a rate-limit trial that must fit inside one fixed window of `window_secs`: a trial that
/// straddles a window boundary proves nothing, so it runs once more (a short burst cannot
/// straddle two boundaries of a minute-long window).
pub async fn within_one_window<F, Fut>(window_secs: u64, mut trial: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Reply>,
{
    for _ in 0..2 {
        let window = platform::clock::now_secs() / window_secs;
        let verdict = trial().await;
        if platform::clock::now_secs() / window_secs == window {
            verdict.assert_problem(429, "rate_limited");
            return;
        }
    }
    panic!("two trials in a row straddled a window boundary");
}

/// What the DynamoDB calls of some requests cost, as DynamoDB reports it: every request is sent with
/// `ReturnConsumedCapacity: TOTAL` and the units of each answer are summed, read and write apart.
/// Outbox entries written by transactions are counted too, by where they go (a chat delivery job
/// for the FIFO queue, anything else an event for the bus). The bench prices requests with it.
#[derive(Debug, Clone)]
pub struct CapacityMeter {
    outbox_table: String,
    totals: std::sync::Arc<std::sync::Mutex<Capacity>>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Capacity {
    pub calls: u64,
    pub read_units: f64,
    pub write_units: f64,
    pub bus_events: u64,
    pub queue_messages: u64,
}

impl CapacityMeter {
    pub fn new(outbox_table: &str) -> Self {
        CapacityMeter { outbox_table: outbox_table.to_owned(), totals: Default::default() }
    }

    pub fn take(&self) -> Capacity {
        std::mem::take(&mut *self.totals.lock().unwrap())
    }
}

impl aws_sdk_dynamodb::config::Intercept for CapacityMeter {
    fn name(&self) -> &'static str {
        "CapacityMeter"
    }

    fn modify_before_signing(
        &self,
        context: &mut aws_sdk_dynamodb::config::interceptors::BeforeTransmitInterceptorContextMut<'_>,
        _components: &aws_sdk_dynamodb::config::RuntimeComponents,
        _cfg: &mut aws_sdk_dynamodb::config::ConfigBag,
    ) -> Result<(), aws_sdk_dynamodb::error::BoxError> {
        let request = context.request_mut();
        let mut body: Value = serde_json::from_slice(request.body().bytes().ok_or("streaming request body")?)?;
        body["ReturnConsumedCapacity"] = "TOTAL".into();
        let outbox: Vec<&Value> = body["TransactItems"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|item| item.get("Put"))
            .filter(|put| put["TableName"] == self.outbox_table.as_str())
            .collect();
        let chat_jobs = outbox
            .iter()
            .filter(|put| put["Item"]["group"]["S"].as_str().is_some_and(|g| g.starts_with("chat#")))
            .count();
        {
            let mut totals = self.totals.lock().unwrap();
            totals.calls += 1;
            totals.queue_messages += chat_jobs as u64;
            totals.bus_events += (outbox.len() - chat_jobs) as u64;
        }
        let bytes = serde_json::to_vec(&body)?;
        request.headers_mut().insert("content-length", bytes.len().to_string());
        *request.body_mut() = aws_smithy_types::body::SdkBody::from(bytes);
        Ok(())
    }

    fn read_after_deserialization(
        &self,
        context: &aws_sdk_dynamodb::config::interceptors::AfterDeserializationInterceptorContextRef<'_>,
        _components: &aws_sdk_dynamodb::config::RuntimeComponents,
        cfg: &mut aws_sdk_dynamodb::config::ConfigBag,
    ) -> Result<(), aws_sdk_dynamodb::error::BoxError> {
        let writes = cfg.load::<aws_smithy_runtime_api::client::orchestrator::Metadata>().is_some_and(|meta| {
            !matches!(meta.name(), "GetItem" | "BatchGetItem" | "Query" | "Scan" | "TransactGetItems")
        });
        let Some(body) = context.response().body().bytes() else { return Ok(()) };
        let body: Value = serde_json::from_slice(body).unwrap_or_default();
        // One object for single-item calls, a list (one per table) for transactions and batches.
        let units: f64 = match &body["ConsumedCapacity"] {
            Value::Array(tables) => tables.iter().filter_map(|t| t["CapacityUnits"].as_f64()).sum(),
            one => one["CapacityUnits"].as_f64().unwrap_or(0.0),
        };
        let mut totals = self.totals.lock().unwrap();
        if writes {
            totals.write_units += units;
        } else {
            totals.read_units += units;
        }
        Ok(())
    }
}

/// The TOTP code for `secret` at `offset_secs` from now, computed by pyotp (a third-party
/// implementation of RFC 6238), so the two-factor tests never trust our own code for it.
pub fn pyotp_code(secret: &str, offset_secs: i64) -> String {
    let out = std::process::Command::new(repo_root().join(".venv-fuzz/bin/python"))
        .args(["-c", "import pyotp, sys, time; print(pyotp.TOTP(sys.argv[1]).at(time.time() + int(sys.argv[2])))"])
        .args([secret, &offset_secs.to_string()])
        .output()
        .expect("pyotp in .venv-fuzz (./dev test installs it)");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// The secret pyotp reads from an `otpauth://` URI.
pub fn pyotp_secret_of(uri: &str) -> String {
    let out = std::process::Command::new(repo_root().join(".venv-fuzz/bin/python"))
        .args(["-c", "import pyotp, sys; print(pyotp.parse_uri(sys.argv[1]).secret)", uri])
        .output()
        .expect("pyotp in .venv-fuzz");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}
