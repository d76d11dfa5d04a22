//! The checker: after the faults stop and the reconciler and consumers settle, it compares what
//! the clients saw with what the store holds, reading the tables directly (not through the API
//! under test), and lists every violation.

use crate::workload::{History, Kind, Op};
use aws_sdk_dynamodb::types::AttributeValue;
use platform::store::idempotency::{self, Guard};
use platform::Table;
use platform_tests::Stack;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Duration;

#[derive(Debug, Default)]
pub struct Report {
    pub operations: usize,
    pub succeeded: BTreeMap<&'static str, usize>,
    pub refused: usize,
    pub retries: u64,
    pub double_taps_answered_twice: usize,
    pub charges: usize,
    pub notifications: usize,
    pub chat_messages: usize,
    pub wallet_changes: usize,
    pub violations: Vec<String>,
}

struct LedgerEntry {
    amount: i64,
    reference: String,
}

async fn query_all(db: &aws_sdk_dynamodb::Client, table: &str, user_id: &str) -> Vec<HashMap<String, AttributeValue>> {
    let pages: Vec<_> = db
        .query()
        .table_name(table)
        .key_condition_expression("userId = :u")
        .expression_attribute_values(":u", AttributeValue::S(user_id.into()))
        .consistent_read(true)
        .into_paginator()
        .items()
        .send()
        .collect::<Vec<_>>()
        .await;
    pages.into_iter().map(|item| item.expect("query the emulator")).collect()
}

fn s_of<'a>(item: &'a HashMap<String, AttributeValue>, key: &str) -> &'a str {
    item.get(key).and_then(|v| v.as_s().ok()).map_or("", String::as_str)
}

fn n_of(item: &HashMap<String, AttributeValue>, key: &str) -> i64 {
    item.get(key).and_then(|v| v.as_n().ok()).and_then(|n| n.parse().ok()).unwrap_or_default()
}

/// Gem entries of a player's ledger (entries in another currency, the pull's shards, carry one).
async fn gem_ledger(s: &Stack, db: &aws_sdk_dynamodb::Client, user_id: &str) -> Vec<LedgerEntry> {
    let table = s.template.table_name("LedgerTable").expect("ledger table");
    query_all(db, table, user_id)
        .await
        .iter()
        .filter(|item| !item.contains_key("currency"))
        .map(|item| LedgerEntry { amount: n_of(item, "amount"), reference: s_of(item, "reference").to_owned() })
        .collect()
}

/// Every balance each wallet had, in commit order, from the Wallets table's stream (each item's
/// changes sorted by their sequence numbers, whichever shard they were read from).
async fn wallet_history(s: &Stack, db: &aws_sdk_dynamodb::Client) -> HashMap<String, Vec<i64>> {
    use aws_sdk_dynamodbstreams::types::ShardIteratorType;
    let table = s.template.table_name("WalletsTable").expect("wallets table");
    let described = db.describe_table().table_name(table).send().await.expect("describe the wallets table");
    let arn = described.table.and_then(|t| t.latest_stream_arn).expect("the wallets table has a stream");
    let streams = aws_sdk_dynamodbstreams::Client::new(&platform::app::sdk_config().await);
    let mut shards = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = streams
            .describe_stream()
            .stream_arn(&arn)
            .set_exclusive_start_shard_id(after.clone())
            .send()
            .await
            .expect("describe the stream")
            .stream_description
            .expect("a stream description");
        shards.extend(page.shards.unwrap_or_default());
        after = page.last_evaluated_shard_id;
        if after.is_none() {
            break;
        }
    }
    // (sequence number as a number, balance) per player
    let mut changes: HashMap<String, Vec<(u128, i64)>> = HashMap::new();
    for shard in shards {
        let mut iterator = streams
            .get_shard_iterator()
            .stream_arn(&arn)
            .shard_id(shard.shard_id.unwrap_or_default())
            .shard_iterator_type(ShardIteratorType::TrimHorizon)
            .send()
            .await
            .expect("a shard iterator")
            .shard_iterator;
        while let Some(current) = iterator {
            let out = streams.get_records().shard_iterator(current).send().await.expect("stream records");
            if out.records().is_empty() {
                break;
            }
            for record in out.records() {
                let Some(change) = record.dynamodb() else { continue };
                let Some(image) = change.new_image() else { continue };
                let user = image.get("userId").and_then(|v| v.as_s().ok()).cloned().unwrap_or_default();
                let balance = image.get("balance").and_then(|v| v.as_n().ok()).and_then(|n| n.parse().ok());
                let sequence = change.sequence_number().and_then(|n| n.parse().ok()).unwrap_or_default();
                changes.entry(user).or_default().push((sequence, balance.unwrap_or_default()));
            }
            iterator = out.next_shard_iterator;
        }
    }
    changes
        .into_iter()
        .map(|(user, mut changes)| {
            changes.sort();
            (user, changes.into_iter().map(|(_, balance)| balance).collect())
        })
        .collect()
}

