//! Game builds: what a developer may declare (platform, version, file, size, SHA-256), how an
//! upload is cut into presigned parts, and branch names (a `default` branch everyone gets, and
//! beta branches that may need a password, as Steam's).

use crate::error::ApiError;

pub const PLATFORMS: [&str; 3] = ["windows", "macos", "linux"];
pub const DEFAULT_BRANCH: &str = "default";
const MIB: u64 = 1024 * 1024;
/// A build is at most 100 GiB (S3 takes 5 TiB; no game ships more).
pub const MAX_BUILD_BYTES: u64 = 100 * 1024 * MIB;
/// S3's smallest part but the last is 5 MiB; 8 MiB keeps small builds to few parts.
pub const MIN_PART_BYTES: u64 = 8 * MIB;
/// Presigned part URLs handed out at once: a 100 GiB build has parts of about 103 MiB.
pub const MAX_PARTS: u64 = 1000;

pub fn checked_platform(raw: &str) -> Result<&'static str, ApiError> {
    PLATFORMS
        .iter()
        .find(|p| **p == raw)
        .copied()
        .ok_or_else(|| ApiError::validation("platform", format!("platform is one of {}", PLATFORMS.join(", "))))
}

fn checked_token(field: &'static str, raw: &str, max: usize, extra: &[char]) -> Result<String, ApiError> {
    let ok = !raw.is_empty()
        && raw.len() <= max
        && !raw.starts_with('.')
        && raw.chars().all(|c| c.is_ascii_alphanumeric() || extra.contains(&c));
    if ok {
        Ok(raw.to_owned())
    } else {
        let allowed: String = extra.iter().collect();
        Err(ApiError::validation(
            field,
            format!("{field} is 1-{max} letters, digits and `{allowed}`, not starting with a dot"),
        ))
    }
}

/// A version label as the developer names it (`1.4.2`, `2024.06-beta+3`).
pub fn checked_version(raw: &str) -> Result<String, ApiError> {
    checked_token("version", raw, 64, &['.', '-', '_', '+'])
}

/// The file's name as the player's download saves it (`portal2-win64.zip`).
pub fn checked_file_name(raw: &str) -> Result<String, ApiError> {
    checked_token("fileName", raw, 128, &['.', '-', '_'])
}

/// A SHA-256 as 64 hex digits (either case; stored lowercase).
pub fn checked_sha256(raw: &str) -> Result<String, ApiError> {
    if raw.len() == 64 && raw.chars().all(|c| c.is_ascii_hexdigit()) {
        Ok(raw.to_ascii_lowercase())
    } else {
        Err(ApiError::validation("sha256", "sha256 is the file's SHA-256 as 64 hex digits"))
    }
}

pub fn checked_size(bytes: u64) -> Result<u64, ApiError> {
    if (1..=MAX_BUILD_BYTES).contains(&bytes) {
        Ok(bytes)
    } else {
        Err(ApiError::validation("sizeBytes", format!("sizeBytes is 1 to {MAX_BUILD_BYTES} (100 GiB)")))
    }
}

/// A branch name: `default`, or a beta's (`beta`, `public-test`), 1-32 of `a-z`, `0-9` and `-`.
pub fn checked_branch(raw: &str) -> Result<String, ApiError> {
    let ok =
        (1..=32).contains(&raw.len()) && raw.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if ok {
        Ok(raw.to_owned())
    } else {
        Err(ApiError::validation("branch", "a branch name is 1-32 of a-z, 0-9 and -"))
    }
}

/// The parts an upload of `size` bytes is cut into: the part size (whole MiB, at least
/// `MIN_PART_BYTES`, so at most `MAX_PARTS` parts) and each part's number and length.
pub fn part_plan(size: u64) -> (u64, Vec<(i32, u64)>) {
    let part = size.div_ceil(MAX_PARTS).div_ceil(MIB).max(MIN_PART_BYTES / MIB) * MIB;
    let count = size.div_ceil(part).max(1);
    let parts = (0..count).map(|i| ((i + 1) as i32, part.min(size - i * part))).collect();
    (part, parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_cover_the_file_exactly_within_s3s_limits() {
        for size in [1, MIN_PART_BYTES, MIN_PART_BYTES + 1, 6 * MIB, 1 << 30, MAX_BUILD_BYTES] {
            let (part, parts) = part_plan(size);
            assert_eq!(parts.iter().map(|(_, n)| n).sum::<u64>(), size, "{size}");
            assert!(parts.len() as u64 <= MAX_PARTS && part >= MIN_PART_BYTES && part % MIB == 0);
            assert!(parts[..parts.len() - 1].iter().all(|(_, n)| *n == part), "all parts but the last are full");
            assert_eq!(parts.iter().map(|(n, _)| *n).collect::<Vec<_>>(), (1..=parts.len() as i32).collect::<Vec<_>>());
        }
        assert_eq!(part_plan(6 * MIB).1, vec![(1, 6 * MIB)]);
        assert_eq!(part_plan(20 * MIB).1, vec![(1, 8 * MIB), (2, 8 * MIB), (3, 4 * MIB)]);
    }

    #[test]
    fn declared_fields_are_checked() {
        assert_eq!(checked_platform("linux").unwrap(), "linux");
        assert!(checked_platform("ps5").is_err());
        assert!(checked_version("1.4.2-beta+3").is_ok());
        assert!(checked_version("../x").is_err() && checked_version("").is_err());
        assert!(checked_file_name("game-win64.zip").is_ok());
        assert!(checked_file_name("a/b.zip").is_err() && checked_file_name(".hidden").is_err());
        assert_eq!(checked_sha256(&"AB".repeat(32)).unwrap(), "ab".repeat(32));
        assert!(checked_sha256("abc").is_err());
        assert!(checked_size(0).is_err() && checked_size(MAX_BUILD_BYTES + 1).is_err());
        assert!(checked_branch("public-test").is_ok() && checked_branch("Beta").is_err());
    }
}
