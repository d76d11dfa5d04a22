//! The bank test, after Jepsen's: many clients move money (gems bought by card, pulls x1 and x10,
//! games bought) and chat, every request retried with its Idempotency-Key until it is decided,
//! while a nemesis refuses connections, cuts requests, drops replies after the write, slows
//! DynamoDB, takes SQS and EventBridge down and kills functions mid-invocation. Then the faults
//! stop, the reconciler and consumers settle, and a checker proves from the tables that nothing
//! was lost, applied twice or made negative (tests/bank/checker.rs lists each rule).
//!
//! `./dev test` runs the CI size (about a minute of faults); `./dev bank SECONDS` runs it longer.
//! A second test switches the idempotency condition off on the way to DynamoDB and asserts the
//! checker catches it: a checker that cannot fail proves nothing.

mod checker;
mod nemesis;
mod workload;

use infra::faults::{Bytes, HeaderMap};
use platform_tests::stack;
use serde_json::Value;
use std::time::{Duration, Instant};
use workload::Settings;

/// The two tests share the stack's fault switches, so they take turns.
static FAULTS: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn run_secs() -> u64 {
    std::env::var("BANK_SECS").ok().and_then(|s| s.parse().ok()).unwrap_or(63)
}

/// Runs the reconciler as its schedule would, once the claims of killed purchases have expired.
async fn reconcile(s: &platform_tests::Stack) -> Value {
    s.invoke("payments-reconcile", &serde_json::json!({})).await
}

#[tokio::test]
async fn bank_money_and_messages_survive_lost_replies_dropped_connections_and_killed_functions() {
    let _turn = FAULTS.lock().await;
    let s = stack();
    let secs = run_secs();
    // Long runs hold each fault longer (a minute of SQS down in a 10-minute run).
    let (fault_for, calm_for) = if secs >= 300 {
        (Duration::from_secs(secs / 10), Duration::from_secs(5))
    } else {
        (Duration::from_secs(5), Duration::from_secs(2))
    };
    let settings = Settings {
        players: 6,
        clients_per_player: 3,
        run_for: Duration::from_secs(secs),
        double_taps: 0.2,
        mix: [30, 30, 15, 25],
        chat: true,
        opening_gems: 0,
    };
    let _healed = nemesis::HealOnDrop(s);
    let cast = workload::cast(s, &settings).await;
    let started = Instant::now();
    let until = started + settings.run_for;
    let (history, nemesis) =
        tokio::join!(workload::run(s, &settings, cast), nemesis::run(s, fault_for, calm_for, until));
    let clients_done = started.elapsed();
    // Claims of purchases whose function was killed wait out their lock before anyone may take
    // them over; the clients' own retries did, and the reconciler finds whatever is left.
    let reconciled = reconcile(s).await;
    let report = checker::check(s, &history).await;

    println!("\nbank test: {secs} s of faults, clients done after {:.0} s", clients_done.as_secs_f64());
    nemesis.print();
    println!("reconciler: {reconciled}");
    report.print();
    assert!(nemesis.every_kind_fired(), "every fault kind fired at least once");
    assert!(report.succeeded.values().sum::<usize>() > 50, "the workload did real work: {:?}", report.succeeded);
    assert!(report.retries > 0, "faults made clients retry");
    assert!(report.violations.is_empty(), "{} violations: {:#?}", report.violations.len(), report.violations);
}

/// Strips the condition of every idempotency-record write in DynamoDB transactions: the key's
/// "first answer wins" guarantee switched off, on the wire, with the functions unchanged.
fn without_idempotency_condition(table: String) -> infra::faults::Tamper {
    std::sync::Arc::new(move |headers: &HeaderMap, body: Bytes| {
        let transaction = headers.get("x-amz-target").is_some_and(|t| t == "DynamoDB_20120810.TransactWriteItems");
        let Some(mut request) = transaction.then(|| serde_json::from_slice::<Value>(&body).ok()).flatten() else {
            return body;
        };
        let mut changed = false;
        for item in request["TransactItems"].as_array_mut().into_iter().flatten() {
            let Some(put) = item.get_mut("Put").and_then(Value::as_object_mut) else { continue };
            if put.get("TableName").and_then(Value::as_str) == Some(table.as_str()) {
                for field in ["ConditionExpression", "ExpressionAttributeNames", "ReturnValuesOnConditionCheckFailure"]
                {
                    changed |= put.remove(field).is_some();
                }
            }
        }
        if changed {
            Bytes::from(serde_json::to_vec(&request).expect("JSON"))
        } else {
            body
        }
    })
}

#[tokio::test]
async fn bank_checker_catches_pulls_applied_twice_when_the_idempotency_condition_is_off() {
    let _turn = FAULTS.lock().await;
    let s = stack();
    let table = s.template.table_name("IdempotencyTable").expect("idempotency table").to_owned();
    let _healed = nemesis::HealOnDrop(s);
    // Pulls only, every one sent twice at once, by players funded for all of them: the copies race
    // each other, and the one that loses the race finds gems enough to apply again.
    let settings = Settings {
        players: 3,
        clients_per_player: 2,
        run_for: Duration::from_secs(12),
        double_taps: 1.0,
        mix: [0, 3, 1, 0],
        chat: false,
        opening_gems: 1_000_000,
    };
    let cast = workload::cast(s, &settings).await;
    s.dynamodb.set_tamper(Some(without_idempotency_condition(table)));
    let history = workload::run(s, &settings, cast).await;
    let tampered = s.dynamodb.injected().tampered;
    s.dynamodb.set_tamper(None);
    let report = checker::check(s, &history).await;
    println!("\nmutation: idempotency condition stripped from {tampered} transactions");
    report.print();
    assert!(tampered > 0, "the mutation reached DynamoDB");
    assert!(
        report.violations.iter().any(|v| v.contains("applied")),
        "the checker must catch keys applied twice: {:#?}",
        report.violations
    );
}

/// A function killed in the middle of an invocation: its caller gets API Gateway's answer to a
/// crashed function (500, `{"message":"Internal Server Error"}`), the next request is served by a
/// fresh instance, and the retry with the same key gets the one outcome.
#[tokio::test]
async fn bank_a_function_killed_mid_invocation_answers_as_api_gateway_and_is_replaced() {
    let _turn = FAULTS.lock().await;
    let s = stack();
    let _healed = nemesis::HealOnDrop(s);
    let p = s.new_player().await;
    assert_eq!(p.buy(s, 1600).await.status, 200);
    // Slow DynamoDB keeps the pull in flight long enough to be killed mid-way.
    s.dynamodb.inject(infra::faults::Fault::Latency(Duration::from_millis(1500)), 1.0);
    let body = serde_json::json!({ "bannerId": "heroes", "count": 1, "currencySpent": 160 });
    let pull = s.post_keyed("/gacha/pull", &p.token, "killed-pull", &body);
    let kill = platform_tests::eventually("a busy gacha-pull instance to kill", Duration::from_secs(10), || async {
        s.runtime.kill_busy_instance("gacha-pull").then_some(())
    });
    let (killed, ()) = tokio::join!(pull, kill);
    s.dynamodb.heal();
    assert_eq!(killed.status, 500);
    assert_eq!(killed.body, serde_json::json!({ "message": "Internal Server Error" }));

    let retried = s.post_keyed("/gacha/pull", &p.token, "killed-pull", &body).await;
    assert_eq!(retried.status, 200, "{:?}", retried.body);
    assert_eq!(p.balance(s).await, 1600 - 160, "the pull applied once");
    assert_eq!(p.ledger_sum(s).await, 1600 - 160);
}
