//! Fairness table: each player's seeds. The active seed (sort key `active`) holds the secret
//! server seed, its commitment, the client seed and the next nonce, and the seed after it,
//! already committed to; a pull moves the nonce in its transaction, conditioned on the
//! commitment and nonce it drew with. Rotating writes the old seed, now revealed, under
//! `revealed#<commitment>` and promotes the next one (with the client seed the player chose
//! then, after the server committed to it, so the server cannot pick a seed to suit the
//! client's), in one transaction conditioned the same way: no draw can use a revealed seed.

use super::s;
use crate::app::{App, Table};
use crate::domain::fairness::{self, commitment};
use crate::error::ApiError;
use aws_sdk_dynamodb::types::{Put, TransactWriteItem, Update};
use serde::{Deserialize, Serialize};

const ACTIVE: &str = "active";
const REVEALED: &str = "revealed#";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActiveSeed {
    /// Secret until rotated.
    pub server_seed: String,
    pub commitment: String,
    pub client_seed: String,
    /// The nonce of the next draw.
    pub nonce: u64,
    pub created_at: String,
    /// The seed the next rotation promotes, secret, and its published commitment.
    #[serde(default)]
    pub next_server_seed: String,
    #[serde(default)]
    pub next_commitment: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RevealedSeed {
    pub server_seed: String,
    pub commitment: String,
    pub client_seed: String,
    /// Draws made with the seed: nonces 0 to `draws - 1`.
    pub draws: u64,
    pub created_at: String,
    pub revealed_at: String,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Stored<T> {
    user_id: String,
    seed_key: String,
    #[serde(flatten)]
    seed: T,
}

impl ActiveSeed {
    /// The seed that follows `server_seed` (committed to before anyone chose a client seed for
    /// it), with a new next one.
    fn promoted(server_seed: String, client_seed: Option<String>) -> ActiveSeed {
        let next_server_seed = fairness::new_server_seed();
        ActiveSeed {
            commitment: commitment(&server_seed),
            server_seed,
            client_seed: client_seed.unwrap_or_else(fairness::new_client_seed),
            nonce: 0,
            created_at: crate::clock::now_rfc3339(),
            next_commitment: commitment(&next_server_seed),
            next_server_seed,
        }
    }

    /// The active seed after a rotation with `client_seed`.
    fn successor(&self, client_seed: Option<String>) -> ActiveSeed {
        // Seeds stored before the next one was kept have none: a fresh one stands in.
        let next = Some(self.next_server_seed.clone()).filter(|seed| !seed.is_empty());
        ActiveSeed::promoted(next.unwrap_or_else(fairness::new_server_seed), client_seed)
    }

    /// What a player may see of it (never the server seeds).
    pub fn public(&self) -> serde_json::Value {
        serde_json::json!({
            "commitment": self.commitment,
            "clientSeed": self.client_seed,
            "nextNonce": self.nonce,
            "createdAt": self.created_at,
            "nextCommitment": self.next_commitment,
        })
    }
}

async fn read_active(app: &App, user_id: &str) -> Result<Option<ActiveSeed>, ApiError> {
    let out = app
        .db
        .get_item()
        .table_name(app.table(Table::FAIRNESS)?)
        .key("userId", s(user_id))
        .key("seedKey", s(ACTIVE))
        .consistent_read(true)
        .send()
        .await?;
    Ok(out.item.map(serde_dynamo::from_item::<_, Stored<ActiveSeed>>).transpose()?.map(|stored| stored.seed))
}

/// The player's active seed, committed to before its first draw: a player without one gets one
/// now (its commitment is then published by `GET /gacha/fairness` and every pull's answer).
pub async fn active(app: &App, user_id: &str) -> Result<ActiveSeed, ApiError> {
    if let Some(seed) = read_active(app, user_id).await? {
        return Ok(seed);
    }
    let fresh = ActiveSeed::promoted(fairness::new_server_seed(), None);
    let stored = Stored { user_id: user_id.to_owned(), seed_key: ACTIVE.to_owned(), seed: fresh.clone() };
    let created = super::applied(
        app.db
            .put_item()
            .table_name(app.table(Table::FAIRNESS)?)
            .set_item(Some(serde_dynamo::to_item(stored)?))
            .condition_expression("attribute_not_exists(seedKey)")
            .send()
            .await,
    )?;
    match created {
        true => Ok(fresh),
        // Another request created it first: use theirs.
        false => read_active(app, user_id).await?.ok_or_else(|| ApiError::internal("the active seed vanished")),
    }
}

/// Moves the nonce past `draws` draws, if the seed is still `seen` at the nonce it drew from.
pub fn advance(app: &App, user_id: &str, seen: &ActiveSeed, draws: u64) -> Result<TransactWriteItem, ApiError> {
    let update = Update::builder()
        .table_name(app.table(Table::FAIRNESS)?)
        .key("userId", s(user_id))
        .key("seedKey", s(ACTIVE))
        .update_expression("SET nonce = :next")
        .condition_expression("commitment = :commitment AND nonce = :seen")
        .expression_attribute_values(":commitment", s(&seen.commitment))
        .expression_attribute_values(":seen", super::n(seen.nonce))
        .expression_attribute_values(":next", super::n(seen.nonce + draws))
        .build()
        .map_err(ApiError::internal)?;
    Ok(TransactWriteItem::builder().update(update).build())
}

/// Reveals the active seed and starts a new one (with the player's client seed, or a random
/// one). `Ok(None)` if a pull moved the seed meanwhile (the caller reads it again).
pub async fn rotate(
    app: &App,
    user_id: &str,
    seen: &ActiveSeed,
    client_seed: Option<String>,
) -> Result<Option<(RevealedSeed, ActiveSeed)>, ApiError> {
    let table = app.table(Table::FAIRNESS)?;
    let now = crate::clock::now_rfc3339();
    let revealed = RevealedSeed {
        server_seed: seen.server_seed.clone(),
        commitment: seen.commitment.clone(),
        client_seed: seen.client_seed.clone(),
        draws: seen.nonce,
        created_at: seen.created_at.clone(),
        revealed_at: now,
    };
    let next = seen.successor(client_seed);
    let reveal = super::put_new(
        table,
        &Stored { user_id: user_id.to_owned(), seed_key: format!("{REVEALED}{}", seen.commitment), seed: &revealed },
        "seedKey",
    )?;
    let replace = Put::builder()
        .table_name(table)
        .set_item(Some(serde_dynamo::to_item(Stored {
            user_id: user_id.to_owned(),
            seed_key: ACTIVE.to_owned(),
            seed: &next,
        })?))
        .condition_expression("commitment = :commitment AND nonce = :seen")
        .expression_attribute_values(":commitment", s(&seen.commitment))
        .expression_attribute_values(":seen", super::n(seen.nonce))
        .build()
        .map_err(ApiError::internal)?;
    let items = vec![reveal, TransactWriteItem::builder().put(replace).build()];
    match super::transact(&app.db, items).await? {
        super::TxOutcome::Committed => Ok(Some((revealed, next))),
        super::TxOutcome::Cancelled(_) => Ok(None),
    }
}

/// A seed the player revealed, by its commitment.
pub async fn revealed(app: &App, user_id: &str, commitment: &str) -> Result<Option<RevealedSeed>, ApiError> {
    let out = app
        .db
        .get_item()
        .table_name(app.table(Table::FAIRNESS)?)
        .key("userId", s(user_id))
        .key("seedKey", s(format!("{REVEALED}{commitment}")))
        .consistent_read(true)
        .send()
        .await?;
    Ok(out.item.map(serde_dynamo::from_item::<_, Stored<RevealedSeed>>).transpose()?.map(|stored| stored.seed))
}

/// The player's revealed seeds, newest first (at most `limit`).
pub async fn revealed_recent(app: &App, user_id: &str, limit: usize) -> Result<Vec<RevealedSeed>, ApiError> {
    let out = app
        .db
        .query()
        .table_name(app.table(Table::FAIRNESS)?)
        .key_condition_expression("userId = :user AND begins_with(seedKey, :revealed)")
        .expression_attribute_values(":user", s(user_id))
        .expression_attribute_values(":revealed", s(REVEALED))
        .send()
        .await?;
    let mut seeds: Vec<RevealedSeed> = serde_dynamo::from_items::<_, Stored<RevealedSeed>>(out.items().to_vec())?
        .into_iter()
        .map(|stored| stored.seed)
        .collect();
    seeds.sort_by(|a, b| b.revealed_at.cmp(&a.revealed_at));
    seeds.truncate(limit);
    Ok(seeds)
}
