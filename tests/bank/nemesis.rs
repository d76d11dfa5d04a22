//! The nemesis: while the clients run, it fires each kind of fault in turn, a few seconds each
//! with a healthy pause between, and counts what it did.

use infra::faults::{Fault, Injected, Proxy};
use platform_tests::Stack;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The functions of the money and chat paths, killed mid-invocation by the `kill` phase.
const KILLED: [&str; 4] = ["gacha-pull", "store-purchase", "account-buy-currency", "chat-send"];

#[derive(Clone, Copy)]
enum Phase {
    /// A fault on one dependency: which, what, and the share of requests it hits.
    Proxy(&'static str, Fault, f64),
    /// Functions killed in the middle of invocations.
    Kill,
}

/// Every fault kind on every dependency where it matters: DynamoDB (the money itself), SQS (chat
/// delivery jobs), EventBridge (the events behind notifications); and killed functions.
const PHASES: [Phase; 9] = [
    Phase::Proxy("dynamodb", Fault::Latency(Duration::from_millis(1500)), 0.3),
    Phase::Proxy("dynamodb", Fault::DropReply, 0.15),
    Phase::Kill,
    Phase::Proxy("dynamodb", Fault::Reset, 0.1),
    Phase::Proxy("eventbridge", Fault::DropReply, 0.5),
    Phase::Proxy("dynamodb", Fault::Refuse, 0.15),
    Phase::Proxy("sqs", Fault::Refuse, 1.0),
    Phase::Proxy("eventbridge", Fault::Refuse, 1.0),
    Phase::Proxy("sqs", Fault::DropReply, 0.5),
];

pub struct Nemesis {
    pub kills: u64,
    /// Faults injected, per dependency.
    pub injected: BTreeMap<&'static str, Injected>,
    /// Phases run (each fault kind at least once when this is at least the number of phases).
    pub phases: usize,
}

fn proxy<'a>(s: &'a Stack, dependency: &str) -> &'a Arc<Proxy> {
    match dependency {
        "dynamodb" => &s.dynamodb,
        "sqs" => &s.sqs,
        "eventbridge" => &s.bus,
        other => panic!("no proxy for {other}"),
    }
}

fn heal(s: &Stack) {
    for dependency in ["dynamodb", "sqs", "eventbridge"] {
        proxy(s, dependency).heal();
    }
}

/// Heals every dependency and removes any tamper when dropped, so a test that fails mid-fault
/// leaves the next one a healthy stack.
pub struct HealOnDrop(pub &'static Stack);

impl Drop for HealOnDrop {
    fn drop(&mut self) {
        heal(self.0);
        self.0.dynamodb.set_tamper(None);
    }
}

/// Runs phases of `fault_for`, each followed by `calm_for` without faults, until `until`
/// (finishing the phase in progress), then heals everything.
pub async fn run(s: &Stack, fault_for: Duration, calm_for: Duration, until: Instant) -> Nemesis {
    let before: BTreeMap<_, _> = ["dynamodb", "sqs", "eventbridge"].map(|d| (d, proxy(s, d).injected())).into();
    let mut kills = 0;
    let mut phases = 0;
    // The waits here are the fault schedule itself (how long a fault holds, how often a kill
    // strikes, the calm between), not waits for an outcome: the checker polls for those.
    while Instant::now() < until {
        let phase = PHASES[phases % PHASES.len()];
        let ends = Instant::now() + fault_for;
        match phase {
            Phase::Proxy(dependency, fault, share) => {
                proxy(s, dependency).inject(fault, share);
                tokio::time::sleep_until(ends.into()).await;
            }
            Phase::Kill => {
                while Instant::now() < ends {
                    for function in KILLED {
                        kills += u64::from(s.runtime.kill_busy_instance(function));
                    }
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            }
        }
        heal(s);
        phases += 1;
        tokio::time::sleep(calm_for).await;
    }
    heal(s);
    let injected = before
        .into_iter()
        .map(|(dependency, before)| {
            let now = proxy(s, dependency).injected();
            let since = Injected {
                refused: now.refused - before.refused,
                reset: now.reset - before.reset,
                dropped_replies: now.dropped_replies - before.dropped_replies,
                delayed: now.delayed - before.delayed,
                tampered: now.tampered - before.tampered,
            };
            (dependency, since)
        })
        .collect();
    Nemesis { kills, injected, phases }
}

impl Nemesis {
    pub fn print(&self) {
        println!("| dependency | refused | reset | replies dropped | delayed |");
        println!("|---|---:|---:|---:|---:|");
        for (dependency, i) in &self.injected {
            println!("| {dependency} | {} | {} | {} | {} |", i.refused, i.reset, i.dropped_replies, i.delayed);
        }
        println!("| functions killed mid-invocation | {} | | | |", self.kills);
        println!("fault phases: {}", self.phases);
    }

    /// Every kind of fault hit something.
    pub fn every_kind_fired(&self) -> bool {
        let total = |f: fn(&Injected) -> u64| self.injected.values().map(f).sum::<u64>();
        self.kills > 0
            && total(|i| i.refused) > 0
            && total(|i| i.reset) > 0
            && total(|i| i.dropped_replies) > 0
            && total(|i| i.delayed) > 0
    }
}
