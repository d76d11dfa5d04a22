//! Product keys: a developer's batch of keys for a game, each redeemable once for the game.
//!
//! A key is 15 characters of Crockford's base32 (no I, L, O, U: nothing to misread) in three
//! groups, `7KQ2M-XW9RT-4HC8N`: 75 random bits, so guessing one is hopeless and a plain SHA-256
//! is enough to store it (a slow password hash guards low-entropy secrets; these are not). Typed
//! keys are read leniently: any case, dashes or spaces anywhere, `O` for 0 and `I`/`L` for 1.

use crate::error::ApiError;
use rand::Rng;
use sha2::{Digest, Sha256};

const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const LENGTH: usize = 15;
const GROUP: usize = 5;
/// The most keys one batch makes (one request writes them all).
pub const MAX_BATCH: u32 = 1_000;

/// A new random key, grouped for reading.
pub fn generate() -> String {
    let mut rng = rand::rng();
    let chars: Vec<char> = (0..LENGTH).map(|_| ALPHABET[rng.random_range(0..32)] as char).collect();
    chars.chunks(GROUP).map(|group| group.iter().collect::<String>()).collect::<Vec<_>>().join("-")
}

/// A typed key in its canonical form (15 characters, no dashes), or a clear 400.
pub fn normalize(raw: &str) -> Result<String, ApiError> {
    let mut key = String::with_capacity(LENGTH);
    for c in raw.chars().filter(|c| !matches!(c, '-' | ' ')) {
        let c = match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            c => c,
        };
        if !c.is_ascii() || !ALPHABET.contains(&(c as u8)) || key.len() == LENGTH {
            return Err(invalid());
        }
        key.push(c);
    }
    if key.len() != LENGTH {
        return Err(invalid());
    }
    Ok(key)
}

fn invalid() -> ApiError {
    ApiError::validation("key", "a product key is 15 letters and digits, as XXXXX-XXXXX-XXXXX")
}

/// What is stored of a key: the SHA-256 of its canonical form, in hex.
pub fn digest(canonical: &str) -> String {
    hex::encode(Sha256::digest(canonical.as_bytes()))
}

/// A batch's label (for the developer: "press", "bundle"), checked and trimmed.
pub fn check_label(raw: Option<String>) -> Result<String, ApiError> {
    let label = raw.unwrap_or_default().trim().to_owned();
    if label.chars().count() > 100 || label.chars().any(char::is_control) {
        return Err(ApiError::validation("label", "a label is at most 100 characters"));
    }
    Ok(label)
}

/// Whether a failed redemption counts as a guess (keeps its slot in the failure limits): any
/// refusal but a game already owned (the key was real and stays unused) and server errors.
pub fn is_guess(failure: &ApiError) -> bool {
    failure.code() != "already_owned" && failure.status().is_client_error()
}

/// A batch's size, checked.
pub fn check_count(count: u32) -> Result<u32, ApiError> {
    if !(1..=MAX_BATCH).contains(&count) {
        return Err(ApiError::validation("count", format!("a batch holds 1-{MAX_BATCH} keys")));
    }
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_read_back_and_differ() {
        let key = generate();
        assert_eq!(key.len(), 17);
        assert_eq!(key.matches('-').count(), 2);
        let canonical = normalize(&key).unwrap();
        assert_eq!(canonical, key.replace('-', ""));
        assert_ne!(generate(), generate());
    }

    #[test]
    fn typed_keys_are_read_leniently_and_bad_ones_refused() {
        assert_eq!(normalize("7kq2m-xw9rt-4hc8n").unwrap(), "7KQ2MXW9RT4HC8N");
        assert_eq!(normalize(" 7KQ2M XW9RT 4HC8O ").unwrap(), "7KQ2MXW9RT4HC80", "O reads as zero");
        assert_eq!(normalize("IL000-00000-00000").unwrap(), "110000000000000");
        assert!(normalize("7KQ2M-XW9RT-4HC8").is_err(), "too short");
        assert!(normalize("7KQ2M-XW9RT-4HC8NN").is_err(), "too long");
        assert!(normalize("7KQ2M-XW9RT-4HC8U").is_err(), "U is not in the alphabet");
        assert!(normalize("7KQ2M-XW9RT-4HC8é").is_err());
        assert_eq!(digest("A").len(), 64);
    }

    #[test]
    fn only_refused_keys_count_as_guesses() {
        let refused = ApiError::NotFound { code: "unknown_key", what: "k".into() };
        assert!(is_guess(&refused));
        assert!(!is_guess(&ApiError::Conflict { code: "already_owned", detail: String::new() }));
        assert!(!is_guess(&ApiError::Unavailable("db".into())), "our failure is not the player's guess");
        assert_eq!(check_label(Some("  press ".into())).unwrap(), "press");
        assert!(check_label(Some("x".repeat(101))).is_err());
    }

    #[test]
    fn batches_hold_one_to_a_thousand() {
        assert!(check_count(0).is_err() && check_count(1_001).is_err());
        assert_eq!(check_count(1_000).unwrap(), 1_000);
    }
}
