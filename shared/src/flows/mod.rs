//! Use cases: flows that combine table adapters' items into one transaction. A flow names each
//! step; `transaction` owns committing them and what each step's failure means.

pub mod app_grants;
pub mod builds;
pub mod chat;
pub mod friends;
pub mod gifts;
pub mod groups;
pub mod keys;
pub mod lobbies;
pub mod money;
pub mod notify;
pub mod password;
pub mod presence;
pub mod profile;
pub mod pull;
pub mod purchase;
pub mod refund;
pub mod region;
pub mod registration;
pub mod roles;
pub mod sales;
pub mod second_factor;
pub mod sessions;
pub mod transaction;

pub use money::{Idempotency, MoneyFlow, WalletChange};
pub use transaction::{Step, Transaction, Verdict};
