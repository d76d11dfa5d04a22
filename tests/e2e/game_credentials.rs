//! Game credentials: a developer registers an app for games of their studios; the game's server,
//! through Authlib's OAuth 2.0 client (client-credentials grant), asks whether players own *its*
//! game, and is refused for any other game. Its tokens and players' tokens never pass for each other.

use platform_tests::{stack, third_party, Stack};
use reqwest::StatusCode;
use serde_json::{json, Value};

fn game_server(s: &Stack, client_id: &str, secret: &str, method: &str, paths: &[&str]) -> Value {
    let mut args = vec!["client-credentials", &s.base_url, client_id, secret, method];
    args.extend_from_slice(paths);
    third_party("authlib_client.py", &args)
}

#[tokio::test]
async fn a_game_server_reads_ownership_of_its_own_game_and_no_other() {
    let s = stack();
    let dev = s.developer_of("Valve").await;
    // Counter-Strike (10) and CS:GO (730) are Valve's; Dark Messiah (2100) is Arkane's and Ubisoft's.
    let create =
        |games: Value| json!({ "name": "CS servers", "redirectUris": ["https://cs.example/cb"], "gameIds": games });
    s.post("/developer/apps", Some(&dev.token), &create(json!([10, 2100]))).await.assert_problem(403, "forbidden");
    let outsider = s.new_player().await;
    s.post("/developer/apps", Some(&outsider.token), &create(json!([10]))).await.assert_problem(403, "forbidden");
    let made = s.post("/developer/apps", Some(&dev.token), &create(json!([10, 730]))).await;
    assert_eq!(made.status, StatusCode::CREATED, "{:?}", made.body);
    let client_id = made.body["clientId"].as_str().unwrap().to_owned();
    let secret = made.body["clientSecret"].as_str().unwrap().to_owned();
    let listed = s.get("/developer/apps", Some(&dev.token)).await;
    assert_eq!(listed.body["apps"][0]["clientId"], client_id.as_str());
    assert!(listed.body["apps"][0].get("clientSecret").is_none(), "the secret is shown once");

    let (owner, other) = (s.new_player().await, s.new_player().await);
    let claim = s.post_keyed("/store/purchase", &owner.token, "claim-csgo", &json!({ "gameId": 730 })).await;
    assert_eq!(claim.status, StatusCode::OK, "{:?}", claim.body);

    let owns = |user: &str, game: u32| format!("/server/games/{game}/owners/{user}");
    let paths =
        [owns(&owner.user_id, 730), owns(&other.user_id, 730), owns(&owner.user_id, 620), "/account/currency".into()];
    let paths: Vec<&str> = paths.iter().map(String::as_str).collect();
    for method in ["client_secret_basic", "client_secret_post"] {
        let out = game_server(s, &client_id, &secret, method, &paths);
        assert_eq!(out["token"]["token_type"], "Bearer", "{method}: {out}");
        assert_eq!(out["token"]["scope"], "games:ownership games:playtime", "every server scope by default");
        let answers = out["answers"].as_array().unwrap();
        assert_eq!((answers[0]["status"].as_u64(), &answers[0]["body"]["owns"]), (Some(200), &json!(true)), "{out}");
        assert!(answers[0]["body"]["since"].is_string());
        assert_eq!((answers[1]["status"].as_u64(), &answers[1]["body"]["owns"]), (Some(200), &json!(false)));
        // Portal 2 is Valve's too, but this app was not registered for it.
        assert_eq!((answers[2]["status"].as_u64(), &answers[2]["body"]["code"]), (Some(403), &json!("forbidden")));
        assert_eq!(answers[3]["status"], 401, "a server token is not a player's");
    }

    assert_eq!(game_server(s, &client_id, "cs1.wrong", "client_secret_basic", &[])["error"], "invalid_client");
    assert_eq!(game_server(s, "app_unknown", &secret, "client_secret_post", &[])["error"], "invalid_client");
    s.get(&owns(&owner.user_id, 730), Some(&owner.token)).await.assert_problem(401, "unauthorized");
}

#[tokio::test]
async fn a_game_server_reports_play_sessions_once_each_for_owners_of_its_game() {
    let s = stack();
    let dev = s.developer_of("Valve").await;
    let made = s.post("/developer/apps", Some(&dev.token), &json!({ "name": "CS:GO servers", "gameIds": [730] })).await;
    assert_eq!(made.status, StatusCode::CREATED, "{:?}", made.body);
    let (client_id, secret) = (made.body["clientId"].as_str().unwrap(), made.body["clientSecret"].as_str().unwrap());
    let token = s.server_token(client_id, secret, None).await;
    let (owner, stranger) = (s.new_player().await, s.new_player().await);
    let claim = s.post_keyed("/store/purchase", &owner.token, "claim-csgo-play", &json!({ "gameId": 730 })).await;
    assert_eq!(claim.status, StatusCode::OK, "{:?}", claim.body);

    let started = platform::clock::rfc3339(platform::clock::now_secs() - 3600);
    let report = |user: &str, session: &str, minutes: u64| json!({ "userId": user, "sessionId": session, "startedAt": started, "minutes": minutes });
    let path = "/server/games/730/play-sessions";
    let first = s.post(path, Some(&token), &report(&owner.user_id, "match-1", 42)).await;
    assert_eq!((first.status, &first.body["playedMinutes"]), (StatusCode::CREATED, &json!(42)), "{:?}", first.body);
    let retry = s.post(path, Some(&token), &report(&owner.user_id, "match-1", 42)).await;
    assert_eq!((retry.status, &retry.body["playedMinutes"]), (StatusCode::OK, &json!(42)), "a retry adds nothing");
    let second = s.post(path, Some(&token), &report(&owner.user_id, "match-2", 18)).await;
    assert_eq!(second.body["playedMinutes"], 60);
    let library = s.get("/library", Some(&owner.token)).await;
    assert_eq!(library.body["games"][0]["playedMinutes"], 60, "{:?}", library.body);

    s.post(path, Some(&token), &report(&stranger.user_id, "match-3", 5)).await.assert_problem(409, "not_owned");
    s.post("/server/games/620/play-sessions", Some(&token), &report(&owner.user_id, "match-4", 5))
        .await
        .assert_problem(403, "forbidden");
    let ownership_only = s.server_token(client_id, secret, Some("games:ownership")).await;
    s.post(path, Some(&ownership_only), &report(&owner.user_id, "match-5", 5)).await.assert_problem(403, "forbidden");
    s.post(path, Some(&owner.token), &report(&owner.user_id, "match-6", 5)).await.assert_problem(401, "unauthorized");
    s.post(path, Some(&token), &report(&owner.user_id, "match-7", 0)).await.assert_problem(400, "validation_failed");
    assert_eq!(
        s.get("/library", Some(&owner.token)).await.body["games"][0]["playedMinutes"],
        60,
        "refusals add nothing"
    );
}
