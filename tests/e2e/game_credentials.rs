//! Game credentials: a developer registers an app for games of their studios; the game's server,
//! through Authlib's OAuth 2.0 client (client-credentials grant), asks whether players own *its*
//! game, and is refused for any other game. Its tokens and players' tokens never pass for each other.

use platform_tests::{grant_role, stack, third_party, Player, Stack};
use reqwest::StatusCode;
use serde_json::{json, Value};

/// A developer linked to Valve by an admin (the admin made by the operator command).
async fn valve_developer(s: &Stack) -> Player {
    let (boss, dev) = (s.new_player().await, s.new_player().await);
    grant_role(&boss.username, "admin");
    let roles = json!({ "roles": ["developer"], "studios": ["Valve"] });
    let made = s.post(&format!("/admin/players/{}/roles", dev.user_id), Some(&boss.token), &roles).await;
    assert_eq!(made.status, StatusCode::OK, "{:?}", made.body);
    dev
}

fn game_server(s: &Stack, client_id: &str, secret: &str, method: &str, paths: &[&str]) -> Value {
    let mut args = vec!["client-credentials", &s.base_url, client_id, secret, method];
    args.extend_from_slice(paths);
    third_party("authlib_client.py", &args)
}

#[tokio::test]
async fn a_game_server_reads_ownership_of_its_own_game_and_no_other() {
    let s = stack();
    let dev = valve_developer(s).await;
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
        assert_eq!(out["token"]["scope"], "games:ownership");
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
