//! Player profiles: what a player may say about themselves, and what others may see of it.

use crate::domain::chat::{is_bidi_control, is_invisible};
use crate::error::ApiError;
use serde::{Deserialize, Serialize};

/// ISO 3166-1 alpha-2 codes (officially assigned), the countries regional prices will use.
const COUNTRIES: &str = "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR \
BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ \
FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE \
JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR \
MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU \
RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG \
UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW";

/// Who may see a profile beyond its id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Privacy {
    #[default]
    Public,
    /// The player's friends only.
    Friends,
    Private,
}

impl Privacy {
    pub fn as_str(self) -> &'static str {
        match self {
            Privacy::Public => "public",
            Privacy::Friends => "friends",
            Privacy::Private => "private",
        }
    }
}

/// Everything a profile holds. Absent fields were never set (or were cleared).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Profile {
    pub display_name: Option<String>,
    pub avatar_url: Option<String>,
    pub country: Option<String>,
    pub language: Option<String>,
    /// `YYYY-MM-DD`; never shown to anyone else (it will decide minors' spending limits).
    pub birth_date: Option<String>,
    #[serde(default)]
    pub privacy: Privacy,
    /// The address given at registration; the player's own view only.
    #[serde(default)]
    pub email: Option<String>,
    /// Whether the player proved they read it (a mailed link).
    #[serde(default)]
    pub email_verified: bool,
    /// Roles beyond player (`developer`, `admin`); the player's own view only.
    #[serde(default)]
    pub roles: Vec<String>,
    /// The catalog studios a developer publishes for, as an admin linked them.
    #[serde(default)]
    pub studios: Vec<String>,
}

fn invalid(field: &str, detail: &str) -> ApiError {
    ApiError::validation(field, detail)
}

pub fn display_name(raw: &str) -> Result<String, ApiError> {
    let name = raw.trim();
    let visible = name.chars().any(|c| !c.is_whitespace() && !is_invisible(c));
    if !(1..=32).contains(&name.chars().count())
        || !visible
        || name.chars().any(|c| c.is_control() || is_bidi_control(c))
    {
        return Err(invalid("displayName", "displayName is 1-32 characters with a visible one, no control characters"));
    }
    Ok(name.to_owned())
}

pub fn avatar_url(raw: &str) -> Result<String, ApiError> {
    let ok = raw.len() <= 500
        && raw.strip_prefix("https://").is_some_and(|rest| !rest.is_empty() && !rest.starts_with('/'))
        && raw.chars().all(|c| c.is_ascii_graphic());
    if !ok {
        return Err(invalid("avatarUrl", "avatarUrl is an https:// URL of at most 500 characters"));
    }
    Ok(raw.to_owned())
}

pub fn country(raw: &str) -> Result<String, ApiError> {
    let code = raw.trim().to_ascii_uppercase();
    if code.len() != 2 || !COUNTRIES.split(' ').any(|c| c == code) {
        return Err(invalid("country", "country is an ISO 3166-1 alpha-2 code such as GB or BR"));
    }
    Ok(code)
}

/// A language tag as `en`, `pt` or `pt-BR` (language, optionally a region).
pub fn language(raw: &str) -> Result<String, ApiError> {
    let (lang, region) = raw.split_once('-').map_or((raw, None), |(l, r)| (l, Some(r)));
    let lang_ok = (2..=3).contains(&lang.len()) && lang.bytes().all(|b| b.is_ascii_alphabetic());
    let region_ok = region.is_none_or(|r| r.len() == 2 && r.bytes().all(|b| b.is_ascii_alphabetic()));
    if !lang_ok || !region_ok {
        return Err(invalid("language", "language is a tag such as en, pt or pt-BR"));
    }
    Ok(match region {
        Some(r) => format!("{}-{}", lang.to_ascii_lowercase(), r.to_ascii_uppercase()),
        None => lang.to_ascii_lowercase(),
    })
}

/// A birth date: a real calendar date, not in the future, after 1900.
pub fn birth_date(raw: &str, today: time::Date) -> Result<String, ApiError> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let date = time::Date::parse(raw, format).map_err(|_| invalid("birthDate", "birthDate is a date as YYYY-MM-DD"))?;
    if date > today || date.year() < 1900 {
        return Err(invalid("birthDate", "birthDate must be a past date after 1900"));
    }
    Ok(raw.to_owned())
}

impl Profile {
    /// What another player may see: a public profile's name, avatar and country (a friends-only
    /// one's too, by a friend), and nothing but the id of any other.
    pub fn seen_by_others(&self, viewer_is_friend: bool) -> Option<Profile> {
        crate::domain::friends::may_see(self.privacy, false, viewer_is_friend).then(|| Profile {
            display_name: self.display_name.clone(),
            avatar_url: self.avatar_url.clone(),
            country: self.country.clone(),
            privacy: self.privacy,
            ..Profile::default()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_checked_and_normalised() {
        assert_eq!(country("gb").unwrap(), "GB");
        assert!(country("XX").is_err() && country("GBR").is_err());
        assert_eq!(language("PT-br").unwrap(), "pt-BR");
        assert!(language("english").is_err() && language("en-").is_err());
        assert!(avatar_url("http://example.com/a.png").is_err());
        assert!(avatar_url("https://example.com/a b.png").is_err());
        assert_eq!(avatar_url("https://cdn.example.com/a.png").unwrap(), "https://cdn.example.com/a.png");
        assert_eq!(display_name("  Ann the Bold ").unwrap(), "Ann the Bold");
        assert!(display_name("\u{200B}").is_err() && display_name(&"x".repeat(33)).is_err());
        let today = time::macros::date!(2026 - 11 - 25);
        assert!(birth_date("2010-02-30", today).is_err(), "no 30 February");
        assert!(birth_date("2027-01-01", today).is_err() && birth_date("1899-12-31", today).is_err());
        assert_eq!(birth_date("2010-02-28", today).unwrap(), "2010-02-28");
    }

    #[test]
    fn others_see_a_public_profile_without_birth_date_and_nothing_of_a_private_one() {
        let mine = Profile {
            display_name: Some("Ann".into()),
            country: Some("GB".into()),
            birth_date: Some("2000-01-01".into()),
            language: Some("en".into()),
            ..Profile::default()
        };
        let public = mine.seen_by_others(false).unwrap();
        assert_eq!((public.display_name.as_deref(), public.birth_date, public.language), (Some("Ann"), None, None));
        for privacy in [Privacy::Friends, Privacy::Private] {
            assert_eq!(Profile { privacy, ..mine.clone() }.seen_by_others(false), None);
        }
        let friends_only = Profile { privacy: Privacy::Friends, ..mine.clone() };
        assert_eq!(friends_only.seen_by_others(true).unwrap().display_name.as_deref(), Some("Ann"), "friends see it");
        assert_eq!(Profile { privacy: Privacy::Private, ..mine }.seen_by_others(true), None);
    }
}
