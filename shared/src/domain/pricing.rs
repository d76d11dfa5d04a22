//! What a game costs at a given moment: its list price (the catalog's), less the deepest sale
//! running then; and, while a sale runs, the lowest price of the 30 days before it started (the
//! EU price indication rule: a shop announcing a discount shows the prior 30 days' lowest). Pure:
//! the price at any moment follows from the list price and the sales, so it is computed, never
//! stored, and "after the sale ends" needs no job to flip anything.

use crate::error::ApiError;
use serde::{Deserialize, Serialize};

pub const MIN_PERCENT: u8 = 5;
/// A 100 % sale is a free-game promotion: the game is claimed, once per player, while it runs.
pub const MAX_PERCENT: u8 = 100;
/// The longest sale, and how far ahead one may be scheduled.
pub const MAX_SALE_SECS: u64 = 60 * 24 * 3600;
pub const MAX_LEAD_SECS: u64 = 365 * 24 * 3600;
/// Sales a game keeps on record (running, scheduled, and ended within `HISTORY_SECS`).
pub const MAX_SALES: usize = 20;
/// How long an ended sale is kept: past the 30 days the lowest-price rule looks back.
pub const HISTORY_SECS: u64 = 60 * 24 * 3600;
pub const LOOKBACK_SECS: u64 = 30 * 24 * 3600;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Sale {
    pub sale_id: String,
    pub percent: u8,
    /// Epoch seconds; the sale runs in `[starts_at, ends_at)`.
    pub starts_at: u64,
    pub ends_at: u64,
    /// Who scheduled it (a developer of the game's studio, or an admin).
    pub by: String,
    /// Its start was announced (`GameDiscounted`, which alerts the game's wishlisters).
    #[serde(default)]
    pub announced: bool,
}

impl Sale {
    fn runs_at(&self, at: u64) -> bool {
        self.starts_at <= at && at < self.ends_at
    }

    /// Started, still running and not announced yet.
    pub fn due_for_announcement(&self, now: u64) -> bool {
        !self.announced && self.runs_at(now)
    }
}

/// A new sale's percent and window, checked: 5-100 %, ending after it starts and after `now`, at
/// most 60 days long, starting within a year.
pub fn check_sale(percent: u8, starts_at: u64, ends_at: u64, now: u64) -> Result<(), ApiError> {
    if !(MIN_PERCENT..=MAX_PERCENT).contains(&percent) {
        return Err(ApiError::validation("percent", "a sale takes 5-100 % off (100: a free-game promotion)"));
    }
    if ends_at <= starts_at || ends_at <= now {
        return Err(ApiError::validation("endsAt", "a sale ends after it starts, in the future"));
    }
    if ends_at - starts_at > MAX_SALE_SECS {
        return Err(ApiError::validation("endsAt", "a sale lasts at most 60 days"));
    }
    if starts_at > now + MAX_LEAD_SECS {
        return Err(ApiError::validation("startsAt", "a sale starts within a year"));
    }
    Ok(())
}

/// The sales worth keeping at `now`: running, scheduled, or ended recently enough to matter to
/// the lowest-price rule.
pub fn kept(sales: Vec<Sale>, now: u64) -> Vec<Sale> {
    sales.into_iter().filter(|s| s.ends_at + HISTORY_SECS > now).collect()
}

/// The deepest sale running at `at`, if any (the earliest-started among equals).
fn running(sales: &[Sale], at: u64) -> Option<&Sale> {
    sales.iter().filter(|s| s.runs_at(at)).max_by(|a, b| a.percent.cmp(&b.percent).then(b.starts_at.cmp(&a.starts_at)))
}

/// `list` less `percent`, rounded half up to a gem.
pub fn discounted(list: u64, percent: u8) -> u64 {
    (list * (100 - percent as u64) + 50) / 100
}

/// The price at `at`.
pub fn price_at(list: u64, sales: &[Sale], at: u64) -> u64 {
    running(sales, at).map_or(list, |sale| discounted(list, sale.percent))
}

/// A price as a player is shown it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Shown {
    /// What the game costs now: what a purchase charges.
    pub price_gems: u64,
    pub list_price_gems: u64,
    /// 0 when no sale runs.
    pub discount_percent: u8,
    /// When the running sale ends (RFC 3339), if one runs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sale_ends_at: Option<String>,
    /// While a sale runs: the lowest price of the 30 days before it started.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lowest_price_30_days_gems: Option<u64>,
    /// The price region the list price is of (`domain::regions`), once one is applied.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price_region: Option<&'static str>,
}

/// What a player is shown at `now`.
pub fn shown(list: u64, sales: &[Sale], now: u64) -> Shown {
    match running(sales, now) {
        None => Shown {
            price_gems: list,
            list_price_gems: list,
            discount_percent: 0,
            sale_ends_at: None,
            lowest_price_30_days_gems: None,
            price_region: None,
        },
        Some(sale) => Shown {
            price_gems: discounted(list, sale.percent),
            list_price_gems: list,
            discount_percent: sale.percent,
            sale_ends_at: Some(crate::clock::rfc3339(sale.ends_at)),
            lowest_price_30_days_gems: Some(lowest_before(list, sales, sale.starts_at)),
            price_region: None,
        },
    }
}

