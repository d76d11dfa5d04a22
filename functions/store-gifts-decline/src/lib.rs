//! `POST /store/gifts/{giftId}/decline`: the buyer gets back exactly what was paid (ledger entry
//! `gift_refund`), once: asking again answers the same.
//! Only the gift's recipient may answer it; anyone else's gift answers 404.

use lambda_http::Request;
use platform::http::{json_response, path_param, HttpResult};
use platform::store::checked_id;
use platform::{flows, App};

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let player = app.authenticate(&req).await?;
    let gift_id = checked_id("giftId", &path_param(&req, "giftId")?)?;
    let answer = flows::gifts::decline(app, &player.user_id, &gift_id).await?;
    json_response(200, &answer)
}
