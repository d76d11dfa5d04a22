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
    /// From the function's environment: the template's sender and the app's address (`APP_URL`).
    pub async fn from_env() -> Courier {
        Courier { mail: Mailer::single_attempt_from_env().await, app_url: std::env::var("APP_URL").unwrap_or_default() }
    }
}

/// The channels a player chose for `kind`; an erased or unknown player has no choices and no
/// address: the defaults, in the app only.
pub fn chosen(addressee: Option<&Addressee>, kind: &str) -> channels::Channels {
    match addressee {
        Some(addressee) => addressee.channels(kind),
        None => channels::Channels { email: false, ..channels::channels(kind, |_| None) },
    }
}

/// Stores the in-app notification of the event `detail` (of type `kind`) titled `title`, if the
/// player has that channel on (for the caller to push to open sockets).
pub async fn in_app(
    app: &App,
    user_id: &str,
    addressee: Option<&Addressee>,
    kind: &str,
    detail: &Value,
    title: &str,
) -> Result<Option<Stored>, ApiError> {
    match chosen(addressee, kind).in_app {
        true => Ok(Some(notifications::store_for(app, user_id, kind, detail, title).await?)),
        false => Ok(None),
    }
}

/// Mails the notification, if the player has that channel on and a verified address.
pub async fn by_email(
    app: &App,
    courier: &Courier,
    user_id: &str,
    addressee: Option<&Addressee>,
    kind: &str,
    detail: &Value,
    title: &str,
) -> Result<(), ApiError> {
    match addressee {
        Some(addressee) if chosen(Some(addressee), kind).email => {
            email_once(app, courier, user_id, addressee, kind, detail, title).await
        }
        _ => Ok(()),
    }
}

/// Mails the notification to the player's verified address (none: nothing to do) unless its
/// delivery was sent already. A failure is recorded and returned, so the event is delivered again
/// and the mail retried; a mail SES rejected for good is recorded and not retried; an attempt in
/// flight elsewhere is returned as an error, to look again after it.
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
        Claim::Done => return Ok(()),
        Claim::InFlight => {
            return Err(ApiError::Unavailable(format!("email {delivery} is being sent by another delivery")))
        }
        Claim::Claimed => {}
    }
    let (subject, text) = channels::email(kind, title, &addressee.username, &courier.app_url);
    match courier.mail.send(to, &subject, text).await {
        Ok(message_id) => {
            // Sent: failing the event now would only send it again after the lease.
            if let Err(error) = deliveries::mark_sent(app, user_id, &delivery, &message_id).await {
                tracing::error!(?error, %delivery, "an email was sent but not marked sent");
            }
            Ok(())
        }
        Err(error) => {
            let permanent = error.code() == crate::mail::REJECTED;
            tracing::warn!(?error, %delivery, permanent, "email notification failed");
            deliveries::mark_failed(app, user_id, &delivery, error.code(), permanent).await?;
            if permanent {
                Ok(())
            } else {
                Err(error)
            }
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
