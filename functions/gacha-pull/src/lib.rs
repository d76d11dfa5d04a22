//! `POST /gacha/pull`: spends gems on 1 or 10 pulls from a banner. One transaction debits the
//! wallet, writes the ledger entry, every pull record, the PullCompleted event and (with an
//! Idempotency-Key) the first response, so a pull is either wholly paid and recorded or did not
//! happen. Two DynamoDB round trips: the wallet read (with the banner, cached per instance),
//! then the transaction.

use lambda_http::Request;
use platform::domain::gacha::{Banner, MULTI_PULL};
use platform::domain::money::LedgerKind;
use platform::flows::{Idempotency, MoneyFlow, Step, WalletChange};
use platform::http::{idempotency_key, json_body, json_response, HttpResult};
use platform::store::pulls::PullRecord;
use platform::store::{self, banners, idempotency, wallet};
use platform::{clock, outbox, ApiError, App};
use serde::Deserialize;
use serde_json::json;

const OPERATION: &str = "gacha-pull";

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

    let (banner, seen) = tokio::try_join!(banners::get_cached(app, &banner_id), wallet::read(app, &player.user_id))?;
    let cost = banner.cost_of(count).ok_or_else(|| ApiError::internal("banner cost overflows"))?;
    if body.currency_spent.is_some_and(|spent| spent != cost) {
        return Err(ApiError::Rule {
            code: "price_mismatch",
            field: Some("currencySpent"),
            detail: format!("{count} pull(s) on banner `{banner_id}` cost {cost} gems"),
        });
    }

    let flow = MoneyFlow {
        app,
        user_id: &player.user_id,
        change: WalletChange::Debit(cost),
        idempotency: guard.as_ref().map_or(Idempotency::None, Idempotency::Record),
        balance_field: "newCurrencyBalance",
    };
    let response = flow
        .run(seen, |tx| {
            let records = draw(&banner, count, &player.user_id);
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
            Ok(json!({
                "message": "Pull successful",
                "item": records[0].item,
                "items": items,
                "pullIds": records.iter().map(|r| &r.pull_id).collect::<Vec<_>>(),
                "bannerId": banner_id,
                "currencySpent": cost,
            }))
        })
        .await?;
    json_response(200, &response)
}

/// The draws of one attempt: if its transaction does not commit, they never happened.
fn draw(banner: &Banner, count: u32, user_id: &str) -> Vec<PullRecord> {
    let pulled_at = clock::now_rfc3339();
    let mut rng = rand::rng();
    (0..count)
        .map(|_| PullRecord {
            user_id: user_id.to_owned(),
            pull_id: store::new_id(),
            banner_id: banner.banner_id.clone(),
            item: banner.pull(&mut rng).clone(),
            currency_spent: banner.cost_per_pull,
            pulled_at: pulled_at.clone(),
        })
        .collect()
}
