//! The one money flow: every request that moves gems runs through `MoneyFlow::run`.
//!
//! 1. The caller reads the wallet (alongside its own reads) and says how the balance changes.
//! 2. The flow builds the transaction: the operation's own steps, the wallet step conditioned on
//!    the balance it read (so the new balance is exact before commit), and the idempotency step
//!    carrying the complete first response (so a replay needs no further write).
//! 3. It commits. A key used before replays its first response; a wallet that moved in between
//!    is retried from the balance the cancelled step found; any other failure is the error of
//!    the step that failed.

use super::transaction::{Step, Transaction, Verdict};
use crate::app::App;
use crate::error::ApiError;
use crate::store::{idempotency, wallet};
use serde_json::{json, Value};

/// How the flow changes the player's balance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WalletChange {
    Debit(u64),
    Credit(u64),
    /// The operation costs nothing (a free game): the balance is reported, not changed.
    Unchanged,
}

impl WalletChange {
    /// The wallet step and the signed change it makes, if the balance changes.
    fn step(self) -> Option<(Step, i64)> {
        match self {
            WalletChange::Debit(amount) => Some((Step::Debit { amount }, -(amount as i64))),
            WalletChange::Credit(amount) => Some((Step::Credit { amount }, amount as i64)),
            WalletChange::Unchanged => None,
        }
    }
}

/// How the operation is made replay-safe.
#[derive(Debug, Clone)]
pub enum Idempotency<'a> {
    /// No Idempotency-Key: each request is a new operation (still atomic).
    None,
    /// The key's record is written by this transaction, failing if the key was used before.
    Record(&'a idempotency::Guard),
    /// The key was claimed (pending) before an external charge; this transaction completes it.
    Claim(&'a idempotency::Guard),
}

#[derive(Clone)]
pub struct MoneyFlow<'a> {
    pub app: &'a App,
    pub user_id: &'a str,
    pub change: WalletChange,
    pub idempotency: Idempotency<'a>,
    /// Where the response reports the new balance (seed 002 names it per endpoint).
    pub balance_field: &'static str,
}

/// Lost races on one wallet before giving up with 503; each costs one transaction attempt.
const ATTEMPTS: u32 = 60;

impl MoneyFlow<'_> {
    /// Runs the operation from the balance `seen` (read by the caller). `build` adds the
    /// operation's own steps and returns its response without the balance; it runs again on
    /// each retry, so ids and records are fresh per attempt. Returns the response to send.
    pub async fn run<F>(&self, mut seen: Option<i64>, mut build: F) -> Result<Value, ApiError>
    where
        F: FnMut(&mut Transaction) -> Result<Value, ApiError>,
    {
        for attempt in 0..ATTEMPTS {
            let balance = match (self.change, seen) {
                (WalletChange::Debit(cost), Some(b)) if b >= cost as i64 => b - cost as i64,
                (WalletChange::Debit(_), _) => return self.refuse(ApiError::insufficient_funds()).await,
                (WalletChange::Credit(gems), Some(b)) => b + gems as i64,
                (WalletChange::Unchanged, Some(b)) => b,
                (_, None) => return self.refuse(ApiError::internal("the player has no wallet")).await,
            };
            let mut tx = Transaction::new();
            let mut response = build(&mut tx)?;
            response[self.balance_field] = json!(balance);
            if let Some((step, delta)) = self.change.step() {
                tx.add(step, wallet::change(self.app, self.user_id, balance - delta, delta)?);
            }
            match &self.idempotency {
                Idempotency::Record(guard) => {
                    tx.add(Step::IdempotencyRecord, idempotency::completed_put(self.app, guard, &response)?);
                }
                Idempotency::Claim(guard) => {
                    tx.add(Step::ClaimCompletion, idempotency::complete_claim(self.app, guard, &response)?);
                }
                Idempotency::None => {}
            }
            match tx.commit(&self.app.db).await {
                Ok(()) => return Ok(response),
                Err(Verdict::Replay(record)) => return self.replay(idempotency::Record::from_item(record)),
                Err(Verdict::WalletMoved(now)) => {
                    seen = Some(now);
                    if attempt > 2 {
                        crate::store::backoff(attempt.min(3)).await;
                    }
                }
                Err(Verdict::Refused(refusal)) => {
                    // A condition refused the transaction, so nothing was written: a claimed key is
                    // free again, as after a declined card. (A `Failed` verdict decides nothing:
                    // the claim stays for the reconciler, since the card was charged.)
                    if let Idempotency::Claim(guard) = &self.idempotency {
                        idempotency::forget(self.app, &guard.record_key).await?;
                    }
                    return self.refuse(refusal).await;
                }
                Err(other) => return Err(other.into()),
            }
        }
        Err(ApiError::Unavailable("the wallet kept changing during this request".into()))
    }

    fn guard(&self) -> Option<&idempotency::Guard> {
        match &self.idempotency {
            Idempotency::Record(g) | Idempotency::Claim(g) => Some(g),
            Idempotency::None => None,
        }
    }

    fn replay(&self, record: idempotency::Record) -> Result<Value, ApiError> {
        let guard = self.guard().ok_or_else(|| ApiError::internal("replay without a key"))?;
        record.replay(guard)
    }

    /// Refused: but a key used before still gets its first answer. A refusal that a later
    /// request could reverse (a top-up covering the cost) is recorded under the key, so a double
    /// tap or a retry never gets both a refusal and a success.
    pub async fn refuse(&self, err: ApiError) -> Result<Value, ApiError> {
        if let Idempotency::Record(guard) = &self.idempotency {
            if let Some(record) = idempotency::record_refusal(self.app, guard, &err).await? {
                return record.replay(guard);
            }
        }
        Err(err)
    }
}
