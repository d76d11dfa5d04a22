//! The local HTTP API: serves exactly the routes template.yaml declares, turning each request into
//! the API Gateway v2 (HTTP API) event the function receives on AWS, and fires `Schedule` events.
//! The public port serves nothing else, and only to requests addressed to it by a loopback name
//! (a Host check, so a web page cannot reach it through DNS rebinding). The Lambda Invoke API
//! (`POST /2015-03-31/functions/{name}/invocations`), which runs any function on any event, is
//! off unless given its own listener.

use crate::runtime::{Outcome, Runtime};
use crate::template::Template;
use anyhow::Result;
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Path, Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use base64::Engine;
use serde_json::{json, Map, Value};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

/// API Gateway's own payload limit.
const MAX_PAYLOAD: usize = 10 * 1024 * 1024;

#[derive(Debug, Clone)]
struct RouteEntry {
    method: String,
    template_path: String,
    segments: Vec<Segment>,
    function: String,
}

#[derive(Debug, Clone)]
enum Segment {
    Literal(String),
    Param(String),
    Greedy(String),
}

impl RouteEntry {
    fn parse(method: &str, path: &str, function: &str) -> RouteEntry {
        let segments = path
            .trim_matches('/')
            .split('/')
            .filter(|s| !s.is_empty())
            .map(|s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(name) if name.ends_with('+') => Segment::Greedy(name.trim_end_matches('+').to_owned()),
                Some(name) => Segment::Param(name.to_owned()),
                None => Segment::Literal(s.to_owned()),
            })
            .collect();
        RouteEntry { method: method.into(), template_path: path.into(), segments, function: function.into() }
    }

    /// Path parameters if `path` matches this route.
    fn matches(&self, path: &str) -> Option<Map<String, Value>> {
        let parts: Vec<&str> = path.trim_matches('/').split('/').filter(|s| !s.is_empty()).collect();
        let mut params = Map::new();
        for (i, segment) in self.segments.iter().enumerate() {
            match segment {
                Segment::Greedy(name) => {
                    let rest = parts.get(i..).filter(|r| !r.is_empty())?;
                    params.insert(name.clone(), json!(decode(&rest.join("/"))));
                    return Some(params);
                }
                Segment::Literal(lit) => (parts.get(i)? == lit).then_some(())?,
                Segment::Param(name) => {
                    params.insert(name.clone(), json!(decode(parts.get(i)?)));
                }
            }
        }
        (parts.len() == self.segments.len()).then_some(params)
    }

    /// Literal routes win over parameterised ones, as on API Gateway.
    fn specificity(&self) -> usize {
        self.segments.iter().filter(|s| matches!(s, Segment::Literal(_))).count()
    }
}

fn decode(raw: &str) -> String {
    percent_encoding::percent_decode_str(raw).decode_utf8_lossy().into_owned()
}

struct Gateway {
    routes: Vec<RouteEntry>,
    runtime: Arc<Runtime>,
}

