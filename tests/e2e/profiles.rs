//! Profiles: a player sets and clears fields, sees everything of their own; others see a public
//! profile without the birth date, and nothing but the id of a private or friends-only one.

use platform_tests::stack;
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn a_profile_is_set_cleared_and_seen_by_others_as_its_privacy_says() {
    let s = stack();
    let (ann, bob) = (s.new_player().await, s.new_player().await);
    let patch = |token: &str, body: serde_json::Value| {
        let token = token.to_owned();
        async move { s.call(Method::PATCH, "/account/profile", Some(&token), &[], Some(&body.to_string())).await }
    };
    let set = json!({
        "displayName": "Ann the Bold", "avatarUrl": "https://cdn.example.com/ann.png", "country": "gb",
        "language": "pt-br", "birthDate": "2001-04-05"
    });
    let mine = patch(&ann.token, set).await;
    assert_eq!(mine.status, StatusCode::OK, "{:?}", mine.body);
    assert_eq!(
        (&mine.body["country"], &mine.body["language"], &mine.body["privacy"], &mine.body["birthDate"]),
        (&json!("GB"), &json!("pt-BR"), &json!("public"), &json!("2001-04-05"))
    );

    let public = s.get(&format!("/players/{}", ann.user_id), Some(&bob.token)).await;
    assert_eq!(public.status, StatusCode::OK);
    assert_eq!(public.body["displayName"], "Ann the Bold");
    assert_eq!(public.body["username"], json!(ann.username));
    assert!(public.body.get("birthDate").is_none() && public.body.get("language").is_none(), "{:?}", public.body);
    assert_eq!(s.get(&format!("/players/{}", ann.user_id), None).await.body, public.body, "no token needed");

    for privacy in ["private", "friends"] {
        assert_eq!(patch(&ann.token, json!({ "privacy": privacy })).await.status, StatusCode::OK);
        let seen = s.get(&format!("/players/{}", ann.user_id), Some(&bob.token)).await;
        assert_eq!(seen.body, json!({ "userId": ann.user_id }), "{privacy}: nothing but the id");
        let own = s.get(&format!("/players/{}", ann.user_id), Some(&ann.token)).await;
        assert_eq!(own.body["birthDate"], "2001-04-05", "the player still sees everything");
    }

    let cleared = patch(&ann.token, json!({ "displayName": null, "privacy": "public" })).await;
    assert_eq!(cleared.body["displayName"], json!(null));
    assert_eq!(cleared.body["country"], "GB", "fields not sent stay");
}

#[tokio::test]
async fn bad_profile_values_are_refused_and_change_nothing() {
    let s = stack();
    let p = s.new_player().await;
    let before = s.get("/account/profile", Some(&p.token)).await.body;
    for (field, value) in [
        ("country", json!("XX")),
        ("birthDate", json!("2999-01-01")),
        ("birthDate", json!("2010-02-30")),
        ("avatarUrl", json!("http://example.com/a.png")),
        ("displayName", json!("\u{200B}")),
        ("language", json!("english")),
        ("privacy", json!("secret")),
    ] {
        // With a valid field beside it, which must not be stored either.
        let (other, valid) = if field == "country" { ("language", "en") } else { ("country", "GB") };
        let body = json!({ field: value, other: valid });
        let r = s.call(Method::PATCH, "/account/profile", Some(&p.token), &[], Some(&body.to_string())).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{field} = {value}: {:?}", r.body);
    }
    assert_eq!(s.get("/account/profile", Some(&p.token)).await.body, before);
    s.get("/players/00000000-0000-4000-8000-000000000000", None).await.assert_problem(404, "unknown_user");
    s.get("/players/not-a-player", None).await.assert_problem(400, "validation_failed");
}
