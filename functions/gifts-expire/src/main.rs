#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    platform::telemetry::init();
    let app = platform::App::from_env().await;
    lambda_runtime::run(lambda_runtime::service_fn(|event| gifts_expire::handle(event, &app))).await
}
