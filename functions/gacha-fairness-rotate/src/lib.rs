//! `POST /gacha/fairness/rotate`: reveals the caller's server seed (so every pull made with it
//! can be recomputed) and promotes the next one, committed to before the client chose the client
//! seed it now gets (or a random one). The
//! reveal and the new seed are one transaction conditioned on the seed's nonce: a pull that
//! drew with the old seed either committed before or draws again with the new one.

use lambda_http::Request;
use platform::domain::fairness::valid_client_seed;
use platform::http::{json_body, json_response, HttpResult};
use platform::store::fairness;
use platform::{ApiError, App};
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct RotateRequest {
    client_seed: Option<String>,
}

/// Rotations lost to concurrent pulls before giving up with 503.
const ATTEMPTS: u32 = 20;

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let player = app.authenticate(&req).await?;
    let body: RotateRequest = json_body(&req)?;
    if body.client_seed.as_deref().is_some_and(|seed| !valid_client_seed(seed)) {
        return Err(ApiError::validation(
            "clientSeed",
            "clientSeed is 1-64 printable ASCII characters without spaces or colons",
        ));
    }
    for _ in 0..ATTEMPTS {
        let seen = fairness::active(app, &player.user_id).await?;
        if let Some((revealed, next)) = fairness::rotate(app, &player.user_id, &seen, body.client_seed.clone()).await? {
            return json_response(
                200,
                &json!({
                    "revealed": revealed,
                    "active": next.public(),
                }),
            );
        }
    }
    Err(ApiError::Unavailable("pulls kept moving the seed during this request".into()))
}
