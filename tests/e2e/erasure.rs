//! Account erasure: personal data goes, the username and address are free again, every session
//! ends, and the money records stay under the pseudonymous user id.

use platform::Table;
use platform_tests::{new_source, stack};
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn erasing_an_account_removes_who_it_was_and_keeps_its_money_records() {
    let s = stack();
    let p = s.new_player().await;
    assert_eq!(p.buy(s, 500).await.status, StatusCode::OK);
    let login = json!({ "username": p.username, "password": "correct horse battery" });
    let other_session = s.post_from(new_source(), "/account/login", None, &login).await;

    let wrong = json!({ "password": "not the password" });
    let r = s.call(Method::DELETE, "/account", Some(&p.token), &[], Some(&wrong.to_string())).await;
    r.assert_problem(400, "validation_failed");
    let body = json!({ "password": "correct horse battery" });
    let erased = s.call(Method::DELETE, "/account", Some(&p.token), &[], Some(&body.to_string())).await;
    assert_eq!(erased.status, StatusCode::OK, "{:?}", erased.body);
    assert_eq!(erased.body["endedSessions"], 2);

    s.post_from(new_source(), "/account/login", None, &login).await.assert_problem(401, "invalid_credentials");
    let refresh = json!({ "refreshToken": other_session.body["refreshToken"] });
    s.post("/account/refresh", None, &refresh).await.assert_problem(401, "unauthorized");
    s.get(&format!("/players/{}", p.user_id), None).await.assert_problem(404, "unknown_user");
    // The access token still verifies for a few minutes, but nothing can be written back.
    let late = json!({ "displayName": "Ghost", "birthDate": "2000-01-01" });
    let r = s.call(Method::PATCH, "/account/profile", Some(&p.token), &[], Some(&late.to_string())).await;
    r.assert_problem(401, "unauthorized");

    // What is left of the player: the id, and the money records filed under it.
    let app = s.app(s.dynamo().await).await;
    let user = app
        .db
        .get_item()
        .table_name(app.table(Table::USERS).unwrap())
        .key("pk", aws_sdk_dynamodb::types::AttributeValue::S(format!("user#{}", p.user_id)))
        .send()
        .await
        .unwrap()
        .item
        .unwrap();
    let mut kept: Vec<&str> = user.keys().map(String::as_str).collect();
    kept.sort_unstable();
    assert_eq!(kept, ["erasedAt", "pk", "userId"], "no username, email or profile left");
    let ledger = app
        .db
        .query()
        .table_name(app.table(Table::LEDGER).unwrap())
        .key_condition_expression("userId = :u")
        .expression_attribute_values(":u", aws_sdk_dynamodb::types::AttributeValue::S(p.user_id.clone()))
        .send()
        .await
        .unwrap();
    assert_eq!(ledger.count, 1, "the purchase's ledger entry stays");

    // The username and the address are free for someone new.
    let again = json!({ "username": p.username, "password": "another password", "email": format!("{}@example.com", p.username) });
    let r = s.post_from(new_source(), "/account/register", None, &again).await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    assert_ne!(r.body["userId"], json!(p.user_id));
}
