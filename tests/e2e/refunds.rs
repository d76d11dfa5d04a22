//! Refunds on Steam's terms (under 14 days, under 2 hours played, 5 a month), once each, and the
//! developer's side of every sale and refund: revenue lines, lifetime figures and monthly
//! statements that equal the sum of their lines.

use aws_sdk_dynamodb::types::AttributeValue;
use futures::future::join_all;
use platform_tests::{eventually, stack, Player, Reply, Stack};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::Duration;

const DAY: u64 = 24 * 3600;
/// Frozenbyte's Shadowgrounds (GBP 3.99) and Shadowgrounds Survivor (GBP 6.99).
const SHADOWGROUNDS: (u64, i64) = (2500, 399);
const SURVIVOR: (u64, i64) = (11200, 699);

/// A token of a Frozenbyte game server, which reports play time of its games.
async fn frozenbyte_server(s: &Stack) -> String {
    let dev = s.developer_of("Frozenbyte").await;
    let games = json!([2500, 11200, 35700, 35720, 319910, 425210, 471550]);
    let made =
        s.post("/developer/apps", Some(&dev.token), &json!({ "name": "Frozenbyte servers", "gameIds": games })).await;
    assert_eq!(made.status, StatusCode::CREATED, "{:?}", made.body);
    s.server_token(made.body["clientId"].as_str().unwrap(), made.body["clientSecret"].as_str().unwrap(), None).await
}

/// The game's server reports `minutes` of play in one session.
async fn play(s: &Stack, server: &str, p: &Player, game_id: u64, minutes: u64) {
    let report = json!({
        "userId": p.user_id,
        "sessionId": uuid::Uuid::new_v4().simple().to_string(),
        "startedAt": platform::clock::rfc3339(platform::clock::now_secs() - 3 * 3600),
        "minutes": minutes,
    });
    let r = s.post(&format!("/server/games/{game_id}/play-sessions"), Some(server), &report).await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
}

/// Buys the game and returns its order id.
async fn bought(s: &Stack, p: &Player, game_id: u64) -> String {
    let r = p.purchase(s, game_id).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    r.body["orderId"].as_str().unwrap().to_owned()
}

/// Moves an order's purchase time `secs_ago` into the past, as if that much time had passed (the
/// only thing the test writes behind the API: the clock).
async fn backdate(s: &Stack, p: &Player, order_id: &str, secs_ago: u64) {
    s.dynamo()
        .await
        .update_item()
        .table_name(s.template.table_name("OrdersTable").unwrap())
        .key("userId", AttributeValue::S(p.user_id.clone()))
        .key("orderId", AttributeValue::S(order_id.into()))
        .update_expression("SET createdAt = :at")
        .expression_attribute_values(
            ":at",
            AttributeValue::S(platform::clock::rfc3339(platform::clock::now_secs() - secs_ago)),
        )
        .send()
        .await
        .unwrap();
}

async fn refund(s: &Stack, p: &Player, order_id: &str) -> Reply {
    s.post(&format!("/store/orders/{order_id}/refund"), Some(&p.token), &json!({})).await
}

async fn owns(s: &Stack, p: &Player, game_id: u64) -> bool {
    p.all_pages(s, "/library", "games").await.iter().any(|g| g["gameId"] == game_id)
}

async fn order_status(s: &Stack, p: &Player, order_id: &str) -> Value {
    let orders = p.all_pages(s, "/store/orders", "orders").await;
    orders.into_iter().find(|o| o["orderId"] == order_id).expect("the order is listed")["status"].clone()
}

#[tokio::test]
async fn refunds_are_granted_under_fourteen_days_and_two_hours_and_refused_at_the_boundaries() {
    let s = stack();
    let server = frozenbyte_server(s).await;
    let (game, price) = SHADOWGROUNDS;
    // (age of the purchase, minutes played, the refusal expected or None).
    let cases: [(u64, u64, Option<&str>); 5] = [
        (13 * DAY + 23 * 3600, 119, None),
        (14 * DAY + 60, 0, Some("refund_window_closed")),
        (14 * DAY, 0, Some("refund_window_closed")),
        (3600, 121, Some("played_too_long")),
        (3600, 120, Some("played_too_long")),
    ];
    join_all(cases.iter().map(|&(age, minutes, refusal)| {
        let server = server.clone();
        async move {
            let p = s.funded_player(1_000).await;
            let order_id = bought(s, &p, game).await;
            if minutes > 0 {
                play(s, &server, &p, game, minutes).await;
            }
            backdate(s, &p, &order_id, age).await;
            let r = refund(s, &p, &order_id).await;
            let case = format!("bought {age} s ago, played {minutes} min");
            match refusal {
                None => {
                    assert_eq!(r.status, StatusCode::OK, "{case}: {:?}", r.body);
                    assert_eq!(r.body["refundedGems"], price, "{case}");
                    assert_eq!(
                        (&r.body["status"], &r.body["newBalance"]),
                        (&json!("refunded"), &json!(1_000)),
                        "{case}"
                    );
                    assert!(!owns(s, &p, game).await, "{case}: the game left the library");
                    assert_eq!(order_status(s, &p, &order_id).await, "refunded", "{case}");
                    let ledger = p.all_pages(s, "/account/ledger", "entries").await;
                    assert!(ledger.iter().any(|e| e["kind"] == "store_refund" && e["amount"] == price), "{case}");
                    let receipt = s.get(&format!("/store/orders/{order_id}/receipt"), Some(&p.token)).await;
                    assert_eq!(receipt.body["refundedGems"], price, "{:?}", receipt.body);
                    assert_eq!(receipt.body["lines"][0]["status"], "refunded");
                    assert_eq!(receipt.body["totalGems"], price);
                }
                Some(code) => {
                    r.assert_problem(422, code);
                    assert!(owns(s, &p, game).await, "{case}: a refused refund leaves the game");
                    assert_eq!(order_status(s, &p, &order_id).await, "completed", "{case}");
                }
            }
            let expected = if refusal.is_none() { 1_000 } else { 1_000 - price };
            assert_eq!(p.balance(s).await, expected, "{case}");
            assert_eq!(p.ledger_sum(s).await, expected, "{case}: the ledger sums to the balance");
        }
    }))
    .await;
}

