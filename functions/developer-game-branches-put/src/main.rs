#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    let app = platform::App::from_env().await;
    platform::http::run(|req| developer_game_branches_put::handle(req, &app)).await
}
