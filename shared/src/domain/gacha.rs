//! The pull engine and the banner config it shares with the published odds. Pure: no I/O.

use super::fairness::Rolls;
use super::pity::{PityRules, PityState};
use crate::error::ApiError;
use serde::{Deserialize, Serialize};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// Rates are integer basis points so the published odds sum to exactly 100 %.
pub const BASIS_POINTS: u32 = 10_000;
pub const MULTI_PULL: u32 = 10;

/// Ordered from common to rarest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Rarity {
    #[serde(rename = "rare")]
    Rare,
    #[serde(rename = "super rare")]
    SuperRare,
    #[serde(rename = "ultra rare")]
    UltraRare,
}

impl Rarity {
    pub const ALL: [Rarity; 3] = [Rarity::Rare, Rarity::SuperRare, Rarity::UltraRare];
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ItemType {
    Hero,
    Item,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GachaItem {
    pub id: String,
    pub name: String,
    #[serde(rename = "type")]
    pub item_type: ItemType,
    pub rarity: Rarity,
}

/// Chance of each rarity in basis points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RarityRates {
    pub rare: u32,
    pub super_rare: u32,
    pub ultra_rare: u32,
}

impl RarityRates {
    pub fn of(&self, rarity: Rarity) -> u32 {
        match rarity {
            Rarity::Rare => self.rare,
            Rarity::SuperRare => self.super_rare,
            Rarity::UltraRare => self.ultra_rare,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Banner {
    /// Optional in an admin's body, which names the banner in its path.
    #[serde(default)]
    pub banner_id: String,
    pub name: String,
    pub cost_per_pull: u64,
    pub rates: RarityRates,
    pub items: Vec<GachaItem>,
    /// Ids of the featured items (the coin flip of `pity.featured_share` decides between them and
    /// the rest of their rarity).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub featured: Vec<String>,
    /// Pity and the featured guarantee; a banner without them draws at its flat base rates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pity: Option<PityRules>,
    #[serde(default)]
    pub kind: BannerKind,
    /// When pulls open (always open without one).
    #[serde(default, with = "time::serde::rfc3339::option", skip_serializing_if = "Option::is_none")]
    pub starts_at: Option<OffsetDateTime>,
    /// When pulls close (never without one).
    #[serde(default, with = "time::serde::rfc3339::option", skip_serializing_if = "Option::is_none")]
    pub ends_at: Option<OffsetDateTime>,
}

/// A permanent banner, or one that runs for a while with its featured items.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BannerKind {
    #[default]
    Standard,
    Limited,
}

/// Where a banner is in its schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BannerStatus {
    Upcoming,
    Active,
    Ended,
}

/// Banner and item ids: 1-64 lowercase letters, digits and `-`.
pub fn is_slug(id: &str) -> bool {
    (1..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// The odds as seed 002 publishes them: percentages per rarity.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PublishedChances {
    pub rare: f64,
    pub super_rare: f64,
    pub ultra_rare: f64,
}

impl Banner {
    /// A banner the engine can serve: rates sum to 100 % and every rarity that can drop has items.
    pub fn validate(&self) -> Result<(), String> {
        if !is_slug(&self.banner_id) {
            return Err(format!("banner id `{}` is not a lowercase slug of 1-64 characters", self.banner_id));
        }
        if self.name.trim().is_empty() || self.name.len() > 200 {
            return Err(format!("banner {}: a name of 1-200 characters", self.banner_id));
        }
        if self.items.len() > 200 {
            return Err(format!("banner {}: at most 200 items", self.banner_id));
        }
        // Item ids key the inventory, where `$`-names are the inventory's own (shards).
        if let Some(bad) = self.items.iter().find(|i| !is_slug(&i.id) || i.name.trim().is_empty()) {
            return Err(format!("banner {}: item `{}` needs a lowercase slug id and a name", self.banner_id, bad.id));
        }
        let sum: u32 = Rarity::ALL.iter().map(|r| self.rates.of(*r)).sum();
        if sum != BASIS_POINTS {
            return Err(format!("banner {}: rates sum to {sum} basis points, not {BASIS_POINTS}", self.banner_id));
        }
        if self.cost_per_pull == 0 {
            return Err(format!("banner {}: cost per pull must be positive", self.banner_id));
        }
        for rarity in Rarity::ALL {
            if self.rates.of(rarity) > 0 && !self.items.iter().any(|i| i.rarity == rarity) {
                return Err(format!("banner {}: {rarity:?} can drop but has no items", self.banner_id));
            }
        }
        if let Some(unknown) = self.featured.iter().find(|id| !self.items.iter().any(|i| &i.id == *id)) {
            return Err(format!("banner {}: featured item {unknown} is not on the banner", self.banner_id));
        }
        let featured_rarity = |id: &String| self.items.iter().find(|i| &i.id == id).map(|i| i.rarity);
        let flips = self.pity.as_ref().is_some_and(|p| p.featured_share.is_some());
        if !self.featured.is_empty()
            && (!flips || self.featured.iter().any(|id| featured_rarity(id) == Some(Rarity::Rare)))
        {
            // Featured items drop only on a won flip: without one, or among rares, they never would.
            return Err(format!(
                "banner {}: featured items are super or ultra rares on a banner with a featured flip",
                self.banner_id
            ));
        }
        if let (Some(start), Some(end)) = (self.starts_at, self.ends_at) {
            if start >= end {
                return Err(format!("banner {}: it must start before it ends", self.banner_id));
            }
        }
        if self.kind == BannerKind::Limited && self.ends_at.is_none() {
            return Err(format!("banner {}: a limited banner has an end time", self.banner_id));
        }
        if let Some(pity) = &self.pity {
            pity.validate(&self.rates)?;
            // A coin flip needs both sides: featured and other ultra rares.
            let ultra = |featured: bool| {
                self.items.iter().any(|i| i.rarity == Rarity::UltraRare && self.featured.contains(&i.id) == featured)
            };
            if pity.featured_share.is_some() && !(ultra(true) && ultra(false)) {
                return Err(format!("banner {}: a featured flip needs featured and other ultra rares", self.banner_id));
            }
        }
        Ok(())
    }

    pub fn status(&self, now: OffsetDateTime) -> BannerStatus {
        match (self.starts_at, self.ends_at) {
            (Some(start), _) if now < start => BannerStatus::Upcoming,
            (_, Some(end)) if now >= end => BannerStatus::Ended,
            _ => BannerStatus::Active,
        }
    }

    /// Pulls are taken only while the banner is active.
    pub fn ensure_open(&self, now: OffsetDateTime) -> Result<(), ApiError> {
        let when = |t: Option<OffsetDateTime>| t.and_then(|t| t.format(&Rfc3339).ok()).unwrap_or_default();
        let detail = match self.status(now) {
            BannerStatus::Active => return Ok(()),
            BannerStatus::Upcoming => format!("banner `{}` opens at {}", self.banner_id, when(self.starts_at)),
            BannerStatus::Ended => format!("banner `{}` closed at {}", self.banner_id, when(self.ends_at)),
        };
        Err(ApiError::Conflict { code: "banner_not_open", detail })
    }

    /// Whether `next` changes what a draw on this banner does (rates, items, featured items,
    /// pity, cost), as opposed to its name or schedule.
    pub fn same_draws_as(&self, next: &Banner) -> bool {
        (self.cost_per_pull, &self.rates, &self.items, &self.featured, &self.pity)
            == (next.cost_per_pull, &next.rates, &next.items, &next.featured, &next.pity)
    }

    pub fn chances(&self) -> PublishedChances {
        let pct = |bp: u32| f64::from(bp) / 100.0;
        PublishedChances {
            rare: pct(self.rates.rare),
            super_rare: pct(self.rates.super_rare),
            ultra_rare: pct(self.rates.ultra_rare),
        }
    }

    /// The odds as `rarity-chances` and the banner list publish them: seed 002's base `chances`,
    /// and on banners with pity the consolidated rates those rules really give, the rules, and
    /// the featured items.
    pub fn published_odds(&self) -> serde_json::Value {
        let mut body = serde_json::json!({
            "chances": self.chances(),
            "bannerId": self.banner_id,
            "costPerPull": self.cost_per_pull,
        });
        if let Some(rules) = &self.pity {
            body["consolidatedChances"] = serde_json::json!(rules.consolidated_cached(&self.rates));
            body["pity"] = serde_json::json!(rules);
            body["featuredItems"] =
                serde_json::json!(self.items.iter().filter(|i| self.featured.contains(&i.id)).collect::<Vec<_>>());
        }
        body
    }

    /// A banner as players see it at `now` (the banner list, the socket's frames): its published
    /// odds, name, kind, status, schedule, base rates and items.
    pub fn listing(&self, now: OffsetDateTime) -> serde_json::Value {
        let when = |t: Option<OffsetDateTime>| t.and_then(|t| t.format(&Rfc3339).ok());
        let mut view = self.published_odds();
        view["name"] = serde_json::json!(self.name);
        view["kind"] = serde_json::json!(self.kind);
        view["status"] = serde_json::json!(self.status(now));
        view["startsAt"] = serde_json::json!(when(self.starts_at));
        view["endsAt"] = serde_json::json!(when(self.ends_at));
        view["rates"] = serde_json::json!(self.rates);
        view["items"] = serde_json::json!(self.items);
        view
    }

    /// Total price of `count` pulls, or `None` on overflow.
    pub fn cost_of(&self, count: u32) -> Option<u64> {
        self.cost_per_pull.checked_mul(u64::from(count))
    }

    /// Draws a rarity by its published weight, then an item of that rarity uniformly (rounds 0
    /// and 1 of a fair draw).
    pub fn pull<R: Rolls + ?Sized>(&self, rolls: &mut R) -> &GachaItem {
        let rarity = self.roll_rarity(rolls.roll(BASIS_POINTS));
        let pool: Vec<&GachaItem> = self.items.iter().filter(|i| i.rarity == rarity).collect();
        pool[rolls.roll(pool.len() as u32) as usize]
    }

    /// Draws with the player's pity counters for this banner's type, which it advances: round 0
    /// picks the rarity, round 1 the featured coin, round 2 the item among those of its rarity
    /// (featured or not), in banner order. A banner without pity rules draws as `pull`.
    pub fn pull_with_pity<R: Rolls + ?Sized>(&self, state: &mut PityState, rolls: &mut R) -> &GachaItem {
        let Some(rules) = &self.pity else { return self.pull(rolls) };
        let roll = rolls.roll(BASIS_POINTS);
        let flip = rolls.roll(BASIS_POINTS);
        let outcome = rules.draw(&self.rates, state, roll, flip);
        let of_rarity = |i: &&GachaItem| i.rarity == outcome.rarity;
        let pool: Vec<&GachaItem> =
            self.items.iter().filter(of_rarity).filter(|i| self.featured.contains(&i.id) == outcome.featured).collect();
        // A rarity without featured items (or with only featured ones) draws from all of them.
        let pool = if pool.is_empty() { self.items.iter().filter(of_rarity).collect() } else { pool };
        pool[rolls.roll(pool.len() as u32) as usize]
    }

    /// Maps a roll in 0..10_000 onto the rarity whose band contains it.
    pub fn roll_rarity(&self, roll: u32) -> Rarity {
        let mut upper = 0;
        for rarity in [Rarity::UltraRare, Rarity::SuperRare, Rarity::Rare] {
            upper += self.rates.of(rarity);
            if roll < upper {
                return rarity;
            }
        }
        Rarity::Rare
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn item(id: &str, rarity: Rarity) -> GachaItem {
        GachaItem { id: id.into(), name: id.into(), item_type: ItemType::Hero, rarity }
    }

    pub fn banner() -> Banner {
        Banner {
            banner_id: "heroes".into(),
            name: "Heroes".into(),
            cost_per_pull: 160,
            rates: RarityRates { rare: 7_900, super_rare: 1_800, ultra_rare: 300 },
            items: vec![
                item("r1", Rarity::Rare),
                item("r2", Rarity::Rare),
                item("s1", Rarity::SuperRare),
                item("u1", Rarity::UltraRare),
            ],
            featured: vec![],
            pity: None,
            kind: BannerKind::Standard,
            starts_at: None,
            ends_at: None,
        }
    }

    #[test]
    fn published_odds_sum_to_one_hundred_percent() {
        let c = banner().chances();
        assert_eq!((c.rare, c.super_rare, c.ultra_rare), (79.0, 18.0, 3.0));
        assert!((c.rare + c.super_rare + c.ultra_rare - 100.0).abs() < 1e-9);
    }

    #[test]
    fn banners_with_bad_rates_or_empty_rarities_are_invalid() {
        assert!(banner().validate().is_ok());
        let mut b = banner();
        b.rates.rare = 7_899;
        assert!(b.validate().unwrap_err().contains("9999"));
        let mut b = banner();
        b.items.retain(|i| i.rarity != Rarity::UltraRare);
        assert!(b.validate().is_err());
        let mut b = banner();
        b.cost_per_pull = 0;
        assert!(b.validate().is_err());
    }

    #[test]
    fn a_scheduled_banner_takes_pulls_only_between_its_start_and_end() {
        let mut b = banner();
        let now = OffsetDateTime::now_utc();
        assert!(b.ensure_open(now).is_ok(), "a banner without a schedule is always open");
        b.kind = BannerKind::Limited;
        b.starts_at = Some(now + time::Duration::hours(1));
        b.ends_at = Some(now + time::Duration::days(14));
        assert_eq!(b.status(now), BannerStatus::Upcoming);
        assert!(matches!(b.ensure_open(now), Err(ApiError::Conflict { code: "banner_not_open", .. })));
        assert_eq!(b.status(now + time::Duration::hours(2)), BannerStatus::Active);
        assert_eq!(b.status(now + time::Duration::days(14)), BannerStatus::Ended, "the end is exclusive");
        assert!(b.validate().is_ok());
        b.ends_at = None;
        assert!(b.validate().unwrap_err().contains("end time"), "a limited banner must end");
        b.ends_at = b.starts_at;
        assert!(b.validate().unwrap_err().contains("start before"));
    }

    #[test]
    fn roll_bands_match_the_rates_at_their_edges() {
        let b = banner();
        assert_eq!(b.roll_rarity(0), Rarity::UltraRare);
        assert_eq!(b.roll_rarity(299), Rarity::UltraRare);
        assert_eq!(b.roll_rarity(300), Rarity::SuperRare);
        assert_eq!(b.roll_rarity(2_099), Rarity::SuperRare);
        assert_eq!(b.roll_rarity(2_100), Rarity::Rare);
        assert_eq!(b.roll_rarity(9_999), Rarity::Rare);
    }

    #[test]
    fn cost_is_checked_multiplication() {
        assert_eq!(banner().cost_of(10), Some(1_600));
        let mut b = banner();
        b.cost_per_pull = u64::MAX;
        assert_eq!(b.cost_of(10), None);
    }

    /// 100,000 pulls must match the published rates: chi-square, 2 degrees of freedom, p = 0.001.
    #[test]
    fn pulls_follow_the_published_rates() {
        let b = banner();
        let mut rng = rand::rngs::StdRng::seed_from_u64(20261121);
        let n = 100_000u32;
        let mut observed = [0u32; 3];
        let mut rare_items = [0u32; 2];
        for _ in 0..n {
            let it = b.pull(&mut rng);
            let idx = Rarity::ALL.iter().position(|r| *r == it.rarity).unwrap();
            observed[idx] += 1;
            if it.id == "r1" {
                rare_items[0] += 1
            } else if it.id == "r2" {
                rare_items[1] += 1
            }
        }
        let chi2: f64 = Rarity::ALL
            .iter()
            .zip(observed)
            .map(|(r, o)| {
                let expected = f64::from(n) * f64::from(b.rates.of(*r)) / f64::from(BASIS_POINTS);
                (f64::from(o) - expected).powi(2) / expected
            })
            .sum();
        assert!(chi2 < 13.816, "chi-square {chi2} over the p=0.001 critical value; observed {observed:?}");
        // Within a rarity every item is equally likely (1 degree of freedom, critical 10.828).
        let each = f64::from(rare_items[0] + rare_items[1]) / 2.0;
        let chi2_items: f64 = rare_items.iter().map(|o| (f64::from(*o) - each).powi(2) / each).sum();
        assert!(chi2_items < 10.828, "rare items are not uniform: {rare_items:?}");
    }

    #[test]
    fn a_rigged_engine_would_fail_the_distribution_check() {
        // Guard on the guard: the same statistic flags rates that are off by one point.
        let n: f64 = 100_000.0;
        let observed: [f64; 3] = [0.78 * n, 0.19 * n, 0.03 * n];
        let expected = [0.79 * n, 0.18 * n, 0.03 * n];
        let chi2: f64 = observed.iter().zip(expected).map(|(o, e)| (o - e).powi(2) / e).sum();
        assert!(chi2 > 13.816);
    }
}
