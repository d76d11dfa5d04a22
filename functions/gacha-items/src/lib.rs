//! `GET /gacha/items?bannerId=`: every item of one banner, or every item that can drop now (the
//! items of every open banner).

use lambda_http::Request;
use platform::domain::gacha::BannerStatus;
use platform::http::{json_response, query_param, HttpResult};
use platform::store::banners;
use platform::App;
use serde_json::json;

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let banners = match query_param(&req, "bannerId") {
        Some(id) => vec![banners::get(app, &banners::checked_id(&id)?).await?],
        None => {
            let now = platform::clock::now();
            banners::list(app).await?.into_iter().filter(|b| b.status(now) == BannerStatus::Active).collect()
        }
    };
    let items: Vec<_> = banners
        .iter()
        .flat_map(|b| {
            b.items.iter().map(move |item| {
                let mut value = json!(item);
                value["bannerId"] = json!(b.banner_id);
                value
            })
        })
        .collect();
    json_response(200, &json!({ "items": items }))
}