/// The public API: the template's routes, for requests whose Host names this listener.
pub fn router(template: &Template, runtime: Arc<Runtime>, port: u16) -> Router {
    let mut routes: Vec<RouteEntry> = template
        .functions
        .iter()
        .flat_map(|f| f.routes.iter().map(|r| RouteEntry::parse(&r.method, &r.path, &f.binary)))
        .collect();
    routes.sort_by_key(|r| std::cmp::Reverse(r.specificity()));
    let gateway = Arc::new(Gateway { routes, runtime });
    let hosts: Arc<[String]> = ["127.0.0.1", "localhost", "[::1]"].map(|h| format!("{h}:{port}")).into();
    Router::new().fallback(move |connect: ConnectInfo<SocketAddr>, request: Request| {
        let (gateway, hosts) = (gateway.clone(), hosts.clone());
        async move {
            let host = request.headers().get("host").and_then(|h| h.to_str().ok()).unwrap_or_default();
            if !hosts.iter().any(|allowed| allowed.eq_ignore_ascii_case(host)) {
                return (StatusCode::FORBIDDEN, [("content-type", "application/json")], r#"{"message":"Forbidden"}"#)
                    .into_response();
            }
            http_api(gateway, connect, request).await
        }
    })
}

/// The Lambda Invoke API, for its own listener.
pub fn invoke_router(runtime: Arc<Runtime>) -> Router {
    Router::new().route("/2015-03-31/functions/{function}/invocations", post(invoke_api)).with_state(runtime)
}

async fn http_api(gateway: Arc<Gateway>, ConnectInfo(peer): ConnectInfo<SocketAddr>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let path = parts.uri.path().to_owned();
    let method = parts.method.as_str().to_ascii_uppercase();
    let Some((route, params)) = gateway
        .routes
        .iter()
        .filter(|r| r.method == method || r.method == "ANY")
        .find_map(|r| r.matches(&path).map(|p| (r, p)))
    else {
        return (StatusCode::NOT_FOUND, [("content-type", "application/json")], r#"{"message":"Not Found"}"#)
            .into_response();
    };
    let Ok(body) = axum::body::to_bytes(body, MAX_PAYLOAD).await else {
        return (
            StatusCode::PAYLOAD_TOO_LARGE,
            [("content-type", "application/json")],
            r#"{"message":"Request Entity Too Large"}"#,
        )
            .into_response();
    };
    let event = api_event(&route.method, &route.template_path, &parts, &path, params, &body, peer);
    match gateway.runtime.invoke(&route.function, Bytes::from(event.to_string())).await {
        Ok(Outcome::Response(bytes)) => api_response(&bytes),
        Ok(Outcome::Error(error)) => {
            tracing::error!(function = %route.function, %error, "invocation failed");
            internal_error()
        }
        Err(error) => {
            tracing::error!(function = %route.function, %error, "could not invoke");
            internal_error()
        }
    }
}

fn internal_error() -> Response {
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        [("content-type", "application/json")],
        r#"{"message":"Internal Server Error"}"#,
    )
        .into_response()
}

/// The payload format 2.0 event, as API Gateway HTTP APIs send it.
fn api_event(
    method: &str,
    route_path: &str,
    parts: &axum::http::request::Parts,
    path: &str,
    params: Map<String, Value>,
    body: &[u8],
    peer: SocketAddr,
) -> Value {
    let mut headers = Map::new();
    let mut cookies = Vec::new();
    for (name, value) in &parts.headers {
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        if name == "cookie" {
            cookies.extend(value.split("; ").map(str::to_owned));
            continue;
        }
        headers
            .entry(name.as_str().to_owned())
            .and_modify(|v| *v = json!(format!("{},{}", v.as_str().unwrap_or_default(), value)))
            .or_insert(json!(value));
    }
    // API Gateway tells functions how the caller reached it; locally that is plain HTTP.
    headers.insert("x-forwarded-proto".into(), json!("http"));
    headers.insert(
        "x-forwarded-port".into(),
        json!(parts
            .headers
            .get("host")
            .and_then(|h| h.to_str().ok())
            .and_then(|h| h.rsplit_once(':'))
            .map(|(_, port)| port)
            .unwrap_or("80")),
    );
    let raw_query = parts.uri.query().unwrap_or_default().to_owned();
    let mut query = Map::new();
    for (k, v) in form_urlencoded::parse(raw_query.as_bytes()) {
        query
            .entry(k.into_owned())
            .and_modify(|old| *old = json!(format!("{},{}", old.as_str().unwrap_or_default(), v)))
            .or_insert(json!(v.into_owned()));
    }
    let now = time::OffsetDateTime::now_utc();
    let route_key = format!("{method} {route_path}");
    let (body, is_base64) = match std::str::from_utf8(body) {
        Ok(text) => (json!(text), false),
        Err(_) => (json!(base64::engine::general_purpose::STANDARD.encode(body)), true),
    };
    let mut event = json!({
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": path,
        "rawQueryString": raw_query,
        "headers": headers,
        "requestContext": {
            "accountId": "000000000000",
            "apiId": "local",
            "domainName": parts.headers.get("host").and_then(|h| h.to_str().ok()).unwrap_or("localhost"),
            "domainPrefix": "local",
            "http": {
                "method": parts.method.as_str(),
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": peer.ip().to_string(),
                "userAgent": parts.headers.get("user-agent").and_then(|h| h.to_str().ok()).unwrap_or(""),
            },
            "requestId": uuid::Uuid::new_v4().to_string(),
            "routeKey": route_key,
            "stage": "$default",
            "time": now.format(&time::macros::format_description!("[day]/[month repr:short]/[year]:[hour]:[minute]:[second] +0000")).unwrap_or_default(),
            "timeEpoch": now.unix_timestamp() * 1000 + i64::from(now.millisecond()),
        },
        "isBase64Encoded": is_base64,
    });
    if !body.as_str().unwrap_or_default().is_empty() {
        event["body"] = body;
    }
    if !query.is_empty() {
        event["queryStringParameters"] = Value::Object(query);
    }
    if !params.is_empty() {
        event["pathParameters"] = Value::Object(params);
    }
    if !cookies.is_empty() {
        event["cookies"] = json!(cookies);
    }
    event
}

/// Turns the function's API Gateway v2 response into HTTP.
fn api_response(bytes: &[u8]) -> Response {
    let Ok(value) = serde_json::from_slice::<Value>(bytes) else {
        return internal_error();
    };
    let status =
        value["statusCode"].as_u64().and_then(|s| StatusCode::from_u16(s as u16).ok()).unwrap_or(StatusCode::OK);
    let mut headers = HeaderMap::new();
    for source in [&value["headers"], &value["multiValueHeaders"]] {
        if let Some(map) = source.as_object() {
            for (name, v) in map {
                let values: Vec<&str> = match v {
                    Value::Array(items) => items.iter().filter_map(Value::as_str).collect(),
                    other => other.as_str().into_iter().collect(),
                };
                for v in values {
                    if let (Ok(name), Ok(v)) = (HeaderName::try_from(name.as_str()), HeaderValue::try_from(v)) {
                        headers.append(name, v);
                    }
                }
            }
        }
    }
    let body = value["body"].as_str().unwrap_or_default();
    let body = if value["isBase64Encoded"].as_bool().unwrap_or(false) {
        base64::engine::general_purpose::STANDARD.decode(body).unwrap_or_default()
    } else {
        body.as_bytes().to_vec()
    };
    (status, headers, Body::from(body)).into_response()
}

/// `aws lambda invoke --endpoint-url http://127.0.0.1:PORT --function-name NAME` works against this.
async fn invoke_api(State(runtime): State<Arc<Runtime>>, Path(function): Path<String>, payload: Bytes) -> Response {
    match runtime.invoke(&function, payload).await {
        Ok(Outcome::Response(bytes)) => (StatusCode::OK, [("content-type", "application/json")], bytes).into_response(),
        Ok(Outcome::Error(error)) => {
            (StatusCode::OK, [("x-amz-function-error", "Unhandled"), ("content-type", "application/json")], error)
                .into_response()
        }
        Err(error) => (StatusCode::NOT_FOUND, json!({ "message": error.to_string() }).to_string()).into_response(),
    }
}

/// Fires each `Schedule: rate(N unit)` event of the template on its period.
pub fn start_schedules(template: &Template, runtime: Arc<Runtime>) {
    for function in &template.functions {
        for expr in &function.schedules {
            let Some(period) = parse_rate(expr) else {
                tracing::warn!(function = %function.binary, %expr, "only rate() schedules run locally");
                continue;
            };
            let (runtime, name) = (runtime.clone(), function.binary.clone());
            tokio::spawn(async move {
                let mut ticker = tokio::time::interval(period);
                ticker.tick().await;
                loop {
                    ticker.tick().await;
                    let event = json!({
                        "version": "0", "id": uuid::Uuid::new_v4().to_string(), "detail-type": "Scheduled Event",
                        "source": "aws.events", "account": "000000000000", "region": "us-east-1",
                        "time": time::OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
                        "resources": [], "detail": {}
                    });
                    if let Err(error) = runtime.invoke(&name, Bytes::from(event.to_string())).await {
                        tracing::error!(function = %name, %error, "scheduled invocation failed");
                    }
                }
            });
        }
    }
}

fn parse_rate(expr: &str) -> Option<Duration> {
    let inner = expr.strip_prefix("rate(")?.strip_suffix(')')?;
    let (n, unit) = inner.split_once(' ')?;
    let n: u64 = n.parse().ok()?;
    let secs = match unit.trim_end_matches('s') {
        "minute" => 60,
        "hour" => 3600,
        "day" => 86_400,
        _ => return None,
    };
    Some(Duration::from_secs(n * secs))
}

/// Whether a served API also runs the template's event sources (queue pollers, streams, schedules).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Consumers {
    Run,
    /// Another API over the same resources runs them.
    LeaveToOthers,
}

