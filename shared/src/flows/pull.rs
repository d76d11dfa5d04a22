//! A gacha pull, over HTTP or the socket: spends gems on 1 or 10 draws from a banner. One
//! transaction debits the wallet, writes the ledger entry, every pull record, the PullCompleted
//! event, the pity counters and the fairness nonce the draws left (each conditioned on what the
//! draws started from), the inventory counts (conditioned on the counts seen), the shards
//! converted from duplicates with their ledger entry, and (with an Idempotency-Key) the first
//! response. A pull is wholly paid and recorded or did not happen.
//!
//! Two DynamoDB round trips: wallet, counters, seed and inventory read together (the banner is
//! cached per instance), then the transaction.

use super::transaction::DRAW_STATE_MOVED;
use super::{Idempotency, MoneyFlow, Step, WalletChange};
use crate::domain::fairness::{DrawProof, FairDraw};
use crate::domain::gacha::{Banner, MULTI_PULL};
use crate::domain::inventory;
use crate::domain::money::LedgerKind;
use crate::domain::pity::PityState;
use crate::store::fairness::{self, ActiveSeed};
use crate::store::pity::{self, Counters};
use crate::store::pulls::PullRecord;
use crate::store::{self, banners, idempotency, wallet};
use crate::{clock, outbox, ApiError, App};
use serde_json::{json, Value};

const OPERATION: &str = "gacha-pull";
/// Pulls lost to another pull on the same state before giving up with 503 (as many as the
/// money flow allows lost races on a wallet).
const DRAW_ATTEMPTS: u32 = 60;

/// What the player asked for.
#[derive(Debug, Clone)]
pub struct PullOrder {
    pub banner_id: String,
    pub count: u32,
    /// The price the client was shown; a different price is refused.
    pub currency_spent: Option<u64>,
    pub idempotency_key: Option<String>,
}

impl PullOrder {
    /// Checks the count and the banner id before anything is read.
    pub fn new(
        banner_id: Option<&str>,
        count: Option<u32>,
        currency_spent: Option<u64>,
        idempotency_key: Option<String>,
    ) -> Result<PullOrder, ApiError> {
        let count = count.unwrap_or(1);
        if count != 1 && count != MULTI_PULL {
            return Err(ApiError::validation("count", format!("count must be 1 or {MULTI_PULL}")));
        }
        let banner_id = match banner_id {
            Some(id) => banners::checked_id(id)?,
            None => banners::DEFAULT_BANNER.to_owned(),
        };
        Ok(PullOrder { banner_id, count, currency_spent, idempotency_key })
    }
}

