#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    let app = platform::App::from_env().await;
    platform::http::run(|req| server_game_owner::handle(req, &app)).await
}
