//! Telling a player of an event on the channels they chose (`domain::notifications`): in the app
//! (the Notifications table, keyed by the event's id, so a redelivered event adds nothing) and by
//! email to a verified address, once per event (a claimed, tracked delivery: `store::deliveries`).

use crate::app::App;
use crate::domain::notifications as channels;
use crate::error::ApiError;
use crate::mail::Mailer;
use crate::store::accounts::Addressee;
use crate::store::deliveries::{self, Claim};
use crate::store::notifications::{self, Stored};
use serde_json::{json, Map, Value};

pub const EMAIL: &str = "email";

/// What a consumer tells players with: the mailer, and the address of the app the mail links to.
pub struct Courier {
    pub mail: Mailer,
    pub app_url: String,
}

impl Courier {
    /// From the function's environment: the template's sender and the platform's issuer URL.
    pub async fn from_env() -> Courier {
        Courier { mail: Mailer::from_env().await, app_url: std::env::var("JWT_ISSUER").unwrap_or_default() }
    }
}

/// Tells `user_id` of the event `detail` (of type `kind`) titled `title`; returns the in-app
/// notification, if that channel is on (for the caller to push to open sockets).
pub async fn tell(
    app: &App,
    courier: &Courier,
    user_id: &str,
    addressee: Option<&Addressee>,
    kind: &str,
    detail: &Value,
    title: &str,
) -> Result<Option<Stored>, ApiError> {
    // An erased or unknown player has no choices and no address: the defaults, in the app only.
    let chosen = addressee.map_or_else(|| channels::channels(kind, |_| None), |a| a.channels(kind));
    let stored = match chosen.in_app {
        true => Some(notifications::store_for(app, user_id, kind, detail, title).await?),
        false => None,
    };
    if let Some(addressee) = addressee.filter(|_| chosen.email) {
        email_once(app, courier, user_id, addressee, kind, detail, title).await?;
    }
    Ok(stored)
}

/// Mails the notification to the player's verified address (none: nothing to do) unless its
/// delivery was sent already. A failure is recorded and
/// returned, so the event is delivered again and the mail retried; an attempt in flight elsewhere
/// is also returned as an error, to look again after it.
async fn email_once(
    app: &App,
    courier: &Courier,
    user_id: &str,
    addressee: &Addressee,
    kind: &str,
    detail: &Value,
    title: &str,
) -> Result<(), ApiError> {
    let Some(to) = addressee.verified_email() else { return Ok(()) };
    let event_id = detail["eventId"].as_str().ok_or_else(|| ApiError::internal("event has no eventId"))?;
    let delivery = deliveries::delivery_id(event_id, EMAIL);
    match deliveries::claim(app, user_id, &delivery, kind, EMAIL).await? {
        Claim::Sent => return Ok(()),
        Claim::InFlight => {
            return Err(ApiError::Unavailable(format!("email {delivery} is being sent by another delivery")))
        }
        Claim::Claimed => {}
    }
    let (subject, text) = channels::email(kind, title, &addressee.username, &courier.app_url);
    match courier.mail.send(to, &subject, text).await {
        Ok(message_id) => deliveries::mark_sent(app, user_id, &delivery, &message_id).await,
        Err(error) => {
            tracing::warn!(?error, %delivery, "email notification failed; the event's next delivery retries it");
            deliveries::mark_failed(app, user_id, &delivery, &error.to_string()).await?;
            Err(error)
        }
    }
}

/// A player's channel settings, as `GET` and `PUT /account/notification-settings` answer them.
pub fn settings(me: &Addressee) -> Value {
    let types: Map<String, Value> = channels::KINDS
        .iter()
        .map(|kind| {
            let chosen = me.channels(kind.name);
            (kind.name.to_owned(), json!({ "about": kind.about, "inApp": chosen.in_app, "email": chosen.email }))
        })
        .collect();
    json!({ "email": me.profile.email, "emailVerified": me.profile.email_verified, "types": types })
}
