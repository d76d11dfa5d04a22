//! Profiles as their owner sees them and as everyone else does.

use crate::app::App;
use crate::domain::presence::View;
use crate::error::ApiError;
use crate::store::{accounts, friends, presence};
use serde_json::{json, Value};

/// The whole profile, for its owner.
pub async fn own(app: &App, user_id: &str) -> Result<Value, ApiError> {
    let (username, profile) =
        accounts::profile(app, user_id).await?.ok_or(ApiError::Unauthorized("the account no longer exists"))?;
    let mut body = serde_json::to_value(&profile).map_err(ApiError::internal)?;
    body["userId"] = user_id.into();
    body["username"] = username.into();
    Ok(body)
}

/// What anyone else may see: a public profile's username, name, avatar and country (a
/// friends-only one's, by a friend), with the player's presence where they may see it; of any
/// other profile, its id alone.
pub async fn seen_by_others(app: &App, user_id: &str, viewer: Option<&str>) -> Result<Value, ApiError> {
    let unknown = || ApiError::NotFound { code: "unknown_user", what: format!("player {user_id}") };
    let (found, is_friend, presence) = tokio::try_join!(
        accounts::profile(app, user_id),
        friends::is_friend(app, viewer, user_id),
        presence::get(app, user_id)
    )?;
    let (username, profile) = found.ok_or_else(unknown)?;
    Ok(match profile.seen_by_others(is_friend) {
        Some(shown) => json!({
            "userId": user_id,
            "username": username,
            "displayName": shown.display_name,
            "avatarUrl": shown.avatar_url,
            "country": shown.country,
            "privacy": shown.privacy.as_str(),
            "presence": View::of(presence.as_ref(), crate::clock::now_secs()),
        }),
        None => json!({ "userId": user_id }),
    })
}
