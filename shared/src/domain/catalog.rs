//! The game catalog's rules: cleaning the source data, prices in gems, and the facets a game is
//! listed under so every filter is a DynamoDB Query. Pure: no I/O.

use crate::error::ApiError;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Game {
    pub game_id: u32,
    pub name: String,
    pub release_date: String,
    pub english: bool,
    pub developers: Vec<String>,
    pub publishers: Vec<String>,
    pub platforms: Vec<String>,
    pub required_age: u32,
    pub categories: Vec<String>,
    pub genres: Vec<String>,
    pub tags: Vec<String>,
    pub achievements: u32,
    pub positive_ratings: u64,
    pub negative_ratings: u64,
    pub average_playtime_minutes: u64,
    pub median_playtime_minutes: u64,
    pub owners_min: u64,
    pub owners_max: u64,
    /// Price in gems (1 gem = GBP 0.01, so the 2019 UK price in pence).
    pub price_gems: u64,
}

/// Trims, turns odd spaces (tab, no-break, ideographic) into plain spaces, drops zero-width and
/// control characters, and collapses runs of spaces: the source has all of these.
pub fn clean_text(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        let c = match c {
            '\t' | '\u{00A0}' | '\u{3000}' => ' ',
            '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{202A}'..='\u{202E}' | '\u{FEFF}' => continue,
            c if c.is_control() => continue,
            c => c,
        };
        if c == ' ' && (out.is_empty() || out.ends_with(' ')) {
            continue;
        }
        out.push(c);
    }
    out.trim_end().to_owned()
}

/// A `;`-separated list, each item cleaned, empties dropped.
pub fn clean_list(raw: &str) -> Vec<String> {
    raw.split(';').map(clean_text).filter(|s| !s.is_empty()).collect()
}

/// "7.19" (GBP) -> 719 gems, exactly: no floating point.
pub fn price_to_gems(raw: &str) -> Result<u64, String> {
    let raw = raw.trim();
    let (whole, frac) = raw.split_once('.').unwrap_or((raw, ""));
    if whole.is_empty() || frac.len() > 2 || !whole.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()) {
        return Err(format!("not a price in pounds: {raw:?}"));
    }
    let whole: u64 = whole.parse().map_err(|e| format!("{raw:?}: {e}"))?;
    let pence: u64 = format!("{frac:0<2}").parse().map_err(|e| format!("{raw:?}: {e}"))?;
    Ok(whole * 100 + pence)
}

/// "20000-50000" -> (20000, 50000).
pub fn owners_range(raw: &str) -> Result<(u64, u64), String> {
    let (lo, hi) = raw.split_once('-').ok_or_else(|| format!("not an owners range: {raw:?}"))?;
    Ok((lo.trim().parse().map_err(|_| raw.to_owned())?, hi.trim().parse().map_err(|_| raw.to_owned())?))
}

/// Lower-case alphanumeric words: what a name search matches, whole word by whole word.
pub fn words(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for word in text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()) {
        let word = word.to_lowercase();
        if !out.contains(&word) {
            out.push(word);
        }
    }
    out
}

pub fn key(value: &str) -> String {
    value.to_lowercase()
}

pub const PLATFORMS: [&str; 3] = ["windows", "mac", "linux"];

/// Every listing a game appears in: all games, each genre, tag, platform, name word, and free.
pub fn facets(game: &Game) -> Vec<String> {
    let mut facets = vec!["all".to_owned()];
    facets.extend(game.genres.iter().map(|g| format!("genre:{}", key(g))));
    facets.extend(game.tags.iter().map(|t| format!("tag:{}", key(t))));
    facets.extend(game.platforms.iter().map(|p| format!("platform:{}", key(p))));
    facets.extend(words(&game.name).into_iter().map(|w| format!("word:{w}")));
    if game.price_gems == 0 {
        facets.push("free".to_owned());
    }
    facets.sort();
    facets.dedup();
    facets
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SortBy {
    Rating,
    Release,
}

impl SortBy {
    pub const ALL: [SortBy; 2] = [SortBy::Rating, SortBy::Release];

    pub fn as_str(self) -> &'static str {
        match self {
            SortBy::Rating => "rating",
            SortBy::Release => "release",
        }
    }
}

