//! Role checks: read from the players table at the moment of the request, so granting or taking
//! a role takes effect at once (tokens carry no roles).

use crate::app::App;
use crate::auth::Player;
use crate::domain::roles::Role;
use crate::error::ApiError;
use crate::store::accounts;

/// Refuses (403) a player who does not hold `role`.
pub async fn require(app: &App, player: &Player, role: Role) -> Result<(), ApiError> {
    let (_, profile) =
        accounts::profile(app, &player.user_id).await?.ok_or(ApiError::Unauthorized("the account no longer exists"))?;
    if profile.roles.iter().any(|r| r == role.as_str()) {
        Ok(())
    } else {
        Err(ApiError::Forbidden(match role {
            Role::Admin => "this needs the admin role",
            Role::Developer => "this needs the developer role",
        }))
    }
}

/// The studios a developer publishes for; 403 for a player who is not a developer.
pub async fn developer_studios(app: &App, player: &Player) -> Result<Vec<String>, ApiError> {
    let (_, profile) =
        accounts::profile(app, &player.user_id).await?.ok_or(ApiError::Unauthorized("the account no longer exists"))?;
    if !profile.roles.iter().any(|r| r == Role::Developer.as_str()) {
        return Err(ApiError::Forbidden("this needs the developer role"));
    }
    Ok(profile.studios)
}

/// Refuses (403) a player who may not manage `game` (its prices, sales and keys): an admin may,
/// and a developer of one of the studios that make or publish it.
pub async fn may_manage(app: &App, player: &Player, game: &crate::domain::catalog::Game) -> Result<(), ApiError> {
    let (_, profile) =
        accounts::profile(app, &player.user_id).await?.ok_or(ApiError::Unauthorized("the account no longer exists"))?;
    let admin = profile.roles.iter().any(|r| r == Role::Admin.as_str());
    let developer = profile.roles.iter().any(|r| r == Role::Developer.as_str())
        && crate::domain::apps::studio_owns(&profile.studios, &game.developers, &game.publishers);
    if admin || developer {
        Ok(())
    } else {
        Err(ApiError::Forbidden("only the game's developers and admins may manage it"))
    }
}
