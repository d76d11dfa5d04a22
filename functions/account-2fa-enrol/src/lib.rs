//! `POST /account/2fa/enrol`: a new TOTP secret and its `otpauth://` URI (for a QR code). It is
//! pending until `POST /account/2fa/confirm` proves an authenticator app holds it. The password
//! is asked again: with a stolen access token alone, nobody can put their own authenticator on
//! an account and lock its owner out.

use lambda_http::Request;
use platform::domain::second_factor::{new_secret, otpauth_uri};
use platform::flows::password;
use platform::flows::{Step, Transaction};
use platform::http::{json_body, json_response, HttpResult};
use platform::store::accounts;
use platform::App;
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Enrol {
    password: String,
}

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let player = app.authenticate(&req).await?;
    let body: Enrol = json_body(&req)?;
    let username_key = password::prove(app, &player.user_id, &body.password, "password").await?.username_key;
    let secret = new_secret();
    let mut tx = Transaction::new();
    tx.add(Step::SecondFactorChange, accounts::enrol_totp(app, &username_key, &secret)?);
    tx.commit(&app.db).await?;
    json_response(
        200,
        &json!({
            "message": "Scan the URI with an authenticator app, then confirm with a code",
            "secret": secret,
            "otpauthUri": otpauth_uri(&secret, &username_key)?,
        }),
    )
}
