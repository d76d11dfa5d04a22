//! What a function needs, built once per cold start in `main` and borrowed by every invocation.

use crate::auth::Player;
use crate::error::ApiError;
use crate::tokens::{TokenSettings, Tokens};
use std::collections::HashMap;

/// A table a function may be given, named by the environment variable template.yaml sets to
/// its physical name. The template is the one list of tables: adding one means its template entry
/// and a constant here, nothing else.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Table(pub &'static str);

impl Table {
    pub const USERS: Table = Table("USERS_TABLE");
    pub const WALLETS: Table = Table("WALLETS_TABLE");
    pub const LEDGER: Table = Table("LEDGER_TABLE");
    pub const PULLS: Table = Table("PULLS_TABLE");
    pub const BANNERS: Table = Table("BANNERS_TABLE");
    pub const IDEMPOTENCY: Table = Table("IDEMPOTENCY_TABLE");
    pub const RATE_LIMITS: Table = Table("RATE_LIMITS_TABLE");
    pub const SANDBOX_CHARGES: Table = Table("SANDBOX_CHARGES_TABLE");
    pub const CATALOG: Table = Table("CATALOG_TABLE");
    pub const CATALOG_INDEX: Table = Table("CATALOG_INDEX_TABLE");
    pub const ORDERS: Table = Table("ORDERS_TABLE");
    pub const LIBRARY: Table = Table("LIBRARY_TABLE");
    pub const REVENUE_LINES: Table = Table("REVENUE_LINES_TABLE");
    pub const REVENUE: Table = Table("REVENUE_TABLE");
    pub const PRICES: Table = Table("PRICES_TABLE");
    pub const CARTS: Table = Table("CARTS_TABLE");
    pub const COUPONS: Table = Table("COUPONS_TABLE");
    pub const KEYS: Table = Table("KEYS_TABLE");
    pub const BUILDS: Table = Table("BUILDS_TABLE");
    pub const GIFTS: Table = Table("GIFTS_TABLE");
    pub const WISHLISTS: Table = Table("WISHLISTS_TABLE");
    pub const MESSAGES: Table = Table("MESSAGES_TABLE");
    pub const CONVERSATIONS: Table = Table("CONVERSATIONS_TABLE");
    pub const BLOCKS: Table = Table("BLOCKS_TABLE");
    pub const NOTIFICATIONS: Table = Table("NOTIFICATIONS_TABLE");
    pub const DELIVERIES: Table = Table("DELIVERIES_TABLE");
    pub const OUTBOX: Table = Table("OUTBOX_TABLE");
    pub const SESSIONS: Table = Table("SESSIONS_TABLE");
    pub const REFRESH_TOKENS: Table = Table("REFRESH_TOKENS_TABLE");
    pub const ONE_TIME_TOKENS: Table = Table("ONE_TIME_TOKENS_TABLE");
    pub const APPS: Table = Table("APPS_TABLE");
    pub const PLAY_SESSIONS: Table = Table("PLAY_SESSIONS_TABLE");
    pub const PITY: Table = Table("PITY_TABLE");
    pub const FAIRNESS: Table = Table("FAIRNESS_TABLE");
    pub const INVENTORY: Table = Table("INVENTORY_TABLE");
    pub const SPENDING: Table = Table("SPENDING_TABLE");
    pub const CONNECTIONS: Table = Table("CONNECTIONS_TABLE");
    pub const FRIENDS: Table = Table("FRIENDS_TABLE");
    pub const PRESENCE: Table = Table("PRESENCE_TABLE");
    pub const GROUPS: Table = Table("GROUPS_TABLE");
    pub const LOBBIES: Table = Table("LOBBIES_TABLE");

    pub fn env_var(self) -> &'static str {
        self.0
    }

    /// Whether an environment variable names a table (the template's convention).
    pub fn is_table_var(name: &str) -> bool {
        name.ends_with("_TABLE")
    }
}

pub struct App {
    pub db: aws_sdk_dynamodb::Client,
    pub sqs: aws_sdk_sqs::Client,
    pub events: aws_sdk_eventbridge::Client,
    /// `*_TABLE` variable -> physical table name.
    tables: HashMap<String, String>,
    tokens: Result<Tokens, String>,
    settings: HashMap<&'static str, String>,
    /// The WebSocket API's `@connections` client, for functions given `WEBSOCKET_ENDPOINT`.
    sockets: Option<aws_sdk_apigatewaymanagement::Client>,
}

