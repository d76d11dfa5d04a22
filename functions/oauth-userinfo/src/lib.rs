//! `GET /oauth/userinfo`: OpenID Connect's UserInfo endpoint (Core section 5.3). With an app's
//! access token carrying `openid`: the player's id (`sub`) and, with `profile`, the profile claims
//! they released to the app.

use lambda_http::Request;
use platform::flows::app_grants;
use platform::http::{json_response, HttpResult};
use platform::App;
use serde_json::json;

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let grant = app.authenticate_app(&req).await?;
    grant.require("openid")?;
    let mut body = json!({ "sub": grant.user_id });
    if grant.require("profile").is_ok() {
        for (name, value) in app_grants::profile_claims(app, &grant.user_id).await? {
            body[name] = value;
        }
    }
    json_response(200, &body)
}