/// Runs the pull; the answer is the JSON body seed 002 gives (with its additions).
pub async fn pull(app: &App, user_id: &str, order: &PullOrder) -> Result<Value, ApiError> {
    let PullOrder { banner_id, count, .. } = order;
    let request = json!({ "bannerId": banner_id, "count": count, "currencySpent": order.currency_spent });
    let guard = order.idempotency_key.as_ref().map(|key| idempotency::Guard::new(user_id, OPERATION, key, &request));

    let flow = MoneyFlow {
        app,
        user_id,
        change: WalletChange::Debit(0),
        idempotency: guard.as_ref().map_or(Idempotency::None, Idempotency::Record),
        balance_field: "newCurrencyBalance",
    };
    // Another pull moving the counters, nonce or inventory first refuses this one's transaction;
    // it then draws again from theirs (and the new balance).
    for attempt in 0..DRAW_ATTEMPTS {
        if attempt > 2 {
            store::backoff(attempt.min(3)).await;
        }
        let banner = banners::get_cached(app, banner_id).await?;
        let cost = banner.cost_of(*count).ok_or_else(|| ApiError::internal("banner cost overflows"))?;
        if order.currency_spent.is_some_and(|spent| spent != cost) {
            return flow
                .refuse(ApiError::Rule {
                    code: "price_mismatch",
                    field: Some("currencySpent"),
                    detail: format!("{count} pull(s) on banner `{banner_id}` cost {cost} gems"),
                })
                .await;
        }
        // A key used while the banner was open still replays its answer after it closes.
        if let Err(closed) = banner.ensure_open(clock::now()) {
            return flow.refuse(closed).await;
        }
        let counters = async {
            match &banner.pity {
                Some(rules) => pity::read(app, user_id, &rules.banner_type).await,
                None => Ok(Counters::default()),
            }
        };
        let (seen, counters, seed, held) = tokio::try_join!(
            wallet::read(app, user_id),
            counters,
            fairness::active(app, user_id),
            store::inventory::read(app, user_id)
        )?;
        let flow = MoneyFlow { change: WalletChange::Debit(cost), ..flow.clone() };
        let pulled = flow
            .run(seen, |tx| {
                let mut state = counters.state;
                let records = draw(&banner, *count, user_id, &mut state, &seed);
                let items: Vec<_> = records.iter().map(|r| &r.item).collect();
                let (gains, shards) = inventory::gains(items.iter().copied(), &held.counts());
                let completed = outbox::Entry::event(
                    "PullCompleted",
                    user_id,
                    json!({ "bannerId": banner_id, "count": count, "currencySpent": cost, "items": items }),
                );
                let reference = &records[0].pull_id;
                tx.add(Step::LedgerEntry, store::ledger::entry(app, user_id, LedgerKind::GachaPull, cost, reference)?);
                tx.add(Step::OutboxEntry, completed.put(app)?);
                for record in &records {
                    tx.add(Step::PullRecord, store::pulls::put(app, record)?);
                }
                tx.add(Step::SeedAdvance, fairness::advance(app, user_id, &seed, u64::from(*count))?);
                let now = clock::now_rfc3339();
                for gain in &gains {
                    tx.add(Step::InventoryChange, store::inventory::change(app, user_id, gain, &now)?);
                }
                if shards > 0 {
                    tx.add(Step::ShardsCredit, store::inventory::add_shards(app, user_id, shards)?);
                    let entry = store::ledger::entry(app, user_id, LedgerKind::DuplicateShards, shards, reference)?;
                    tx.add(Step::LedgerEntry, entry);
                }
                let mut response = json!({
                    "message": "Pull successful",
                    "item": records[0].item,
                    "items": items,
                    "pullIds": records.iter().map(|r| &r.pull_id).collect::<Vec<_>>(),
                    "bannerId": banner_id,
                    "currencySpent": cost,
                    "fairness": {
                        "commitment": seed.commitment,
                        "clientSeed": seed.client_seed,
                        "nonces": records.iter().filter_map(|r| r.proof.as_ref().map(|p| p.nonce)).collect::<Vec<_>>(),
                    },
                    "inventory": gains.iter().map(|g| json!({
                        "itemId": g.item.id, "count": g.after, "convertedToShards": g.converted,
                    })).collect::<Vec<_>>(),
                    "shardsGained": shards,
                    "shards": held.shards + shards,
                });
                if let Some(rules) = &banner.pity {
                    tx.add(
                        Step::PityAdvance,
                        pity::advance(app, user_id, &rules.banner_type, counters.version, &state)?,
                    );
                    let after = Counters { state, version: counters.version + 1 };
                    response["pity"] = json!({ "bannerType": rules.banner_type, "counters": after });
                }
                Ok(response)
            })
            .await;
        match pulled {
            Err(ApiError::Conflict { code: DRAW_STATE_MOVED, .. }) => continue,
            other => return other,
        }
    }
    Err(ApiError::Unavailable("the pity counters, seed or inventory kept changing during this request".into()))
}

/// The draws of one attempt, draw by draw from `state` (which they advance) with the nonces
/// after the seed's: if the attempt's transaction does not commit, they never happened.
fn draw(banner: &Banner, count: u32, user_id: &str, state: &mut PityState, seed: &ActiveSeed) -> Vec<PullRecord> {
    let pulled_at = clock::now_rfc3339();
    (0..u64::from(count))
        .map(|i| {
            let nonce = seed.nonce + i;
            let before = *state;
            let mut rolls = FairDraw::new(&seed.server_seed, &seed.client_seed, nonce);
            let item = banner.pull_with_pity(state, &mut rolls).clone();
            PullRecord {
                user_id: user_id.to_owned(),
                pull_id: store::new_id(),
                banner_id: banner.banner_id.clone(),
                item,
                currency_spent: banner.cost_per_pull,
                pulled_at: pulled_at.clone(),
                proof: Some(DrawProof {
                    commitment: seed.commitment.clone(),
                    client_seed: seed.client_seed.clone(),
                    nonce,
                }),
                pity_before: banner.pity.is_some().then_some(before),
            }
        })
        .collect()
}
