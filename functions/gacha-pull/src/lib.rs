//! `POST /gacha/pull`: spends gems on 1 or 10 pulls from a banner. One transaction debits the
//! wallet (only if the balance covers the cost), writes the ledger entry, every pull record and
//! the idempotency record, so a pull is either wholly paid and recorded or did not happen.

use lambda_http::Request;
use platform::domain::gacha::MULTI_PULL;
use platform::domain::money::LedgerKind;
use platform::http::{idempotency_key, json_body, json_response, HttpResult};
use platform::store::pulls::PullRecord;
use platform::store::{self, banners, idempotency, TxOutcome};
use platform::{clock, outbox, ApiError, App};
use serde::Deserialize;
use serde_json::json;

const OPERATION: &str = "gacha-pull";
/// Where seed 002's pull response reports the balance.
const BALANCE_FIELD: &str = "newCurrencyBalance";

/// Seed 002's body is `{"currencySpent": n}`; `bannerId` and `count` extend it compatibly.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct PullRequest {
    currency_spent: Option<u64>,
    banner_id: Option<String>,
    count: Option<u32>,
}

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let player = app.authenticate(&req)?;
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
    let guard = idempotency::Guard::new(&player.user_id, OPERATION, &key, &request);

    let banner = banners::get(app, &banner_id).await?;
    let cost = banner.cost_of(count).ok_or_else(|| ApiError::internal("banner cost overflows"))?;
    if body.currency_spent.is_some_and(|spent| spent != cost) {
        return Err(ApiError::Rule {
            code: "price_mismatch",
            field: Some("currencySpent"),
            detail: format!("{count} pull(s) on banner `{banner_id}` cost {cost} gems"),
        });
    }

    let records = draw(&banner, count, &player.user_id);
    let response = json!({
        "message": "Pull successful",
        "item": records[0].item,
        "items": records.iter().map(|r| &r.item).collect::<Vec<_>>(),
        "pullIds": records.iter().map(|r| &r.pull_id).collect::<Vec<_>>(),
        "bannerId": banner_id,
        "currencySpent": cost,
    });

    let completed = outbox::Entry::event(
        "PullCompleted",
        &player.user_id,
        json!({ "bannerId": banner_id, "count": count, "currencySpent": cost, "items": response["items"] }),
    );
    let mut items = vec![
        store::wallet::debit(app, &player.user_id, cost)?,
        store::ledger::entry(app, &player.user_id, LedgerKind::GachaPull, cost, &records[0].pull_id)?,
        idempotency::completed_put(app, &guard, OPERATION, &response)?,
        completed.put(app)?,
    ];
    for record in &records {
        items.push(store::pulls::put(app, record)?);
    }
    let body = match store::transact(&app.db, items).await? {
        // Publishing and reading the new balance are independent: do both at once.
        TxOutcome::Committed => {
            let (_, body) = tokio::join!(
                outbox::dispatch(app, std::slice::from_ref(&completed)),
                idempotency::finish(app, &guard.record_key, response, &player.user_id, BALANCE_FIELD)
            );
            body?
        }
        // The key was used before: its first answer wins over anything this attempt drew.
        outcome if outcome.failed_at(2) => {
            let record = idempotency::load(app, &guard)
                .await?
                .ok_or_else(|| ApiError::internal("idempotency record vanished"))?;
            idempotency::replay(app, &guard, &record, &player.user_id, BALANCE_FIELD).await?
        }
        outcome if outcome.failed_at(0) => return Err(ApiError::insufficient_funds()),
        other => return Err(ApiError::internal(format!("pull cancelled: {other:?}"))),
    };
    json_response(200, &body)
}

/// The draws, made before the transaction: if it does not commit, they never happened.
fn draw(banner: &platform::domain::gacha::Banner, count: u32, user_id: &str) -> Vec<PullRecord> {
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