/// Non-table settings template.yaml may give a function.
pub const EVENT_BUS_NAME: &str = "EVENT_BUS_NAME";
pub const CHAT_DELIVERY_QUEUE_URL: &str = "CHAT_DELIVERY_QUEUE_URL";
/// Where `outbox-publish` sets aside an outbox entry that can never be published.
pub const OUTBOX_FAILURES_QUEUE_URL: &str = "OUTBOX_FAILURES_QUEUE_URL";
/// Minors' spending bands (`domain::minors::SpendingRules::from_setting`).
pub const MINOR_SPENDING_LIMITS: &str = "MINOR_SPENDING_LIMITS";
/// The WebSocket API's management endpoint (`https://{api}.execute-api.{region}.amazonaws.com/{stage}`).
pub const WEBSOCKET_ENDPOINT: &str = "WEBSOCKET_ENDPOINT";
pub const SETTINGS: [&str; 5] =
    [EVENT_BUS_NAME, CHAT_DELIVERY_QUEUE_URL, OUTBOX_FAILURES_QUEUE_URL, MINOR_SPENDING_LIMITS, WEBSOCKET_ENDPOINT];

/// The `@connections` client for `endpoint`, if the function has one.
fn sockets_client(
    config: &aws_config::SdkConfig,
    endpoint: Option<&String>,
) -> Option<aws_sdk_apigatewaymanagement::Client> {
    let endpoint = endpoint?;
    let config = aws_sdk_apigatewaymanagement::config::Builder::from(config).endpoint_url(endpoint).build();
    Some(aws_sdk_apigatewaymanagement::Client::from_conf(config))
}

impl App {
    /// Reads the environment the function's template entry declares. Endpoints come from the
    /// standard AWS variables (`AWS_ENDPOINT_URL`...), so nothing here knows whether it is local.
    pub async fn from_env() -> App {
        let config = sdk_config().await;
        let tables = std::env::vars().filter(|(k, _)| Table::is_table_var(k)).collect();
        let settings: HashMap<&'static str, String> =
            SETTINGS.iter().filter_map(|name| Some((*name, std::env::var(name).ok()?))).collect();
        App {
            sockets: sockets_client(&config, settings.get(WEBSOCKET_ENDPOINT)),
            db: aws_sdk_dynamodb::Client::new(&config),
            sqs: aws_sdk_sqs::Client::new(&config),
            events: aws_sdk_eventbridge::Client::new(&config),
            tables,
            tokens: TokenSettings::from_env().map(|settings| Tokens::new(aws_sdk_kms::Client::new(&config), settings)),
            settings,
        }
    }

