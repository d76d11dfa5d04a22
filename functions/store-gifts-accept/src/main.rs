#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    let app = platform::App::from_env().await;
    platform::http::run(|req| store_gifts_accept::handle(req, &app)).await
}
