//! WebSocket action `pull`: `{action: "pull", count?, bannerId?, currencySpent?, idempotencyKey?}`
//! pulls on the given banner, else the one the connection selected, else `heroes`, through the
//! same flow as `POST /gacha/pull` (money flow, idempotency, pity, fairness), and answers
//! `{type: "pullResult", ...}` with the HTTP answer's fields. The new balance follows as a
//! `balance` frame to every connection of the player, from the PullCompleted event.

use lambda_http::Request;
use platform::flows::pull::{pull, PullOrder};
use platform::http::{json_body, HttpResult};
use platform::{sockets, App};
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct PullFrame {
    #[allow(dead_code)]
    action: String,
    banner_id: Option<String>,
    count: Option<u32>,
    currency_spent: Option<u64>,
    idempotency_key: Option<String>,
}

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let req = &req;
    sockets::answer(req, app, "pull", "pullResult", |connection| async move {
        let body: PullFrame = json_body(req)?;
        let key = body.idempotency_key.map(|key| platform::http::checked_idempotency_key(&key)).transpose()?;
        let banner = body.banner_id.or(connection.selected_banner);
        let order = PullOrder::new(banner.as_deref(), body.count, body.currency_spent, key)?;
        pull(app, &connection.user_id, &order).await
    })
    .await
}
