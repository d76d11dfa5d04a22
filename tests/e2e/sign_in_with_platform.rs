//! "Sign in with the platform": Authlib's OAuth 2.0 client runs the PKCE authorization-code flow
//! against the local API while a browser-like client uses the consent page; the code is bound to
//! its app, redirect URI and verifier, and works once; the app's tokens never pass as the player's.

use platform_tests::{http, stack, third_party, Player, Stack, PLAYER_PASSWORD};
use reqwest::StatusCode;
use serde_json::{json, Value};

const REDIRECT: &str = "http://127.0.0.1:8765/callback";
// RFC 7636 appendix B.
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

struct RegisteredApp {
    client_id: String,
    secret: String,
}

async fn register_app(s: &Stack, name: &str, scopes: Option<&[&str]>) -> RegisteredApp {
    let dev = s.developer_of("Valve").await;
    let mut body = json!({ "name": name, "redirectUris": [REDIRECT], "gameIds": [10] });
    if let Some(scopes) = scopes {
        body["scopes"] = json!(scopes);
    }
    let made = s.post("/developer/apps", Some(&dev.token), &body).await;
    assert_eq!(made.status, StatusCode::CREATED, "{:?}", made.body);
    RegisteredApp {
        client_id: made.body["clientId"].as_str().unwrap().into(),
        secret: made.body["clientSecret"].as_str().unwrap().into(),
    }
}

/// A client that does not follow redirects: the tests read where the browser would go.
fn browser() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

fn authorize_params<'a>(app: &'a RegisteredApp, redirect: &'a str) -> Vec<(&'static str, &'a str)> {
    vec![
        ("response_type", "code"),
        ("client_id", &app.client_id),
        ("redirect_uri", redirect),
        ("scope", "openid profile"),
        ("state", "s-123"),
        ("code_challenge", CHALLENGE),
        ("code_challenge_method", "S256"),
    ]
}

/// Submits the consent form as the player; returns the status and where it sends the browser.
async fn consent(s: &Stack, app: &RegisteredApp, player: &Player, password: &str, decision: &str) -> (u16, String) {
    let mut form = authorize_params(app, REDIRECT);
    form.extend([("username", player.username.as_str()), ("password", password), ("decision", decision)]);
    let answer = browser().post(format!("{}/oauth/authorize", s.base_url)).form(&form).send().await.unwrap();
    let location = answer.headers().get("location").map(|l| l.to_str().unwrap().to_owned()).unwrap_or_default();
    (answer.status().as_u16(), location)
}

fn query_value(url: &str, name: &str) -> Option<String> {
    let query = url.split_once('?')?.1;
    query.split('&').filter_map(|pair| pair.split_once('=')).find(|(k, _)| *k == name).map(|(_, v)| v.to_owned())
}

async fn token_request(s: &Stack, app: &RegisteredApp, form: &[(&str, String)]) -> (u16, Value) {
    let answer = http()
        .post(format!("{}/oauth/token", s.base_url))
        .basic_auth(&app.client_id, Some(&app.secret))
        .form(form)
        .send()
        .await
        .unwrap();
    (answer.status().as_u16(), answer.json().await.unwrap())
}

