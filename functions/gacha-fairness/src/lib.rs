//! `GET /gacha/fairness`: the caller's active seed as far as it may be known (the commitment to
//! the secret server seed, the client seed, the next nonce, and the commitment to the seed the
//! next rotation promotes) and the seeds revealed so far. A
//! player without a seed gets one here, committed to before any draw uses it.

use lambda_http::Request;
use platform::http::{json_response, HttpResult};
use platform::store::fairness;
use platform::App;
use serde_json::json;

/// Revealed seeds listed (the newest).
const REVEALED_LISTED: usize = 20;

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let player = app.authenticate(&req).await?;
    let (active, revealed) = tokio::try_join!(
        fairness::active(app, &player.user_id),
        fairness::revealed_recent(app, &player.user_id, REVEALED_LISTED)
    )?;
    json_response(
        200,
        &json!({
            "active": active.public(),
            "revealed": revealed,
            "algorithm": fairness_algorithm(),
        }),
    )
}

/// How to recompute a draw, for clients that show it.
fn fairness_algorithm() -> &'static str {
    "HMAC-SHA256(key=serverSeed, message=\"{clientSeed}:{nonce}:{round}\"); first 8 bytes as a big-endian integer, \
     modulo the range; round 0 = rarity (0..10000), then on banners with pity round 1 = featured coin (0..10000); \
     the last round = the item among those of its rarity (featured or not), in banner order"
}
