//! Cart, coupon and checkout rules. Pure: no I/O.
//!
//! A checkout is one DynamoDB transaction (at most 100 items). Each game costs 6 of them (its
//! library entry, the list price check, the sales check, the seller's revenue line, its
//! GamePurchased event, its removal from the cart) and the order 7 more (the order, the debit, the
//! ledger entry, the idempotency record, the cart's count, the coupon's use count and the player's
//! use of it): 6 × 15 + 7 = 97, so a cart holds at most 15 games.

use crate::error::ApiError;
use serde::{Deserialize, Serialize};

pub const MAX_CART_ITEMS: usize = 15;
pub const STEPS_PER_GAME: usize = 6;
pub const STEPS_PER_ORDER: usize = 7;
const _: () = assert!(STEPS_PER_GAME * MAX_CART_ITEMS + STEPS_PER_ORDER <= 100);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CouponKind {
    /// `value` percent off the eligible games.
    Percent,
    /// `value` gems off the eligible games (never more than they cost).
    Fixed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Coupon {
    pub code: String,
    pub kind: CouponKind,
    pub value: u64,
    /// The eligible games must cost at least this much together (after sales).
    pub min_spend_gems: u64,
    /// Epoch seconds: valid in `[starts_at, ends_at)`.
    pub starts_at: u64,
    pub ends_at: u64,
    /// Eligible games: these ids, or games of these genres; neither = every game.
    #[serde(default)]
    pub game_ids: Vec<u32>,
    #[serde(default)]
    pub genres: Vec<String>,
    /// Uses across all players; each player uses a coupon once.
    pub max_uses: u64,
    pub created_by: String,
}

impl Coupon {
    pub fn applies_to(&self, game_id: u32, genres: &[String]) -> bool {
        (self.game_ids.is_empty() && self.genres.is_empty())
            || self.game_ids.contains(&game_id)
            || genres.iter().any(|g| self.genres.iter().any(|c| c.eq_ignore_ascii_case(g)))
    }
}

/// A coupon code as players type it: 4-32 letters, digits or `-`, upper-cased.
pub fn checked_code(raw: &str) -> Result<String, ApiError> {
    let code = raw.trim().to_ascii_uppercase();
    if (4..=32).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        Ok(code)
    } else {
        Err(ApiError::validation("couponCode", "a coupon code is 4-32 letters, digits or -"))
    }
}

/// A new coupon's terms, checked.
pub fn check_coupon(c: &Coupon, now: u64) -> Result<(), ApiError> {
    match c.kind {
        CouponKind::Percent if !(1..=100).contains(&c.value) => {
            return Err(ApiError::validation("value", "a percent coupon takes 1-100 % off"))
        }
        CouponKind::Fixed if !(1..=1_000_000).contains(&c.value) => {
            return Err(ApiError::validation("value", "a fixed coupon takes 1-1,000,000 gems off"))
        }
        _ => {}
    }
    if c.ends_at <= c.starts_at || c.ends_at <= now {
        return Err(ApiError::validation("endsAt", "a coupon ends after it starts, in the future"));
    }
    if !(1..=1_000_000).contains(&c.max_uses) {
        return Err(ApiError::validation("maxUses", "a coupon has 1-1,000,000 uses"));
    }
    if c.game_ids.len() > 100 || c.genres.len() > 20 {
        return Err(ApiError::validation("gameIds", "at most 100 games and 20 genres"));
    }
    Ok(())
}

/// One game of a cart, priced now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Priced {
    pub game_id: u32,
    pub genres: Vec<String>,
    pub list_price_gems: u64,
    /// After the running sale.
    pub price_gems: u64,
}

