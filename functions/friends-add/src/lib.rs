//! `POST /friends/{userId}`: asks a player to be friends, or accepts their request if they asked
//! first (so two players adding each other at once end as friends). Repeating it changes nothing.
//! A player who blocked the caller, or whom the caller blocked, cannot be asked.

use lambda_http::Request;
use platform::http::{json_response, path_param, HttpResult};
use platform::store::rate_limit::{self, Limit, Scope};
use platform::store::{accounts, chat};
use platform::{flows, ApiError, App};
use serde_json::json;

/// Per player: requests (and the notifications they send), not a spam run.
const PER_SENDER: Limit = Limit { max: 30, window_secs: 3600 };

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let player = app.authenticate(&req).await?;
    let other = chat::checked_user_id("userId", &path_param(&req, "userId")?)?;
    if other == player.user_id {
        return Err(ApiError::Rule {
            code: "cannot_befriend_self",
            field: Some("userId"),
            detail: "you cannot add yourself as a friend".into(),
        });
    }
    let _slot = rate_limit::take(app, &[Scope::new(format!("friend-requests#{}", player.user_id), PER_SENDER)]).await?;
    let (me, exists) =
        tokio::try_join!(accounts::live_user(app, &player.user_id, false), chat::user_exists(app, &other))?;
    let me = me.ok_or(ApiError::Unauthorized("the account no longer exists"))?;
    if !exists {
        return Err(ApiError::NotFound { code: "unknown_user", what: format!("player {other}") });
    }
    let username = platform::store::get_s(&me, "username").unwrap_or_default();
    let outcome = flows::friends::add(app, &player.user_id, username, &other).await?;
    let status = if outcome.transition == "unchanged" { 200 } else { 201 };
    json_response(
        status,
        &json!({ "userId": other, "state": outcome.state.map(|s| s.as_str()), "transition": outcome.transition }),
    )
}
