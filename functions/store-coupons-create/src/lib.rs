//! `POST /store/coupons`: creates a coupon: `{code, kind: percent|fixed, value, minSpendGems?,
//! startsAt?, endsAt, gameIds?, genres?, maxUses}`. Admins may restrict it to any games or genres
//! or to none; a developer's coupon names games of their studios only. Each player uses a coupon
//! once; `maxUses` caps all uses, enforced in the checkout's transaction.

use lambda_http::Request;
use platform::domain::checkout::{check_coupon, checked_code, Coupon, CouponKind};
use platform::domain::roles::Role;
use platform::http::{json_body, json_response, time_field, HttpResult};
use platform::store::{catalog, coupons};
use platform::{flows, ApiError, App};
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct NewCoupon {
    code: String,
    kind: CouponKind,
    value: u64,
    #[serde(default)]
    min_spend_gems: u64,
    starts_at: Option<String>,
    ends_at: String,
    #[serde(default)]
    game_ids: Vec<u32>,
    #[serde(default)]
    genres: Vec<String>,
    max_uses: u64,
}

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let player = app.authenticate(&req).await?;
    let body: NewCoupon = json_body(&req)?;
    let now = platform::clock::now_secs();
    let coupon = Coupon {
        code: checked_code(&body.code)
            .map_err(|_| ApiError::validation("code", "a code is 4-32 letters, digits or -"))?,
        kind: body.kind,
        value: body.value,
        min_spend_gems: body.min_spend_gems,
        starts_at: body.starts_at.as_deref().map_or(Ok(now), |raw| time_field("startsAt", raw))?,
        ends_at: time_field("endsAt", &body.ends_at)?,
        game_ids: body.game_ids,
        genres: body.genres.iter().map(|g| g.trim().to_owned()).filter(|g| !g.is_empty()).collect(),
        max_uses: body.max_uses,
        created_by: player.user_id.clone(),
    };
    check_coupon(&coupon, now)?;
    // An admin prices anything; a developer only their studios' games, by id.
    if flows::roles::require(app, &player, Role::Admin).await.is_err() {
        let studios = flows::roles::developer_studios(app, &player).await?;
        if coupon.game_ids.is_empty() || !coupon.genres.is_empty() {
            return Err(ApiError::Forbidden("a developer's coupon names games of their studios by id"));
        }
        for &game_id in &coupon.game_ids {
            let game = catalog::game(app, game_id).await?;
            if !platform::domain::apps::studio_owns(&studios, &game.developers, &game.publishers) {
                return Err(ApiError::Forbidden("a developer's coupon names games of their studios only"));
            }
        }
    }
    if !coupons::create(app, &coupon).await? {
        return Err(ApiError::Conflict { code: "coupon_code_taken", detail: format!("coupon {} exists", coupon.code) });
    }
    json_response(
        201,
        &json!({
            "code": coupon.code,
            "kind": coupon.kind,
            "value": coupon.value,
            "minSpendGems": coupon.min_spend_gems,
            "startsAt": platform::clock::rfc3339(coupon.starts_at),
            "endsAt": platform::clock::rfc3339(coupon.ends_at),
            "gameIds": coupon.game_ids,
            "genres": coupon.genres,
            "maxUses": coupon.max_uses,
            "uses": 0,
        }),
    )
}
