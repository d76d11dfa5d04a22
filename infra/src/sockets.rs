//! The local WebSocket API, served from template.yaml's `AWS::ApiGatewayV2::Route`s as API
//! Gateway serves them: `$connect` decides whether the upgrade is accepted (a 2xx from its
//! function), each text frame goes to the route its JSON `action` names (else `$default`), and
//! `$disconnect` follows the close, each as the WebSocket event the function receives on AWS. The
//! same listener answers the `@connections` management API (`POST` a frame, `GET`, `DELETE`), so
//! the functions push to connections with the AWS SDK, unchanged.

use crate::runtime::{Outcome, Runtime};
use crate::template::Template;
use axum::body::Bytes;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{ConnectInfo, Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use tokio::sync::mpsc;

struct Connection {
    frames: mpsc::UnboundedSender<Message>,
    connected_at_ms: u64,
    source_ip: String,
}

struct SocketApi {
    /// Route key -> function binary.
    routes: HashMap<String, String>,
    runtime: Arc<Runtime>,
    connections: Mutex<HashMap<String, Connection>>,
}

/// The WebSocket API on `/` and its management API on `/@connections/{id}`.
pub fn router(template: &Template, runtime: Arc<Runtime>) -> Router {
    let routes = template.socket_routes.iter().map(|r| (r.route_key.clone(), r.function.clone())).collect();
    let api = Arc::new(SocketApi { routes, runtime, connections: Mutex::new(HashMap::new()) });
    Router::new()
        .route("/", get(connect))
        .route("/@connections/{id}", get(describe).post(post_frame).delete(disconnect))
        .with_state(api)
}

fn now_ms() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}

/// The event API Gateway sends for `route_key` on `connection_id`.
fn event(route_key: &str, event_type: &str, connection_id: &str, connected_at: u64, source_ip: &str) -> Value {
    json!({
        "requestContext": {
            "routeKey": route_key,
            "eventType": event_type,
            "messageDirection": "IN",
            "connectionId": connection_id,
            "connectedAt": connected_at,
            "requestTimeEpoch": now_ms(),
            "requestId": uuid::Uuid::new_v4().to_string(),
            "extendedRequestId": uuid::Uuid::new_v4().to_string(),
            "stage": "local",
            "apiId": "local",
            "domainName": "localhost",
            "identity": { "sourceIp": source_ip },
        },
        "isBase64Encoded": false,
    })
}

impl SocketApi {
    /// Runs the route's function; `None` when the route does not exist or the function failed.
    async fn invoke(&self, route_key: &str, event: &Value) -> Option<Value> {
        let function = self.routes.get(route_key)?;
        match self.runtime.invoke(function, Bytes::from(event.to_string())).await {
            Ok(Outcome::Response(bytes)) => serde_json::from_slice(&bytes).ok(),
            Ok(Outcome::Error(error)) => {
                tracing::error!(%function, %error, "socket route failed");
                None
            }
            Err(error) => {
                tracing::error!(%function, %error, "could not invoke the socket route");
                None
            }
        }
    }

    /// The route a frame goes to: its JSON `action` if a route has that key, else `$default`.
    fn route_of(&self, frame: &str) -> String {
        let action =
            serde_json::from_str::<Value>(frame).ok().and_then(|v| v.get("action")?.as_str().map(str::to_owned));
        match action {
            Some(action) if !action.starts_with('$') && self.routes.contains_key(&action) => action,
            _ => "$default".to_owned(),
        }
    }
}

