//! Every end-to-end test, one binary: the stack (template resources on the emulators, the local
//! API with the real function binaries) is deployed once per run and shared by the modules.

mod account_mail;
mod api_docs;
mod auth;
mod bad_input;
mod banners;
mod chat;
mod checkout;
mod erasure;
mod events_and_queues;
mod fairness;
mod friends;
mod gacha_journey;
mod game_credentials;
mod groups;
mod hardening;
mod health;
mod inventory;
mod keys;
mod lobbies;
mod minors;
mod money;
mod pity;
mod profiles;
mod refunds;
mod regional;
mod roles;
mod round_trips;
mod sales;
mod sessions;
mod sign_in_with_platform;
mod sockets;
mod store;
mod token_keys;
mod two_factor;
mod wishlist;
