//! Tokens third parties can verify: ES256 signed in KMS, checked by PyJWT from jwks.json alone;
//! forgeries made with PyJWT are refused; a key rotation keeps every earlier token valid.

use platform_tests::{http, pyjwt, serve_with_params, stack, Stack};
use reqwest::StatusCode;
use serde_json::{json, Value};

fn kid_of(token: &str) -> String {
    jsonwebtoken::decode_header(token).unwrap().kid.expect("our tokens name their key")
}

async fn get_json(url: String, token: Option<&str>) -> (StatusCode, Value) {
    let mut request = http().get(url);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    (response.status(), response.json().await.unwrap_or(Value::Null))
}

async fn login(base_url: &str, username: &str) -> String {
    let body = json!({ "username": username, "password": "correct horse battery" });
    let response = http().post(format!("{base_url}/account/login")).json(&body).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_owned()
}

async fn published_kids(base_url: &str) -> Vec<String> {
    let (status, jwks) = get_json(format!("{base_url}/.well-known/jwks.json"), None).await;
    assert_eq!(status, StatusCode::OK);
    jwks["keys"].as_array().unwrap().iter().map(|k| k["kid"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn pyjwt_verifies_an_access_token_from_the_published_key_set_alone() {
    let s = stack();
    let p = s.new_player().await;
    let claims = pyjwt(&["verify", &s.base_url, &p.token, "game-platform", "game-platform-api"]);
    assert_eq!(claims["sub"], p.user_id.as_str());
    assert!(claims["sid"].is_string(), "the token names its session");
    let lifetime = claims["exp"].as_u64().unwrap() - claims["iat"].as_u64().unwrap();
    assert!(lifetime <= 900, "access tokens live at most 15 minutes, not {lifetime} s");

    let header = jsonwebtoken::decode_header(&p.token).unwrap();
    assert_eq!(header.alg, jsonwebtoken::Algorithm::ES256);
    assert_eq!(published_kids(&s.base_url).await.len(), 2, "the signing key and the next one");

    let (status, discovery) = get_json(format!("{}/.well-known/openid-configuration", s.base_url), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(discovery["issuer"], "game-platform");
    assert_eq!(discovery["jwks_uri"], format!("{}/.well-known/jwks.json", s.base_url));
    assert_eq!(discovery["id_token_signing_alg_values_supported"], json!(["ES256"]));
}

#[tokio::test]
async fn tokens_signed_by_another_key_or_with_another_algorithm_are_refused() {
    let s: &Stack = stack();
    let p = s.new_player().await;
    let forged = pyjwt(&["forge", &s.base_url, &p.token]);
    let forged = forged.as_object().unwrap();
    assert_eq!(forged.len(), 5);
    for (name, token) in forged {
        let (status, body) = get_json(format!("{}/account/currency", s.base_url), token.as_str()).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{name} was accepted: {body}");
        assert_eq!(body["code"], "unauthorized", "{name}");
    }
    let (status, _) = get_json(format!("{}/account/currency", s.base_url), Some(&p.token)).await;
    assert_eq!(status, StatusCode::OK, "the real token still works");
}

/// `ActiveTokenSigningKey=b` (the operator's rotation) makes new logins sign with the other key,
/// while both keys stay published, so tokens signed before the flip keep working until they expire.
#[tokio::test]
async fn a_key_rotation_keeps_earlier_tokens_valid_and_both_keys_published() {
    let s = stack();
    let p = s.new_player().await;
    let rotated = serve_with_params(&[("ActiveTokenSigningKey", "b")]);
    let after = login(&rotated, &p.username).await;
    assert_ne!(kid_of(&after), kid_of(&p.token), "the rotated stack signs with the other key");

    let kids = published_kids(&s.base_url).await;
    assert_eq!(published_kids(&rotated).await, kids, "both stacks publish both keys");
    assert!(kids.contains(&kid_of(&p.token)) && kids.contains(&kid_of(&after)));

    for (base_url, token) in [(&rotated, &p.token), (&s.base_url, &after), (&rotated, &after)] {
        let (status, body) = get_json(format!("{base_url}/account/currency"), Some(token)).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let claims = pyjwt(&["verify", &s.base_url, &after, "game-platform", "game-platform-api"]);
    assert_eq!(claims["sub"], p.user_id.as_str());
}
