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

/// Sends `frame` to each of `connection_ids` at once; how many got it. A failed push is logged
/// and skips only its connection: pushes are best effort (what they carry stays readable).
pub async fn push_each(app: &App, connection_ids: &[String], frame: &Value) -> usize {
    let pushed = futures::future::join_all(connection_ids.iter().map(|id| push(app, id, frame))).await;
    let mut delivered = 0;
    for (id, outcome) in connection_ids.iter().zip(pushed) {
        match outcome {
            Ok(Pushed::Delivered) => delivered += 1,
            Ok(Pushed::Gone) => {}
            Err(error) => tracing::warn!(?error, connection_id = %id, "push failed"),
        }
    }
    delivered
}

/// Runs a socket action for the player of the connection the frame came on (the handler reads the
/// frame with `http::json_body`, as an HTTP function reads its body), and pushes its answer
/// (`{type: <answer type>, ...}`) or its problem (`{type: "error", action, ...problem}`) back.
/// The function's own response is only API Gateway's acknowledgement.
pub async fn answer<F, Fut>(
    req: &Request,
    app: &App,
    action: &str,
    answer_type: &str,
    handler: F,
) -> crate::http::HttpResult
where
    F: FnOnce(Connection) -> Fut,
    Fut: std::future::Future<Output = Result<Value, ApiError>>,
{
    let connection_id = connection_id(req)?;
    let request_id = crate::http::request_id(req);
    let outcome = async {
        let connection = connections::get(app, &connection_id)
            .await?
            .ok_or(ApiError::Unauthorized("this connection is not signed in; connect again"))?;
        // Acting needs a live token, as over HTTP: reconnect with a fresh one (pushes go on).
        if connection.authorized_until <= crate::clock::now_secs() {
            return Err(ApiError::Unauthorized("the token this connection signed in with has expired; connect again"));
        }
        handler(connection).await
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
