//! What a chat message may say.

use crate::error::ApiError;

pub const MAX_TEXT_CHARS: usize = 2000;

/// Invisible format characters: zero-width spaces and joiners, the byte-order mark, word joiners,
/// the soft hyphen. Allowed inside text (emoji sequences need the joiner) but never all of it.
pub(crate) fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200D}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}' | '\u{00AD}' | '\u{034F}' | '\u{180E}')
}

/// Bidirectional overrides, embeddings and isolates reorder what the reader sees (the "Trojan
/// source" trick): a message could show text other than what it holds.
pub(crate) fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// Message text: trimmed, 1-2000 characters with at least one visible one, no control characters
/// but line breaks and tabs, no bidirectional controls.
pub fn validate_text(raw: &str) -> Result<String, ApiError> {
    checked_text("text", raw, MAX_TEXT_CHARS)
}

/// Text one player writes to another (`field` in the request): `validate_text`'s rules with at
/// most `max_chars` characters.
pub fn checked_text(field: &'static str, raw: &str, max_chars: usize) -> Result<String, ApiError> {
    let text = raw.trim_matches(|c: char| c.is_whitespace() || is_invisible(c));
    if text.is_empty() {
        return Err(ApiError::validation(field, format!("{field} must contain a visible character")));
    }
    if text.chars().count() > max_chars {
        return Err(ApiError::validation(field, format!("{field} may be at most {max_chars} characters")));
    }
    if text.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(ApiError::validation(field, format!("{field} must not contain control characters")));
    }
    if text.chars().any(is_bidi_control) {
        return Err(ApiError::validation(field, format!("{field} must not contain bidirectional control characters")));
    }
    Ok(text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_text_rules() {
        assert!(validate_text("   ").is_err());
        assert!(validate_text(&"x".repeat(MAX_TEXT_CHARS + 1)).is_err());
        assert!(validate_text("bell\u{7}").is_err());
        assert_eq!(validate_text("  hi\nthere ").unwrap(), "hi\nthere");
    }

    #[test]
    fn text_made_only_of_invisible_characters_is_refused() {
        assert!(validate_text("\u{200B}").is_err());
        assert!(validate_text("\u{FEFF}\u{200B} \u{2060}").is_err());
        assert_eq!(validate_text("\u{200B}gg\u{FEFF}").unwrap(), "gg");
    }

    #[test]
    fn bidirectional_overrides_are_refused_but_joined_emoji_pass() {
        assert!(validate_text("abc\u{202E}fdp.exe").is_err());
        assert!(validate_text("\u{2066}x\u{2069}").is_err());
        assert_eq!(validate_text("👩\u{200D}💻").unwrap(), "👩\u{200D}💻");
    }
}
