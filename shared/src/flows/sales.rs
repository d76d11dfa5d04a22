//! Scheduling sales and announcing them. A sale's start is announced once, with a
//! `GameDiscounted` event written in the same transaction that marks it announced: at scheduling
//! when it starts at once, else by `sales-announce` (every minute) once it has started. The
//! notifications consumer fans the event out to the game's wishlisters. Developers' regional
//! prices live beside the sales (one item, one version), so a purchase's check covers both.

use super::transaction::RELATION_MOVED;
use super::{Step, Transaction, Verdict};
use crate::app::App;
use crate::domain::catalog::Game;
use crate::domain::pricing::{self, Sale};
use crate::domain::regions;
use crate::error::ApiError;
use crate::outbox;
use crate::store::prices::{self, Sales};
use serde_json::json;
use std::collections::BTreeMap;

/// Saves `next` over the `read` prices, announcing every sale that has started and was not yet
/// announced, in one transaction. Returns the prices as saved; `None`: they moved since the read
/// (read again).
pub async fn save(app: &App, game: &Game, read: &Sales, mut next: Sales, now: u64) -> Result<Option<Sales>, ApiError> {
    let mut tx = Transaction::new();
    for sale in next.sales.iter_mut().filter(|sale| sale.due_for_announcement(now)) {
        sale.announced = true;
        let started = outbox::Entry::event(
            "GameDiscounted",
            &sale.by,
            json!({
                "gameId": game.game_id,
                "name": game.name,
                "saleId": sale.sale_id,
                "percent": sale.percent,
                "priceGems": pricing::discounted(game.price_gems, sale.percent),
                "listPriceGems": game.price_gems,
                "endsAt": crate::clock::rfc3339(sale.ends_at),
            }),
        );
        tx.add(Step::OutboxEntry, started.put(app)?);
    }
    tx.add(Step::SalesChange, prices::put(app, game.game_id, read, &next)?);
    match tx.commit(&app.db).await {
        Ok(()) => Ok(Some(Sales { version: read.version + 1, ..next })),
        Err(Verdict::Refused(ApiError::Conflict { code: RELATION_MOVED, .. })) => Ok(None),
        Err(other) => Err(other.into()),
    }
}

/// Adds a sale to the game's sales (keeping those that still matter). Returns the sales as saved.
/// A sale may not start within 30 days of a regional price rise (Steam's rule too): its "lowest
/// price of the prior 30 days" would otherwise be computed from the raised price.
pub async fn schedule(app: &App, game: &Game, sale: Sale, now: u64) -> Result<Vec<Sale>, ApiError> {
    let saved = change(app, game, now, |read| {
        let mut sales = pricing::kept(read.sales.clone(), now);
        if sales.len() >= pricing::MAX_SALES {
            return Err(ApiError::Rule {
                code: "too_many_sales",
                field: None,
                detail: format!(
                    "a game keeps at most {} sales on record (running, scheduled and recent)",
                    pricing::MAX_SALES
                ),
            });
        }
        if read.raised_at > 0 && sale.starts_at < read.raised_at + pricing::LOOKBACK_SECS {
            return Err(ApiError::Rule {
                code: "recent_price_rise",
                field: Some("startsAt"),
                detail: format!(
                    "a regional price rose at {}: a sale may start 30 days after that, from {}",
                    crate::clock::rfc3339(read.raised_at),
                    crate::clock::rfc3339(read.raised_at + pricing::LOOKBACK_SECS)
                ),
            });
        }
        sales.push(sale.clone());
        Ok(Sales { sales, ..read.clone() })
    })
    .await?;
    Ok(saved.sales)
}

/// Replaces the developer's regional prices of a game (an empty map: every region derived again).
/// A rise in any region is refused while a sale runs or is scheduled, and recorded otherwise.
pub async fn set_regional(
    app: &App,
    game: &Game,
    regional: BTreeMap<String, u64>,
    now: u64,
) -> Result<Sales, ApiError> {
    change(app, game, now, |read| {
        let next = Sales { regional: regional.clone(), ..read.clone() };
        let rises = regions::REGIONS
            .iter()
            .any(|region| next.list_price(game.price_gems, region) > read.list_price(game.price_gems, region));
        if !rises {
            return Ok(next);
        }
        if read.sales.iter().any(|sale| sale.ends_at > now) {
            return Err(ApiError::Conflict {
                code: "sale_planned",
                detail: "a regional price may not rise while a sale of the game runs or is scheduled".into(),
            });
        }
        Ok(Sales { raised_at: now, ..next })
    })
    .await
}

/// Reads the game's prices, applies `edit` and saves, again when another change lands between the
/// read and the write. Returns the prices as saved.
async fn change<F>(app: &App, game: &Game, now: u64, edit: F) -> Result<Sales, ApiError>
where
    F: Fn(&Sales) -> Result<Sales, ApiError>,
{
    for _ in 0..5 {
        let read = prices::read(app, game.game_id).await?;
        if let Some(saved) = save(app, game, &read, edit(&read)?, now).await? {
            return Ok(saved);
        }
    }
    Err(ApiError::Unavailable("the game's prices kept changing; try again".into()))
}

/// Announces every sale that has started since the last sweep; returns how many games had one.
pub async fn announce_started(app: &App, now: u64) -> Result<usize, ApiError> {
    let due = prices::with_due_announcements(app, now).await?;
    for (game_id, read) in &due {
        // One game that fails must not hold back the others: it is tried again next minute.
        // Moved meanwhile (a new sale, or another sweep announced it): the next sweep sees it.
        let announced = async {
            let game = crate::store::catalog::game(app, *game_id).await?;
            save(app, &game, read, read.clone(), now).await.map(|_| ())
        };
        if let Err(error) = announced.await {
            tracing::error!(game_id, ?error, "a started sale was not announced; the next sweep retries");
        }
    }
    Ok(due.len())
}
