//! `POST /store/gifts`: buys a game for a friend, `{gameId, friendId, message?}`, at the price the
//! buyer sees in their region, in one money-flow transaction (see `flows::gifts`). Refused for a
//! player who is not a friend, who owns the game or already has it waiting as a gift, and for
//! free games. The friend accepts or declines it; a decline gives the buyer every gem back. An
//! optional Idempotency-Key replays the first answer.

use lambda_http::Request;
use platform::http::{idempotency_key, json_body, json_response, HttpResult};
use platform::store::chat::checked_user_id;
use platform::{flows, App};
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct GiftRequest {
    game_id: u32,
    friend_id: String,
    message: Option<String>,
}

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let player = app.authenticate(&req).await?;
    let key = idempotency_key(&req)?;
    let body: GiftRequest = json_body(&req)?;
    let friend_id = checked_user_id("friendId", &body.friend_id)?;
    let message = flows::gifts::checked_message(body.message.as_deref())?;
    let answer = flows::gifts::send(app, &player.user_id, key.as_deref(), &friend_id, body.game_id, message).await?;
    json_response(201, &answer)
}
