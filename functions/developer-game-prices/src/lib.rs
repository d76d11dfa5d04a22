//! `PUT /developer/games/{gameId}/regional-prices`: a game's developer (or an admin) sets its list
//! price in price regions, `{prices: {"BR": 450, "IN": 300}}`, replacing any set before; a region
//! left out is derived from the base price again (`{prices: {}}` clears them all). Sales apply on
//! top. A purchase priced from the old prices is refused with `409 price_changed` (the prices'
//! version moves). Answers every region's list price now.

use lambda_http::Request;
use platform::domain::regions::{self, REGIONS};
use platform::http::{game_id_param, json_body, json_response, HttpResult};
use platform::store::catalog;
use platform::{flows, App};
use serde::Deserialize;
use serde_json::json;
use std::collections::BTreeMap;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RegionalPrices {
    prices: BTreeMap<String, u64>,
}

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let player = app.authenticate(&req).await?;
    let game_id = game_id_param(&req, "gameId")?;
    let body: RegionalPrices = json_body(&req)?;
    let game = catalog::game(app, game_id).await?;
    flows::roles::may_manage(app, &player, &game).await?;
    let overrides = regions::check_overrides(game.price_gems, body.prices)?;
    let saved = flows::sales::set_regional(app, &game, overrides, platform::clock::now_secs()).await?;
    let table: Vec<_> = REGIONS
        .iter()
        .map(|region| {
            json!({
                "region": region.code,
                "name": region.name,
                "listPriceGems": saved.list_price(game.price_gems, region),
                "derivedPriceGems": regions::derived_price(game.price_gems, region),
                "overridden": saved.regional.contains_key(region.code),
            })
        })
        .collect();
    json_response(200, &json!({ "gameId": game_id, "basePriceGems": game.price_gems, "regions": table }))
}
