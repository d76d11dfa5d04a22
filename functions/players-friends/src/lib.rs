//! `GET /players/{userId}/friends?limit=&cursor=`: another player's friends, if their privacy
//! lets the caller see them (public: anyone; friends-only: their friends; private: nobody).
//! No token is needed for a public player's list.

use lambda_http::Request;
use platform::domain::friends::{may_see, State};
use platform::http::{json_response, page_limit, path_param, query_param, HttpResult};
use platform::store::{accounts, chat, friends};
use platform::{flows, ApiError, App};
use serde_json::json;

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let user_id = chat::checked_user_id("userId", &path_param(&req, "userId")?)?;
    let limit = page_limit(&req, 50, 100)?;
    let viewer = app.authenticate_optional(&req).await?.map(|player| player.user_id);
    let (profile, is_friend) =
        tokio::try_join!(accounts::profile(app, &user_id), friends::is_friend(app, viewer.as_deref(), &user_id))?;
    let (_, profile) =
        profile.ok_or_else(|| ApiError::NotFound { code: "unknown_user", what: format!("player {user_id}") })?;
    let reader = match viewer.as_deref() == Some(user_id.as_str()) {
        true => flows::friends::Reader::Owner,
        false => flows::friends::Reader::Other,
    };
    if !may_see(profile.privacy, reader == flows::friends::Reader::Owner, is_friend) {
        return Err(ApiError::Forbidden("this player's friends are private"));
    }
    let cursor = query_param(&req, "cursor");
    let state = Some(State::Friend.as_str());
    let (list, next) = flows::friends::listing(app, &user_id, state, reader, cursor.as_deref(), limit).await?;
    json_response(200, &json!({ "userId": user_id, "friends": list, "nextCursor": next }))
}
