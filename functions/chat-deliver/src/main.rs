#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    let app = platform::App::from_env().await;
    platform::queue::run(|record| chat_deliver::handle(record, &app)).await
}