#[tokio::test]
async fn authlib_signs_a_player_in_with_pkce_and_reads_their_profile_and_library() {
    let s = stack();
    let app = register_app(s, "Portal Companion", Some(&["openid", "profile", "library:read"])).await;
    let player = s.new_player().await;
    let profile = s
        .call(reqwest::Method::PATCH, "/account/profile", Some(&player.token), &[], Some(r#"{"displayName":"Ann"}"#))
        .await;
    assert_eq!(profile.status, StatusCode::OK, "{:?}", profile.body);
    let claim = s.post_keyed("/store/purchase", &player.token, "claim-for-app", &json!({ "gameId": 730 })).await;
    assert_eq!(claim.status, StatusCode::OK, "{:?}", claim.body);

    let out = third_party(
        "authlib_client.py",
        &[
            "authorization-code",
            &s.base_url,
            &app.client_id,
            &app.secret,
            REDIRECT,
            &player.username,
            PLAYER_PASSWORD,
            "openid profile library:read",
        ],
    );
    assert_eq!(out["page"]["status"], 200, "{out}");
    assert!(out["page"]["title"].as_str().unwrap().contains("Portal Companion"), "the page names the app");
    assert_eq!(out["page"]["frame_options"], "DENY", "no site may frame the consent page");
    assert_eq!(out["redirect"]["status"], 302);
    assert!(out["redirect"]["location"].as_str().unwrap().starts_with(REDIRECT));
    assert_eq!(out["token"]["scope"], "openid profile library:read");
    assert!(out["token"]["refresh_token"].as_str().unwrap().starts_with("ra1."));

    let id = &out["id_claims"];
    assert_eq!((id["sub"].as_str(), id["aud"].as_str()), (Some(player.user_id.as_str()), Some(app.client_id.as_str())));
    assert_eq!(id["nonce"], out["nonce"], "the ID token carries the request's nonce");
    assert_eq!(id["name"], "Ann");
    assert_eq!(out["userinfo"]["status"], 200);
    assert_eq!(out["userinfo"]["body"]["sub"], player.user_id.as_str());
    assert_eq!(out["userinfo"]["body"]["preferred_username"], player.username.as_str());
    assert_eq!(out["library"]["status"], 200);
    assert_eq!(out["library"]["body"]["games"][0]["gameId"], 730);
    assert!(out["refreshed"]["access_token"].is_string());
    assert_eq!(out["reused_refresh_token"], "invalid_grant", "a rotated refresh token works once");

    // The app's token is not the player's: player endpoints refuse it.
    let app_token = out["refreshed"]["access_token"].as_str().unwrap();
    s.get("/account/currency", Some(app_token)).await.assert_problem(401, "unauthorized");
    // The reuse ended the app's session, as any session's refresh reuse does.
    let sessions = s.get("/account/sessions", Some(&player.token)).await;
    let devices: Vec<&str> =
        sessions.body["sessions"].as_array().unwrap().iter().filter_map(|x| x["device"].as_str()).collect();
    assert!(!devices.contains(&"app: Portal Companion"), "{devices:?}");
}

#[tokio::test]
async fn a_code_is_bound_to_its_app_redirect_uri_and_verifier_and_works_once() {
    let s = stack();
    // Registered without `scopes`: openid and profile only.
    let (app, other_app) = (register_app(s, "Bound App", None).await, register_app(s, "Other App", None).await);
    let player = s.new_player().await;

    // An unregistered redirect URI is a page for the person, never a redirect.
    let evil = authorize_params(&app, "https://evil.example/cb");
    let page = browser().get(format!("{}/oauth/authorize", s.base_url)).query(&evil).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::BAD_REQUEST);
    assert!(page.headers().get("location").is_none());

    // A scope the app did not register goes back to the app as invalid_scope.
    let mut greedy = authorize_params(&app, REDIRECT);
    greedy.retain(|(k, _)| *k != "scope");
    greedy.push(("scope", "openid library:read"));
    let answer = browser().get(format!("{}/oauth/authorize", s.base_url)).query(&greedy).send().await.unwrap();
    let location = answer.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(query_value(&location, "error").as_deref(), Some("invalid_scope"), "{location}");

    let (status, _) = consent(s, &app, &player, "wrong password", "allow").await;
    assert_eq!(status, 401, "a wrong password shows the page again");
    let (status, denied) = consent(s, &app, &player, PLAYER_PASSWORD, "deny").await;
    assert_eq!(status, 302);
    assert_eq!(
        (query_value(&denied, "error").as_deref(), query_value(&denied, "state").as_deref()),
        (Some("access_denied"), Some("s-123"))
    );

    let (status, location) = consent(s, &app, &player, PLAYER_PASSWORD, "allow").await;
    assert_eq!(status, 302, "{location}");
    let code = query_value(&location, "code").expect("a code");
    let redeem = |verifier: Option<&str>, redirect: &str| {
        let mut form = vec![("grant_type", "authorization_code".to_owned()), ("code", code.clone())];
        form.push(("redirect_uri", redirect.to_owned()));
        form.extend(verifier.map(|v| ("code_verifier", v.to_owned())));
        form
    };
    let refused = |(status, body): (u16, Value)| (status, body["error"].as_str().unwrap_or_default().to_owned());
    let invalid_grant = (400, "invalid_grant".to_owned());

    assert_eq!(
        refused(token_request(s, &app, &redeem(None, REDIRECT)).await),
        (400, "invalid_request".into()),
        "no verifier"
    );
    let wrong = "x".repeat(43);
    assert_eq!(
        refused(token_request(s, &app, &redeem(Some(&wrong), REDIRECT)).await),
        invalid_grant,
        "a wrong verifier"
    );
    let elsewhere = redeem(Some(VERIFIER), "http://127.0.0.1:8765/other");
    assert_eq!(refused(token_request(s, &app, &elsewhere).await), invalid_grant, "another redirect URI");
    let right = redeem(Some(VERIFIER), REDIRECT);
    assert_eq!(refused(token_request(s, &other_app, &right).await), invalid_grant, "another app's code");

    let (status, body) = token_request(s, &app, &right).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["id_token"].is_string() && body["access_token"].is_string());
    assert_eq!(refused(token_request(s, &app, &right).await), invalid_grant, "a used code");
    // ... and the reuse ended what the code opened: its refresh token no longer works.
    let refresh = vec![
        ("grant_type", "refresh_token".to_owned()),
        ("refresh_token", body["refresh_token"].as_str().unwrap().to_owned()),
    ];
    assert_eq!(refused(token_request(s, &app, &refresh).await), invalid_grant, "the reused code's grant ended");

    // A player's own refresh token is not an app's, and an app's is not a player's.
    let player_refresh = vec![("grant_type", "refresh_token".to_owned()), ("refresh_token", "rt1.x.y.z".to_owned())];
    assert_eq!(refused(token_request(s, &app, &player_refresh).await), invalid_grant);
}
