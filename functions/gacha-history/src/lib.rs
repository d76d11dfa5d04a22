//! `GET /gacha/history?limit=&cursor=&bannerId=&rarity=`: the caller's pulls, newest first;
//! optionally only one banner's, or one rarity's (`rare`, `super rare`, `ultra rare`).

use lambda_http::Request;
use platform::domain::gacha::Rarity;
use platform::http::{json_response, page_limit, query_param, HttpResult};
use platform::store::banners;
use platform::store::pulls::HistoryFilter;
use platform::{store, ApiError, App};
use serde_json::json;

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let player = app.authenticate(&req).await?;
    let limit = page_limit(&req, 50, 100)?;
    let cursor = query_param(&req, "cursor");
    let filter = HistoryFilter {
        banner_id: query_param(&req, "bannerId").map(|id| banners::checked_id(&id)).transpose()?,
        rarity: query_param(&req, "rarity").map(|raw| rarity(&raw)).transpose()?,
    };
    let (records, next) = store::pulls::page(app, &player.user_id, &filter, cursor.as_deref(), limit).await?;
    let pulls: Vec<_> = records
        .into_iter()
        .map(|r| {
            let mut pull = json!({
                "pullId": r.pull_id,
                "item": r.item,
                "pulledAt": r.pulled_at,
                "currencySpent": r.currency_spent,
                "bannerId": r.banner_id,
            });
            // What recomputes the draw once its seed is revealed (README "Provably fair pulls").
            if let Some(proof) = r.proof {
                pull["proof"] = json!(proof);
            }
            if let Some(before) = r.pity_before {
                pull["pityBefore"] = json!(before);
            }
            pull
        })
        .collect();
    json_response(200, &json!({ "userId": player.user_id, "pulls": pulls, "nextCursor": next }))
}

/// A rarity as the items name it (`super rare`), or with an underscore (`super_rare`) as the
/// odds endpoint's keys do.
fn rarity(raw: &str) -> Result<Rarity, ApiError> {
    serde_json::from_value(json!(raw.replace('_', " ")))
        .map_err(|_| ApiError::validation("rarity", "rarity is rare, super rare or ultra rare"))
}
