#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    let app = platform::App::from_env().await;
    platform::http::run(|req| account_notification_settings_update::handle(req, &app)).await
}
