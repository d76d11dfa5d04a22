//! Wallet currency rules. The wallet currency is "gems": integer units, never floats.
//! One gem is priced at 1 penny (GBP 0.01) by the sandbox payment provider.

use crate::error::ApiError;

/// The most gems one purchase may buy; larger orders are refused rather than silently capped.
pub const MAX_PURCHASE_GEMS: i64 = 1_000_000;

/// A validated number of gems to buy.
pub fn purchase_amount(amount: i64) -> Result<u64, ApiError> {
    if amount <= 0 {
        return Err(ApiError::validation("amount", "amount must be a positive whole number of gems"));
    }
    if amount > MAX_PURCHASE_GEMS {
        return Err(ApiError::validation(
            "amount",
            format!("amount may be at most {MAX_PURCHASE_GEMS} gems per purchase"),
        ));
    }
    Ok(amount as u64)
}

/// A ledger entry's signed effect on the balance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LedgerKind {
    CurrencyPurchase,
    GachaPull,
    StorePurchase,
    /// A store order refunded: its gems back.
    StoreRefund,
    /// A game bought as a gift for a friend.
    GiftPurchase,
    /// A gift declined by its recipient: its gems back to the buyer.
    GiftRefund,
    /// Duplicates past the inventory cap turned into shards (the second currency).
    DuplicateShards,
}

/// The currencies the ledger records; each has its own balance its entries sum to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Currency {
    /// The wallet balance (bought with money).
    Gems,
    /// The inventory's shards (from duplicates).
    Shards,
}

impl Currency {
    pub fn as_str(self) -> &'static str {
        match self {
            Currency::Gems => "gems",
            Currency::Shards => "shards",
        }
    }
}

impl LedgerKind {
    pub fn as_str(self) -> &'static str {
        match self {
            LedgerKind::CurrencyPurchase => "currency_purchase",
            LedgerKind::GachaPull => "gacha_pull",
            LedgerKind::StorePurchase => "store_purchase",
            LedgerKind::StoreRefund => "store_refund",
            LedgerKind::GiftPurchase => "gift_purchase",
            LedgerKind::GiftRefund => "gift_refund",
            LedgerKind::DuplicateShards => "duplicate_shards",
        }
    }

    pub fn currency(self) -> Currency {
        match self {
            LedgerKind::DuplicateShards => Currency::Shards,
            _ => Currency::Gems,
        }
    }

    /// Credits are positive, debits negative: the ledger sums to the balance.
    pub fn signed(self, amount: u64) -> i64 {
        let amount = amount as i64;
        match self {
            LedgerKind::CurrencyPurchase
            | LedgerKind::DuplicateShards
            | LedgerKind::StoreRefund
            | LedgerKind::GiftRefund => amount,
            LedgerKind::GachaPull | LedgerKind::StorePurchase | LedgerKind::GiftPurchase => -amount,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purchase_amounts_must_be_positive_and_bounded() {
        assert!(purchase_amount(0).is_err());
        assert!(purchase_amount(-5).is_err());
        assert!(purchase_amount(MAX_PURCHASE_GEMS + 1).is_err());
        assert_eq!(purchase_amount(1).unwrap(), 1);
        assert_eq!(purchase_amount(MAX_PURCHASE_GEMS).unwrap(), MAX_PURCHASE_GEMS as u64);
    }

    #[test]
    fn ledger_entries_sum_to_the_balance() {
        let entries = [
            LedgerKind::CurrencyPurchase.signed(1_000),
            LedgerKind::GachaPull.signed(160),
            LedgerKind::GachaPull.signed(1_600),
            LedgerKind::CurrencyPurchase.signed(800),
        ];
        assert_eq!(entries.iter().sum::<i64>(), 40);
    }
}
