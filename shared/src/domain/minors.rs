//! Minors' spending limits on buying gems. Pure: no I/O.
//!
//! Modelled on China's 2019 rules for online games (no payments under 8; ages 8-15: 50 yuan a
//! top-up and 200 a month; ages 16-17: 100 and 400), in gems at the sandbox price of one gem per
//! penny and about 11 pence to the yuan. A player without a birth date is treated as an adult
//! (the platform does not verify ages; see README "Minors' spending limits").

use crate::error::ApiError;
use time::Date;

/// What a player of some age may spend on gems.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Allowance {
    /// No limit beyond the platform's per-purchase maximum.
    Adult,
    /// No purchases at all.
    Blocked,
    /// At most `per_top_up` gems a purchase and `monthly` gems a calendar month (UTC).
    Capped { per_top_up: u64, monthly: u64 },
}

/// The age of majority: from here on no band applies.
pub const ADULT_AGE: u32 = 18;

/// Age bands from their lowest age: players from `from_age` up to the next band's get `allowance`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpendingRules {
    /// Sorted by age; ages below the first band may not buy.
    pub bands: Vec<(u8, Allowance)>,
    /// The age of majority: from here on, `Allowance::Adult`.
    pub adult_from: u8,
}

impl Default for SpendingRules {
    fn default() -> SpendingRules {
        SpendingRules {
            bands: vec![
                (8, Allowance::Capped { per_top_up: 550, monthly: 2_200 }),
                (16, Allowance::Capped { per_top_up: 1_100, monthly: 4_400 }),
            ],
            adult_from: ADULT_AGE as u8,
        }
    }
}

impl SpendingRules {
    /// Rules from `MINOR_SPENDING_LIMITS` (`"8:550:2200,16:1100:4400"`: from age, gems per top-up,
    /// gems a month, per band), or the defaults when it is unset or empty.
    pub fn from_setting(setting: Option<&str>) -> Result<SpendingRules, String> {
        let Some(setting) = setting.map(str::trim).filter(|s| !s.is_empty()) else {
            return Ok(SpendingRules::default());
        };
        let mut bands = Vec::new();
        for band in setting.split(',') {
            let parts: Vec<&str> = band.trim().split(':').collect();
            let [age, per_top_up, monthly] = parts[..] else {
                return Err(format!("spending band `{band}` is not age:perTopUp:monthly"));
            };
            let number = |raw: &str| raw.parse::<u64>().map_err(|_| format!("`{raw}` in `{band}` is not a number"));
            let age = u8::try_from(number(age)?).map_err(|_| format!("age in `{band}` is too large"))?;
            bands.push((age, Allowance::Capped { per_top_up: number(per_top_up)?, monthly: number(monthly)? }));
        }
        bands.sort_by_key(|(age, _)| *age);
        Ok(SpendingRules { bands, adult_from: ADULT_AGE as u8 })
    }

    pub fn allowance(&self, age: Option<u32>) -> Allowance {
        let Some(age) = age else { return Allowance::Adult };
        if age >= u32::from(self.adult_from) {
            return Allowance::Adult;
        }
        self.bands
            .iter()
            .rev()
            .find(|(from, _)| age >= u32::from(*from))
            .map_or(Allowance::Blocked, |(_, allowance)| *allowance)
    }
}

/// Whole years from `born` to `today`.
pub fn age(born: Date, today: Date) -> u32 {
    let years = today.year() - born.year();
    let had_birthday = (today.month() as u8, today.day()) >= (born.month() as u8, born.day());
    (years - i32::from(!had_birthday)).max(0) as u32
}

/// The age of a profile's `YYYY-MM-DD` birth date, if it has one.
pub fn age_of(birth_date: Option<&str>, today: Date) -> Option<u32> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    birth_date.and_then(|raw| Date::parse(raw, format).ok()).map(|born| age(born, today))
}

/// The calendar month (UTC) a purchase counts against: `YYYY-MM`.
pub fn month_of(today: Date) -> String {
    format!("{:04}-{:02}", today.year(), today.month() as u8)
}