#[tokio::test]
async fn an_order_is_refunded_once_under_concurrent_requests_and_a_key_replays_its_answer() {
    let s = stack();
    let (game, price) = SURVIVOR;
    let p = s.funded_player(2_000).await;
    let order_id = bought(s, &p, game).await;
    let replies = join_all((0..10).map(|_| refund(s, &p, &order_id))).await;
    let granted: Vec<&Reply> = replies.iter().filter(|r| r.status == StatusCode::OK).collect();
    assert_eq!(granted.len(), 1, "{replies:?}");
    for r in replies.iter().filter(|r| r.status != StatusCode::OK) {
        r.assert_problem(409, "already_refunded");
    }
    assert_eq!(p.balance(s).await, 2_000, "credited once");
    assert_eq!(p.ledger_sum(s).await, 2_000);
    refund(s, &p, &order_id).await.assert_problem(409, "already_refunded");

    // Bought again (it left the library), refunded with a key: the key replays the answer.
    let again = bought(s, &p, game).await;
    let path = format!("/store/orders/{again}/refund");
    let first = s.post_keyed(&path, &p.token, "refund-survivor", &json!({})).await;
    assert_eq!(first.status, StatusCode::OK, "{:?}", first.body);
    let replay = s.post_keyed(&path, &p.token, "refund-survivor", &json!({})).await;
    assert_eq!((replay.status, &replay.body), (StatusCode::OK, &first.body), "the first answer again");
    assert_eq!(p.balance(s).await, 2_000);

    let refunds = eventually("refund notifications", Duration::from_secs(20), || async {
        let n = p.notifications(s).await;
        let refunds: Vec<Value> = n.into_iter().filter(|x| x["type"] == "GameRefunded").collect();
        (refunds.len() >= 2).then_some(refunds)
    })
    .await;
    assert_eq!(refunds.len(), 2, "one notification per refund: {refunds:?}");
    assert_eq!(
        refunds[0]["title"],
        format!("Shadowgrounds Survivor was refunded: {price} gems are back in your wallet")
    );

    let stranger = s.new_player().await;
    refund(s, &stranger, &order_id).await.assert_problem(404, "unknown_order");
    s.post("/store/orders/not-an-id/refund", Some(&p.token), &json!({})).await.assert_problem(400, "validation_failed");
    let free = bought(s, &p, 730).await;
    refund(s, &p, &free).await.assert_problem(422, "not_refundable");
}

#[tokio::test]
async fn a_player_gets_five_refunds_a_month_and_the_sixth_is_refused() {
    let s = stack();
    // Six Frozenbyte games (6,394 gems).
    let games = [2500, 11200, 35700, 35720, 319910, 425210];
    let p = s.funded_player(8_000).await;
    let mut orders = Vec::new();
    for game in games {
        orders.push(bought(s, &p, game).await);
    }
    let spent = 8_000 - p.balance(s).await;
    for order_id in &orders[..5] {
        let r = refund(s, &p, order_id).await;
        assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    }
    let before = p.balance(s).await;
    refund(s, &p, &orders[5]).await.assert_problem(422, "refund_limit_reached");
    assert_eq!(p.balance(s).await, before, "a refused refund moves nothing");
    assert!(owns(s, &p, 425210).await);
    assert_eq!(order_status(s, &p, &orders[5]).await, "completed");
    assert_eq!(before, 8_000 - spent + (399 + 699 + 999 + 1_399 + 1_599), "five refunds credited");
    assert_eq!(p.ledger_sum(s).await, before);
}

