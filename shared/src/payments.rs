//! Buying gems: the payment-provider port, the sandbox provider, and the purchase flow.
//!
//! Flow: price the gems in the player's region (`domain::regions`: currency, tax within) -> claim
//! the Idempotency-Key with that quote (pending; a request without a key gets a fresh one, so it
//! is just as crash-safe) -> charge the provider with a key derived from ours and the request ->
//! one money-flow transaction credits the wallet, writes the ledger entry, records the charge as
//! credited (with its receipt) and completes the claim with the response. If the function dies
//! after the charge, the claim stays pending; a client retry or the reconciler looks the charge up
//! with the same provider key and credits it, once, against the quote the claim kept.

use crate::app::{App, Table};
use crate::domain::minors;
use crate::domain::money::{self, LedgerKind};
use crate::domain::regions::{self, GemPrice};
use crate::error::ApiError;
use crate::flows::{Idempotency, MoneyFlow, Step, WalletChange};
use crate::outbox;
use crate::store::{self, get_n, get_s, idempotency, n, s, wallet};
use serde_json::{json, Value};
use std::future::Future;
use std::time::Duration;

pub const OPERATION: &str = "buy-currency";
/// Where seed 002's buy-currency response reports the balance.
const BALANCE_FIELD: &str = "newBalance";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChargeOutcome {
    /// `amount_minor` in the minor unit of `currency` (pence, cents, yen).
    Succeeded {
        charge_id: String,
        amount_minor: u64,
        currency: String,
    },
    Declined {
        reason: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransientFailure(pub String);

/// What any payment gateway must offer. `key` makes a charge idempotent at the provider.
pub trait PaymentProvider: Send + Sync {
    fn charge(
        &self,
        key: &str,
        amount_minor: u64,
        currency: &str,
        method: &str,
    ) -> impl Future<Output = Result<ChargeOutcome, TransientFailure>> + Send;
    /// The outcome of an earlier charge with this key, if the provider saw one.
    fn lookup(&self, key: &str) -> impl Future<Output = Result<Option<ChargeOutcome>, TransientFailure>> + Send;
}

/// A test gateway that behaves like a real one, keeping its charges in its own table.
/// Tokens: `tok_visa`, `tok_mastercard` succeed; `tok_declined`, `tok_insufficient_funds`
/// decline; `tok_flaky` fails transiently on the first attempt of each key; `tok_unavailable`
/// always fails transiently. Any other method name (seed 002's `credit_card`, `paypal`, ...)
/// is a sandbox wallet that succeeds.
pub struct SandboxProvider<'a> {
    pub app: &'a App,
}

impl SandboxProvider<'_> {
    fn transient(err: impl std::fmt::Debug) -> TransientFailure {
        TransientFailure(format!("{err:?}"))
    }

    async fn attempts(&self, key: &str) -> Result<u64, TransientFailure> {
        let out = self
            .app
            .db
            .update_item()
            .table_name(self.app.table(Table::SANDBOX_CHARGES).map_err(Self::transient)?)
            .key("key", s(format!("attempts#{key}")))
            .update_expression("ADD attempts :one")
            .expression_attribute_values(":one", n(1))
            .return_values(aws_sdk_dynamodb::types::ReturnValue::UpdatedNew)
            .send()
            .await
            .map_err(Self::transient)?;
        Ok(out.attributes.as_ref().and_then(|a| store::get_n(a, "attempts")).unwrap_or(1))
    }
}

