#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    let app = platform::App::from_env().await;
    let courier = platform::flows::notify::Courier::from_env().await;
    platform::queue::run(|record| notifications_consume::handle(record, &app, &courier)).await
}
