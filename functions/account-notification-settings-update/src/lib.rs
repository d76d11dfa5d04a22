//! `PUT /account/notification-settings`: turns channels on or off, `{types: {<type>: {inApp?,
//! email?}}}`; types and channels left out keep their setting. One update, no read before it;
//! answers the settings as `GET` does.

use lambda_http::Request;
use platform::domain::notifications::checked_change;
use platform::flows::notify;
use platform::http::{json_body, json_response, HttpResult};
use platform::store::accounts;
use platform::App;
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Settings {
    types: BTreeMap<String, BTreeMap<String, bool>>,
}

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let player = app.authenticate(&req).await?;
    let body: Settings = json_body(&req)?;
    let changes = body
        .types
        .iter()
        .flat_map(|(kind, channels)| channels.iter().map(move |(channel, on)| checked_change(kind, channel, *on)))
        .collect::<Result<Vec<_>, _>>()?;
    let me = accounts::set_channels(app, &player.user_id, &changes).await?;
    json_response(200, &notify::settings(&me))
}