impl PaymentProvider for SandboxProvider<'_> {
    async fn charge(
        &self,
        key: &str,
        amount_minor: u64,
        currency: &str,
        method: &str,
    ) -> Result<ChargeOutcome, TransientFailure> {
        if let Some(earlier) = self.lookup(key).await? {
            return Ok(earlier);
        }
        match method {
            "tok_unavailable" => return Err(TransientFailure("sandbox: gateway unavailable".into())),
            "tok_flaky" if self.attempts(key).await? == 1 => {
                return Err(TransientFailure("sandbox: connection reset".into()))
            }
            _ => {}
        }
        let outcome = match method {
            "tok_declined" => ChargeOutcome::Declined { reason: "card_declined".into() },
            "tok_insufficient_funds" => ChargeOutcome::Declined { reason: "insufficient_funds".into() },
            _ => ChargeOutcome::Succeeded {
                charge_id: format!("ch_{}", uuid::Uuid::new_v4().simple()),
                amount_minor,
                currency: currency.into(),
            },
        };
        let (status, charge_id, reason) = match &outcome {
            ChargeOutcome::Succeeded { charge_id, .. } => ("succeeded", charge_id.as_str(), ""),
            ChargeOutcome::Declined { reason } => ("declined", "", reason.as_str()),
        };
        // First writer wins: a concurrent charge with the same key returns the stored outcome.
        let stored = self
            .app
            .db
            .put_item()
            .table_name(self.app.table(Table::SANDBOX_CHARGES).map_err(Self::transient)?)
            .item("key", s(key))
            .item("status", s(status))
            .item("chargeId", s(charge_id))
            .item("reason", s(reason))
            .item("amountMinor", n(amount_minor))
            .item("currency", s(currency))
            .condition_expression("attribute_not_exists(#k)")
            .expression_attribute_names("#k", "key")
            .send()
            .await;
        match stored {
            Ok(_) => Ok(outcome),
            Err(_) => self.lookup(key).await?.ok_or_else(|| TransientFailure("sandbox: charge vanished".into())),
        }
    }

    async fn lookup(&self, key: &str) -> Result<Option<ChargeOutcome>, TransientFailure> {
        let out = self
            .app
            .db
            .get_item()
            .table_name(self.app.table(Table::SANDBOX_CHARGES).map_err(Self::transient)?)
            .key("key", s(key))
            .consistent_read(true)
            .send()
            .await
            .map_err(Self::transient)?;
        Ok(out.item.map(|item| match get_s(&item, "status") {
            Some("succeeded") => ChargeOutcome::Succeeded {
                charge_id: get_s(&item, "chargeId").unwrap_or_default().into(),
                // Charges from before regional prices were in pence.
                amount_minor: get_n(&item, "amountMinor").or_else(|| get_n(&item, "amountPence")).unwrap_or_default(),
                currency: get_s(&item, "currency").unwrap_or("GBP").into(),
            },
            _ => ChargeOutcome::Declined { reason: get_s(&item, "reason").unwrap_or_default().into() },
        }))
    }
}

/// A validated purchase request.
#[derive(Debug, Clone)]
pub struct GemPurchase {
    pub gems: u64,
    pub payment_method: String,
}

impl GemPurchase {
    pub fn new(amount: i64, payment_method: &str) -> Result<GemPurchase, ApiError> {
        let gems = money::purchase_amount(amount)?;
        // Seed 002 makes it a free string: any name a client may send ("credit_card", "PayPal",
        // "credit card") is taken, trimmed; only the sandbox's test tokens behave specially.
        let method = payment_method.trim();
        let method_ok = (1..=64).contains(&method.chars().count()) && !method.chars().any(char::is_control);
        if !method_ok {
            return Err(ApiError::validation(
                "paymentMethod",
                "paymentMethod is a payment method name or token of 1-64 characters, such as `credit_card` or `tok_visa`",
            ));
        }
        Ok(GemPurchase { gems, payment_method: method.into() })
    }

    pub fn request_json(&self) -> Value {
        json!({ "amount": self.gems, "paymentMethod": self.payment_method })
    }

    /// The receipt of these gems at `price`, before the charge (its id is added on credit).
    pub fn quote(&self, user_id: &str, price: &GemPrice) -> Value {
        let tax =
            |minor: u64| regions::major_units(minor, regions::by_code(price.region).map_or(2, |r| r.minor_digits));
        json!({
            "buyer": { "userId": user_id },
            "seller": { "name": crate::store::orders::MERCHANT, "role": "merchant of record" },
            "country": price.country,
            "priceRegion": price.region,
            "currency": price.currency,
            "lines": [{ "description": format!("{} gems", self.gems), "gems": self.gems, "total": price.total }],
            "paymentMethod": self.payment_method,
            "total": price.total,
            "totalMinor": price.total_minor,
            "tax": {
                "name": price.tax_name,
                "rateBasisPoints": price.tax_rate_basis_points,
                "included": true,
                "amount": tax(price.tax_minor),
                "amountMinor": price.tax_minor,
            },
            "net": tax(price.net_minor),
            "netMinor": price.net_minor,
        })
    }
}

