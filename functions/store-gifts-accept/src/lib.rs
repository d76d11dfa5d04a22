//! `POST /store/gifts/{giftId}/accept`: the game enters the caller's library (with an order of price 0,
//! source `gift`), once: asking again answers the same. A game the caller bought meanwhile is
//! `409 already_owned` (decline it instead, and the buyer is refunded).
//! Only the gift's recipient may answer it; anyone else's gift answers 404.

use lambda_http::Request;
use platform::http::{json_response, path_param, HttpResult};
use platform::store::checked_id;
use platform::{flows, App};

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let player = app.authenticate(&req).await?;
    let gift_id = checked_id("giftId", &path_param(&req, "giftId")?)?;
    let answer = flows::gifts::accept(app, &player.user_id, &gift_id).await?;
    json_response(200, &answer)
}
