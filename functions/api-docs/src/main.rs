#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    platform::http::run(api_docs::handle).await
}
