//! `GET /gacha/banners`: the banners a player can pull on now and those announced, each with
//! its schedule, cost, published odds (base and consolidated), pity rules and items, read from
//! the same records the pull engine draws with. Ended banners are left out.

use lambda_http::Request;
use platform::domain::gacha::BannerStatus;
use platform::http::{json_response, HttpResult};
use platform::store::banners;
use platform::{clock, App};
use serde_json::json;

pub async fn handle(_req: Request, app: &App) -> HttpResult {
    let now = clock::now();
    let mut listed: Vec<_> = banners::list(app)
        .await?
        .into_iter()
        .map(|banner| (banner.status(now), banner))
        .filter(|(status, _)| *status != BannerStatus::Ended)
        .collect();
    // Open banners first (permanent ones before those that end), then by when they open.
    listed.sort_by_key(|(status, b)| {
        (*status != BannerStatus::Active, b.starts_at, b.ends_at.is_some(), b.banner_id.clone())
    });
    let banners: Vec<_> = listed.iter().map(|(_, banner)| banner.listing(now)).collect();
    json_response(200, &json!({ "banners": banners, "serverTime": clock::format(now) }))
}
