//! `POST /gacha/pull`: spends gems on 1 or 10 pulls from a banner. One transaction debits the
//! wallet, writes the ledger entry, every pull record, the PullCompleted event, the pity counters
//! the draws left (conditioned on the version they drew from) and (with an Idempotency-Key) the
//! first response, so a pull is either wholly paid and recorded or did not happen. Two DynamoDB
//! round trips: the wallet and counters read together (the banner is cached per instance), then
//! the transaction.

use lambda_http::Request;
use platform::domain::gacha::{Banner, MULTI_PULL};
use platform::domain::money::LedgerKind;
use platform::domain::pity::PityState;
use platform::flows::transaction::PITY_MOVED;
use platform::flows::{Idempotency, MoneyFlow, Step, WalletChange};
use platform::http::{idempotency_key, json_body, json_response, HttpResult};
use platform::store::pity::{self, Counters};
use platform::store::pulls::PullRecord;
use platform::store::{self, banners, idempotency, wallet};
use platform::{clock, outbox, ApiError, App};
use serde::Deserialize;
use serde_json::json;

const OPERATION: &str = "gacha-pull";
/// Pulls lost to another pull on the same counters before giving up with 503 (as many as the
/// money flow allows lost races on a wallet).
const PITY_ATTEMPTS: u32 = 60;

/// Seed 002's body is `{"currencySpent": n}`; `bannerId` and `count` extend it compatibly.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct PullRequest {
    currency_spent: Option<u64>,
    banner_id: Option<String>,
    count: Option<u32>,
}

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let player = app.authenticate(&req).await?;
    let key = idempotency_key(&req)?;
    let body: PullRequest = json_body(&req)?;
    let count = body.count.unwrap_or(1);
    if count != 1 && count != MULTI_PULL {
        return Err(ApiError::validation("count", format!("count must be 1 or {MULTI_PULL}")));
    }
    let banner_id = match &body.banner_id {
        Some(id) => banners::checked_id(id)?,
        None => banners::DEFAULT_BANNER.to_owned(),
    };
    let request = json!({ "bannerId": banner_id, "count": count, "currencySpent": body.currency_spent });
    let guard = key.map(|key| idempotency::Guard::new(&player.user_id, OPERATION, &key, &request));

    // Another pull moving the counters first refuses this one's transaction; it then draws again
    // from the new counters (and the new balance).
    for attempt in 0..PITY_ATTEMPTS {
        if attempt > 2 {
            store::backoff(attempt.min(3)).await;
        }
        let banner = banners::get_cached(app, &banner_id).await?;
        let cost = banner.cost_of(count).ok_or_else(|| ApiError::internal("banner cost overflows"))?;
        if body.currency_spent.is_some_and(|spent| spent != cost) {
            return Err(ApiError::Rule {
                code: "price_mismatch",
                field: Some("currencySpent"),
                detail: format!("{count} pull(s) on banner `{banner_id}` cost {cost} gems"),
            });
        }
        let counters = async {
            match &banner.pity {
                Some(rules) => pity::read(app, &player.user_id, &rules.banner_type).await,
                None => Ok(Counters::default()),
            }
        };
        let (seen, counters) = tokio::try_join!(wallet::read(app, &player.user_id), counters)?;
        let flow = MoneyFlow {
            app,
            user_id: &player.user_id,
            change: WalletChange::Debit(cost),
            idempotency: guard.as_ref().map_or(Idempotency::None, Idempotency::Record),
            balance_field: "newCurrencyBalance",
        };
        let pulled = flow
            .run(seen, |tx| {
                let mut state = counters.state;
                let records = draw(&banner, count, &player.user_id, &mut state);
                let items: Vec<_> = records.iter().map(|r| &r.item).collect();
                let completed = outbox::Entry::event(
                    "PullCompleted",
                    &player.user_id,
                    json!({ "bannerId": banner_id, "count": count, "currencySpent": cost, "items": items }),
                );
                tx.add(
                    Step::LedgerEntry,
                    store::ledger::entry(app, &player.user_id, LedgerKind::GachaPull, cost, &records[0].pull_id)?,
                );
                tx.add(Step::OutboxEntry, completed.put(app)?);
                for record in &records {
                    tx.add(Step::PullRecord, store::pulls::put(app, record)?);
                }
                let mut response = json!({
                    "message": "Pull successful",
                    "item": records[0].item,
                    "items": items,
                    "pullIds": records.iter().map(|r| &r.pull_id).collect::<Vec<_>>(),
                    "bannerId": banner_id,
                    "currencySpent": cost,
                });
                if let Some(rules) = &banner.pity {
                    tx.add(
                        Step::PityAdvance,
                        pity::advance(app, &player.user_id, &rules.banner_type, counters.version, &state)?,
                    );
                    let after = Counters { state, version: counters.version + 1 };
                    response["pity"] = json!({ "bannerType": rules.banner_type, "counters": after });
                }
                Ok(response)
            })
            .await;
        match pulled {
            Err(ApiError::Conflict { code: PITY_MOVED, .. }) => continue,
            other => return json_response(200, &other?),
        }
    }
    Err(ApiError::Unavailable("the pity counters kept changing during this request".into()))
}

/// The draws of one attempt, draw by draw from `state`, which they advance: if the attempt's
/// transaction does not commit, they never happened.
fn draw(banner: &Banner, count: u32, user_id: &str, state: &mut PityState) -> Vec<PullRecord> {
    let pulled_at = clock::now_rfc3339();
    let mut rng = rand::rng();
    (0..count)
        .map(|_| PullRecord {
            user_id: user_id.to_owned(),
            pull_id: store::new_id(),
            banner_id: banner.banner_id.clone(),
            item: banner.pull_with_pity(state, &mut rng).clone(),
            currency_spent: banner.cost_per_pull,
            pulled_at: pulled_at.clone(),
        })
        .collect()
}
