//! `POST /developer/games/{gameId}/sales`: a game's developer (or an admin) schedules a sale:
//! `{percent, startsAt?, endsAt}`, 5-100 % off (100 %: a free-game promotion, claimed once per
//! player while it runs), at most 60 days, starting now if `startsAt` is left out. Sales may
//! overlap (the deepest running one applies). A sale that starts at once is announced at once
//! (`GameDiscounted`: the game's wishlisters hear of it); later ones by `sales-announce`. Answers
//! the sale, the game's sales on record and its price now.

use lambda_http::Request;
use platform::domain::pricing::{self, Sale};
use platform::http::{game_id_param, json_body, json_response, time_field, HttpResult};
use platform::store::catalog;
use platform::{flows, App};
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct NewSale {
    percent: u8,
    starts_at: Option<String>,
    ends_at: String,
}

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let player = app.authenticate(&req).await?;
    let game_id = game_id_param(&req, "gameId")?;
    let body: NewSale = json_body(&req)?;
    let now = platform::clock::now_secs();
    let starts_at = body.starts_at.as_deref().map_or(Ok(now), |raw| time_field("startsAt", raw))?;
    let ends_at = time_field("endsAt", &body.ends_at)?;
    pricing::check_sale(body.percent, starts_at, ends_at, now)?;
    let game = catalog::game(app, game_id).await?;
    flows::roles::may_manage(app, &player, &game).await?;
    let sale = Sale {
        sale_id: platform::store::new_id(),
        percent: body.percent,
        starts_at,
        ends_at,
        by: player.user_id,
        announced: false,
    };
    let sales = flows::sales::schedule(app, &game, sale.clone(), now).await?;
    let view = |s: &Sale| {
        json!({
            "saleId": s.sale_id,
            "percent": s.percent,
            "startsAt": platform::clock::rfc3339(s.starts_at),
            "endsAt": platform::clock::rfc3339(s.ends_at),
        })
    };
    json_response(
        201,
        &json!({
            "gameId": game_id,
            "sale": view(&sale),
            "sales": sales.iter().map(view).collect::<Vec<_>>(),
            "price": pricing::shown(game.price_gems, &sales, platform::clock::now_secs()),
        }),
    )
}
