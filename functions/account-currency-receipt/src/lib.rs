//! `GET /account/currency-purchases/{chargeId}/receipt`: the receipt of one of the caller's gem
//! purchases (the `chargeId` of `POST /account/buy-currency`, also the reference of its ledger
//! entry): the gems, the price region and currency, the total with the country's VAT, GST or
//! sales tax within it, the net, and the store as seller. Someone else's charge is not found.

use lambda_http::Request;
use platform::http::{json_response, path_param, HttpResult};
use platform::store::idempotency;
use platform::{ApiError, App};

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let player = app.authenticate(&req).await?;
    let charge_id = path_param(&req, "chargeId")?;
    let well_formed = charge_id.len() <= 64 && charge_id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if !well_formed {
        return Err(ApiError::validation("chargeId", "a charge id is up to 64 letters, digits and underscores"));
    }
    match idempotency::charge_receipt(app, &charge_id).await? {
        Some((owner, receipt)) if owner == player.user_id => json_response(200, &receipt),
        _ => Err(ApiError::NotFound { code: "unknown_purchase", what: format!("gem purchase {charge_id}") }),
    }
}
