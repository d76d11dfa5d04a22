//! WebSocket action `selectBanner` (seed 002's "socket connection through which a user can choose
//! a specific pool of items"): `{action: "selectBanner", bannerId}` makes the banner this
//! connection pulls from and answers `{type: "bannerSelected", banner}` with its published odds.

use lambda_http::Request;
use platform::http::{json_body, HttpResult};
use platform::store::{banners, connections};
use platform::{clock, sockets, ApiError, App};
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct SelectBanner {
    #[allow(dead_code)]
    action: String,
    banner_id: String,
}

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let req = &req;
    sockets::answer(req, app, "selectBanner", "bannerSelected", |connection| async move {
        let body: SelectBanner = json_body(req)?;
        let banner = banners::get(app, &banners::checked_id(&body.banner_id)?).await?;
        let now = clock::now();
        banner.ensure_open(now)?;
        if !connections::select_banner(app, &connection.connection_id, &banner.banner_id).await? {
            return Err(ApiError::Unauthorized("this connection is closed"));
        }
        Ok(json!({ "bannerId": banner.banner_id, "banner": banner.listing(now) }))
    })
    .await
}
