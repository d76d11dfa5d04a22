//! What a function needs, built once per cold start in `main` and borrowed by every invocation.

use crate::auth::{Player, TokenKeys};
use crate::error::ApiError;
use std::collections::HashMap;

/// Every table a function may be given, with the environment variable template.yaml sets for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Table {
    Users,
    Wallets,
    Ledger,
    Pulls,
    Banners,
    Idempotency,
    RateLimits,
    SandboxCharges,
    Catalog,
    CatalogIndex,
    Orders,
    Library,
    Messages,
    Conversations,
    Blocks,
    Notifications,
    Outbox,
}

impl Table {
    pub const ALL: [Table; 17] = [
        Table::Users,
        Table::Wallets,
        Table::Ledger,
        Table::Pulls,
        Table::Banners,
        Table::Idempotency,
        Table::RateLimits,
        Table::SandboxCharges,
        Table::Catalog,
        Table::CatalogIndex,
        Table::Orders,
        Table::Library,
        Table::Messages,
        Table::Conversations,
        Table::Blocks,
        Table::Notifications,
        Table::Outbox,
    ];

    pub fn env_var(self) -> &'static str {
        match self {
            Table::Users => "USERS_TABLE",
            Table::Wallets => "WALLETS_TABLE",
            Table::Ledger => "LEDGER_TABLE",
            Table::Pulls => "PULLS_TABLE",
            Table::Banners => "BANNERS_TABLE",
            Table::Idempotency => "IDEMPOTENCY_TABLE",
            Table::RateLimits => "RATE_LIMITS_TABLE",
            Table::SandboxCharges => "SANDBOX_CHARGES_TABLE",
            Table::Catalog => "CATALOG_TABLE",
            Table::CatalogIndex => "CATALOG_INDEX_TABLE",
            Table::Orders => "ORDERS_TABLE",
            Table::Library => "LIBRARY_TABLE",
            Table::Messages => "MESSAGES_TABLE",
            Table::Conversations => "CONVERSATIONS_TABLE",
            Table::Blocks => "BLOCKS_TABLE",
            Table::Notifications => "NOTIFICATIONS_TABLE",
            Table::Outbox => "OUTBOX_TABLE",
        }
    }
}

pub struct App {
    pub db: aws_sdk_dynamodb::Client,
    pub sqs: aws_sdk_sqs::Client,
    pub events: aws_sdk_eventbridge::Client,
    tables: HashMap<Table, String>,
    tokens: Result<TokenKeys, String>,
    settings: HashMap<&'static str, String>,
}

/// Non-table settings template.yaml may give a function.
pub const EVENT_BUS_NAME: &str = "EVENT_BUS_NAME";
pub const CHAT_DELIVERY_QUEUE_URL: &str = "CHAT_DELIVERY_QUEUE_URL";
const SETTINGS: [&str; 2] = [EVENT_BUS_NAME, CHAT_DELIVERY_QUEUE_URL];

impl App {
    /// Reads the environment the function's template entry declares. Endpoints come from the
    /// standard AWS variables (`AWS_ENDPOINT_URL`...), so nothing here knows whether it is local.
    pub async fn from_env() -> App {
        let config = sdk_config().await;
        let tables = Table::ALL.iter().filter_map(|t| std::env::var(t.env_var()).ok().map(|name| (*t, name))).collect();
        let settings = SETTINGS.iter().filter_map(|name| Some((*name, std::env::var(name).ok()?))).collect();
        App {
            db: aws_sdk_dynamodb::Client::new(&config),
            sqs: aws_sdk_sqs::Client::new(&config),
            events: aws_sdk_eventbridge::Client::new(&config),
            tables,
            tokens: TokenKeys::from_env(),
            settings,
        }
    }

    /// For tools and tests: explicit clients (e.g. with a counting interceptor), tables and settings.
    pub async fn new(
        db: aws_sdk_dynamodb::Client,
        tables: HashMap<Table, String>,
        settings: HashMap<&'static str, String>,
        tokens: Result<TokenKeys, String>,
    ) -> App {
        let config = sdk_config().await;
        App {
            db,
            sqs: aws_sdk_sqs::Client::new(&config),
            events: aws_sdk_eventbridge::Client::new(&config),
            tables,
            tokens,
            settings,
        }
    }

    /// Replaces the EventBridge client (tests use one that cannot reach the bus).
    pub fn with_events_client(mut self, events: aws_sdk_eventbridge::Client) -> App {
        self.events = events;
        self
    }

    pub fn setting(&self, name: &'static str) -> Result<&str, ApiError> {
        self.settings
            .get(name)
            .map(String::as_str)
            .ok_or_else(|| ApiError::internal(format!("{name} is not configured for this function")))
    }

    pub fn table(&self, table: Table) -> Result<&str, ApiError> {
        self.tables
            .get(&table)
            .map(String::as_str)
            .ok_or_else(|| ApiError::internal(format!("{} is not configured for this function", table.env_var())))
    }

    pub fn tokens(&self) -> Result<&TokenKeys, ApiError> {
        self.tokens.as_ref().map_err(|e| ApiError::internal(e.clone()))
    }

    /// The caller's verified identity, or 401.
    pub fn authenticate(&self, req: &lambda_http::Request) -> Result<Player, ApiError> {
        self.tokens()?.authenticate(req)
    }
}

/// The shared SDK configuration: one rustls+ring HTTPS client, region and credentials from the
/// environment as on Lambda.
pub async fn sdk_config() -> aws_config::SdkConfig {
    use aws_smithy_http_client::tls::{rustls_provider::CryptoMode, Provider};
    let http_client =
        aws_smithy_http_client::Builder::new().tls_provider(Provider::Rustls(CryptoMode::Ring)).build_https();
    aws_config::defaults(aws_config::BehaviorVersion::latest()).http_client(http_client).load().await
}