/// The lowest price in the 30 days before `start`. The price only changes where a sale starts or
/// ends, so it is the lowest at the window's start and at each such moment inside the window.
pub fn lowest_before(list: u64, sales: &[Sale], start: u64) -> u64 {
    let from = start.saturating_sub(LOOKBACK_SECS);
    let changes = sales.iter().flat_map(|s| [s.starts_at, s.ends_at]).filter(|t| (from..start).contains(t));
    std::iter::once(from).chain(changes).map(|t| price_at(list, sales, t)).min().unwrap_or(list)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: u64 = 24 * 3600;
    const NOW: u64 = 1_000 * DAY;

    fn sale(percent: u8, starts_at: u64, ends_at: u64) -> Sale {
        Sale { sale_id: format!("s{percent}"), percent, starts_at, ends_at, by: "dev".into(), announced: false }
    }

    #[test]
    fn without_a_sale_the_list_price_is_shown_and_charged() {
        let shown = shown(1_999, &[], NOW);
        assert_eq!((shown.price_gems, shown.list_price_gems, shown.discount_percent), (1_999, 1_999, 0));
        assert_eq!(shown.lowest_price_30_days_gems, None);
    }

    #[test]
    fn a_running_sale_sets_the_price_until_it_ends() {
        let sales = [sale(25, NOW - DAY, NOW + DAY)];
        assert_eq!(shown(1_000, &sales, NOW).price_gems, 750);
        assert_eq!(shown(1_000, &sales, NOW + DAY - 1).price_gems, 750);
        assert_eq!(shown(1_000, &sales, NOW + DAY).price_gems, 1_000, "the end is exclusive");
        assert_eq!(shown(1_000, &sales, NOW - DAY - 1).price_gems, 1_000, "not before it starts");
        assert_eq!(discounted(719, 33), 482, "481.73 rounds to 482");
    }

    #[test]
    fn the_deepest_of_overlapping_sales_applies() {
        let sales = [sale(20, NOW - 5 * DAY, NOW + 5 * DAY), sale(50, NOW - DAY, NOW + DAY)];
        assert_eq!(shown(1_000, &sales, NOW).price_gems, 500);
        assert_eq!(shown(1_000, &sales, NOW + 2 * DAY).price_gems, 800, "back to the longer sale");
    }

    #[test]
    fn the_lowest_price_looks_back_thirty_days_from_the_running_sales_start() {
        // A 40 % sale ended 20 days ago; the list price since; a 10 % sale now.
        let sales = [sale(40, NOW - 25 * DAY, NOW - 20 * DAY), sale(10, NOW - DAY, NOW + DAY)];
        assert_eq!(shown(1_000, &sales, NOW).lowest_price_30_days_gems, Some(600));
        // The same 40 % sale 32 days before the new one started is out of the window.
        let sales = [sale(40, NOW - 40 * DAY, NOW - 32 * DAY), sale(10, NOW - DAY, NOW + DAY)];
        assert_eq!(shown(1_000, &sales, NOW).lowest_price_30_days_gems, Some(1_000));
    }

    #[test]
    fn two_overlapping_price_changes_give_the_lowest_before_the_deeper_one() {
        // 20 % from 10 days ago; 50 % from 2 days ago on top of it: before the 50 % sale started
        // the lowest was the 20 % price, not the list price and not the 50 % price itself.
        let sales = [sale(20, NOW - 10 * DAY, NOW + 10 * DAY), sale(50, NOW - 2 * DAY, NOW + DAY)];
        let now = shown(1_000, &sales, NOW);
        assert_eq!((now.price_gems, now.lowest_price_30_days_gems), (500, Some(800)));
        // After the 50 % sale ends, the 20 % sale runs again; its own start looks back to list.
        let later = shown(1_000, &sales, NOW + 2 * DAY);
        assert_eq!((later.price_gems, later.lowest_price_30_days_gems), (800, Some(1_000)));
    }

    #[test]
    fn sales_are_checked_and_old_ones_dropped() {
        assert!(check_sale(4, NOW, NOW + DAY, NOW).is_err());
        assert!(check_sale(101, NOW, NOW + DAY, NOW).is_err());
        assert!(check_sale(100, NOW, NOW + DAY, NOW).is_ok(), "a free-game promotion");
        assert!(check_sale(50, NOW, NOW, NOW).is_err());
        assert!(check_sale(50, NOW - 2 * DAY, NOW - DAY, NOW).is_err(), "already over");
        assert!(check_sale(50, NOW, NOW + 61 * DAY, NOW).is_err());
        assert!(check_sale(50, NOW + 400 * DAY, NOW + 401 * DAY, NOW).is_err());
        assert!(check_sale(50, NOW, NOW + DAY, NOW).is_ok());
        let sales = vec![sale(10, NOW - 100 * DAY, NOW - 61 * DAY), sale(20, NOW - 50 * DAY, NOW - 40 * DAY)];
        assert_eq!(kept(sales, NOW).len(), 1);
    }
}
