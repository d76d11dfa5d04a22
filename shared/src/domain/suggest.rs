//! Search as players type: prefix suggestions over the catalog's game names. Pure: no I/O.
//!
//! The loader stores *buckets*: for every 3-character prefix of a name word, every game having a
//! word that starts with it (the most rated `BUCKET_CAP`), and for 1- and 2-character prefixes
//! the `SHORT_BUCKET` most rated. A query reads one bucket (the 3-character prefix of its longest
//! word, or the short bucket of what was typed) and filters it here: each finished word must be a
//! word of the name and the word being typed must begin one. So "port" finds Portal and Portal 2
//! with one read.

use super::catalog::{words, Game};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const BUCKET_CHARS: usize = 3;
/// A bucket keeps at most this many games (its item stays well under DynamoDB's 400 KB).
pub const BUCKET_CAP: usize = 2_000;
pub const SHORT_BUCKET: usize = 20;
pub const MAX_SUGGESTIONS: usize = 20;

/// A game as a suggestion shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Suggestion {
    pub game_id: u32,
    pub name: String,
    pub positive_ratings: u64,
}

/// The first `n` characters of a word (by character, not byte).
fn prefix(word: &str, n: usize) -> String {
    word.chars().take(n).collect()
}

/// Every bucket of the catalog: key (the prefix) and its games, most rated first.
pub fn buckets(games: &[Game]) -> Vec<(String, Vec<Suggestion>)> {
    let mut by_prefix: BTreeMap<String, Vec<&Game>> = BTreeMap::new();
    for game in games {
        let mut prefixes: Vec<String> = words(&game.name)
            .iter()
            .flat_map(|w| (1..=BUCKET_CHARS).filter(|n| *n <= w.chars().count()).map(move |n| prefix(w, n)))
            .collect();
        prefixes.sort();
        prefixes.dedup();
        for p in prefixes {
            by_prefix.entry(p).or_default().push(game);
        }
    }
    by_prefix
        .into_iter()
        .map(|(p, mut members)| {
            members.sort_by(|a, b| b.positive_ratings.cmp(&a.positive_ratings).then(a.game_id.cmp(&b.game_id)));
            let cap = if p.chars().count() < BUCKET_CHARS { SHORT_BUCKET } else { BUCKET_CAP };
            let kept = members.iter().take(cap).map(|g| Suggestion {
                game_id: g.game_id,
                name: g.name.clone(),
                positive_ratings: g.positive_ratings,
            });
            (p, kept.collect())
        })
        .collect()
}

/// What a typed query asks for: the finished words and the word being typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Typed {
    pub finished: Vec<String>,
    pub typing: String,
}

impl Typed {
    /// `None` when nothing searchable was typed. A trailing space finishes the last word.
    pub fn parse(q: &str) -> Option<Typed> {
        let mut all = words(q);
        let ends_word = q.ends_with(|c: char| !c.is_alphanumeric());
        let typing = if ends_word { String::new() } else { all.pop()? };
        if typing.is_empty() && all.is_empty() {
            return None;
        }
        Some(Typed { finished: all, typing })
    }

    /// The bucket to read: the 3-character prefix of the longest word, else the short bucket
    /// of the word being typed.
    pub fn bucket(&self) -> String {
        let longest = self.finished.iter().chain(std::iter::once(&self.typing)).max_by_key(|w| w.chars().count());
        let longest = longest.cloned().unwrap_or_default();
        prefix(&longest, BUCKET_CHARS)
    }

    /// Whether a name matches: every finished word is one of its words, and the word being
    /// typed begins one.
    pub fn matches(&self, name: &str) -> bool {
        let name_words = words(name);
        self.finished.iter().all(|f| name_words.contains(f))
            && (self.typing.is_empty() || name_words.iter().any(|w| w.starts_with(&self.typing)))
    }
}

/// The bucket's games that match, most rated first, at most `limit`.
pub fn suggest(bucket: &[Suggestion], typed: &Typed, limit: usize) -> Vec<Suggestion> {
    bucket.iter().filter(|s| typed.matches(&s.name)).take(limit).cloned().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn game(game_id: u32, name: &str, positive_ratings: u64) -> Game {
        Game {
            game_id,
            name: name.into(),
            release_date: String::new(),
            english: true,
            developers: vec![],
            publishers: vec![],
            platforms: vec![],
            required_age: 0,
            categories: vec![],
            genres: vec![],
            tags: vec![],
            achievements: 0,
            positive_ratings,
            negative_ratings: 0,
            average_playtime_minutes: 0,
            median_playtime_minutes: 0,
            owners_min: 0,
            owners_max: 0,
            price_gems: 0,
        }
    }

    fn run(games: &[Game], q: &str) -> Vec<u32> {
        let buckets: BTreeMap<String, Vec<Suggestion>> = buckets(games).into_iter().collect();
        let Some(typed) = Typed::parse(q) else { return vec![] };
        let bucket = buckets.get(&typed.bucket()).cloned().unwrap_or_default();
        suggest(&bucket, &typed, 10).iter().map(|s| s.game_id).collect()
    }

    #[test]
    fn a_prefix_finds_every_name_with_a_word_starting_with_it_most_rated_first() {
        let games =
            [game(400, "Portal", 50), game(620, "Portal 2", 90), game(1, "Port Royale", 5), game(2, "Sport", 99)];
        assert_eq!(run(&games, "port"), [620, 400, 1], "Sport has no word starting with port");
        assert_eq!(run(&games, "PORTAL"), [620, 400]);
        assert_eq!(run(&games, "portal 2"), [620]);
        assert_eq!(run(&games, "portal "), [620, 400], "a finished word matches whole words only");
        assert_eq!(run(&games, "royale po"), [1]);
        assert_eq!(run(&games, "p"), [620, 400, 1]);
        assert_eq!(run(&games, "zzz"), Vec::<u32>::new());
        assert_eq!(run(&games, " - "), Vec::<u32>::new());
    }

    #[test]
    fn short_buckets_keep_only_the_most_rated() {
        let games: Vec<Game> = (0..50).map(|i| game(i, &format!("Alpha {i}"), i as u64)).collect();
        let all: BTreeMap<String, Vec<Suggestion>> = buckets(&games).into_iter().collect();
        assert_eq!(all["a"].len(), SHORT_BUCKET);
        assert_eq!(all["a"][0].game_id, 49);
        assert_eq!(all["alp"].len(), 50);
    }
}
