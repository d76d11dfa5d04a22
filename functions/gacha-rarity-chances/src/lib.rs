//! `GET /gacha/rarity-chances?bannerId=`: the published odds, read from the same banner record
//! the pull engine draws with: seed 002's base `chances`, and on banners with pity the
//! consolidated rates those rules really give, the rules, and the featured items.

use lambda_http::Request;
use platform::http::{json_response, query_param, HttpResult};
use platform::store::banners;
use platform::App;

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let id = match query_param(&req, "bannerId") {
        Some(id) => banners::checked_id(&id)?,
        None => banners::DEFAULT_BANNER.to_owned(),
    };
    let banner = banners::get(app, &id).await?;
    // Computed from the same rules the pull engine applies (README "Pity").
    let body = banner.published_odds();
    json_response(200, &body)
}
