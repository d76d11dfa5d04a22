//! Account mail, read back from LocalStack's SES mailbox as the player would read it: a password
//! reset token works once and ends every session; an address verification token works once.

use platform_tests::{new_source, stack, Stack, MAIL_OUTAGE};
use reqwest::StatusCode;
use serde_json::json;
use std::time::Duration;

/// The token (starting `prefix`) in the newest mail SES holds for `to` that carries one (other
/// mail, such as notifications, may come after it), waiting with a deadline.
pub async fn mailed_token(s: &Stack, to: &str, prefix: &'static str) -> String {
    platform_tests::eventually("the mail", Duration::from_secs(20), || async {
        s.mails_to(to).await.iter().rev().find_map(|mail| {
            let text = mail["Body"]["text_part"].as_str()?;
            text.split_whitespace().find(|w| w.starts_with(prefix)).map(str::to_owned)
        })
    })
    .await
}

#[tokio::test]
async fn a_mailed_token_resets_the_password_once_and_ends_every_session() {
    let _mail_up = MAIL_OUTAGE.read().await;
    let s = stack();
    let p = s.new_player().await;
    let email = format!("{}@example.com", p.username);
    let login = json!({ "username": p.username, "password": "correct horse battery" });
    let before = s.post_from(new_source(), "/account/login", None, &login).await;
    assert_eq!(before.status, StatusCode::OK);

    let asked =
        s.post_from(new_source(), "/account/password-reset", None, &json!({ "email": email.to_uppercase() })).await;
    assert_eq!(asked.status, StatusCode::ACCEPTED, "{:?}", asked.body);
    let nobody =
        s.post_from(new_source(), "/account/password-reset", None, &json!({ "email": "nobody@example.com" })).await;
    assert_eq!((nobody.status, &nobody.body), (asked.status, &asked.body), "no hint of which addresses exist");

    let token = mailed_token(s, &email, "pr1.").await;
    let confirm = json!({ "token": token, "newPassword": "reset horse battery" });
    let done = s.post("/account/password-reset/confirm", None, &confirm).await;
    assert_eq!(done.status, StatusCode::OK, "{:?}", done.body);
    assert_eq!(done.body["endedSessions"], 2, "the harness's sign-in and the one above");
    s.post("/account/password-reset/confirm", None, &confirm).await.assert_problem(401, "unauthorized");

    let refreshed = s.post("/account/refresh", None, &json!({ "refreshToken": before.body["refreshToken"] })).await;
    refreshed.assert_problem(401, "unauthorized");
    s.post_from(new_source(), "/account/login", None, &login).await.assert_problem(401, "invalid_credentials");
    let new = json!({ "username": p.username, "password": "reset horse battery" });
    assert_eq!(s.post_from(new_source(), "/account/login", None, &new).await.status, StatusCode::OK);
}

#[tokio::test]
async fn reset_requests_are_limited_per_address() {
    let _mail_up = MAIL_OUTAGE.read().await;
    let s = stack();
    let p = s.new_player().await;
    let body = json!({ "email": format!("{}@example.com", p.username) });
    let limit = account_password_reset::PER_ADDRESS;
    platform_tests::within_one_window(limit.window_secs, || async {
        let mut last = s.post_from(new_source(), "/account/password-reset", None, &body).await;
        for _ in 0..limit.max {
            last = s.post_from(new_source(), "/account/password-reset", None, &body).await;
        }
        last
    })
    .await;
}

#[tokio::test]
async fn a_mailed_link_verifies_the_address_once() {
    let _mail_up = MAIL_OUTAGE.read().await;
    let s = stack();
    let p = s.new_player().await;
    let email = format!("{}@example.com", p.username);
    assert_eq!(s.get("/account/profile", Some(&p.token)).await.body["emailVerified"], false);
    let asked = s.post("/account/email/verification", Some(&p.token), &json!({})).await;
    assert_eq!(asked.status, StatusCode::ACCEPTED, "{:?}", asked.body);
    let token = mailed_token(s, &email, "ev1.").await;
    let verified = s.post("/account/email/verify", None, &json!({ "token": token })).await;
    assert_eq!(verified.status, StatusCode::OK, "{:?}", verified.body);
    assert_eq!(verified.body["email"], json!(email));
    s.post("/account/email/verify", None, &json!({ "token": token })).await.assert_problem(401, "unauthorized");
    let profile = s.get("/account/profile", Some(&p.token)).await.body;
    assert_eq!((&profile["emailVerified"], &profile["email"]), (&json!(true), &json!(email)));
    s.post("/account/email/verification", Some(&p.token), &json!({}))
        .await
        .assert_problem(409, "email_already_verified");
}

/// A reset link is for the account it was mailed for: if that account is erased and someone new
/// takes the freed username, the old link does not open the new account.
#[tokio::test]
async fn a_reset_link_never_opens_a_later_account_with_the_same_username() {
    let _mail_up = MAIL_OUTAGE.read().await;
    let s = stack();
    let p = s.new_player().await;
    let email = format!("{}@example.com", p.username);
    let asked = s.post_from(new_source(), "/account/password-reset", None, &json!({ "email": email })).await;
    assert_eq!(asked.status, StatusCode::ACCEPTED);
    let token = mailed_token(s, &email, "pr1.").await;
    let erase = json!({ "password": "correct horse battery" });
    let erased = s.call(reqwest::Method::DELETE, "/account", Some(&p.token), &[], Some(&erase.to_string())).await;
    assert_eq!(erased.status, StatusCode::OK, "{:?}", erased.body);
    let newcomer = json!({ "username": p.username, "password": "the newcomer's own", "email": "newcomer@example.com" });
    assert_eq!(s.post_from(new_source(), "/account/register", None, &newcomer).await.status, StatusCode::CREATED);

    let takeover = json!({ "token": token, "newPassword": "the attacker's pick" });
    s.post("/account/password-reset/confirm", None, &takeover).await.assert_problem(401, "unauthorized");
    let login = json!({ "username": p.username, "password": "the newcomer's own" });
    assert_eq!(s.post_from(new_source(), "/account/login", None, &login).await.status, StatusCode::OK);
}
