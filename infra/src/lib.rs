//! Local tooling driven by template.yaml: create its resources on any endpoint (`deploy`), and
//! serve its routes with the real function binaries behind a Lambda Runtime API (`gateway`).

pub mod bench;
pub mod catalog;
pub mod deploy;
pub mod faults;
pub mod gateway;
pub mod pollers;
pub mod runtime;
pub mod sockets;
pub mod streams;
pub mod template;

use anyhow::Result;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

pub struct LocalApi {
    pub template: template::Template,
    pub runtime: Arc<runtime::Runtime>,
}

/// AWS settings a function needs to reach the same endpoints as we do (never the template's business).
pub fn aws_passthrough() -> Vec<(String, String)> {
    std::env::vars()
        .filter(|(k, _)| k.starts_with("AWS_") && !k.starts_with("AWS_LAMBDA_") || k == "RUST_LOG" || k == "PATH")
        .collect()
}

impl LocalApi {
    pub fn new(
        template_path: &std::path::Path,
        params: &HashMap<String, String>,
        bin_dir: PathBuf,
        log_dir: Option<PathBuf>,
        max_instances: usize,
        extra_env: Vec<(String, String)>,
        socket_url: Option<String>,
    ) -> Result<LocalApi> {
        let template = template::Template::load(template_path, params)?;
        let mut passthrough = aws_passthrough();
        passthrough.extend(extra_env);
        let runtime = runtime::Runtime::new(
            &template,
            runtime::RuntimeOptions { bin_dir, log_dir, max_instances, passthrough, socket_url },
        );
        Ok(LocalApi { template, runtime })
    }

    /// Serves the template's routes on `api`, the Lambda Invoke API on `invoke` and the WebSocket
    /// API (with its management endpoint) on `socket`, each if given.
    pub async fn serve(
        self,
        api: tokio::net::TcpListener,
        invoke: Option<tokio::net::TcpListener>,
        socket: Option<tokio::net::TcpListener>,
    ) -> Result<()> {
        if let Some(socket) = socket {
            let router = sockets::router(&self.template, self.runtime.clone());
            let service = router.into_make_service_with_connect_info::<std::net::SocketAddr>();
            tokio::spawn(async move { axum::serve(socket, service).await });
        }
        gateway::serve(api, invoke, &self.template, self.runtime, gateway::Consumers::Run).await
    }

    /// Serves the template's routes on `api` only: no queue pollers, streams or schedules. For a
    /// second API over resources another one already consumes (another instance taking queue
    /// messages would deliver them without its sockets, and race the first for every record).
    pub async fn serve_routes_only(self, api: tokio::net::TcpListener) -> Result<()> {
        gateway::serve(api, None, &self.template, self.runtime, gateway::Consumers::LeaveToOthers).await
    }
}
