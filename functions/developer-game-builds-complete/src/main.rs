#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    let app = platform::App::from_env().await;
    let storage = platform::store::builds::Storage::from_env().await;
    platform::http::run(|req| developer_game_builds_complete::handle(req, &app, &storage)).await
}
