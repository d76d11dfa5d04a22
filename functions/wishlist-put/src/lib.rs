//! `PUT /wishlist/{gameId}`: puts a game on the caller's wishlist (201), or sets its target price
//! (200): `{targetPriceGems?}` (no body, or no target: alert on any sale). When the game's sale
//! starts the caller is notified once, with "at your target price" when the sale reaches it.
//! At most 500 games (a soft cap: checked before the write).

use lambda_http::Request;
use platform::http::{game_id_param, json_response, optional_json_body, HttpResult};
use platform::store::catalog;
use platform::store::wishlist::{self, Wish, MAX_GAMES};
use platform::{ApiError, App};
use serde::Deserialize;
use serde_json::json;

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct WishRequest {
    target_price_gems: Option<u64>,
}

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let player = app.authenticate(&req).await?;
    let game_id = game_id_param(&req, "gameId")?;
    let body: WishRequest = optional_json_body(&req)?;
    if body.target_price_gems.is_some_and(|t| t > 1_000_000) {
        return Err(ApiError::validation("targetPriceGems", "a target price is 0-1,000,000 gems"));
    }
    let (game, count) = tokio::try_join!(catalog::game(app, game_id), wishlist::count(app, &player.user_id))?;
    if count >= MAX_GAMES {
        return Err(ApiError::Rule {
            code: "wishlist_full",
            field: None,
            detail: format!("a wishlist holds at most {MAX_GAMES} games"),
        });
    }
    let wish = Wish {
        user_id: player.user_id.clone(),
        game_id,
        added_at: platform::clock::now_rfc3339(),
        target_price_gems: body.target_price_gems,
    };
    let added = wishlist::put(app, &wish).await?;
    json_response(
        if added { 201 } else { 200 },
        &json!({ "gameId": game_id, "name": game.name, "targetPriceGems": wish.target_price_gems, "added": added }),
    )
}