/// What a catalog listing shows of a game: enough to browse and filter without another read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    pub game_id: u32,
    pub name: String,
    pub price_gems: u64,
    pub positive_ratings: u64,
    pub release_date: String,
    pub genres: Vec<String>,
    pub tags: Vec<String>,
    pub platforms: Vec<String>,
}

impl From<&Game> for Summary {
    fn from(g: &Game) -> Summary {
        Summary {
            game_id: g.game_id,
            name: g.name.clone(),
            price_gems: g.price_gems,
            positive_ratings: g.positive_ratings,
            release_date: g.release_date.clone(),
            genres: g.genres.clone(),
            tags: g.tags.clone(),
            platforms: g.platforms.clone(),
        }
    }
}

/// Games per listing page: one DynamoDB item of about 25 KB.
pub const PAGE_SIZE: usize = 100;

/// One page of a facet's listing in one order (most rated or newest first).
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    pub facet: String,
    pub order: SortBy,
    pub number: u32,
    pub pages: u32,
    pub games: Vec<Summary>,
}

/// The sort key of a page: the order, then the zero-padded page number.
pub fn page_key(order: SortBy, number: u32) -> String {
    format!("{}#{number:06}", order.as_str())
}

/// Every facet's listing, paged, in both orders. Ties break on game id so pages are stable.
pub fn pages(games: &[Game]) -> Vec<Page> {
    let mut by_facet: std::collections::BTreeMap<String, Vec<&Game>> = std::collections::BTreeMap::new();
    for game in games {
        for facet in facets(game) {
            by_facet.entry(facet).or_default().push(game);
        }
    }
    let mut out = Vec::new();
    for (facet, mut members) in by_facet {
        for order in SortBy::ALL {
            match order {
                SortBy::Rating => {
                    members.sort_by(|a, b| b.positive_ratings.cmp(&a.positive_ratings).then(a.game_id.cmp(&b.game_id)))
                }
                SortBy::Release => {
                    members.sort_by(|a, b| b.release_date.cmp(&a.release_date).then(a.game_id.cmp(&b.game_id)))
                }
            }
            let chunks: Vec<&[&Game]> = members.chunks(PAGE_SIZE).collect();
            for (number, chunk) in chunks.iter().enumerate() {
                out.push(Page {
                    facet: facet.clone(),
                    order,
                    number: number as u32,
                    pages: chunks.len() as u32,
                    games: chunk.iter().map(|g| Summary::from(*g)).collect(),
                });
            }
        }
    }
    out
}

/// A validated `GET /store/games` query.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GameQuery {
    pub genre: Option<String>,
    pub tag: Option<String>,
    pub platform: Option<String>,
    pub min_price: Option<u64>,
    pub max_price: Option<u64>,
    pub free: Option<bool>,
    pub words: Vec<String>,
    pub sort: Option<SortBy>,
    pub ascending: bool,
}

fn price_param(name: &'static str, raw: Option<&str>) -> Result<Option<u64>, ApiError> {
    raw.map(|v| {
        v.parse::<u64>()
            .map_err(|_| ApiError::validation(name, format!("{name} must be a whole number of gems, 0 or more")))
    })
    .transpose()
}

fn label_param(name: &'static str, raw: Option<&str>) -> Result<Option<String>, ApiError> {
    match raw {
        None => Ok(None),
        Some(v) if (1..=64).contains(&v.chars().count()) && !v.chars().any(char::is_control) => Ok(Some(key(v.trim()))),
        Some(_) => Err(ApiError::validation(name, format!("{name} must be 1-64 printable characters"))),
    }
}

