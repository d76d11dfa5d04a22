//! Two-factor sign-in rules: RFC 6238 TOTP codes (SHA-1, 6 digits, 30 s, as every authenticator
//! app expects) through `totp-rs`, and single-use recovery codes, stored only as hashes.

use crate::error::ApiError;
use base64::Engine;
use sha2::{Digest, Sha256};
use totp_rs::{Algorithm, Secret, TOTP};

pub const ISSUER: &str = "Game Platform";
const STEP_SECS: u64 = 30;
pub const RECOVERY_CODES: usize = 10;

/// A new random secret (160 bits, RFC 4226's recommendation), base32 as apps take it.
pub fn new_secret() -> String {
    let bytes: [u8; 20] = rand::random();
    Secret::Raw(bytes.to_vec()).to_encoded().to_string()
}

fn totp(secret_base32: &str, account: &str) -> Result<TOTP, ApiError> {
    let secret = Secret::Encoded(secret_base32.into()).to_bytes().map_err(|e| ApiError::internal(format!("{e:?}")))?;
    TOTP::new(Algorithm::SHA1, 6, 0, STEP_SECS, secret, Some(ISSUER.into()), account.into())
        .map_err(|e| ApiError::internal(format!("{e:?}")))
}

/// The `otpauth://` URI an authenticator app scans (as a QR code) or takes by hand.
pub fn otpauth_uri(secret_base32: &str, account: &str) -> Result<String, ApiError> {
    Ok(totp(secret_base32, account)?.get_url())
}

/// The time step a code belongs to, if it is right now or one step either side (clock drift).
/// The caller must still refuse a step at or before the last one used: a code works once.
pub fn matching_step(secret_base32: &str, code: &str, now: u64) -> Result<Option<u64>, ApiError> {
    let code = code.trim();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(None);
    }
    let totp = totp(secret_base32, "check")?;
    let step = now / STEP_SECS;
    Ok([step.saturating_sub(1), step, step + 1].into_iter().find(|s| totp.check(code, s * STEP_SECS)))
}

/// Ten recovery codes as the player writes them down (`xxxxx-xxxxx`, 50 bits each).
pub fn new_recovery_codes() -> Vec<String> {
    (0..RECOVERY_CODES)
        .map(|_| {
            let bytes: [u8; 7] = rand::random();
            let text = base32_lower(&bytes);
            format!("{}-{}", &text[..5], &text[5..10])
        })
        .collect()
}

fn base32_lower(bytes: &[u8]) -> String {
    Secret::Raw(bytes.to_vec()).to_encoded().to_string().to_ascii_lowercase()
}

/// What is stored of a recovery code: its SHA-256, after the forgiving normalisation a person
/// typing it needs (case, spaces, the dash). 50 random bits make a slow hash unnecessary.
pub fn recovery_code_hash(code: &str) -> String {
    let normal: String = code.chars().filter(|c| c.is_ascii_alphanumeric()).collect::<String>().to_ascii_lowercase();
    base64::engine::general_purpose::STANDARD_NO_PAD.encode(Sha256::digest(normal.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_match_their_step_and_its_neighbours_only() {
        let secret = new_secret();
        let totp = totp(&secret, "t").unwrap();
        let now = 1_800_000_015;
        let code = totp.generate(now);
        assert_eq!(matching_step(&secret, &code, now).unwrap(), Some(now / 30));
        assert_eq!(matching_step(&secret, &code, now + 30).unwrap(), Some(now / 30), "one step of drift");
        assert_eq!(matching_step(&secret, &code, now + 90).unwrap(), None, "three steps later");
        assert_eq!(matching_step(&secret, "12345", now).unwrap(), None);
        assert_eq!(matching_step(&secret, "abcdef", now).unwrap(), None);
    }

    #[test]
    fn recovery_codes_are_distinct_and_hash_forgivingly() {
        let codes = new_recovery_codes();
        assert_eq!(codes.len(), 10);
        assert_eq!(codes.iter().collect::<std::collections::HashSet<_>>().len(), 10);
        let code = &codes[0];
        assert_eq!(recovery_code_hash(code), recovery_code_hash(&code.to_uppercase().replace('-', " ")));
        assert_ne!(recovery_code_hash(code), recovery_code_hash(&codes[1]));
    }

    #[test]
    fn the_uri_names_the_issuer_and_the_account() {
        let uri = otpauth_uri(&new_secret(), "ann").unwrap();
        assert!(uri.starts_with("otpauth://totp/Game%20Platform:ann?secret="), "{uri}");
    }
}
