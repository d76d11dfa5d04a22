//! `POST /groups`: `{name, description?, open?, maxMembers?}` creates a group the caller owns.
//! Names are unique (in any case); open groups take anyone, closed ones take requests.

use lambda_http::Request;
use platform::domain::groups;
use platform::http::{json_body, json_response, HttpResult};
use platform::store::rate_limit::{self, Limit, Scope};
use platform::{flows, ApiError, App};
use serde::Deserialize;

/// Per player: a few groups a day, not a squatting run on names.
const PER_PLAYER: Limit = Limit { max: 10, window_secs: 24 * 3600 };

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct CreateGroup {
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default = "open_by_default")]
    open: bool,
    max_members: Option<u32>,
}

fn open_by_default() -> bool {
    true
}

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let player = app.authenticate(&req).await?;
    let body: CreateGroup = json_body(&req)?;
    let name = groups::name(&body.name)?;
    let max = groups::max_members(body.max_members)?;
    if body.description.chars().count() > 500 {
        return Err(ApiError::validation("description", "description is at most 500 characters"));
    }
    let description = match body.description.trim() {
        "" => String::new(),
        text => platform::domain::chat::validate_text(text).map_err(|_| {
            ApiError::validation("description", "description must not contain control or bidirectional characters")
        })?,
    };
    let _slot = rate_limit::take(app, &[Scope::new(format!("groups#{}", player.user_id), PER_PLAYER)]).await?;
    let group = flows::groups::create(app, &player.user_id, &name, &description, body.open, max).await?;
    json_response(201, &group)
}
