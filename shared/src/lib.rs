//! The platform crate every function links: domain rules (pure), auth, the HTTP error mapping and
//! the DynamoDB adapters. A function's `main.rs` builds an [`App`] once and hands requests to
//! [`http::run`].

pub mod app;
pub mod auth;
pub mod clock;
pub mod domain;
pub mod error;
pub mod flows;
pub mod http;
pub mod mail;
pub mod metrics;
pub mod outbox;
pub mod payments;
pub mod queue;
pub mod sockets;
pub mod store;
pub mod telemetry;
pub mod tokens;

pub use app::{App, Table};
pub use error::ApiError;
