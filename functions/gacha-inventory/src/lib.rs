//! `GET /gacha/inventory`: the caller's items (count, first obtained) and shards.

use lambda_http::Request;
use platform::domain::inventory::DUPLICATE_CAP;
use platform::http::{json_response, HttpResult};
use platform::{store, App};
use serde_json::json;

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let player = app.authenticate(&req).await?;
    let mut inventory = store::inventory::read(app, &player.user_id).await?;
    // Rarest first, then by name.
    inventory.items.sort_by(|a, b| b.rarity.cmp(&a.rarity).then_with(|| a.name.cmp(&b.name)));
    json_response(
        200,
        &json!({
            "userId": player.user_id,
            "items": inventory.items,
            "shards": inventory.shards,
            "duplicateCap": DUPLICATE_CAP,
        }),
    )
}
