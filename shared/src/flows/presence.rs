//! Presence changes and their pushes: when a player comes online, goes offline or changes status,
//! each friend allowed to see it gets a `presence` frame on every open socket. Pushes are best
//! effort; `GET /friends` always reads the stored presence.

use crate::app::App;
use crate::domain::friends::may_see;
use crate::domain::presence::{Record, Status, View};
use crate::error::ApiError;
use crate::store::{accounts, connections, friends, presence};
use futures::StreamExt;
use serde_json::{json, Value};

/// Friends whose connections are looked up at once when a presence change is pushed.
const LOOKUPS_AT_ONCE: usize = 16;

/// The `presence` frame for a player's view.
pub fn frame(user_id: &str, view: &View) -> Value {
    json!({ "type": "presence", "userId": user_id, "presence": view })
}

/// Pushes `user_id`'s presence to their friends' sockets (unless the player is private); how
/// many sockets got it.
pub async fn announce(app: &App, user_id: &str, record: Option<&Record>) -> Result<usize, ApiError> {
    let privacy = accounts::profile(app, user_id).await?.map(|(_, p)| p.privacy).unwrap_or_default();
    if !may_see(privacy, false, true) {
        return Ok(0);
    }
    let frame = frame(user_id, &View::of(record, crate::clock::now_secs()));
    let friends = friends::all_friends(app, user_id).await?;
    let frame = &frame;
    let delivered = futures::stream::iter(friends)
        .map(|friend| async move {
            match connections::of_player(app, &friend).await {
                Ok(listening) => crate::sockets::push_each(app, &listening, frame).await,
                Err(error) => {
                    tracing::warn!(?error, %friend, "presence push skipped");
                    0
                }
            }
        })
        .buffer_unordered(LOOKUPS_AT_ONCE)
        .fold(0, |sum, n| async move { sum + n })
        .await;
    Ok(delivered)
}

/// A socket opened: the player is online; friends hear of it if they were offline before (best
/// effort: a failed push must not refuse the connection, whose device is recorded already).
pub async fn connected(app: &App, user_id: &str, connection_id: &str) -> Result<(), ApiError> {
    if presence::connected(app, user_id, connection_id).await? {
        announce_stored(app, user_id).await;
    }
    Ok(())
}

/// A socket closed or was found gone: friends hear of it if that was the player's last one.
pub async fn disconnected(app: &App, user_id: &str, connection_id: &str) -> Result<(), ApiError> {
    if presence::disconnected(app, user_id, connection_id).await? {
        announce_stored(app, user_id).await;
    }
    Ok(())
}

async fn announce_stored(app: &App, user_id: &str) {
    let announced = async { announce(app, user_id, presence::get(app, user_id).await?.as_ref()).await };
    if let Err(error) = announced.await {
        tracing::warn!(?error, "presence push failed; the presence is stored");
    }
}

/// The player set a status (`inGame` only for a game in their library); friends hear of it.
pub async fn set(app: &App, user_id: &str, status: Status, game_id: Option<u32>) -> Result<View, ApiError> {
    if let Some(game_id) = game_id {
        crate::store::orders::ensure_owned(app, user_id, game_id).await?;
    }
    let record = presence::set_status(app, user_id, status, game_id).await?;
    if let Err(error) = announce(app, user_id, Some(&record)).await {
        tracing::warn!(?error, "presence push failed; the status is stored");
    }
    Ok(View::of(Some(&record), crate::clock::now_secs()))
}
