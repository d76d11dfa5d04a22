//! `GET /developer/revenue`: the calling developer's lifetime figures per game of their studios
//! (units sold and refunded, gross, refunds, platform fees, net) with the fee rate the game's
//! next sale pays, and the totals. Read from the aggregate `revenue-aggregate` keeps, which
//! trails the sales by the stream's delay (seconds).

use lambda_http::Request;
use platform::domain::revenue::current_rate;
use platform::http::{json_response, HttpResult};
use platform::store::revenue::{studios_figures, Amounts};
use platform::{flows, App};
use serde_json::json;

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let developer = app.authenticate(&req).await?;
    let studios = flows::roles::developer_studios(app, &developer).await?;
    let figures = studios_figures(app, &studios, None).await?;
    let games: Vec<_> = figures
        .iter()
        .map(|f| {
            let lifetime = (f.amounts.gross_gems - f.amounts.refunded_gems).max(0) as u64;
            let mut game = json!(f);
            game["feePercentNow"] = json!(current_rate(lifetime));
            game
        })
        .collect();
    json_response(200, &json!({ "studios": studios, "games": games, "totals": Amounts::total(&figures) }))
}
