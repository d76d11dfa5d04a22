//! `POST /developer/games/{gameId}/keys/{batchId}/revoke`: the batch's unredeemed keys stop
//! redeeming (`422 key_revoked`); keys redeemed before stay redeemed. Revoking twice is the same
//! as once. Answers the batch.

use lambda_http::Request;
use platform::http::{game_id_param, json_response, path_param, HttpResult};
use platform::store::{catalog, checked_id, keys};
use platform::{flows, ApiError, App};

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let player = app.authenticate(&req).await?;
    let game_id = game_id_param(&req, "gameId")?;
    let batch_id = checked_id("batchId", &path_param(&req, "batchId")?)?;
    let game = catalog::game(app, game_id).await?;
    flows::roles::may_manage(app, &player, &game).await?;
    let unknown =
        || ApiError::NotFound { code: "unknown_batch", what: format!("key batch {batch_id} of game {game_id}") };
    let mut batch = keys::batch(app, &batch_id).await?.filter(|b| b.game_id == game_id).ok_or_else(unknown)?;
    if batch.revoked_at.is_none() {
        let at = platform::clock::now_rfc3339();
        // Revoked meanwhile by another request: answer with its time.
        batch = match keys::revoke(app, &batch_id, &at).await? {
            true => keys::Batch { revoked_at: Some(at), ..batch },
            false => keys::batch(app, &batch_id).await?.ok_or_else(unknown)?,
        };
    }
    json_response(200, &batch)
}
