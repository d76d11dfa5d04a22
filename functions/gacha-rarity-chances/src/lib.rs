//! `GET /gacha/rarity-chances?bannerId=`: the published odds, read from the same banner record
//! the pull engine draws with: seed 002's base `chances`, and on banners with pity the
//! consolidated rates those rules really give, the rules, and the featured items.

use lambda_http::Request;
use platform::domain::gacha::RarityRates;
use platform::domain::pity::{ConsolidatedOdds, PityRules};
use platform::http::{json_response, query_param, HttpResult};
use platform::store::banners;
use platform::App;
use serde_json::json;

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let id = match query_param(&req, "bannerId") {
        Some(id) => banners::checked_id(&id)?,
        None => banners::DEFAULT_BANNER.to_owned(),
    };
    let banner = banners::get(app, &id).await?;
    let mut body = json!({
        "chances": banner.chances(),
        "bannerId": banner.banner_id,
        "costPerPull": banner.cost_per_pull,
    });
    if let Some(rules) = &banner.pity {
        // Computed from the same rules the pull engine applies (README "Pity").
        body["consolidatedChances"] = json!(consolidated(rules, &banner.rates));
        body["pity"] = json!(rules);
        body["featuredItems"] =
            json!(banner.items.iter().filter(|i| banner.featured.contains(&i.id)).collect::<Vec<_>>());
    }
    json_response(200, &body)
}

/// The consolidated odds of `rules` on `rates`, computed once per instance for each distinct
/// pair: the power iteration walks hundreds of states thousands of times, and banners change
/// rarely (a changed banner is a new key).
fn consolidated(rules: &PityRules, rates: &RarityRates) -> ConsolidatedOdds {
    use std::sync::{Mutex, OnceLock};
    static CACHE: OnceLock<Mutex<Vec<(PityRules, RarityRates, ConsolidatedOdds)>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some((.., odds)) = cache.lock().expect("odds cache").iter().find(|(r, b, _)| r == rules && b == rates) {
        return odds.clone();
    }
    let odds = rules.consolidated(rates);
    cache.lock().expect("odds cache").push((rules.clone(), *rates, odds.clone()));
    odds
}