/// Checks one purchase against the allowance before anything is reserved.
pub fn check_top_up(allowance: Allowance, gems: u64) -> Result<(), ApiError> {
    match allowance {
        Allowance::Adult => Ok(()),
        Allowance::Blocked => Err(ApiError::Rule {
            code: "minor_purchases_blocked",
            field: None,
            detail: "players under 8 cannot buy gems".into(),
        }),
        Allowance::Capped { per_top_up, .. } if gems > per_top_up => Err(ApiError::Rule {
            code: "minor_top_up_limit",
            field: Some("amount"),
            detail: format!("players of your age can buy at most {per_top_up} gems at a time"),
        }),
        Allowance::Capped { .. } => Ok(()),
    }
}

/// The refusal when the month's allowance (with `left` of it unspent) cannot take `gems` more.
pub fn monthly_limit_reached(monthly: u64, gems: u64, left: u64) -> ApiError {
    ApiError::Rule {
        code: "minor_monthly_limit",
        field: Some("amount"),
        detail: format!(
            "{gems} gems would pass the {monthly} gems a month players of your age may buy; {left} are left this month"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn age_counts_whole_years_and_turns_on_the_birthday() {
        assert_eq!(age(date!(2010 - 11 - 25), date!(2026 - 11 - 25)), 16);
        assert_eq!(age(date!(2010 - 11 - 26), date!(2026 - 11 - 25)), 15);
        assert_eq!(age(date!(2008 - 02 - 29), date!(2026 - 02 - 28)), 17);
        assert_eq!(age_of(Some("2000-01-01"), date!(2026 - 11 - 25)), Some(26));
        assert_eq!(age_of(None, date!(2026 - 11 - 25)), None);
    }

    #[test]
    fn each_age_band_gets_its_allowance() {
        let rules = SpendingRules::default();
        assert_eq!(rules.allowance(None), Allowance::Adult, "no birth date: treated as an adult");
        assert_eq!(rules.allowance(Some(7)), Allowance::Blocked);
        assert_eq!(rules.allowance(Some(8)), Allowance::Capped { per_top_up: 550, monthly: 2_200 });
        assert_eq!(rules.allowance(Some(15)), Allowance::Capped { per_top_up: 550, monthly: 2_200 });
        assert_eq!(rules.allowance(Some(16)), Allowance::Capped { per_top_up: 1_100, monthly: 4_400 });
        assert_eq!(rules.allowance(Some(18)), Allowance::Adult);
    }

    #[test]
    fn the_setting_overrides_the_bands_and_bad_settings_are_refused() {
        let rules = SpendingRules::from_setting(Some("13:100:300, 6:10:20")).unwrap();
        assert_eq!(rules.allowance(Some(6)), Allowance::Capped { per_top_up: 10, monthly: 20 });
        assert_eq!(rules.allowance(Some(14)), Allowance::Capped { per_top_up: 100, monthly: 300 });
        assert_eq!(SpendingRules::from_setting(Some("")).unwrap(), SpendingRules::default());
        assert!(SpendingRules::from_setting(Some("8:550")).is_err());
        assert!(SpendingRules::from_setting(Some("x:1:2")).is_err());
    }

    #[test]
    fn a_top_up_over_the_band_is_refused_before_anything_is_reserved() {
        let capped = Allowance::Capped { per_top_up: 550, monthly: 2_200 };
        assert!(check_top_up(capped, 550).is_ok());
        assert!(matches!(check_top_up(capped, 551), Err(ApiError::Rule { code: "minor_top_up_limit", .. })));
        assert!(matches!(
            check_top_up(Allowance::Blocked, 1),
            Err(ApiError::Rule { code: "minor_purchases_blocked", .. })
        ));
        assert!(check_top_up(Allowance::Adult, 1_000_000).is_ok());
        assert_eq!(month_of(date!(2026 - 01 - 31)), "2026-01");
    }
}