    /// For tools and tests: explicit clients (e.g. with a counting interceptor), tables and settings.
    pub async fn new(
        db: aws_sdk_dynamodb::Client,
        tables: HashMap<String, String>,
        settings: HashMap<&'static str, String>,
        tokens: Result<Tokens, String>,
    ) -> App {
        let config = sdk_config().await;
        App {
            sockets: sockets_client(&config, settings.get(WEBSOCKET_ENDPOINT)),
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

    /// Replaces the SQS client (tests count its calls).
    pub fn with_sqs_client(mut self, sqs: aws_sdk_sqs::Client) -> App {
        self.sqs = sqs;
        self
    }

    /// The `@connections` client, or 500 for a function the template gave no WebSocket endpoint.
    pub fn sockets(&self) -> Result<&aws_sdk_apigatewaymanagement::Client, ApiError> {
        self.sockets
            .as_ref()
            .ok_or_else(|| ApiError::internal(format!("{WEBSOCKET_ENDPOINT} is not configured for this function")))
    }

    pub fn setting(&self, name: &'static str) -> Result<&str, ApiError> {
        self.settings
            .get(name)
            .map(String::as_str)
            .ok_or_else(|| ApiError::internal(format!("{name} is not configured for this function")))
    }

    pub fn table(&self, table: Table) -> Result<&str, ApiError> {
        self.tables
            .get(table.env_var())
            .map(String::as_str)
            .ok_or_else(|| ApiError::internal(format!("{} is not configured for this function", table.env_var())))
    }

    pub fn tokens(&self) -> Result<&Tokens, ApiError> {
        self.tokens.as_ref().map_err(|e| ApiError::internal(e.clone()))
    }

    /// The one identity check of every protected endpoint: the caller's verified identity, or 401.
    pub async fn authenticate(&self, req: &lambda_http::Request) -> Result<Player, ApiError> {
        let token = crate::auth::bearer_token(req)?;
        self.tokens()?.verify(token).await
    }

    /// The signed-in player if the request carries a token (a bad one is still a 401), else
    /// `None`: for routes anyone may read and a signed-in player sees more of.
    pub async fn authenticate_optional(&self, req: &lambda_http::Request) -> Result<Option<Player>, ApiError> {
        match req.headers().contains_key(http::header::AUTHORIZATION) {
            true => self.authenticate(req).await.map(Some),
            false => Ok(None),
        }
    }

    /// The player of a WebSocket handshake: the bearer token, or (browsers cannot set headers on
    /// a WebSocket) the `token` query parameter.
    pub async fn authenticate_socket(&self, req: &lambda_http::Request) -> Result<Player, ApiError> {
        match crate::http::query_param(req, "token") {
            Some(token) if req.headers().get(http::header::AUTHORIZATION).is_none() => {
                self.tokens()?.verify(&token).await
            }
            _ => self.authenticate(req).await,
        }
    }

    /// An app acting for a player ("Sign in with the platform"), or 401.
    pub async fn authenticate_app(&self, req: &lambda_http::Request) -> Result<crate::tokens::AppGrant, ApiError> {
        let token = crate::auth::bearer_token(req)?;
        self.tokens()?.verify_app(token).await
    }

    /// A game server's verified identity (its app's client-credentials token), or 401.
    pub async fn authenticate_server(&self, req: &lambda_http::Request) -> Result<crate::tokens::GameServer, ApiError> {
        let token = crate::auth::bearer_token(req)?;
        self.tokens()?.verify_server(token).await
    }
}

/// The shared SDK configuration: one rustls+ring HTTPS client, region and credentials from the
/// environment as on Lambda. The trust store is Mozilla's roots compiled into the binary
/// (`webpki-root-certs`) instead of the system's: loading those reads every file of
/// /etc/ssl/certs (146 here), which cost a cold start about 5 ms.
pub async fn sdk_config() -> aws_config::SdkConfig {
    use aws_smithy_http_client::tls::{rustls_provider::CryptoMode, Provider, TlsContext, TrustStore};
    let trust = webpki_root_certs::TLS_SERVER_ROOT_CERTS
        .iter()
        .fold(TrustStore::empty().with_native_roots(false), |store, der| store.with_pem_certificate(pem(der)));
    let tls = TlsContext::builder().with_trust_store(trust).build().expect("a static TLS context");
    let http_client = aws_smithy_http_client::Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::Ring))
        .tls_context(tls)
        .build_https();
    aws_config::defaults(aws_config::BehaviorVersion::latest()).http_client(http_client).load().await
}

/// A DER certificate as the PEM text the SDK's trust store takes.
fn pem(der: &[u8]) -> Vec<u8> {
    use base64::Engine;
    let body = base64::engine::general_purpose::STANDARD.encode(der);
    let mut text = String::from("-----BEGIN CERTIFICATE-----\n");
    for line in body.as_bytes().chunks(64) {
        text.push_str(std::str::from_utf8(line).expect("base64 is ASCII"));
        text.push('\n');
    }
    text.push_str("-----END CERTIFICATE-----\n");
    text.into_bytes()
}

#[cfg(test)]
mod tests {
    #[test]
    fn compiled_in_roots_become_pem_the_trust_store_parses() {
        let roots = webpki_root_certs::TLS_SERVER_ROOT_CERTS;
        assert!(roots.len() > 100, "Mozilla's root set");
        let pem = String::from_utf8(super::pem(&roots[0])).unwrap();
        assert!(pem.starts_with("-----BEGIN CERTIFICATE-----\n") && pem.ends_with("-----END CERTIFICATE-----\n"));
        assert!(pem.lines().all(|l| l.len() <= 64));
    }
}
