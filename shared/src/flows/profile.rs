//! Profiles as their owner sees them and as everyone else does.

use crate::app::App;
use crate::error::ApiError;
use crate::store::accounts;
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

/// What anyone else may see: a public profile's username, name, avatar and country; of any
/// other profile, its id alone.
pub async fn seen_by_others(app: &App, user_id: &str) -> Result<Value, ApiError> {
    let unknown = || ApiError::NotFound { code: "unknown_user", what: format!("player {user_id}") };
    let (username, profile) = accounts::profile(app, user_id).await?.ok_or_else(unknown)?;
    Ok(match profile.seen_by_others() {
        Some(public) => json!({
            "userId": user_id,
            "username": username,
            "displayName": public.display_name,
            "avatarUrl": public.avatar_url,
            "country": public.country,
            "privacy": "public",
        }),
        None => json!({ "userId": user_id }),
    })
}
