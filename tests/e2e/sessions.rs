//! Sessions: short access tokens, rotating refresh tokens whose reuse ends the session, logout,
//! logout everywhere, the list of sessions, ending one, and a password change ending the others.

use platform_tests::{http_from, new_source, stack, Player, Reply, Stack};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

const PASSWORD: &str = "correct horse battery";

async fn login(s: &Stack, p: &Player, device: &str) -> Value {
    let r = http_from(new_source())
        .post(format!("{}/account/login", s.base_url))
        .header("user-agent", device)
        .json(&json!({ "username": p.username, "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    r.json().await.unwrap()
}

async fn refresh(s: &Stack, refresh_token: &Value) -> Reply {
    s.post("/account/refresh", None, &json!({ "refreshToken": refresh_token })).await
}

/// The seconds an access token is valid for, read from its claims.
fn lifetime(token: &str) -> u64 {
    use base64::Engine;
    let payload = token.split('.').nth(1).unwrap();
    let claims: Value =
        serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
    claims["exp"].as_u64().unwrap() - claims["iat"].as_u64().unwrap()
}

#[tokio::test]
async fn a_refresh_token_works_once_and_its_reuse_ends_the_whole_session() {
    let s = stack();
    let p = s.new_player().await;
    let signed_in = login(s, &p, "phone").await;
    assert_eq!(signed_in["message"], "Login successful");
    assert!(lifetime(signed_in["token"].as_str().unwrap()) <= 15 * 60, "access tokens live 15 minutes at most");

    let first = refresh(s, &signed_in["refreshToken"]).await;
    assert_eq!(first.status, StatusCode::OK, "{:?}", first.body);
    assert_eq!(first.body["sessionId"], signed_in["sessionId"]);
    assert_ne!(first.body["refreshToken"], signed_in["refreshToken"], "rotated");
    assert!(lifetime(first.body["token"].as_str().unwrap()) <= 15 * 60);
    assert_eq!(s.get("/account/currency", first.body["token"].as_str()).await.status, StatusCode::OK);

    // The spent token comes back (a thief replaying it, or the real client after a theft).
    refresh(s, &signed_in["refreshToken"]).await.assert_problem(401, "unauthorized");
    // The whole family is dead now, including the newest token.
    refresh(s, &first.body["refreshToken"]).await.assert_problem(401, "unauthorized");
}

#[tokio::test]
async fn concurrent_refreshes_with_one_token_never_both_succeed() {
    let s = stack();
    let p = s.new_player().await;
    let signed_in = login(s, &p, "laptop").await;
    let replies = futures::future::join_all((0..10).map(|_| refresh(s, &signed_in["refreshToken"]))).await;
    let won: Vec<&Reply> = replies.iter().filter(|r| r.status == StatusCode::OK).collect();
    assert!(won.len() <= 1, "one token, at most one new family member: {}", won.len());
    // The others presented a spent token, which ends the session, so the winner's token is dead too.
    if let Some(winner) = won.first() {
        refresh(s, &winner.body["refreshToken"]).await.assert_problem(401, "unauthorized");
    }
    for loser in replies.iter().filter(|r| r.status != StatusCode::OK) {
        loser.assert_problem(401, "unauthorized");
    }
}

#[tokio::test]
async fn malformed_unknown_and_forged_refresh_tokens_are_refused() {
    let s = stack();
    let p = s.new_player().await;
    let real = login(s, &p, "tv").await["refreshToken"].as_str().unwrap().to_owned();
    let forged = format!("{}{}", &real[..real.len() - 4], "AAAA");
    for bad in [json!(""), json!("rt1.x.y.z"), json!(forged), json!(real.replace("rt1", "rt2"))] {
        refresh(s, &bad).await.assert_problem(401, "unauthorized");
    }
    assert_eq!(refresh(s, &json!(real)).await.status, StatusCode::OK, "failed guesses did not touch the session");
}

#[tokio::test]
async fn logout_ends_this_session_and_logout_all_ends_every_one() {
    let s = stack();
    let p = s.new_player().await;
    let (a, b, c) = (login(s, &p, "a").await, login(s, &p, "b").await, login(s, &p, "c").await);
    let r = s.post("/account/logout", a["token"].as_str(), &json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["sessionId"], a["sessionId"]);
    refresh(s, &a["refreshToken"]).await.assert_problem(401, "unauthorized");
    assert_eq!(refresh(s, &b["refreshToken"]).await.status, StatusCode::OK, "other sessions go on");

    let r = s.post("/account/logout-all", c["token"].as_str(), &json!({})).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["endedSessions"], 3, "b, c and the harness's own sign-in");
    refresh(s, &c["refreshToken"]).await.assert_problem(401, "unauthorized");
}

#[tokio::test]
async fn sessions_are_listed_with_their_device_and_one_can_be_ended_by_its_owner_only() {
    let s = stack();
    let p = s.new_player().await;
    let phone = login(s, &p, "GamePhone/2.1").await;
    let desk = login(s, &p, "Desktop client").await;
    let listed = s.get("/account/sessions", desk["token"].as_str()).await;
    assert_eq!(listed.status, StatusCode::OK);
    let sessions = listed.body["sessions"].as_array().unwrap();
    assert_eq!(sessions.len(), 3, "phone, desktop, and the harness's sign-in: {sessions:?}");
    assert_eq!(sessions[0]["sessionId"], desk["sessionId"], "newest first");
    assert_eq!(
        (sessions[0]["device"].as_str(), sessions[0]["current"].as_bool()),
        (Some("Desktop client"), Some(true))
    );
    assert_eq!(
        (sessions[1]["device"].as_str(), sessions[1]["current"].as_bool()),
        (Some("GamePhone/2.1"), Some(false))
    );

    let stranger = s.new_player().await;
    let path = format!("/account/sessions/{}", phone["sessionId"].as_str().unwrap());
    s.call(Method::DELETE, &path, Some(&stranger.token), &[], None).await.assert_problem(404, "unknown_session");
    let ended = s.call(Method::DELETE, &path, desk["token"].as_str(), &[], None).await;
    assert_eq!(ended.status, StatusCode::OK, "{:?}", ended.body);
    refresh(s, &phone["refreshToken"]).await.assert_problem(401, "unauthorized");
    s.call(Method::DELETE, &path, desk["token"].as_str(), &[], None).await.assert_problem(404, "unknown_session");
    let listed = s.get("/account/sessions", desk["token"].as_str()).await;
    assert_eq!(listed.body["sessions"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn a_password_change_ends_every_other_session_and_needs_the_current_password() {
    let s = stack();
    let p = s.new_player().await;
    let (here, there) = (login(s, &p, "here").await, login(s, &p, "there").await);
    let wrong = json!({ "currentPassword": "not it at all", "newPassword": "a brand new password" });
    s.post("/account/password", here["token"].as_str(), &wrong).await.assert_problem(400, "validation_failed");
    assert_eq!(refresh(s, &there["refreshToken"]).await.status, StatusCode::OK, "a failed change ends nothing");

    let change = json!({ "currentPassword": PASSWORD, "newPassword": "a brand new password" });
    let r = s.post("/account/password", here["token"].as_str(), &change).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["endedSessions"], 2, "there, and the harness's sign-in");
    let there_now = s.get("/account/sessions", here["token"].as_str()).await;
    assert_eq!(there_now.body["sessions"].as_array().unwrap().len(), 1, "only this session is left");
    assert_eq!(refresh(s, &here["refreshToken"]).await.status, StatusCode::OK, "this session goes on");

    let old = json!({ "username": p.username, "password": PASSWORD });
    s.post_from(new_source(), "/account/login", None, &old).await.assert_problem(401, "invalid_credentials");
    let new = json!({ "username": p.username, "password": "a brand new password" });
    assert_eq!(s.post_from(new_source(), "/account/login", None, &new).await.status, StatusCode::OK);
}
