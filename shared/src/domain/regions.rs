//! Price regions: what a game costs in gems and what gems cost in money, by the player's
//! country (from the profile). Pure, and the one table of both (README "Regional prices").
//!
//! - **Games**: each region pays a share of the game's base price (the catalog's price, set in
//!   the United Kingdom), modelled on Valve's recommended regional prices for a US$59.99 game
//!   (2023 update), rounded to 5 %. A game's developer may override any region's price.
//! - **Gems** are sold in each region's currency at a rate near the end-2025 exchange rate,
//!   tax included: the receipt shows the country's VAT, GST or consumption tax within the total,
//!   as Steam does where prices are shown with tax. The United States has no state on the
//!   profile, so no sales tax is computed there (documented, not hidden).
//!
//! A player without a country is priced as the store's home, the United Kingdom; a country the
//! table does not name pays the United States' (USD, Valve's default) prices and no tax.

use crate::error::ApiError;
use serde::Serialize;
use std::collections::BTreeMap;

/// A price region: the currency its gems are sold in and the share of base game prices it pays.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Region {
    pub code: &'static str,
    pub name: &'static str,
    /// ISO 4217.
    pub currency: &'static str,
    /// Digits after the decimal point of the currency (0 for JPY and KRW).
    pub minor_digits: u32,
    /// What the region pays of a game's base price, in percent.
    pub game_percent: u64,
    /// What 100 gems cost, tax included, in the currency's minor unit.
    pub per_100_gems_minor: u64,
}

const fn region(
    code: &'static str,
    name: &'static str,
    currency: &'static str,
    minor_digits: u32,
    game_percent: u64,
    per_100_gems_minor: u64,
) -> Region {
    Region { code, name, currency, minor_digits, game_percent, per_100_gems_minor }
}

/// Every region. The first is the store's home: base prices are its prices.
pub const REGIONS: &[Region] = &[
    region("GB", "United Kingdom", "GBP", 2, 100, 100),
    region("US", "United States and other countries", "USD", 2, 100, 125),
    region("EU", "Euro area", "EUR", 2, 100, 115),
    region("CA", "Canada", "CAD", 2, 90, 175),
    region("AU", "Australia", "AUD", 2, 95, 195),
    region("JP", "Japan", "JPY", 0, 85, 190),
    region("KR", "South Korea", "KRW", 0, 80, 1_800),
    region("PL", "Poland", "PLN", 2, 90, 500),
    region("BR", "Brazil", "BRL", 2, 60, 680),
    region("MX", "Mexico", "MXN", 2, 65, 2_300),
    region("IN", "India", "INR", 2, 45, 11_000),
    region("MENA", "Türkiye, Middle East and North Africa (priced in USD)", "USD", 2, 50, 125),
    region("LATAM", "Latin America (priced in USD)", "USD", 2, 50, 125),
];

pub const HOME: &Region = &REGIONS[0];
const ELSEWHERE: &Region = &REGIONS[1];

/// The tax within a price: its name and rate in basis points (2000 = 20 %).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Tax {
    pub name: &'static str,
    pub rate_basis_points: u64,
}

const fn tax(name: &'static str, rate_basis_points: u64) -> Tax {
    Tax { name, rate_basis_points }
}

const NO_TAX: Tax = tax("none", 0);

/// Each country the table names: its region and the tax on digital goods sold to consumers.
const COUNTRIES: &[(&str, &str, Tax)] = &[
    ("GB", "GB", tax("VAT", 2_000)),
    ("US", "US", tax("sales tax (not computed: the profile has no state)", 0)),
    ("AT", "EU", tax("VAT", 2_000)),
    ("BE", "EU", tax("VAT", 2_100)),
    ("CY", "EU", tax("VAT", 1_900)),
    ("DE", "EU", tax("VAT", 1_900)),
    ("EE", "EU", tax("VAT", 2_400)),
    ("ES", "EU", tax("VAT", 2_100)),
    ("FI", "EU", tax("VAT", 2_550)),
    ("FR", "EU", tax("VAT", 2_000)),
    ("GR", "EU", tax("VAT", 2_400)),
    ("HR", "EU", tax("VAT", 2_500)),
    ("IE", "EU", tax("VAT", 2_300)),
    ("IT", "EU", tax("VAT", 2_200)),
    ("LT", "EU", tax("VAT", 2_100)),
    ("LU", "EU", tax("VAT", 1_700)),
    ("LV", "EU", tax("VAT", 2_100)),
    ("MT", "EU", tax("VAT", 1_800)),
    ("NL", "EU", tax("VAT", 2_100)),
    ("PT", "EU", tax("VAT", 2_300)),
    ("SI", "EU", tax("VAT", 2_200)),
    ("SK", "EU", tax("VAT", 2_300)),
    // EU members outside the euro area are sold in euros too (as Steam does), with their VAT:
    // the store, as merchant of record, charges the buyer's member-state rate (OSS).
    ("BG", "EU", tax("VAT", 2_000)),
    ("CZ", "EU", tax("VAT", 2_100)),
    ("DK", "EU", tax("VAT", 2_500)),
    ("HU", "EU", tax("VAT", 2_700)),
    ("RO", "EU", tax("VAT", 2_100)),
    ("SE", "EU", tax("VAT", 2_500)),
    // Countries without a region of their own that tax foreign digital services: dollar prices
    // with their tax.
    ("CH", "US", tax("VAT", 810)),
    ("IL", "US", tax("VAT", 1_800)),
    ("IS", "US", tax("VAT", 2_400)),
    ("NO", "US", tax("VAT", 2_500)),
    ("NZ", "US", tax("GST", 1_500)),
    ("SG", "US", tax("GST", 900)),
    ("ZA", "US", tax("VAT", 1_500)),
    ("CA", "CA", tax("GST", 500)),
    ("AU", "AU", tax("GST", 1_000)),
    ("JP", "JP", tax("consumption tax", 1_000)),
    ("KR", "KR", tax("VAT", 1_000)),
    ("PL", "PL", tax("VAT", 2_300)),
    ("BR", "BR", NO_TAX),
    ("MX", "MX", tax("IVA", 1_600)),
    ("IN", "IN", tax("GST", 1_800)),
    ("TR", "MENA", tax("VAT", 2_000)),
    ("SA", "MENA", tax("VAT", 1_500)),
    ("AE", "MENA", tax("VAT", 500)),
    ("EG", "MENA", tax("VAT", 1_400)),
    ("AR", "LATAM", tax("IVA", 2_100)),
    ("CL", "LATAM", tax("IVA", 1_900)),
    ("CO", "LATAM", tax("IVA", 1_900)),
    ("PE", "LATAM", tax("IGV", 1_800)),
    ("UY", "LATAM", tax("IVA", 2_200)),
];