/// Every revenue line of these games in `month`, read from the table (not through the API).
async fn lines_of(s: &Stack, games: &[u64], month: &str) -> Vec<Value> {
    let db = s.dynamo().await;
    let table = s.template.table_name("RevenueLinesTable").unwrap();
    let mut lines = Vec::new();
    for game in games {
        let out = db
            .query()
            .table_name(table)
            .key_condition_expression("gameId = :g")
            .expression_attribute_values(":g", AttributeValue::N(game.to_string()))
            .consistent_read(true)
            .send()
            .await
            .unwrap();
        for item in out.items.unwrap_or_default() {
            let line: Value = serde_dynamo::from_item(item).unwrap();
            if line["month"] == month {
                lines.push(line);
            }
        }
    }
    lines
}

async fn statement(s: &Stack, dev: &Player, month: &str) -> Reply {
    s.get(&format!("/developer/revenue/statements/{month}"), Some(&dev.token)).await
}

fn sum(lines: &[Value], field: &str) -> i64 {
    lines.iter().map(|l| l[field].as_i64().unwrap()).sum()
}

#[tokio::test]
async fn a_developers_statement_equals_the_sum_of_its_lines_and_a_refund_reverses_its_sale() {
    let s = stack();
    // exosyphen studios' three Hacker Evolution games (79 gems each); no other test sells them.
    let games = [70100, 70110, 70120];
    let dev = s.developer_of("exosyphen studios").await;
    let month = platform::clock::now_rfc3339()[..7].to_owned();
    let start = statement(s, &dev, &month).await;
    assert_eq!(start.status, StatusCode::OK, "{:?}", start.body);

    let (a, b) = (s.funded_player(500).await, s.funded_player(500).await);
    let refunded = bought(s, &a, 70100).await;
    bought(s, &b, 70100).await;
    bought(s, &b, 70110).await;
    assert_eq!(refund(s, &a, &refunded).await.status, StatusCode::OK);

    // The lines of the refunded order cancel out; 79 gems pay a 30 % fee of 23.7, so 24.
    let lines = lines_of(s, &games, &month).await;
    let of_order: Vec<Value> = lines.iter().filter(|l| l["orderId"] == refunded).cloned().collect();
    assert_eq!(of_order.len(), 2, "{of_order:?}");
    for field in ["grossGems", "feeGems", "netGems", "units"] {
        assert_eq!(sum(&of_order, field), 0, "{field} of a sale and its refund");
    }
    assert!(of_order.iter().any(|l| l["kind"] == "sale" && l["grossGems"] == 79 && l["feeGems"] == 24));
    assert_eq!(a.balance(s).await, 500);
    assert_eq!(a.ledger_sum(s).await, 500);

    // The statement (summed by the stream consumer) catches up with the lines, exactly.
    let settled = eventually("the statement to equal its lines", Duration::from_secs(30), || async {
        let lines = lines_of(s, &games, &month).await;
        let now = statement(s, &dev, &month).await.body;
        let t = &now["totals"];
        let sales: Vec<Value> = lines.iter().filter(|l| l["kind"] == "sale").cloned().collect();
        let refunds: Vec<Value> = lines.iter().filter(|l| l["kind"] == "refund").cloned().collect();
        let equal = t["unitsSold"] == sum(&sales, "units")
            && t["unitsRefunded"] == -sum(&refunds, "units")
            && t["grossGems"] == sum(&sales, "grossGems")
            && t["refundedGems"] == -sum(&refunds, "grossGems")
            && t["feeGems"] == sum(&lines, "feeGems")
            && t["netGems"] == sum(&lines, "netGems");
        equal.then_some(now)
    })
    .await;
    let before = &start.body["totals"];
    let delta = |field: &str| settled["totals"][field].as_i64().unwrap() - before[field].as_i64().unwrap();
    assert_eq!(
        [delta("unitsSold"), delta("unitsRefunded"), delta("grossGems"), delta("refundedGems")],
        [3, 1, 3 * 79, 79]
    );
    assert_eq!((delta("feeGems"), delta("netGems")), (2 * 24, 2 * 79 - 2 * 24), "the refunded sale's fee is reversed");
    let per_game: i64 = settled["games"].as_array().unwrap().iter().map(|g| g["netGems"].as_i64().unwrap()).sum();
    assert_eq!(per_game, settled["totals"]["netGems"].as_i64().unwrap());

    // Lifetime figures carry the same sums and the fee rate of the next sale.
    let lifetime = s.get("/developer/revenue", Some(&dev.token)).await;
    let hacker = lifetime.body["games"].as_array().unwrap().iter().find(|g| g["gameId"] == 70100).cloned().unwrap();
    assert_eq!(hacker["seller"], "exosyphen studios");
    assert_eq!(hacker["feePercentNow"], 30);

    // Another studio's developer sees none of it; a player is refused.
    let other = s.developer_of("Frozenbyte").await;
    let theirs = statement(s, &other, &month).await;
    assert!(theirs.body["games"].as_array().unwrap().iter().all(|g| !games.contains(&g["gameId"].as_u64().unwrap())));
    statement(s, &a, &month).await.assert_problem(403, "forbidden");
    s.get("/developer/revenue/statements/2026-13", Some(&dev.token)).await.assert_problem(400, "validation_failed");
}
