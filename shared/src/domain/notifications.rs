//! Notification channels: per player and per kind of notification, in-app and email on or off.
//! A player's choices are flat attributes of their users item (`notify:<kind>:<channel>`), so one
//! update sets any of them without reading, and the consumer reads them with the address it mails.
//! Email goes only to a verified address, rendered from `shared/templates/notification-email.txt`.

use crate::error::ApiError;
use serde::Serialize;

/// A kind of notification a player can be told of (an event's detail-type).
#[derive(Debug, Clone, Copy)]
pub struct Kind {
    pub name: &'static str,
    /// What the player is told about, as the settings and the email footer name it.
    pub about: &'static str,
    /// Email is on until the player turns it off (money and gifts, as stores mail receipts);
    /// mass mail (sale alerts) and chatty kinds wait for the player to ask.
    pub email_by_default: bool,
}

pub const KINDS: [Kind; 13] = [
    Kind { name: "CurrencyPurchased", about: "gems you buy", email_by_default: true },
    Kind { name: "PullCompleted", about: "your pulls", email_by_default: false },
    Kind { name: "GamePurchased", about: "games added to your library", email_by_default: true },
    Kind { name: "GameRefunded", about: "refunds", email_by_default: true },
    Kind { name: "GameDiscounted", about: "sales on your wishlist", email_by_default: false },
    Kind { name: "GiftPurchased", about: "gifts you buy", email_by_default: true },
    Kind { name: "GiftSent", about: "gifts for you", email_by_default: true },
    Kind { name: "GiftAccepted", about: "gifts your friends accept", email_by_default: true },
    Kind { name: "GiftDeclined", about: "gifts your friends decline", email_by_default: true },
    Kind { name: "GiftExpired", about: "gifts left unanswered", email_by_default: true },
    Kind { name: "MessageSent", about: "new messages", email_by_default: false },
    Kind { name: "FriendRequestSent", about: "friend requests", email_by_default: false },
    Kind { name: "FriendRequestAccepted", about: "accepted friend requests", email_by_default: false },
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    InApp,
    Email,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::InApp => "inApp",
            Channel::Email => "email",
        }
    }
}

/// Whether a kind of notification reaches the player in the app and by email.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Channels {
    pub in_app: bool,
    pub email: bool,
}

pub fn kind(name: &str) -> Option<&'static Kind> {
    KINDS.iter().find(|k| k.name == name)
}

/// The users-item attribute holding a player's choice for one kind and channel.
pub fn attribute(kind: &str, channel: Channel) -> String {
    format!("notify:{kind}:{}", channel.as_str())
}

/// The channels of `kind` for a player whose stored choices `stored` returns (by attribute); a
/// choice never made is the kind's default.
pub fn channels(kind_name: &str, stored: impl Fn(&str) -> Option<bool>) -> Channels {
    let email_default = kind(kind_name).is_some_and(|k| k.email_by_default);
    Channels {
        in_app: stored(&attribute(kind_name, Channel::InApp)).unwrap_or(true),
        email: stored(&attribute(kind_name, Channel::Email)).unwrap_or(email_default),
    }
}

/// A checked change of one channel of one kind, from `PUT /account/notification-settings`.
pub fn checked_change(kind_name: &str, channel: &str, on: bool) -> Result<(String, bool), ApiError> {
    let field = || format!("types.{kind_name}");
    let Some(kind) = kind(kind_name) else {
        let known: Vec<&str> = KINDS.iter().map(|k| k.name).collect();
        return Err(ApiError::validation(
            field(),
            format!("unknown notification type; the types are {}", known.join(", ")),
        ));
    };
    let channel = match channel {
        "inApp" => Channel::InApp,
        "email" => Channel::Email,
        _ => return Err(ApiError::validation(format!("{}.{channel}", field()), "the channels are inApp and email")),
    };
    Ok((attribute(kind.name, channel), on))
}

/// The subject and text of the email of a notification titled `title`.
pub fn email(kind_name: &str, title: &str, username: &str, app_url: &str) -> (String, String) {
    const TEMPLATE: &str = include_str!("../../templates/notification-email.txt");
    let about = kind(kind_name).map_or("notifications", |k| k.about);
    // The title is the player-facing text of others' input (game names, usernames): filled in
    // last, so nothing in it is taken for a placeholder.
    let text = TEMPLATE
        .replace("{username}", username)
        .replace("{about}", about)
        .replace("{app_url}", app_url.trim_end_matches('/'))
        .replace("{title}", title);
    (title.to_owned(), text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unset_choices_take_each_kinds_default_and_stored_ones_win() {
        assert_eq!(channels("GiftSent", |_| None), Channels { in_app: true, email: true });
        assert_eq!(channels("MessageSent", |_| None), Channels { in_app: true, email: false });
        let off = |attr: &str| (attr == "notify:GiftSent:email").then_some(false);
        assert_eq!(channels("GiftSent", off), Channels { in_app: true, email: false });
        assert_eq!(checked_change("GiftSent", "email", false).unwrap(), ("notify:GiftSent:email".into(), false));
        assert!(checked_change("Gifts", "email", true).is_err());
        assert!(checked_change("GiftSent", "sms", true).is_err());
    }

    #[test]
    fn the_email_fills_every_placeholder_of_the_template() {
        let (subject, text) = email("GiftSent", "ann sent you a gift: Braid", "bob", "https://play.example/");
        assert_eq!(subject, "ann sent you a gift: Braid");
        assert!(text.starts_with("Hi bob,\n\nann sent you a gift: Braid.\n"), "{text}");
        assert!(text.contains("https://play.example/notifications") && text.contains("\"gifts for you\""));
        assert!(!text.contains('{'), "{text}");
    }
}
