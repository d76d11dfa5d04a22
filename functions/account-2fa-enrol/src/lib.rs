//! `POST /account/2fa/enrol`: a new TOTP secret and its `otpauth://` URI (for a QR code). It is
//! pending until `POST /account/2fa/confirm` proves an authenticator app holds it.

use lambda_http::Request;
use platform::domain::second_factor::{new_secret, otpauth_uri};
use platform::http::{json_response, HttpResult};
use platform::store::accounts;
use platform::App;
use serde_json::json;

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let player = app.authenticate(&req)?;
    let username_key = accounts::username_key_of(app, &player.user_id).await?;
    let secret = new_secret();
    accounts::enrol_totp(app, &username_key, &secret).await?;
    json_response(
        200,
        &json!({
            "message": "Scan the URI with an authenticator app, then confirm with a code",
            "secret": secret,
            "otpauthUri": otpauth_uri(&secret, &username_key)?,
        }),
    )
}
