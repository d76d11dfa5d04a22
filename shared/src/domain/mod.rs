//! Pure domain rules: no I/O, unit tested.
pub mod account;
pub mod apps;
pub mod catalog;
pub mod chat;
pub mod fairness;
pub mod friends;
pub mod gacha;
pub mod groups;
pub mod inventory;
pub mod minors;
pub mod money;
pub mod oauth;
pub mod pity;
pub mod presence;
pub mod profile;
pub mod roles;
pub mod second_factor;
