//! WebSocket action `selectBanner` (seed 002's "socket connection through which a user can choose
//! a specific pool of items"): `{action: "selectBanner", bannerId}` makes the banner this
//! connection pulls from and answers `{type: "bannerSelected", banner}` with its published odds.

use lambda_http::Request;
use platform::http::HttpResult;
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
    sockets::answer(req, app, "selectBanner", "bannerSelected", |connection, frame| async move {
        let body: SelectBanner = sockets::parse(frame)?;
        let banner = banners::get(app, &banners::checked_id(&body.banner_id)?).await?;
        let now = clock::now();
        banner.ensure_open(now)?;
        if !connections::select_banner(app, &connection.connection_id, &banner.banner_id).await? {
            return Err(ApiError::Unauthorized("this connection is closed"));
        }
        let mut view = banner.published_odds();
        view["name"] = json!(banner.name);
        view["status"] = json!(banner.status(now));
        view["endsAt"] = json!(banner.ends_at.map(clock::format));
        Ok(json!({ "bannerId": banner.banner_id, "banner": view }))
    })
    .await
}
