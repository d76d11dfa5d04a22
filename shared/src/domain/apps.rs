//! Developer apps: the OAuth 2.0 clients of games and sites. A developer registers one for games of
//! their own studios; its server then holds game credentials (client id and secret) and trades them
//! for short-lived tokens (client-credentials grant) that speak for those games only.

use crate::error::ApiError;
use base64::Engine;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Scopes a game server's token may carry: ask who owns the app's games, report play time.
pub const SCOPE_OWNERSHIP: &str = "games:ownership";
pub const SCOPE_PLAYTIME: &str = "games:playtime";
pub const SERVER_SCOPES: [&str; 2] = [SCOPE_OWNERSHIP, SCOPE_PLAYTIME];

/// What an app registered without `scopes` may ask players for.
pub const DEFAULT_USER_SCOPES: [&str; 2] = ["openid", "profile"];

pub const MAX_GAMES: usize = 20;
pub const MAX_REDIRECT_URIS: usize = 10;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct App {
    pub client_id: String,
    pub owner_user_id: String,
    pub name: String,
    /// Compared exactly at authorization (no prefix or wildcard matching).
    pub redirect_uris: Vec<String>,
    /// The catalog games this app speaks for.
    pub game_ids: Vec<u32>,
    /// The scopes the app may ask players for (a subset of `oauth::USER_SCOPES`).
    #[serde(default)]
    pub scopes: Vec<String>,
    /// SHA-256 of the secret: a 256-bit random secret needs no slow hash.
    pub secret_hash: String,
    pub created_at: String,
}

/// What a developer asks for.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewApp {
    pub name: String,
    #[serde(default)]
    pub redirect_uris: Vec<String>,
    pub game_ids: Vec<u32>,
    /// Which of `openid`, `profile`, `library:read` it may ask players for.
    #[serde(default)]
    pub scopes: Option<Vec<String>>,
}

impl NewApp {
    /// Trimmed name, exact redirect URIs (https, or http on a loopback host for development),
    /// 1-20 distinct games.
    pub fn validate(mut self) -> Result<NewApp, ApiError> {
        self.name = self.name.trim().to_owned();
        if !(1..=80).contains(&self.name.chars().count()) || self.name.chars().any(spoofs) {
            return Err(ApiError::validation("name", "an app name is 1-80 characters"));
        }
        if self.redirect_uris.len() > MAX_REDIRECT_URIS {
            return Err(ApiError::validation("redirectUris", "at most 10 redirect URIs"));
        }
        for uri in &self.redirect_uris {
            redirect_uri(uri)?;
        }
        let mut seen = std::collections::HashSet::new();
        self.redirect_uris.retain(|uri| seen.insert(uri.clone()));
        let mut games = self.game_ids.clone();
        games.sort_unstable();
        games.dedup();
        if games.is_empty() || games.len() > MAX_GAMES || games.len() != self.game_ids.len() {
            return Err(ApiError::validation("gameIds", "1-20 distinct catalog game ids"));
        }
        let mut scopes = self.scopes.take().unwrap_or_else(|| DEFAULT_USER_SCOPES.map(String::from).to_vec());
        let mut seen = std::collections::HashSet::new();
        scopes.retain(|scope| seen.insert(scope.clone()));
        let known = |s: &String| crate::domain::oauth::USER_SCOPES.iter().any(|(scope, _)| scope == s);
        if scopes.is_empty() || !scopes.iter().all(known) {
            return Err(ApiError::validation("scopes", "scopes are openid, profile and library:read"));
        }
        self.scopes = Some(scopes);
        Ok(self)
    }
}

/// Characters that would let a name shown on the consent page disguise itself: controls and the
/// invisible direction and joiner marks (U+200B-U+200F, U+202A-U+202E, U+2060-U+206F, U+FEFF).
fn spoofs(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{206F}' | '\u{FEFF}')
}

/// A redirect URI an app may register: absolute, no fragment (RFC 6749 section 3.1.2), https or a
/// loopback http address (RFC 8252 section 7.3).
fn redirect_uri(uri: &str) -> Result<(), ApiError> {
    let invalid = || {
        ApiError::validation(
            "redirectUris",
            "a redirect URI is https://..., or http://localhost or 127.0.0.1 with a port, without a fragment",
        )
    };
    if uri.len() > 500 || uri.contains('#') || uri.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(invalid());
    }
    let (scheme, rest) = uri.split_once("://").ok_or_else(invalid)?;
    let host = rest.split(['/', '?']).next().unwrap_or_default();
    // No user part for any scheme: in `http://localhost:1@evil.example/` the host is evil.example.
    if host.contains('@') {
        return Err(invalid());
    }
    let host_name = host.rsplit_once(':').map_or(host, |(name, _)| name);
    let loopback = matches!(host_name, "localhost" | "127.0.0.1" | "[::1]");
    match scheme {
        "https" if !host_name.is_empty() => Ok(()),
        "http" if loopback => Ok(()),
        _ => Err(invalid()),
    }
}

