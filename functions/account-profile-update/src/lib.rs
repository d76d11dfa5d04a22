//! `PATCH /account/profile`: sets the fields sent, clears those sent as `null`, leaves the rest.
//! Answers the whole profile as it is now.

use lambda_http::Request;
use platform::domain::profile::{self, Privacy};
use platform::flows;
use platform::http::{json_body, json_response, HttpResult};
use platform::store::accounts;
use platform::{ApiError, App};
use serde::{Deserialize, Deserializer};

/// `Some(None)` for a field sent as `null`, `None` for a field not sent.
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Changes {
    #[serde(default, deserialize_with = "present")]
    display_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    avatar_url: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    country: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    language: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    birth_date: Option<Option<String>>,
    #[serde(default)]
    privacy: Option<Privacy>,
}

type Rule = fn(&str) -> Result<String, ApiError>;

fn checked(change: Option<Option<String>>, rule: Rule) -> Result<Option<Option<String>>, ApiError> {
    change.map(|value| value.map(|v| rule(&v)).transpose()).transpose()
}

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let player = app.authenticate(&req).await?;
    let changes: Changes = json_body(&req)?;
    let today = platform::clock::today();
    let birth_date = changes.birth_date.map(|v| v.map(|d| profile::birth_date(&d, today)).transpose()).transpose()?;
    let fields = [
        ("displayName", checked(changes.display_name, profile::display_name)?),
        ("avatarUrl", checked(changes.avatar_url, profile::avatar_url)?),
        ("country", checked(changes.country, profile::country)?),
        ("language", checked(changes.language, profile::language)?),
        ("birthDate", birth_date),
        ("privacy", changes.privacy.map(|p| Some(p.as_str().to_owned()))),
    ];
    accounts::update_profile(app, &player.user_id, &fields).await?;
    json_response(200, &flows::profile::own(app, &player.user_id).await?)
}