/// What a quote charges: its total in the minor unit and its currency.
fn quoted_charge(quote: &Value) -> (u64, &str) {
    (quote["totalMinor"].as_u64().unwrap_or(0), quote["currency"].as_str().unwrap_or(""))
}

const CHARGE_ATTEMPTS: u32 = 3;

/// Buys gems for a player: exactly once per Idempotency-Key, and a new purchase per request
/// without one. Returns the response body.
pub async fn buy_gems<P: PaymentProvider>(
    app: &App,
    provider: &P,
    user_id: &str,
    key: Option<&str>,
    purchase: &GemPurchase,
) -> Result<Value, ApiError> {
    let request = purchase.request_json();
    let key = key.map_or_else(|| format!("auto-{}", uuid::Uuid::new_v4()), str::to_owned);
    let guard = idempotency::Guard::new(user_id, OPERATION, &key, &request);
    // The quote (the regional price) is kept with the claim, so whoever completes the purchase
    // checks the charge against it; the key's hash is of the client's request alone.
    let profile = store::accounts::profile(app, user_id).await?.map(|(_, profile)| profile);
    let country = profile.as_ref().and_then(|p| p.country.as_deref());
    let mut claimed = request.clone();
    claimed["quote"] = purchase.quote(user_id, &regions::gem_price(purchase.gems, country));
    let (claim, seen) =
        tokio::join!(idempotency::claim(app, &guard, OPERATION, user_id, &claimed), wallet::read(app, user_id));
    // Taking over an abandoned claim keeps its quote: the card may have been charged by it.
    let quote = match claim? {
        Ok(stored) => stored.get("quote").cloned().unwrap_or_else(|| claimed["quote"].clone()),
        Err(existing) => return existing.replay(&guard),
    };
    let seen = seen?;
    let birth_date = profile.and_then(|profile| profile.birth_date);
    if let Err(refused) = reserve_allowance(app, user_id, &guard, birth_date.as_deref(), purchase.gems).await {
        idempotency::forget(app, &guard.record_key).await?;
        return Err(refused);
    }
    let (price, currency) = quoted_charge(&quote);
    let mut last_failure = String::new();
    for attempt in 0..CHARGE_ATTEMPTS {
        match provider.charge(&guard.external_key(), price, currency, &purchase.payment_method).await {
            Ok(ChargeOutcome::Succeeded { charge_id, amount_minor, currency: charged_in }) => {
                check_charged(&charge_id, (amount_minor, &charged_in), (price, currency))?;
                return credit_charge(app, &guard, user_id, purchase.gems, &charge_id, &quote, seen).await;
            }
            Ok(ChargeOutcome::Declined { reason }) => {
                store::spending::release(app, user_id, &guard).await?;
                idempotency::forget(app, &guard.record_key).await?;
                return Err(ApiError::PaymentDeclined(reason));
            }
            Err(TransientFailure(why)) => {
                last_failure = why;
                tokio::time::sleep(Duration::from_millis(50 << attempt)).await;
            }
        }
    }
    idempotency::release(app, &guard.record_key).await?;
    Err(ApiError::Unavailable(format!("payment provider: {last_failure}")))
}

/// For a minor (README "Minors' spending limits"): checks the purchase against their age band
/// and reserves it in the month's total, before any charge. Adults and players without a birth
/// date pass untouched.
async fn reserve_allowance(
    app: &App,
    user_id: &str,
    guard: &idempotency::Guard,
    birth_date: Option<&str>,
    gems: u64,
) -> Result<(), ApiError> {
    let today = crate::clock::today();
    let age = minors::age_of(birth_date, today);
    if age.is_none_or(|age| age >= minors::ADULT_AGE) {
        return Ok(()); // adults never depend on the bands' setting
    }
    let rules = minors::SpendingRules::from_setting(app.setting(crate::app::MINOR_SPENDING_LIMITS).ok())
        .map_err(ApiError::internal)?;
    let allowance = rules.allowance(age);
    minors::check_top_up(allowance, gems)?;
    let minors::Allowance::Capped { monthly, .. } = allowance else { return Ok(()) };
    let month = minors::month_of(today);
    match store::spending::reserve(app, user_id, guard, &month, gems, monthly).await? {
        store::spending::Reserved::Yes => Ok(()),
        store::spending::Reserved::OverCap => {
            let spent = store::spending::spent(app, user_id, &month).await?;
            Err(minors::monthly_limit_reached(monthly, gems, monthly.saturating_sub(spent)))
        }
    }
}