/// Serves the local API on `listener` (and the Invoke API on `invoke`, if given) until the
/// process ends.
pub async fn serve(
    listener: tokio::net::TcpListener,
    invoke: Option<tokio::net::TcpListener>,
    template: &Template,
    runtime: Arc<Runtime>,
    consumers: Consumers,
) -> Result<()> {
    runtime.start_api().await?;
    if consumers == Consumers::Run {
        start_schedules(template, runtime.clone());
        crate::pollers::start(template, runtime.clone(), crate::pollers::RetryDelay(1)).await?;
        crate::streams::start(template, runtime.clone()).await?;
    }
    if let Some(invoke) = invoke {
        let router = invoke_router(runtime.clone());
        tokio::spawn(async move { axum::serve(invoke, router).await });
    }
    let app = router(template, runtime, listener.local_addr()?.port());
    axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>()).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_match_literals_params_and_greedy_paths() {
        let r = RouteEntry::parse("GET", "/store/games/{id}", "f");
        assert_eq!(r.matches("/store/games/42").unwrap()["id"], "42");
        assert_eq!(r.matches("/store/games/a%20b").unwrap()["id"], "a b");
        assert!(r.matches("/store/games").is_none());
        assert!(r.matches("/store/games/42/x").is_none());
        let g = RouteEntry::parse("GET", "/files/{path+}", "f");
        assert_eq!(g.matches("/files/a/b/c").unwrap()["path"], "a/b/c");
        assert!(RouteEntry::parse("GET", "/gacha/items", "f").matches("/gacha/items/").is_some());
    }

    #[test]
    fn rate_expressions_parse() {
        assert_eq!(parse_rate("rate(5 minutes)"), Some(Duration::from_secs(300)));
        assert_eq!(parse_rate("rate(1 hour)"), Some(Duration::from_secs(3600)));
        assert_eq!(parse_rate("cron(0 * * * ? *)"), None);
    }
}
