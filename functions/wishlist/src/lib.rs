//! `GET /wishlist`: the caller's wishlist, oldest first: each game at its price now (a running
//! sale applied, with its end and the prior 30 days' lowest price, in the player's price region)
//! and the target price, if set.

use lambda_http::Request;
use platform::http::{json_response, HttpResult};
use platform::store::{catalog, prices, wishlist};
use platform::{flows, App};
use serde_json::json;

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let player = app.authenticate(&req).await?;
    let (wishes, region) =
        tokio::try_join!(wishlist::of_player(app, &player.user_id), flows::region::of_player(app, &player.user_id))?;
    let ids: Vec<u32> = wishes.iter().map(|w| w.game_id).collect();
    let games = futures::future::try_join_all(ids.iter().map(|id| catalog::game(app, *id))).await?;
    let list: Vec<(u32, u64)> = games.iter().map(|g| (g.game_id, g.price_gems)).collect();
    let shown = prices::shown_many(app, &list, region).await?;
    let games: Vec<_> = wishes
        .iter()
        .zip(&games)
        .map(|(wish, game)| {
            let mut entry = prices::priced(json!({ "gameId": game.game_id, "name": game.name }), &shown[&game.game_id]);
            entry["addedAt"] = json!(wish.added_at);
            entry["targetPriceGems"] = json!(wish.target_price_gems);
            entry
        })
        .collect();
    json_response(200, &json!({ "userId": player.user_id, "games": games }))
}