/// Each player's notifications by type, with their data, once every success the clients saw has
/// its notification (polled with a deadline: the consumers work through the backlog the faults
/// left).
async fn settled_notifications(
    s: &Stack,
    db: &aws_sdk_dynamodb::Client,
    history: &History,
) -> Vec<HashMap<String, Vec<Value>>> {
    let table = s.template.table_name("NotificationsTable").expect("notifications table");
    let what = "a notification for every acknowledged success";
    platform_tests::poll_every(what, Duration::from_secs(180), Duration::from_millis(500), || async {
        let mut all = Vec::new();
        let mut complete = true;
        for (p, player) in history.players.iter().enumerate() {
            let mut by_type: HashMap<String, Vec<Value>> = HashMap::new();
            for item in query_all(db, table, &player.user_id).await {
                let data = serde_json::from_str(s_of(&item, "data")).unwrap_or(Value::Null);
                by_type.entry(s_of(&item, "type").to_owned()).or_default().push(data);
            }
            for kind in [Kind::Buy, Kind::Pull1, Kind::Purchase] {
                let expected = history
                    .ops
                    .iter()
                    .filter(|o| o.player == p && o.succeeded().is_some())
                    .filter(|o| o.kind.notification() == kind.notification())
                    .count();
                complete &= by_type.get(kind.notification()).map_or(0, Vec::len) >= expected;
            }
            all.push(by_type);
        }
        complete.then_some(all)
    })
    .await
}

