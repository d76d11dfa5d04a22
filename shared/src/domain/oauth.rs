//! "Sign in with the platform": the rules of an OAuth 2.0 authorization request (RFC 6749 section
//! 4.1 with PKCE, RFC 7636, required) and the scopes a player can grant an app.

use base64::Engine;
use sha2::{Digest, Sha256};
use std::collections::HashMap;

/// Scopes a player can grant: `openid` (an ID token and `userinfo`), `profile` (name, picture,
/// locale), `library:read` (the games they own).
pub const USER_SCOPES: [(&str, &str); 3] = [
    ("openid", "Know who you are on the platform (your player id)"),
    ("profile", "See your display name, avatar and language"),
    ("library:read", "See which games you own"),
];

/// An authorization request, as the app sent it (query string of `GET /oauth/authorize`, then the
/// consent form's hidden fields).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizationRequest {
    pub client_id: String,
    pub redirect_uri: String,
    pub scopes: Vec<String>,
    pub state: Option<String>,
    pub code_challenge: String,
    pub nonce: Option<String>,
}

/// Why a request is refused. `Unsafe` errors cannot be sent back to the app (the client or its
/// redirect URI is not proven, RFC 6749 section 4.1.2.1): the person sees them. `Redirect` errors
/// go back to the app's redirect URI as `error=...`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestError {
    Unsafe(&'static str),
    Redirect { error: &'static str, description: &'static str },
}

/// The request's parameters before the client and redirect URI are checked against the registry.
pub fn parse_request(params: &HashMap<String, String>) -> Result<AuthorizationRequest, RequestError> {
    let get = |name: &str| params.get(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
    let client_id = get("client_id").ok_or(RequestError::Unsafe("the request names no client_id"))?;
    let redirect_uri = get("redirect_uri").ok_or(RequestError::Unsafe("the request names no redirect_uri"))?;
    if client_id.len() > 100 || redirect_uri.len() > 500 {
        return Err(RequestError::Unsafe("the client_id or redirect_uri is too long"));
    }
    let redirect = |error, description| RequestError::Redirect { error, description };
    if get("response_type").as_deref() != Some("code") {
        return Err(redirect("unsupported_response_type", "response_type must be code"));
    }
    let code_challenge = get("code_challenge")
        .filter(|c| c.len() == 43 && c.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
        .ok_or_else(|| redirect("invalid_request", "PKCE is required: a code_challenge of 43 base64url characters"))?;
    if get("code_challenge_method").as_deref() != Some("S256") {
        return Err(redirect("invalid_request", "code_challenge_method must be S256"));
    }
    // Scopes we do not know are ignored (OpenID Connect Core 3.1.2.1), so a generic client's
    // "openid email profile" works; what is left must not be empty.
    let mut scopes: Vec<String> = Vec::new();
    for scope in get("scope").unwrap_or_default().split(' ') {
        if USER_SCOPES.iter().any(|(known, _)| *known == scope) && !scopes.iter().any(|s| s == scope) {
            scopes.push(scope.to_owned());
        }
    }
    if scopes.is_empty() {
        return Err(redirect("invalid_scope", "ask for at least one of openid, profile, library:read"));
    }
    // `state` and `nonce` go back exactly as sent (the client compares them).
    let verbatim = |name: &str| params.get(name).filter(|v| !v.is_empty()).cloned();
    let (state, nonce) = (verbatim("state"), verbatim("nonce"));
    if state.iter().chain(&nonce).any(|v| v.len() > 500) {
        return Err(redirect("invalid_request", "state and nonce are at most 500 characters"));
    }
    Ok(AuthorizationRequest { client_id, redirect_uri, scopes, state, code_challenge, nonce })
}

impl AuthorizationRequest {
    pub fn scope(&self) -> String {
        self.scopes.join(" ")
    }

    /// The redirect back to the app with `params` and the request's `state`.
    pub fn redirect(&self, params: &[(&str, &str)]) -> String {
        let mut query = form_urlencoded::Serializer::new(String::new());
        for (name, value) in params {
            query.append_pair(name, value);
        }
        if let Some(state) = &self.state {
            query.append_pair("state", state);
        }
        let separator = if self.redirect_uri.contains('?') { '&' } else { '?' };
        format!("{}{separator}{}", self.redirect_uri, query.finish())
    }
}

/// RFC 7636 section 4.6: BASE64URL(SHA256(verifier)) == challenge, for a verifier of 43-128
/// unreserved characters.
pub fn pkce_verifies(verifier: &str, challenge: &str) -> bool {
    let well_formed = (43..=128).contains(&verifier.len())
        && verifier.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'));
    well_formed
        && base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())) == challenge
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    // RFC 7636 appendix B.
    const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    fn good() -> Vec<(&'static str, &'static str)> {
        vec![
            ("response_type", "code"),
            ("client_id", "app_1"),
            ("redirect_uri", "https://game.example/cb"),
            ("scope", "openid profile"),
            ("state", "xyz"),
            ("code_challenge", CHALLENGE),
            ("code_challenge_method", "S256"),
        ]
    }

    #[test]
    fn pkce_s256_matches_the_rfc_example_only() {
        assert!(pkce_verifies(VERIFIER, CHALLENGE));
        assert!(!pkce_verifies(&VERIFIER.replace('d', "e"), CHALLENGE));
        assert!(!pkce_verifies("short", CHALLENGE));
    }

    #[test]
    fn a_request_needs_pkce_s256_a_code_response_and_known_scopes() {
        let request = parse_request(&params(&good())).unwrap();
        assert_eq!(request.scope(), "openid profile");
        let mut generic = good();
        generic.push(("scope", "openid email profile offline_access"));
        generic.remove(3);
        assert_eq!(parse_request(&params(&generic)).unwrap().scope(), "openid profile", "unknown scopes are ignored");
        assert_eq!(request.redirect(&[("code", "c d")]), "https://game.example/cb?code=c+d&state=xyz");
        for (name, value, expected) in [
            ("code_challenge_method", "plain", "invalid_request"),
            ("code_challenge", "", "invalid_request"),
            ("response_type", "token", "unsupported_response_type"),
            ("scope", "admin email", "invalid_scope"),
            ("scope", "", "invalid_scope"),
        ] {
            let mut pairs = good();
            pairs.retain(|(k, _)| *k != name);
            pairs.push((name, value));
            match parse_request(&params(&pairs)) {
                Err(RequestError::Redirect { error, .. }) => assert_eq!(error, expected, "{name}={value}"),
                other => panic!("{name}={value}: {other:?}"),
            }
        }
        let mut no_client = good();
        no_client.retain(|(k, _)| *k != "client_id");
        assert!(matches!(parse_request(&params(&no_client)), Err(RequestError::Unsafe(_))));
    }
}