async fn connect(
    State(api): State<Arc<SocketApi>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Response {
    let connection_id = uuid::Uuid::new_v4().simple().to_string();
    let connected_at = now_ms();
    let source_ip = peer.ip().to_string();
    let mut event = event("$connect", "CONNECT", &connection_id, connected_at, &source_ip);
    let header_map: Map<String, Value> =
        headers.iter().map(|(k, v)| (k.as_str().to_owned(), json!(String::from_utf8_lossy(v.as_bytes())))).collect();
    event["headers"] = Value::Object(header_map);
    let query: Map<String, Value> = form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .map(|(k, v)| (k.into_owned(), json!(v.into_owned())))
        .collect();
    if !query.is_empty() {
        event["queryStringParameters"] = Value::Object(query);
    }
    // The upgrade happens only if `$connect` answers 2xx, as on API Gateway (which admits every
    // handshake when there is no `$connect` route).
    let answer = match api.routes.contains_key("$connect") {
        true => api.invoke("$connect", &event).await,
        false => Some(json!({ "statusCode": 200 })),
    };
    let status = answer.as_ref().and_then(|a| a["statusCode"].as_u64()).unwrap_or(500);
    if !(200..300).contains(&status) {
        let body = answer.and_then(|a| a["body"].as_str().map(str::to_owned)).unwrap_or_default();
        let status = StatusCode::from_u16(status as u16).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        return (status, [("content-type", "application/json")], body).into_response();
    }
    upgrade.on_upgrade(move |socket| serve_connection(api, socket, connection_id, connected_at, source_ip))
}

async fn serve_connection(
    api: Arc<SocketApi>,
    socket: WebSocket,
    connection_id: String,
    connected_at: u64,
    source_ip: String,
) {
    use futures::{SinkExt, StreamExt};
    let (mut sink, mut stream) = socket.split();
    let (frames, mut outgoing) = mpsc::unbounded_channel();
    let connection = Connection { frames, connected_at_ms: connected_at, source_ip: source_ip.clone() };
    api.connections.lock().expect("connections").insert(connection_id.clone(), connection);
    let writer = tokio::spawn(async move {
        while let Some(message) = outgoing.recv().await {
            let closing = matches!(message, Message::Close(_));
            if sink.send(message).await.is_err() || closing {
                break;
            }
        }
        // Flushes the reply to a client's Close (queued by the reader) and ends the handshake.
        sink.close().await.ok();
    });
    let mut close_code = 1006;
    while let Some(Ok(message)) = stream.next().await {
        let text = match message {
            Message::Text(text) => text.to_string(),
            Message::Binary(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
            Message::Close(frame) => {
                close_code = frame.map_or(1005, |f| f.code);
                break;
            }
            Message::Ping(_) | Message::Pong(_) => continue,
        };
        // Frames are independent invocations, as on API Gateway (no ordering between them).
        let api = api.clone();
        let route = api.route_of(&text);
        let mut event = event(&route, "MESSAGE", &connection_id, connected_at, &source_ip);
        event["body"] = json!(text);
        event["requestContext"]["messageId"] = json!(uuid::Uuid::new_v4().simple().to_string());
        tokio::spawn(async move { api.invoke(&route, &event).await });
    }
    // Dropping the connection's sender ends the writer, which completes the close.
    api.connections.lock().expect("connections").remove(&connection_id);
    tokio::time::timeout(std::time::Duration::from_secs(5), writer).await.ok();
    let mut event = event("$disconnect", "DISCONNECT", &connection_id, connected_at, &source_ip);
    event["requestContext"]["disconnectStatusCode"] = json!(close_code);
    api.invoke("$disconnect", &event).await;
}

/// The management API's answer for a connection that is gone, as the SDK reads it.
fn gone(connection_id: &str) -> Response {
    (
        StatusCode::GONE,
        [("content-type", "application/json"), ("x-amzn-errortype", "GoneException")],
        json!({ "message": format!("connection {connection_id} is gone") }).to_string(),
    )
        .into_response()
}

async fn post_frame(State(api): State<Arc<SocketApi>>, Path(id): Path<String>, body: Bytes) -> Response {
    let connections = api.connections.lock().expect("connections");
    match connections.get(&id) {
        Some(connection)
            if connection.frames.send(Message::Text(String::from_utf8_lossy(&body).into_owned().into())).is_ok() =>
        {
            StatusCode::OK.into_response()
        }
        _ => gone(&id),
    }
}

async fn describe(State(api): State<Arc<SocketApi>>, Path(id): Path<String>) -> Response {
    let connections = api.connections.lock().expect("connections");
    let Some(connection) = connections.get(&id) else { return gone(&id) };
    let at = |ms: u64| platform::clock::rfc3339(ms / 1000);
    let body = json!({
        "connectedAt": at(connection.connected_at_ms),
        "lastActiveAt": at(now_ms()),
        "identity": { "sourceIp": connection.source_ip },
    });
    ([("content-type", "application/json")], body.to_string()).into_response()
}

async fn disconnect(State(api): State<Arc<SocketApi>>, Path(id): Path<String>) -> Response {
    let connections = api.connections.lock().expect("connections");
    match connections.get(&id) {
        Some(connection) => {
            connection.frames.send(Message::Close(None)).ok();
            StatusCode::NO_CONTENT.into_response()
        }
        None => gone(&id),
    }
}
