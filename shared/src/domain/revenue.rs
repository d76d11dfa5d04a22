//! Developer revenue share and the refund rules. Pure: no I/O.
//!
//! Every sale and refund writes a revenue line for the game's seller in the purchase's own
//! transaction. The platform's fee on a sale follows Steam's tiers on the game's lifetime
//! revenue (sales less refunds): 30 % up to 10 M, 25 % from 10 M to 50 M, 20 % above 50 M. The
//! tiers are in the platform's currency at face value (1 gem = GBP 0.01, so 10 M = 1,000,000,000
//! gems); Steam's are in dollars, and there is no exchange rate to model here.
//!
//! The boundary is handled at the margin, like income tax bands: a sale that crosses a boundary
//! pays the lower tier's rate on the part below it and the next rate on the rest, so no sale's
//! fee jumps with the last gem. A refund reverses its sale's line exactly (same gross, same fee),
//! so a refunded sale sums to zero whatever tier the game has reached since.

use crate::error::ApiError;

/// Lifetime revenue (gems) where the fee drops, and the fee in percent below, between and above.
pub const TIERS: [(u64, u64); 3] = [(1_000_000_000, 30), (5_000_000_000, 25), (u64::MAX, 20)];

/// Steam's refund rules: within 14 days of the purchase, under 2 hours played.
pub const REFUND_WINDOW_SECS: u64 = 14 * 24 * 3600;
pub const REFUND_MAX_PLAYED_MINUTES: u64 = 120;
/// Refunds a player may have in one calendar month (UTC), against abuse.
pub const REFUNDS_PER_MONTH: u32 = 5;

/// The platform's fee on a sale of `gross` gems of a game whose lifetime revenue before the sale
/// was `lifetime_before`: each part of the sale at its tier's rate, rounded half up to a gem.
pub fn platform_fee(lifetime_before: u64, gross: u64) -> u64 {
    let (mut from, end) = (lifetime_before as u128, lifetime_before as u128 + gross as u128);
    let mut hundredths: u128 = 0;
    for (upper, percent) in TIERS {
        let upper = upper as u128;
        if from >= end {
            break;
        }
        if from < upper {
            let part = end.min(upper) - from;
            hundredths += part * percent as u128;
            from += part;
        }
    }
    ((hundredths + 50) / 100) as u64
}

/// The fee in percent a game's next gem of revenue pays.
pub fn current_rate(lifetime: u64) -> u64 {
    TIERS.iter().find(|(upper, _)| lifetime < *upper).map_or(20, |(_, percent)| *percent)
}

/// Who is paid for a game: its first publisher (who sells it on Steam), else its first developer.
pub fn seller_of(developers: &[String], publishers: &[String]) -> String {
    publishers.first().or(developers.first()).cloned().unwrap_or_else(|| "unknown".into())
}

/// The key a seller's figures are stored under: studio names match case-insensitively, as
/// `apps::studio_owns` does.
pub fn seller_key(seller: &str) -> String {
    seller.trim().to_lowercase()
}

/// The calendar month (UTC) of an RFC 3339 time: `2026-11`.
pub fn month_of(rfc3339: &str) -> &str {
    rfc3339.get(..7).unwrap_or(rfc3339)
}

/// A statement's month as asked for in a path: `YYYY-MM`.
pub fn checked_month(raw: &str) -> Result<String, ApiError> {
    let b = raw.as_bytes();
    let ok = b.len() == 7
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[5..].iter().all(u8::is_ascii_digit)
        && (1..=12).contains(&raw[5..].parse::<u8>().unwrap_or(0));
    if ok {
        Ok(raw.to_owned())
    } else {
        Err(ApiError::validation("month", "a month is YYYY-MM, e.g. 2026-11"))
    }
}

/// Why an order cannot be refunded, if it cannot: checked against the order's time and the play
/// time read now (the play time is checked again atomically by the refund's transaction).
pub fn refund_refusal(ordered_at_secs: u64, now_secs: u64, played_minutes: u64) -> Option<ApiError> {
    if now_secs.saturating_sub(ordered_at_secs) >= REFUND_WINDOW_SECS {
        return Some(ApiError::Rule {
            code: "refund_window_closed",
            field: None,
            detail: "refunds are possible within 14 days of the purchase".into(),
        });
    }
    if played_minutes >= REFUND_MAX_PLAYED_MINUTES {
        return Some(played_too_long(played_minutes));
    }
    None
}

