// The delivery future nests the transaction helper deeply enough to need more than the default.
#![recursion_limit = "256"]

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    let app = platform::App::from_env().await;
    platform::queue::run(|record| chat_deliver::handle(record, &app)).await
}