/// The region of a code such as `BR` or `EU`, if there is one.
pub fn by_code(code: &str) -> Option<&'static Region> {
    REGIONS.iter().find(|r| r.code == code)
}

/// The region and tax of a player's country (see the module's rules for none and unknown).
pub fn of_country(country: Option<&str>) -> (&'static Region, Tax) {
    let Some(country) = country else {
        return (HOME, COUNTRIES[0].2);
    };
    COUNTRIES
        .iter()
        .find(|(c, _, _)| *c == country)
        .map(|(_, code, tax)| (by_code(code).unwrap_or(ELSEWHERE), *tax))
        .unwrap_or((ELSEWHERE, NO_TAX))
}

/// A game's price in a region from its base price, rounded half up to a gem; a paid game never
/// becomes free.
pub fn derived_price(base_gems: u64, region: &Region) -> u64 {
    match base_gems {
        0 => 0,
        base => ((base * region.game_percent + 50) / 100).max(1),
    }
}

/// The most a developer may set a game's regional price to (the catalog's dearest is far below).
pub const MAX_REGIONAL_GEMS: u64 = 100_000;

/// A developer's regional prices for a game of `base_gems`, checked: a paid game's (a free game
/// is free everywhere), each a region other than the home (whose price is the base price), named
/// once, 1 to `MAX_REGIONAL_GEMS` gems.
pub fn check_overrides(base_gems: u64, prices: BTreeMap<String, u64>) -> Result<BTreeMap<String, u64>, ApiError> {
    if base_gems == 0 && !prices.is_empty() {
        return Err(ApiError::validation("prices", "a free game is free in every region"));
    }
    let mut checked = BTreeMap::new();
    for (code, gems) in prices {
        let code = code.trim().to_ascii_uppercase();
        match by_code(&code) {
            Some(region) if region != HOME => {}
            Some(_) => {
                return Err(ApiError::validation(
                    "prices",
                    format!("{code} is the home region: its price is the base price"),
                ))
            }
            None => {
                let known: Vec<_> = REGIONS.iter().skip(1).map(|r| r.code).collect();
                return Err(ApiError::validation(
                    "prices",
                    format!("{code} is not a price region; one of {}", known.join(", ")),
                ));
            }
        }
        if !(1..=MAX_REGIONAL_GEMS).contains(&gems) {
            return Err(ApiError::validation("prices", format!("a regional price is 1-{MAX_REGIONAL_GEMS} gems")));
        }
        if checked.insert(code.clone(), gems).is_some() {
            return Err(ApiError::validation("prices", format!("{code} is named twice")));
        }
    }
    Ok(checked)
}

/// What gems are sold at in a region: the charge and the tax within it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GemPrice {
    pub region: &'static str,
    pub country: Option<String>,
    pub currency: &'static str,
    /// The total charged, tax included, in the currency's minor unit.
    pub total_minor: u64,
    pub tax_name: &'static str,
    pub tax_rate_basis_points: u64,
    /// The tax within the total (total x rate / (1 + rate), rounded half up).
    pub tax_minor: u64,
    /// The total less its tax.
    pub net_minor: u64,
    /// The total as text in major units, as a receipt prints it ("8.50", "1900").
    pub total: String,
}

