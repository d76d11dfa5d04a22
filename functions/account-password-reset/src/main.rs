#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    let app = platform::App::from_env().await;
    let mail = platform::mail::Mailer::from_env().await;
    platform::http::run(|req| account_password_reset::handle(req, &app, &mail)).await
}
