//! Two-factor sign-in (RFC 6238 TOTP), with every code computed by pyotp: enrol, confirm, a login
//! that needs the second step, a code that works once, recovery codes that work once, a
//! throttle on wrong codes, and turning it off.

use platform_tests::{new_source, pyotp_code, pyotp_secret_of, stack, Player, Reply, Stack};
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn enable(s: &Stack, p: &Player) -> (String, Vec<String>) {
    let wrong = json!({ "password": "not the password" });
    s.post("/account/2fa/enrol", Some(&p.token), &wrong).await.assert_problem(400, "validation_failed");
    let enrolled = s.post("/account/2fa/enrol", Some(&p.token), &json!({ "password": "correct horse battery" })).await;
    assert_eq!(enrolled.status, StatusCode::OK, "{:?}", enrolled.body);
    let secret = enrolled.body["secret"].as_str().unwrap().to_owned();
    assert_eq!(pyotp_secret_of(enrolled.body["otpauthUri"].as_str().unwrap()), secret, "an app reads the same secret");
    let confirmed = s.post("/account/2fa/confirm", Some(&p.token), &json!({ "code": pyotp_code(&secret, 0) })).await;
    assert_eq!(confirmed.status, StatusCode::OK, "{:?}", confirmed.body);
    let codes: Vec<String> =
        confirmed.body["recoveryCodes"].as_array().unwrap().iter().map(|c| c.as_str().unwrap().to_owned()).collect();
    (secret, codes)
}

/// The password step: with two-factor sign-in on, it answers a challenge instead of tokens.
async fn challenge(s: &Stack, p: &Player) -> String {
    let body = json!({ "username": p.username, "password": "correct horse battery" });
    let r = s.post_from(new_source(), "/account/login", None, &body).await;
    r.assert_problem(401, "second_factor_required");
    r.body["challenge"].as_str().unwrap().to_owned()
}

async fn second_step(s: &Stack, challenge: &str, proof: Value) -> Reply {
    let mut body = proof;
    body["challenge"] = json!(challenge);
    s.post("/account/login/2fa", None, &body).await
}

#[tokio::test]
async fn a_login_needs_a_code_each_code_works_once_and_so_does_each_recovery_code() {
    let s = stack();
    let p = s.new_player().await;
    let (secret, recovery) = enable(s, &p).await;
    assert_eq!(recovery.len(), 10);

    // The confirming code's step is used; the next step's code (one step of drift) signs in.
    let code = pyotp_code(&secret, 30);
    let first = challenge(s, &p).await;
    let signed_in = second_step(s, &first, json!({ "code": code })).await;
    assert_eq!(signed_in.status, StatusCode::OK, "{:?}", signed_in.body);
    assert_eq!(signed_in.body["userId"], json!(p.user_id));
    assert_eq!(s.get("/account/currency", signed_in.body["token"].as_str()).await.status, StatusCode::OK);

    second_step(s, &first, json!({ "code": code })).await.assert_problem(401, "unauthorized"); // challenge spent
    let again = challenge(s, &p).await;
    second_step(s, &again, json!({ "code": code })).await.assert_problem(401, "unauthorized"); // code spent

    let by_recovery = second_step(s, &again, json!({ "recoveryCode": recovery[0].to_uppercase() })).await;
    assert_eq!(by_recovery.status, StatusCode::OK, "{:?}", by_recovery.body);
    let third = challenge(s, &p).await;
    second_step(s, &third, json!({ "recoveryCode": recovery[0] })).await.assert_problem(401, "unauthorized");
    assert_eq!(second_step(s, &third, json!({ "recoveryCode": recovery[1] })).await.status, StatusCode::OK);
}

#[tokio::test]
async fn wrong_codes_are_throttled_per_account() {
    let s = stack();
    let p = s.new_player().await;
    let (secret, _) = enable(s, &p).await;
    let right = pyotp_code(&secret, 30);
    let wrong = if right == "000000" { "111111" } else { "000000" };
    let limit = platform::flows::second_factor::CODE_ATTEMPTS;
    platform_tests::within_one_window(limit.window_secs, || async {
        let c = challenge(s, &p).await;
        let mut last = second_step(s, &c, json!({ "code": wrong })).await;
        for _ in 0..limit.max {
            if last.status == StatusCode::TOO_MANY_REQUESTS {
                break;
            }
            last.assert_problem(401, "unauthorized");
            last = second_step(s, &c, json!({ "code": wrong })).await;
        }
        // Throttled now, even with the right code.
        let with_right = second_step(s, &c, json!({ "code": right })).await;
        assert_eq!(with_right.status, StatusCode::TOO_MANY_REQUESTS, "{:?}", with_right.body);
        with_right
    })
    .await;
}

#[tokio::test]
async fn two_factor_sign_in_can_be_turned_off_with_a_recovery_code() {
    let s = stack();
    let p = s.new_player().await;
    let (_, recovery) = enable(s, &p).await;
    let again = json!({ "password": "correct horse battery" });
    s.post("/account/2fa/enrol", Some(&p.token), &again).await.assert_problem(409, "two_factor_enabled");
    let off = s.post("/account/2fa/disable", Some(&p.token), &json!({ "recoveryCode": recovery[3] })).await;
    assert_eq!(off.status, StatusCode::OK, "{:?}", off.body);
    let body = json!({ "username": p.username, "password": "correct horse battery" });
    assert_eq!(s.post_from(new_source(), "/account/login", None, &body).await.status, StatusCode::OK);
    s.post("/account/2fa/disable", Some(&p.token), &json!({ "recoveryCode": recovery[4] }))
        .await
        .assert_problem(409, "two_factor_disabled");
}