/// The price of `gems` for a player of `country`.
pub fn gem_price(gems: u64, country: Option<&str>) -> GemPrice {
    let (region, tax) = of_country(country);
    let total_minor = (gems * region.per_100_gems_minor + 50) / 100;
    let rate = tax.rate_basis_points;
    let tax_minor = (total_minor * rate * 2 + 10_000 + rate) / (2 * (10_000 + rate));
    GemPrice {
        region: region.code,
        country: country.map(str::to_owned),
        currency: region.currency,
        total_minor,
        tax_name: tax.name,
        tax_rate_basis_points: rate,
        tax_minor,
        net_minor: total_minor - tax_minor,
        total: major_units(total_minor, region.minor_digits),
    }
}

/// `1234` minor units with 2 digits is "12.34"; with 0 digits, "1234".
pub fn major_units(minor: u64, digits: u32) -> String {
    match digits {
        0 => minor.to_string(),
        d => {
            let unit = 10u64.pow(d);
            format!("{}.{:0width$}", minor / unit, minor % unit, width = d as usize)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_country_names_a_region_and_every_code_is_unique() {
        for (country, code, _) in COUNTRIES {
            assert!(by_code(code).is_some(), "{country} names region {code}");
            assert!(crate::domain::profile::country(country).is_ok(), "{country} is an ISO code the profile takes");
        }
        let mut codes: Vec<_> = COUNTRIES.iter().map(|(c, _, _)| *c).collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), COUNTRIES.len());
    }

    /// The rates as published for 2025 (standard rates on digital services to consumers).
    #[test]
    fn tax_rates_are_pinned() {
        let rate = |country| of_country(Some(country)).1.rate_basis_points;
        let expected = [
            ("GB", 2_000),
            ("DE", 1_900),
            ("FR", 2_000),
            ("FI", 2_550),
            ("HU", 2_700),
            ("LU", 1_700),
            ("SE", 2_500),
            ("JP", 1_000),
            ("AU", 1_000),
            ("CA", 500),
            ("IN", 1_800),
            ("MX", 1_600),
            ("TR", 2_000),
            ("CH", 810),
            ("NO", 2_500),
            ("US", 0),
            ("BR", 0),
        ];
        for (country, bp) in expected {
            assert_eq!(rate(country), bp, "{country}");
        }
        assert_eq!(of_country(Some("SE")).0.currency, "EUR");
        assert_eq!(of_country(Some("NO")).0.currency, "USD");
    }

    #[test]
    fn no_country_is_the_home_region_and_an_unlisted_one_pays_dollars_without_tax() {
        assert_eq!(of_country(None).0.code, "GB");
        assert_eq!(of_country(None).1.rate_basis_points, 2_000);
        let (region, tax) = of_country(Some("NP"));
        assert_eq!((region.code, region.currency, tax.rate_basis_points), ("US", "USD", 0));
    }

    #[test]
    fn game_prices_round_half_up_and_a_paid_game_stays_paid() {
        let india = by_code("IN").unwrap();
        assert_eq!(derived_price(719, india), 324, "323.55 rounds to 324");
        assert_eq!(derived_price(1, india), 1);
        assert_eq!(derived_price(0, india), 0);
        assert_eq!(derived_price(719, HOME), 719);
    }

    #[test]
    fn the_tax_is_within_the_total() {
        // £10.00 with 20 % VAT: 833.33 net + 166.67 VAT.
        let gb = gem_price(1_000, Some("GB"));
        assert_eq!((gb.total_minor, gb.tax_minor, gb.net_minor, gb.total.as_str()), (1_000, 167, 833, "10.00"));
        // ¥1,900 with 10 %: 172.7 tax -> 173.
        let jp = gem_price(1_000, Some("JP"));
        assert_eq!((jp.total_minor, jp.tax_minor, jp.total.as_str()), (1_900, 173, "1900"));
        let br = gem_price(1_000, Some("BR"));
        assert_eq!((br.total_minor, br.tax_minor), (6_800, 0));
        assert_eq!(major_units(5, 2), "0.05");
    }

    #[test]
    fn overrides_name_real_regions_other_than_home_with_sane_prices() {
        let prices = |pairs: &[(&str, u64)]| pairs.iter().map(|(c, g)| (c.to_string(), *g)).collect();
        let ok = check_overrides(1_099, prices(&[("br", 450), ("IN", 300)])).unwrap();
        assert_eq!(ok, prices(&[("BR", 450), ("IN", 300)]));
        assert!(check_overrides(1_099, prices(&[("GB", 450)])).is_err(), "home is the base price");
        assert!(check_overrides(1_099, prices(&[("XX", 450)])).is_err());
        assert!(check_overrides(1_099, prices(&[("BR", 0)])).is_err());
        assert!(check_overrides(1_099, prices(&[("BR", MAX_REGIONAL_GEMS + 1)])).is_err());
        assert!(check_overrides(1_099, prices(&[("br", 450), ("BR", 500)])).is_err(), "named twice");
        assert!(check_overrides(0, prices(&[("BR", 450)])).is_err(), "a free game stays free");
        assert!(check_overrides(0, prices(&[])).is_ok());
    }
}
