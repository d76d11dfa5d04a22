//! The WebSocket API from the functions' side: the connection a frame came on, pushing frames
//! through API Gateway's `@connections` management API, and running an action so that its answer
//! (or its problem, as an `error` frame) goes back to the connection. README "WebSocket API"
//! lists the frames.

use crate::error::ApiError;
use crate::store::connections::{self, Connection};
use crate::App;
use aws_sdk_apigatewaymanagement::primitives::Blob;
use lambda_http::request::RequestContext;
use lambda_http::{Request, RequestExt};
use serde_json::{json, Value};

/// The id of the connection an event came on (a WebSocket event), or 500 for any other event.
pub fn connection_id(req: &Request) -> Result<String, ApiError> {
    match req.request_context_ref() {
        Some(RequestContext::WebSocket(ctx)) => {
            ctx.connection_id.clone().ok_or_else(|| ApiError::internal("a WebSocket event without a connection id"))
        }
        _ => Err(ApiError::internal("not a WebSocket event")),
    }
}

/// Whether a push reached its connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pushed {
    Delivered,
    /// The connection is gone; its item was deleted.
    Gone,
}

/// Sends `frame` to one connection; a gone connection is forgotten.
pub async fn push(app: &App, connection_id: &str, frame: &Value) -> Result<Pushed, ApiError> {
    let sent = app
        .sockets()?
        .post_to_connection()
        .connection_id(connection_id)
        .data(Blob::new(frame.to_string()))
        .send()
        .await;
    match sent {
        Ok(_) => Ok(Pushed::Delivered),
        Err(err) if err.as_service_error().is_some_and(|e| e.is_gone_exception()) => {
            connections::forget_gone(app, connection_id).await?;
            Ok(Pushed::Gone)
        }
        Err(err) => Err(ApiError::Unavailable(format!("@connections: {err:?}"))),
    }
}

/// Sends `frame` to every open connection of a player; how many got it.
pub async fn push_to_player(app: &App, user_id: &str, frame: &Value) -> Result<usize, ApiError> {
    let ids = connections::of_player(app, user_id).await?;
    let pushed = futures::future::try_join_all(ids.iter().map(|id| push(app, id, frame))).await?;
    Ok(pushed.into_iter().filter(|p| *p == Pushed::Delivered).count())
}

/// A frame's action and body, parsed leniently: which action it names (if any) and the object.
pub fn frame_body(req: &Request) -> Result<Value, ApiError> {
    let text = match req.body() {
        lambda_http::Body::Text(text) => text.clone(),
        lambda_http::Body::Binary(bytes) => String::from_utf8_lossy(bytes).into_owned(),
        _ => String::new(),
    };
    if text.len() > crate::http::MAX_BODY_BYTES {
        return Err(ApiError::PayloadTooLarge { limit: crate::http::MAX_BODY_BYTES });
    }
    match serde_json::from_str::<Value>(&text) {
        Ok(value @ Value::Object(_)) => Ok(value),
        Ok(_) => Err(ApiError::Validation { field: None, detail: "a frame is a JSON object with an `action`".into() }),
        Err(e) => Err(ApiError::MalformedJson(e.to_string())),
    }
}

/// A frame's fields as `T`, refusing unknown or ill-typed ones with the field named.
pub fn parse<T: serde::de::DeserializeOwned>(frame: Value) -> Result<T, ApiError> {
    serde_path_to_error::deserialize(frame).map_err(|err| {
        let path = err.path().to_string();
        let message = err.into_inner().to_string();
        let field = message
            .strip_prefix("missing field `")
            .and_then(|rest| rest.split('`').next())
            .map(str::to_owned)
            .or_else(|| (path != ".").then_some(path));
        ApiError::Validation { field, detail: message }
    })
}

/// Runs a socket action for the player of the connection the frame came on, and pushes its answer
/// (`{type: <answer type>, ...}`) or its problem (`{type: "error", action, ...problem}`) back.
/// The function's own response is only API Gateway's acknowledgement.
pub async fn answer<F, Fut>(
    req: Request,
    app: &App,
    action: &str,
    answer_type: &str,
    handler: F,
) -> crate::http::HttpResult
where
    F: FnOnce(Connection, Value) -> Fut,
    Fut: std::future::Future<Output = Result<Value, ApiError>>,
{
    let connection_id = connection_id(&req)?;
    let request_id = crate::http::request_id(&req);
    let outcome = async {
        let connection = connections::get(app, &connection_id)
            .await?
            .ok_or(ApiError::Unauthorized("this connection is not signed in; connect again"))?;
        // Acting needs a live token, as over HTTP: reconnect with a fresh one (pushes go on).
        if connection.authorized_until <= crate::clock::now_secs() {
            return Err(ApiError::Unauthorized("the token this connection signed in with has expired; connect again"));
        }
        handler(connection, frame_body(&req)?).await
    }
    .await;
    let frame = match outcome {
        Ok(mut body) => {
            body["type"] = json!(answer_type);
            body
        }
        Err(err) => {
            if err.status().is_server_error() {
                tracing::error!(%request_id, %action, error = ?err, "socket action failed");
            }
            let mut problem = err.problem(&request_id);
            problem["type"] = json!("error");
            problem["action"] = json!(action);
            problem
        }
    };
    let pushed = push(app, &connection_id, &frame).await?;
    crate::http::json_response(200, &json!({ "delivered": pushed == Pushed::Delivered }))
}