/// A charge is credited only for what it charged: a mismatch is left pending for an operator.
fn check_charged(charge_id: &str, charged: (u64, &str), expected: (u64, &str)) -> Result<(), ApiError> {
    if charged != expected {
        return Err(ApiError::internal(format!("charge {charge_id} was for {charged:?}, not {expected:?}")));
    }
    Ok(())
}

/// Credits a successful charge through the money flow: wallet, ledger entry, the charge recorded
/// as credited with its receipt (the `quote` completed), the claim completed with the response,
/// and the event, in one transaction.
pub async fn credit_charge(
    app: &App,
    guard: &idempotency::Guard,
    user_id: &str,
    gems: u64,
    charge_id: &str,
    quote: &Value,
    seen: Option<i64>,
) -> Result<Value, ApiError> {
    let mut receipt = quote.clone();
    receipt["receiptId"] = json!(format!("R-{charge_id}"));
    receipt["chargeId"] = json!(charge_id);
    receipt["issuedAt"] = json!(crate::clock::now_rfc3339());
    let flow = MoneyFlow {
        app,
        user_id,
        change: WalletChange::Credit(gems),
        idempotency: Idempotency::Claim(guard),
        balance_field: BALANCE_FIELD,
    };
    flow.run(seen, |tx| {
        let purchased =
            outbox::Entry::event("CurrencyPurchased", user_id, json!({ "amount": gems, "chargeId": charge_id }));
        tx.add(Step::LedgerEntry, store::ledger::entry(app, user_id, LedgerKind::CurrencyPurchase, gems, charge_id)?);
        tx.add(Step::ChargeCredited, idempotency::charge_once(app, charge_id, user_id, &receipt)?);
        tx.add(Step::OutboxEntry, purchased.put(app)?);
        Ok(json!({
            "message": "Currency purchased successfully",
            "amount": gems,
            "chargeId": charge_id,
            "receipt": receipt,
        }))
    })
    .await
}

/// Completes every abandoned purchase: credits charges that succeeded, forgets the rest.
/// Returns how many were credited. Run on a schedule.
pub async fn reconcile<P: PaymentProvider>(app: &App, provider: &P) -> Result<usize, ApiError> {
    let mut credited = 0;
    for record in idempotency::abandoned_claims(app, crate::clock::now_secs()).await? {
        let key = get_s(&record.item, "key").unwrap_or_default().to_owned();
        let (Some(user_id), Some(request)) = (get_s(&record.item, "userId"), get_s(&record.item, "request")) else {
            continue;
        };
        let request: Value = serde_json::from_str(request).map_err(ApiError::internal)?;
        let guard = idempotency::Guard { record_key: key.clone(), request_hash: record.request_hash.clone() };
        // Hold the claim first: a client retrying the same key meanwhile is told it is in progress
        // instead of racing this run (crediting, releasing its reservation or forgetting it).
        if !idempotency::take_over(app, &record).await? {
            continue;
        }
        match provider.lookup(&guard.external_key()).await.map_err(|e| ApiError::Unavailable(e.0))? {
            Some(ChargeOutcome::Succeeded { charge_id, amount_minor, currency }) => {
                let gems = request["amount"].as_u64().ok_or_else(|| ApiError::internal("claim has no amount"))?;
                let method = request["paymentMethod"].as_str().unwrap_or_default();
                // A claim from before regional prices holds no quote: it was priced at home.
                let quote = match request.get("quote") {
                    Some(quote) => quote.clone(),
                    None => GemPurchase { gems, payment_method: method.into() }
                        .quote(user_id, &regions::gem_price(gems, None)),
                };
                // A mismatch stays pending for an operator (the error log alarms) without holding
                // back the other claims of the sweep.
                if let Err(error) = check_charged(&charge_id, (amount_minor, &currency), quoted_charge(&quote)) {
                    tracing::error!(?error, %charge_id, "a charge does not match its quote; left pending");
                    continue;
                }
                let seen = wallet::read(app, user_id).await?;
                credit_charge(app, &guard, user_id, gems, &charge_id, &quote, seen).await?;
                credited += 1;
            }
            _ => {
                store::spending::release(app, user_id, &guard).await?;
                idempotency::forget(app, &key).await?
            }
        }
    }
    Ok(credited)
}