impl GameQuery {
    /// From query-string values (`param(name)`), rejecting anything malformed.
    pub fn parse(param: impl Fn(&str) -> Option<String>) -> Result<GameQuery, ApiError> {
        let platform = label_param("platform", param("platform").as_deref())?;
        if let Some(p) = &platform {
            if !PLATFORMS.contains(&p.as_str()) {
                return Err(ApiError::validation("platform", "platform must be windows, mac or linux"));
            }
        }
        let min_price = price_param("minPrice", param("minPrice").as_deref())?;
        let max_price = price_param("maxPrice", param("maxPrice").as_deref())?;
        if let (Some(lo), Some(hi)) = (min_price, max_price) {
            if lo > hi {
                return Err(ApiError::validation("minPrice", "minPrice must not exceed maxPrice"));
            }
        }
        let free = match param("free").as_deref() {
            None => None,
            Some("true") => Some(true),
            Some("false") => Some(false),
            Some(_) => return Err(ApiError::validation("free", "free must be true or false")),
        };
        let words = match param("q") {
            None => Vec::new(),
            Some(q) if q.chars().count() > 100 => {
                return Err(ApiError::validation("q", "q may be at most 100 characters"))
            }
            Some(q) => {
                let found = words(&q);
                if found.is_empty() {
                    return Err(ApiError::validation("q", "q must contain at least one letter or digit"));
                }
                found.into_iter().take(8).collect()
            }
        };
        let sort = match param("sort").as_deref() {
            None => None,
            Some("rating") => Some(SortBy::Rating),
            Some("release") => Some(SortBy::Release),
            Some(_) => return Err(ApiError::validation("sort", "sort must be rating or release")),
        };
        let ascending = match param("order").as_deref() {
            None | Some("desc") => false,
            Some("asc") => true,
            Some(_) => return Err(ApiError::validation("order", "order must be asc or desc")),
        };
        Ok(GameQuery {
            genre: label_param("genre", param("genre").as_deref())?,
            tag: label_param("tag", param("tag").as_deref())?,
            platform,
            min_price,
            max_price,
            free,
            words,
            sort,
            ascending,
        })
    }

    /// The listing to Query: the most selective facet the query names. The rest become filters.
    pub fn primary_facet(&self) -> String {
        if let Some(word) = self.words.iter().max_by_key(|w| w.chars().count()) {
            format!("word:{word}")
        } else if let Some(tag) = &self.tag {
            format!("tag:{tag}")
        } else if let Some(genre) = &self.genre {
            format!("genre:{genre}")
        } else if self.free == Some(true) {
            "free".to_owned()
        } else if let Some(platform) = &self.platform {
            format!("platform:{platform}")
        } else {
            "all".to_owned()
        }
    }