/// A new client secret as its owner sees it once: `cs1.` and 32 random bytes.
pub fn new_secret() -> String {
    let secret: [u8; 32] = rand::random();
    format!("cs1.{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(secret))
}

pub fn secret_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// A new client id: `app_` and 32 hex digits.
pub fn new_client_id() -> String {
    format!("app_{}", uuid::Uuid::new_v4().simple())
}

impl App {
    /// Compares the presented secret's hash in constant time.
    pub fn secret_matches(&self, presented: &str) -> bool {
        let presented = secret_hash(presented);
        presented.len() == self.secret_hash.len()
            && presented.bytes().zip(self.secret_hash.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
    }

    /// The public view: everything but the secret's hash.
    pub fn view(&self) -> serde_json::Value {
        serde_json::json!({
            "clientId": self.client_id,
            "name": self.name,
            "redirectUris": self.redirect_uris,
            "gameIds": self.game_ids,
            "scopes": self.scopes,
            "serverScopes": SERVER_SCOPES,
            "createdAt": self.created_at,
        })
    }
}

/// Whether a developer of `studios` may speak for a game by `developers` and `publishers`
/// (catalog spelling, compared case-insensitively).
pub fn studio_owns(studios: &[String], developers: &[String], publishers: &[String]) -> bool {
    developers.iter().chain(publishers).any(|name| studios.iter().any(|s| s.eq_ignore_ascii_case(name)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn app(redirects: &[&str], games: &[u32]) -> Result<NewApp, ApiError> {
        NewApp {
            name: " Portal Server ".into(),
            redirect_uris: redirects.iter().map(|s| s.to_string()).collect(),
            game_ids: games.to_vec(),
            scopes: None,
        }
        .validate()
    }

    #[test]
    fn redirect_uris_are_https_or_loopback_http_without_fragments() {
        assert!(app(&["https://game.example/cb", "http://127.0.0.1:8765/cb", "http://localhost:3000/"], &[400]).is_ok());
        for bad in [
            "http://game.example/cb",
            "https://game.example/cb#x",
            "ftp://game.example",
            "game.example/cb",
            "https://",
            "https://user@evil.example/cb",
            "http://localhost.evil.example/cb",
            "http://localhost:1@evil.example/cb",
            "https://game.example/c b",
        ] {
            assert!(app(&[bad], &[400]).is_err(), "{bad}");
        }
        assert_eq!(app(&[], &[400]).unwrap().name, "Portal Server");
        let spoofed =
            NewApp { name: "Safe\u{202E}ppA".into(), redirect_uris: vec![], game_ids: vec![400], scopes: None };
        assert!(spoofed.validate().is_err(), "a right-to-left override in a name");
    }

    #[test]
    fn an_app_speaks_for_one_to_twenty_distinct_games() {
        assert!(app(&[], &[]).is_err());
        assert!(app(&[], &[400, 400]).is_err());
        assert!(app(&[], &(1..=21).collect::<Vec<_>>()).is_err());
        assert!(app(&[], &(1..=20).collect::<Vec<_>>()).is_ok());
    }

    #[test]
    fn secrets_are_checked_by_hash_and_studios_case_insensitively() {
        let secret = new_secret();
        let app = App {
            client_id: new_client_id(),
            owner_user_id: "u".into(),
            name: "n".into(),
            redirect_uris: vec![],
            game_ids: vec![400],
            scopes: vec!["openid".into()],
            secret_hash: secret_hash(&secret),
            created_at: "t".into(),
        };
        assert!(app.secret_matches(&secret));
        assert!(!app.secret_matches(&new_secret()));
        assert!(!app.view().to_string().contains(&app.secret_hash), "the view never shows the hash");
        assert!(studio_owns(&["valve".into()], &["Valve".into()], &[]));
        assert!(studio_owns(&["Valve".into()], &[], &["VALVE".into()]));
        assert!(!studio_owns(&["Valve".into()], &["Valve Fans".into()], &[]));
    }
}
