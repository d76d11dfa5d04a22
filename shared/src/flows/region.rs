//! The price region a player is priced in (`domain::regions`): the signed-in player's profile
//! country; for anyone browsing signed out, the `country` query parameter (as Steam's `cc`), else
//! the store's home.

use crate::app::App;
use crate::domain::regions::{self, Region};
use crate::error::ApiError;

/// The region of a player's profile country.
pub async fn of_player(app: &App, user_id: &str) -> Result<&'static Region, ApiError> {
    let profile = crate::store::accounts::profile(app, user_id).await?;
    Ok(profile.map_or(regions::HOME, |(_, profile)| of_profile(&profile)))
}

/// The region of a profile read already.
pub fn of_profile(profile: &crate::domain::profile::Profile) -> &'static Region {
    regions::of_country(profile.country.as_deref()).0
}

/// The region a storefront read is priced in: the signed-in player's (a bad token is a 401), or
/// the `country` query parameter's, or the home region.
pub async fn of_request(app: &App, req: &lambda_http::Request) -> Result<&'static Region, ApiError> {
    if let Some(player) = app.authenticate_optional(req).await? {
        return of_player(app, &player.user_id).await;
    }
    match crate::http::query_param(req, "country") {
        Some(raw) => Ok(regions::of_country(Some(&crate::domain::profile::country(&raw)?)).0),
        None => Ok(regions::HOME),
    }
}
