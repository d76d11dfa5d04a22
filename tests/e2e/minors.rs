//! Minors' spending limits: a birth date on the profile puts a player in an age band, and
//! buy-currency holds each purchase and the month's total to that band, atomically.

use platform_tests::{stack, Player, Stack};
use reqwest::{Method, StatusCode};
use serde_json::json;

/// A player who turns `age` on 1 January of this year (so is exactly `age` all year).
async fn aged(s: &Stack, age: i32) -> Player {
    let p = s.new_player().await;
    let born = format!("{}-01-01", time::OffsetDateTime::now_utc().year() - age);
    let body = json!({ "birthDate": born });
    let r = s.call(Method::PATCH, "/account/profile", Some(&p.token), &[], Some(&body.to_string())).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    p
}

async fn buy(s: &Stack, p: &Player, key: &str, gems: u64, method: &str) -> platform_tests::Reply {
    let body = json!({ "amount": gems, "paymentMethod": method });
    s.post_keyed("/account/buy-currency", &p.token, key, &body).await
}

fn key() -> String {
    uuid::Uuid::new_v4().to_string()
}

#[tokio::test]
async fn concurrent_top_ups_at_a_twelve_year_olds_monthly_cap_never_pass_it() {
    let s = stack();
    let p = aged(s, 12).await; // 550 gems a top-up, 2,200 a month
    let r = buy(s, &p, &key(), 551, "tok_visa").await;
    assert_eq!((r.status, r.body["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("minor_top_up_limit")));
    // A declined card gives its reservation back: the month is still whole afterwards.
    let r = buy(s, &p, &key(), 500, "tok_declined").await;
    assert_eq!(r.status, StatusCode::PAYMENT_REQUIRED, "{:?}", r.body);

    let keys: Vec<String> = (0..10).map(|_| key()).collect();
    let replies = futures::future::join_all(keys.iter().map(|k| buy(s, &p, k, 500, "tok_visa"))).await;
    let bought: Vec<&String> =
        keys.iter().zip(&replies).filter(|(_, r)| r.status == StatusCode::OK).map(|(k, _)| k).collect();
    for r in replies.iter().filter(|r| r.status != StatusCode::OK) {
        assert_eq!(
            (r.status, r.body["code"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("minor_monthly_limit"))
        );
    }
    assert_eq!(bought.len(), 4, "2,000 of 2,200 fit; a fifth 500 would pass the cap");
    assert_eq!(p.balance(s).await, 2_000);

    let r = buy(s, &p, bought[0], 500, "tok_visa").await;
    assert_eq!(r.status, StatusCode::OK, "a retry of a bought top-up replays, reserving nothing more");
    let r = buy(s, &p, &key(), 200, "tok_visa").await;
    assert_eq!(r.status, StatusCode::OK, "the last 200 of the month fit: {:?}", r.body);
    let r = buy(s, &p, &key(), 1, "tok_visa").await;
    assert_eq!((r.status, r.body["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("minor_monthly_limit")));
    assert!(r.body["detail"].as_str().unwrap().contains("0 are left"), "{:?}", r.body);
    assert_eq!(p.balance(s).await, 2_200);
    assert_eq!(p.ledger_sum(s).await, 2_200);
}

#[tokio::test]
async fn the_youngest_cannot_buy_older_minors_get_their_band_and_adults_are_untouched() {
    let s = stack();
    let r = buy(s, &aged(s, 6).await, &key(), 10, "tok_visa").await;
    assert_eq!(
        (r.status, r.body["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("minor_purchases_blocked"))
    );
    let sixteen = aged(s, 16).await; // 1,100 a top-up
    assert_eq!(buy(s, &sixteen, &key(), 1_100, "tok_visa").await.status, StatusCode::OK);
    assert_eq!(buy(s, &sixteen, &key(), 1_101, "tok_visa").await.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(buy(s, &aged(s, 18).await, &key(), 50_000, "tok_visa").await.status, StatusCode::OK);
    assert_eq!(s.new_player().await.buy(s, 50_000).await.status, StatusCode::OK, "no birth date: no minor limits");
}
