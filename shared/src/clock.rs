//! Wall-clock helpers: epoch seconds for TTLs and tokens, RFC 3339 for what clients read.

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

pub fn now_secs() -> u64 {
    OffsetDateTime::now_utc().unix_timestamp().max(0) as u64
}

pub fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

pub fn now_rfc3339() -> String {
    format(now())
}

/// A time as RFC 3339.
pub fn format(at: OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_default()
}

/// An epoch second as RFC 3339.
pub fn rfc3339(epoch_secs: u64) -> String {
    OffsetDateTime::from_unix_timestamp(epoch_secs as i64)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_default()
}

/// Today's date, UTC.
pub fn today() -> time::Date {
    OffsetDateTime::now_utc().date()
}
