//! Account input rules. Usernames are plain ASCII so look-alike Unicode cannot impersonate anyone.

use crate::error::ApiError;

pub struct NewAccount {
    pub username: String,
    /// Lower-cased: the uniqueness key.
    pub username_key: String,
    pub email: String,
    pub password: String,
}

pub fn validate_username(raw: &str) -> Result<(String, String), ApiError> {
    let ok_len = (3..=32).contains(&raw.len());
    let ok_chars = raw.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.');
    if !ok_len || !ok_chars {
        return Err(ApiError::validation(
            "username",
            "username must be 3-32 characters of ASCII letters, digits, '_', '-' or '.'",
        ));
    }
    Ok((raw.to_owned(), raw.to_ascii_lowercase()))
}

pub fn validate_email(raw: &str) -> Result<String, ApiError> {
    let email = raw.trim().to_lowercase();
    let mut parts = email.splitn(2, '@');
    let (local, domain) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let valid = email.len() <= 254
        && !local.is_empty()
        && local.len() <= 64
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && email.chars().all(|c| !c.is_whitespace() && !c.is_control());
    if !valid {
        return Err(ApiError::validation("email", "email must be a valid address"));
    }
    Ok(email)
}

pub fn validate_password(raw: &str) -> Result<(), ApiError> {
    let chars = raw.chars().count();
    if !(8..=128).contains(&chars) {
        return Err(ApiError::validation("password", "password must be 8-128 characters"));
    }
    Ok(())
}

pub fn new_account(username: &str, email: &str, password: &str) -> Result<NewAccount, ApiError> {
    let (username, username_key) = validate_username(username)?;
    let email = validate_email(email)?;
    validate_password(password)?;
    Ok(NewAccount { username, username_key, email, password: password.to_owned() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_reject_lookalikes_controls_and_bad_lengths() {
        for bad in ["ab", "a".repeat(33).as_str(), "аdmin", "ad min", "admin\u{200b}", "x\u{0}y", "émile", ""] {
            assert!(validate_username(bad).is_err(), "{bad:?} should be rejected");
        }
        assert_eq!(validate_username("Player_One").unwrap().1, "player_one");
    }

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(validate_email(" Ann@Example.COM ").unwrap(), "ann@example.com");
        for bad in ["ann", "ann@", "@example.com", "ann@example", "a b@example.com", "ann@@example.com", "ann@.com"] {
            assert!(validate_email(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn passwords_need_eight_to_128_characters() {
        assert!(validate_password("short").is_err());
        assert!(validate_password(&"x".repeat(129)).is_err());
        assert!(validate_password("long enough").is_ok());
    }
}
