//! `GET /developer/revenue/statements/{month}`: the calling developer's statement for one
//! calendar month (UTC, `YYYY-MM`): per game of their studios the units, gross, refunds, fees and
//! net of that month's sales and refunds (a refund counts in the month it happened), and the
//! totals.

use lambda_http::Request;
use platform::domain::revenue::checked_month;
use platform::http::{json_response, path_param, HttpResult};
use platform::store::revenue::{studios_figures, Amounts};
use platform::{flows, App};
use serde_json::json;

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let developer = app.authenticate(&req).await?;
    let month = checked_month(&path_param(&req, "month")?)?;
    let studios = flows::roles::developer_studios(app, &developer).await?;
    let games = studios_figures(app, &studios, Some(&month)).await?;
    let totals = Amounts::total(&games);
    json_response(200, &json!({ "month": month, "studios": studios, "games": games, "totals": totals }))
}
