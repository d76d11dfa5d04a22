//! `GET /chat/conversations/{userId}/messages?limit=&cursor=`: one conversation, newest first.
//! Reading it marks it read.

use lambda_http::Request;
use platform::http::{json_response, page_limit, path_param, query_param, HttpResult};
use platform::store::chat;
use platform::App;
use serde_json::json;

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let player = app.authenticate(&req).await?;
    let other = chat::checked_user_id("userId", &path_param(&req, "userId")?)?;
    let limit = page_limit(&req, 50, 100)?;
    let cursor = query_param(&req, "cursor");
    let conversation = chat::conversation_id(&player.user_id, &other);
    let (messages, next) = chat::messages_page(app, &conversation, cursor.as_deref(), limit).await?;
    chat::mark_read(app, &player.user_id, &other).await?;
    json_response(200, &json!({ "conversationId": conversation, "messages": messages, "nextCursor": next }))
}
