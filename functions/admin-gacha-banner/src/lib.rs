//! `PUT /admin/gacha/banners/{bannerId}`: an admin creates a banner or changes its schedule. The
//! body is the banner as `infra/data/banners.json` writes it (the id comes from the path). Once a
//! banner has opened only its name and schedule may change (`store::banners::schedule`).

use lambda_http::Request;
use platform::domain::gacha::Banner;
use platform::domain::roles::Role;
use platform::http::{json_body, json_response, path_param, HttpResult};
use platform::store::banners::{self, Scheduled};
use platform::{clock, flows, ApiError, App};
use serde_json::json;

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let admin = app.authenticate(&req).await?;
    flows::roles::require(app, &admin, Role::Admin).await?;
    let banner_id = banners::checked_id(&path_param(&req, "bannerId")?)?;
    let mut banner: Banner = json_body(&req)?;
    if !banner.banner_id.is_empty() && banner.banner_id != banner_id {
        return Err(ApiError::validation("bannerId", "the body's bannerId differs from the path's"));
    }
    banner.banner_id = banner_id;
    let now = clock::now();
    let done = banners::schedule(app, &banner, now).await?;
    let mut body = banner.published_odds();
    body["status"] = json!(banner.status(now));
    body["created"] = json!(done == Scheduled::Created);
    json_response(if done == Scheduled::Created { 201 } else { 200 }, &body)
}