pub fn played_too_long(played_minutes: u64) -> ApiError {
    ApiError::Rule {
        code: "played_too_long",
        field: None,
        detail: format!("refunds are possible under 2 hours of play; this game was played {played_minutes} minutes"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEN_M: u64 = 1_000_000_000;
    const FIFTY_M: u64 = 5_000_000_000;

    #[test]
    fn a_sale_below_the_first_boundary_pays_thirty_percent() {
        assert_eq!(platform_fee(0, 1_999), 600, "599.7 rounds half up");
        assert_eq!(platform_fee(0, 1_000), 300);
        assert_eq!(platform_fee(TEN_M - 1_000, 1_000), 300, "ending exactly at the boundary");
        assert_eq!(platform_fee(0, 0), 0);
    }

    #[test]
    fn at_and_above_ten_million_a_sale_pays_twenty_five_percent() {
        assert_eq!(platform_fee(TEN_M, 1_000), 250, "starting exactly at the boundary");
        assert_eq!(platform_fee(TEN_M + 1, 1_000), 250);
        assert_eq!(current_rate(TEN_M - 1), 30);
        assert_eq!(current_rate(TEN_M), 25);
    }

    #[test]
    fn a_sale_across_a_boundary_pays_each_part_at_its_rate() {
        // 400 gems at 30 % (120) and 600 at 25 % (150).
        assert_eq!(platform_fee(TEN_M - 400, 1_000), 270);
        // 1 gem at 25 % and 999 at 20 %: 0.25 + 199.8 = 200.05, rounded to 200.
        assert_eq!(platform_fee(FIFTY_M - 1, 1_000), 200);
        // One sale over both boundaries: 1,000 at 30 %, 4 G at 25 %, 1,000 at 20 %.
        assert_eq!(platform_fee(TEN_M - 1_000, FIFTY_M - TEN_M + 2_000), 300 + 1_000_000_000 + 200);
    }

    #[test]
    fn at_and_above_fifty_million_a_sale_pays_twenty_percent() {
        assert_eq!(platform_fee(FIFTY_M, 1_000), 200);
        assert_eq!(platform_fee(FIFTY_M * 10, 1_999), 400, "399.8 rounds up");
        assert_eq!(current_rate(FIFTY_M - 1), 25);
        assert_eq!(current_rate(FIFTY_M), 20);
        assert_eq!(platform_fee(u64::MAX - 10, 10), 2, "no overflow at the top");
    }

    #[test]
    fn the_seller_is_the_first_publisher_else_the_first_developer() {
        assert_eq!(seller_of(&["Valve".into()], &["Valve Corp".into(), "X".into()]), "Valve Corp");
        assert_eq!(seller_of(&["Arkane".into()], &[]), "Arkane");
        assert_eq!(seller_of(&[], &[]), "unknown");
        assert_eq!(seller_key(" Valve "), "valve");
    }

    #[test]
    fn refunds_are_open_for_under_fourteen_days_and_under_two_hours() {
        let day = 24 * 3600;
        let bought = 1_000_000;
        let at = |secs: u64| bought + secs;
        assert!(refund_refusal(bought, at(13 * day + 23 * 3600), 119).is_none());
        let code = |e: Option<ApiError>| e.map(|e| e.code());
        assert_eq!(code(refund_refusal(bought, at(14 * day), 0)), Some("refund_window_closed"));
        assert_eq!(code(refund_refusal(bought, at(14 * day + 60), 0)), Some("refund_window_closed"));
        assert_eq!(code(refund_refusal(bought, at(60), 120)), Some("played_too_long"));
        assert_eq!(code(refund_refusal(bought, at(60), 121)), Some("played_too_long"));
    }

    #[test]
    fn months_are_checked_and_taken_from_times() {
        assert_eq!(month_of("2026-11-25T18:00:00Z"), "2026-11");
        assert_eq!(checked_month("2026-11").unwrap(), "2026-11");
        for bad in ["2026-13", "2026-00", "2026-1", "26-11-01", "2026/11", "abcd-ef"] {
            assert!(checked_month(bad).is_err(), "{bad}");
        }
    }
}
