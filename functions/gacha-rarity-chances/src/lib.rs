//! `GET /gacha/rarity-chances?bannerId=`: the published odds, read from the same banner record
//! the pull engine draws with.

use lambda_http::Request;
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
    json_response(
        200,
        &json!({
            "chances": banner.chances(),
            "bannerId": banner.banner_id,
            "costPerPull": banner.cost_per_pull,
        }),
    )
}
