//! Structured JSON logs, the format CloudWatch Logs Insights queries best.

pub fn init() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("RUST_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,aws_smithy_runtime=warn,aws_config=warn"));
    let _ = tracing_subscriber::fmt()
        .json()
        .with_env_filter(filter)
        .with_target(false)
        .with_current_span(false)
        .without_time() // Lambda stamps every line already
        .try_init();
}