    /// Whether a listed game passes every filter of the query.
    pub fn admits(&self, game: &Summary) -> bool {
        let has = |list: &[String], wanted: &Option<String>| {
            wanted.as_ref().is_none_or(|w| list.iter().any(|v| key(v) == *w))
        };
        let name_words = words(&game.name);
        has(&game.genres, &self.genre)
            && has(&game.tags, &self.tag)
            && has(&game.platforms, &self.platform)
            && self.min_price.is_none_or(|lo| game.price_gems >= lo)
            && self.max_price.is_none_or(|hi| game.price_gems <= hi)
            && self.free.is_none_or(|free| (game.price_gems == 0) == free)
            && self.words.iter().all(|w| name_words.contains(w))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_cleaned_of_the_sources_odd_whitespace() {
        assert_eq!(clean_text("Disciples II: Rise of the Elves "), "Disciples II: Rise of the Elves");
        assert_eq!(clean_text("A\u{00A0}\u{3000}B\tC\u{200B}D\u{0099}"), "A B CD");
        assert_eq!(clean_list("Action; Indie ;;RPG"), ["Action", "Indie", "RPG"]);
    }

    #[test]
    fn gbp_prices_become_whole_gems_exactly() {
        assert_eq!(price_to_gems("7.19").unwrap(), 719);
        assert_eq!(price_to_gems("0").unwrap(), 0);
        assert_eq!(price_to_gems("421.99").unwrap(), 42199);
        assert_eq!(price_to_gems("3.5").unwrap(), 350);
        for bad in ["", "-1", "1.234", "abc", "1e3"] {
            assert!(price_to_gems(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn owners_ranges_parse() {
        assert_eq!(owners_range("20000-50000").unwrap(), (20000, 50000));
        assert!(owners_range("lots").is_err());
    }

    #[test]
    fn words_are_lowercase_unique_and_unicode_aware() {
        assert_eq!(words("Spy Fox in \"Dry Cereal\""), ["spy", "fox", "in", "dry", "cereal"]);
        assert_eq!(words("Mold on Pizza 🍕"), ["mold", "on", "pizza"]);
        assert_eq!(words("ÉLAN élan"), ["élan"]);
    }

    fn game() -> Game {
        Game {
            game_id: 10,
            name: "Counter-Strike".into(),
            release_date: "2000-11-01".into(),
            english: true,
            developers: vec!["Valve".into()],
            publishers: vec!["Valve".into()],
            platforms: vec!["windows".into(), "mac".into()],
            required_age: 0,
            categories: vec![],
            genres: vec!["Action".into()],
            tags: vec!["FPS".into()],
            achievements: 0,
            positive_ratings: 10,
            negative_ratings: 1,
            average_playtime_minutes: 0,
            median_playtime_minutes: 0,
            owners_min: 0,
            owners_max: 20000,
            price_gems: 719,
        }
    }

    #[test]
    fn a_game_is_listed_under_every_facet_a_filter_can_name() {
        let f = facets(&game());
        for expected in
            ["all", "genre:action", "tag:fps", "platform:windows", "platform:mac", "word:counter", "word:strike"]
        {
            assert!(f.contains(&expected.to_string()), "{expected} missing from {f:?}");
        }
        assert!(!f.contains(&"free".to_string()));
    }

    #[test]
    fn pages_list_every_facet_in_both_orders_in_order() {
        let mut games: Vec<Game> = (0..250u32)
            .map(|i| Game {
                game_id: i + 1,
                positive_ratings: u64::from(i % 7),
                release_date: format!("2019-01-{:02}", i % 28 + 1),
                ..game()
            })
            .collect();
        games[0].price_gems = 0;
        let pages = pages(&games);
        let all_by_rating: Vec<&Page> =
            pages.iter().filter(|p| p.facet == "all" && p.order == SortBy::Rating).collect();
        assert_eq!(all_by_rating.iter().map(|p| p.games.len()).collect::<Vec<_>>(), [100, 100, 50]);
        assert!(all_by_rating.iter().all(|p| p.pages == 3));
        let ratings: Vec<u64> = all_by_rating.iter().flat_map(|p| p.games.iter().map(|g| g.positive_ratings)).collect();
        assert!(ratings.windows(2).all(|w| w[0] >= w[1]), "most rated first across pages");
        let newest: Vec<String> = pages
            .iter()
            .filter(|p| p.facet == "all" && p.order == SortBy::Release)
            .flat_map(|p| p.games.iter().map(|g| g.release_date.clone()))
            .collect();
        assert!(newest.windows(2).all(|w| w[0] >= w[1]), "newest first across pages");
        assert_eq!(
            pages.iter().filter(|p| p.facet == "free").map(|p| p.games.len()).sum::<usize>(),
            2,
            "one per order"
        );
        assert_eq!(page_key(SortBy::Release, 7), "release#000007");
    }

    fn query(pairs: &[(&str, &str)]) -> Result<GameQuery, ApiError> {
        GameQuery::parse(|name| pairs.iter().find(|(k, _)| *k == name).map(|(_, v)| v.to_string()))
    }

    #[test]
    fn queries_pick_the_most_selective_facet_and_filter_the_rest() {
        let q = query(&[("q", "Counter strike"), ("genre", "ACTION"), ("maxPrice", "800")]).unwrap();
        assert_eq!(q.primary_facet(), "word:counter");
        let listed = Summary::from(&game());
        assert!(q.admits(&listed));
        assert!(!query(&[("maxPrice", "700")]).unwrap().admits(&listed));
        assert!(!query(&[("free", "true")]).unwrap().admits(&listed));
        assert!(!query(&[("platform", "linux")]).unwrap().admits(&listed));
        assert!(!query(&[("q", "counter source")]).unwrap().admits(&listed));
        assert_eq!(query(&[]).unwrap().primary_facet(), "all");
        assert_eq!(query(&[("free", "true"), ("platform", "mac")]).unwrap().primary_facet(), "free");
    }

    #[test]
    fn malformed_queries_are_rejected_with_the_field() {
        for (pairs, field) in [
            (vec![("minPrice", "-1")], "minPrice"),
            (vec![("maxPrice", "1.5")], "maxPrice"),
            (vec![("minPrice", "10"), ("maxPrice", "5")], "minPrice"),
            (vec![("platform", "amiga")], "platform"),
            (vec![("free", "yes")], "free"),
            (vec![("sort", "price")], "sort"),
            (vec![("q", "!!!")], "q"),
        ] {
            match query(&pairs) {
                Err(ApiError::Validation { field: Some(f), .. }) => assert_eq!(f, field),
                other => panic!("{pairs:?} gave {other:?}"),
            }
        }
    }
}