/// What a coupon takes off each game of a cart (same order), or why it does not apply.
/// The discount is shared over the eligible games in proportion to their prices, by largest
/// remainder, so the shares add up to it exactly and a refund of one game returns what was paid
/// for that game.
pub fn coupon_shares(coupon: &Coupon, games: &[Priced], now: u64) -> Result<Vec<u64>, ApiError> {
    let refuse = |code: &'static str, detail: String| Err(ApiError::Rule { code, field: Some("couponCode"), detail });
    if now < coupon.starts_at || now >= coupon.ends_at {
        return refuse("coupon_not_valid_now", format!("coupon {} is not valid now", coupon.code));
    }
    let eligible: Vec<bool> = games.iter().map(|g| coupon.applies_to(g.game_id, &g.genres)).collect();
    let base: u64 = games.iter().zip(&eligible).filter(|(_, e)| **e).map(|(g, _)| g.price_gems).sum();
    if base == 0 {
        return refuse("coupon_not_applicable", format!("coupon {} applies to no game in the cart", coupon.code));
    }
    if base < coupon.min_spend_gems {
        return refuse(
            "coupon_minimum_not_met",
            format!(
                "coupon {} needs {} gems of eligible games; the cart has {base}",
                coupon.code, coupon.min_spend_gems
            ),
        );
    }
    let discount = match coupon.kind {
        CouponKind::Percent => (base * coupon.value + 50) / 100,
        CouponKind::Fixed => coupon.value.min(base),
    };
    // A use that takes nothing off would spend the player's one use (and one of the cap) for
    // nothing.
    if discount == 0 {
        return refuse("coupon_not_applicable", format!("coupon {} takes nothing off this cart", coupon.code));
    }
    // Each share rounded down, then the gems left over go to the largest remainders.
    let mut shares: Vec<(usize, u64, u64)> = games
        .iter()
        .zip(&eligible)
        .enumerate()
        .map(|(i, (g, e))| {
            let exact = if *e { g.price_gems as u128 * discount as u128 } else { 0 };
            (i, (exact / base as u128) as u64, (exact % base as u128) as u64)
        })
        .collect();
    let left = discount - shares.iter().map(|s| s.1).sum::<u64>();
    let mut by_remainder: Vec<usize> = (0..shares.len()).filter(|i| eligible[*i]).collect();
    by_remainder.sort_by(|a, b| shares[*b].2.cmp(&shares[*a].2).then(a.cmp(b)));
    for i in by_remainder.into_iter().take(left as usize) {
        shares[i].1 += 1;
    }
    Ok(shares.into_iter().map(|s| s.1).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn coupon(kind: CouponKind, value: u64) -> Coupon {
        Coupon {
            code: "WINTER".into(),
            kind,
            value,
            min_spend_gems: 0,
            starts_at: 0,
            ends_at: 100,
            game_ids: vec![],
            genres: vec![],
            max_uses: 10,
            created_by: "admin".into(),
        }
    }

    fn game(game_id: u32, price: u64, genre: &str) -> Priced {
        Priced { game_id, genres: vec![genre.into()], list_price_gems: price, price_gems: price }
    }

    #[test]
    fn a_percent_coupon_is_shared_in_proportion_and_adds_up_exactly() {
        let games = [game(1, 1_000, "Action"), game(2, 333, "Indie"), game(3, 667, "Action")];
        let shares = coupon_shares(&coupon(CouponKind::Percent, 10), &games, 50).unwrap();
        assert_eq!(shares.iter().sum::<u64>(), 200);
        assert_eq!(shares, vec![100, 33, 67]);
        let odd = [game(1, 1, "A"), game(2, 1, "A"), game(3, 1, "A")];
        let shares = coupon_shares(&coupon(CouponKind::Fixed, 2), &odd, 50).unwrap();
        assert_eq!(shares, vec![1, 1, 0], "leftover gems to the largest remainders, then the first");
    }

    #[test]
    fn a_coupon_that_takes_nothing_off_is_not_applied() {
        let games = [game(1, 10, "Action")];
        let err = coupon_shares(&coupon(CouponKind::Percent, 1), &games, 50).unwrap_err();
        assert_eq!(err.code(), "coupon_not_applicable", "1 % of 10 gems rounds to nothing");
    }

    #[test]
    fn a_fixed_coupon_never_takes_more_than_the_games_cost() {
        let games = [game(1, 300, "Action")];
        assert_eq!(coupon_shares(&coupon(CouponKind::Fixed, 500), &games, 50).unwrap(), vec![300]);
    }

    #[test]
    fn a_restricted_coupon_discounts_only_its_games_or_genres() {
        let games = [game(1, 1_000, "Action"), game(2, 1_000, "Indie")];
        let mut by_genre = coupon(CouponKind::Percent, 50);
        by_genre.genres = vec!["indie".into()];
        assert_eq!(coupon_shares(&by_genre, &games, 50).unwrap(), vec![0, 500]);
        let mut by_game = coupon(CouponKind::Percent, 50);
        by_game.game_ids = vec![1];
        assert_eq!(coupon_shares(&by_game, &games, 50).unwrap(), vec![500, 0]);
        by_game.game_ids = vec![9];
        assert_eq!(coupon_shares(&by_game, &games, 50).unwrap_err().code(), "coupon_not_applicable");
    }

    #[test]
    fn minimum_spend_and_validity_window_are_enforced() {
        let games = [game(1, 999, "Action")];
        let mut c = coupon(CouponKind::Percent, 10);
        c.min_spend_gems = 1_000;
        assert_eq!(coupon_shares(&c, &games, 50).unwrap_err().code(), "coupon_minimum_not_met");
        c.min_spend_gems = 999;
        assert!(coupon_shares(&c, &games, 50).is_ok());
        assert_eq!(coupon_shares(&c, &games, 100).unwrap_err().code(), "coupon_not_valid_now");
        c.starts_at = 60;
        assert_eq!(coupon_shares(&c, &games, 50).unwrap_err().code(), "coupon_not_valid_now");
    }

    #[test]
    fn codes_are_normalised_and_terms_checked() {
        assert_eq!(checked_code(" winter-25 ").unwrap(), "WINTER-25");
        assert!(checked_code("ab").is_err());
        assert!(checked_code("bad code").is_err());
        assert!(check_coupon(&coupon(CouponKind::Percent, 101), 50).is_err());
        assert!(check_coupon(&coupon(CouponKind::Percent, 100), 50).is_ok());
        assert!(check_coupon(&coupon(CouponKind::Fixed, 10), 100).is_err(), "already ended");
    }
}