pub async fn check(s: &Stack, history: &History) -> Report {
    let db = s.dynamo().await;
    let app = s.app(db.clone()).await;
    let mut report = Report { operations: history.ops.len(), ..Report::default() };
    let violations = &mut report.violations;
    if history.unanswered > 0 {
        violations.push(format!("{} operations never got an answer", history.unanswered));
    }
    // Settled first: the wallets, ledgers and notifications are then read as of one moment.
    let notifications = settled_notifications(s, &db, history).await;
    let wallets = wallet_history(s, &db).await;

    for (p, player) in history.players.iter().enumerate() {
        let ops: Vec<&Op> = history.ops.iter().filter(|o| o.player == p).collect();
        let who = &player.username;

        // One key, one outcome: every answer for a key is the same success, or refusals only.
        for op in &ops {
            let distinct: HashSet<String> = op.answers.successes.iter().map(Value::to_string).collect();
            if distinct.len() > 1 {
                let movements: Vec<_> = op.answers.successes.iter().filter_map(|a| Op::reference(a, op.kind)).collect();
                violations.push(format!("{who}: key {} applied {} times: {movements:?}", op.key, distinct.len()));
            }
            if !op.answers.successes.is_empty() && !op.answers.refusals.is_empty() {
                violations.push(format!("{who}: key {} both succeeded and was refused", op.key));
            }
            report.double_taps_answered_twice += usize::from(op.answers.successes.len() > 1);
            report.retries += u64::from(op.answers.retries);
        }

        // The ledger explains the balance, and every movement is one the clients saw succeed, once.
        let ledger = gem_ledger(s, &db, &player.user_id).await;
        let balance = platform::store::wallet::balance(&app, &player.user_id).await.expect("read the wallet");
        let ledger_sum: i64 = ledger.iter().map(|e| e.amount).sum();
        if ledger_sum != balance {
            violations.push(format!("{who}: ledger sums to {ledger_sum}, balance is {balance}"));
        }
        let expected: i64 = ops.iter().map(|o| o.delta()).sum();
        if expected != balance {
            violations.push(format!("{who}: the clients' successes add up to {expected}, balance is {balance}"));
        }
        let mut entries_by_reference: HashMap<&str, usize> = HashMap::new();
        for entry in &ledger {
            *entries_by_reference.entry(entry.reference.as_str()).or_default() += 1;
        }
        let seen: HashSet<String> =
            ops.iter().filter_map(|o| o.succeeded().and_then(|a| Op::reference(a, o.kind))).collect();
        for op in ops.iter().filter(|o| o.succeeded().is_some()) {
            let reference = Op::reference(op.succeeded().unwrap(), op.kind).unwrap_or_default();
            match entries_by_reference.get(reference.as_str()) {
                Some(1) => {}
                found => violations.push(format!(
                    "{who}: {} {} acknowledged, ledger entries: {}",
                    op.kind.name(),
                    reference,
                    found.copied().unwrap_or(0)
                )),
            }
            *report.succeeded.entry(op.kind.name()).or_default() += 1;
        }
        report.refused += ops.iter().filter(|o| o.succeeded().is_none() && !o.answers.refusals.is_empty()).count();
        for entry in ledger.iter().filter(|e| !seen.contains(&e.reference)) {
            violations
                .push(format!("{who}: ledger entry {} ({}) was never acknowledged", entry.reference, entry.amount));
        }

        // No balance was ever negative, and every balance change has its ledger entry.
        let balances = wallets.get(&player.user_id).cloned().unwrap_or_default();
        if let Some(negative) = balances.iter().find(|b| **b < 0) {
            violations.push(format!("{who}: the wallet went to {negative}"));
        }
        let changes = balances.len().saturating_sub(1); // the first image is the wallet's opening
        report.wallet_changes += changes;
        if changes != ledger.len() {
            violations.push(format!("{who}: {changes} wallet changes, {} gem ledger entries", ledger.len()));
        }
        if balances.last() != Some(&balance) {
            violations.push(format!("{who}: the stream's last balance {:?} is not {balance}", balances.last()));
        }

        // Every successful charge at the provider was credited once, to the operation that saw it.
        for op in ops.iter().filter(|o| o.kind == Kind::Buy) {
            // The provider key the function derived: from its own record of the request where it
            // kept one (a declined or released claim keeps none), else from what the client sent.
            let mut guard = Guard::new(&player.user_id, platform::payments::OPERATION, &op.key, &op.body);
            if let Some(record) = idempotency::load(&app, &guard).await.expect("read the idempotency record") {
                guard.request_hash = record.request_hash;
            }
            let charge = db
                .get_item()
                .table_name(app.table(Table::SANDBOX_CHARGES).unwrap())
                .key("key", AttributeValue::S(guard.external_key()))
                .consistent_read(true)
                .send()
                .await
                .expect("read the sandbox charges")
                .item;
            let Some(charge) = charge.filter(|c| s_of(c, "status") == "succeeded") else {
                if op.succeeded().is_some() {
                    violations.push(format!("{who}: buy {} acknowledged with no charge", op.key));
                }
                continue;
            };
            report.charges += 1;
            let charge_id = s_of(&charge, "chargeId");
            let credited = entries_by_reference.get(charge_id).copied().unwrap_or(0);
            let acknowledged = op.succeeded().and_then(|a| a["chargeId"].as_str()) == Some(charge_id);
            if credited != 1 || !acknowledged {
                violations
                    .push(format!("{who}: charge {charge_id} credited {credited} times, acknowledged: {acknowledged}"));
            }
        }

        // Every money event produced exactly one notification.
        let notified = &notifications[p];
        for kind in [Kind::Buy, Kind::Pull1, Kind::Purchase] {
            let wanted =
                ops.iter().filter(|o| o.succeeded().is_some() && o.kind.notification() == kind.notification()).count();
            let got = notified.get(kind.notification()).map_or(0, Vec::len);
            report.notifications += got;
            if got != wanted {
                violations.push(format!("{who}: {got} {} notifications for {wanted} successes", kind.notification()));
            }
        }
    }

    // Chat order held: the recipient's conversation holds each acknowledged message once, in the
    // order it was sent.
    if let Some((from, to, sent)) = &history.chat {
        let listed = to.all_pages(s, &format!("/chat/conversations/{}/messages", from.user_id), "messages").await;
        let mut stored: Vec<(String, String)> = listed
            .iter()
            .map(|m| {
                (
                    m["messageId"].as_str().unwrap_or_default().to_owned(),
                    m["text"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect();
        // A conversation is ordered by message id (ids are time-ordered): the ids must be the
        // ones the sender was told, in the order it sent them.
        stored.sort();
        let acknowledged: Vec<(String, String)> =
            sent.iter().map(|m| (m.message_ids.first().cloned().unwrap_or_default(), m.text.clone())).collect();
        report.chat_messages = stored.len();
        if stored != acknowledged {
            violations.push(format!("chat: sent {acknowledged:?}, the conversation holds {stored:?}"));
        }
        for message in sent {
            report.retries += u64::from(message.retries);
            let ids: HashSet<&String> = message.message_ids.iter().collect();
            if ids.len() != 1 {
                violations.push(format!("chat: {:?} answered with {} message ids", message.text, ids.len()));
            }
        }
    }
    report
}

impl Report {
    pub fn print(&self) {
        println!("| operations | {} |", self.operations);
        for (kind, n) in &self.succeeded {
            println!("| succeeded: {kind} | {n} |");
        }
        println!("| refused (insufficient gems, owned game) | {} |", self.refused);
        println!("| retries (same key) | {} |", self.retries);
        println!("| keys answered twice at once (double taps) | {} |", self.double_taps_answered_twice);
        println!("| successful card charges | {} |", self.charges);
        println!("| wallet changes (stream) | {} |", self.wallet_changes);
        println!("| notifications | {} |", self.notifications);
        println!("| chat messages | {} |", self.chat_messages);
        println!("| violations | {} |", self.violations.len());
        for violation in self.violations.iter().take(20) {
            println!("  violation: {violation}");
        }
    }
}
