#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    let app = platform::App::from_env().await;
    platform::http::run(|req| notifications_deliveries::handle(req, &app)).await
}
