//! `POST /developer/apps`: a developer registers an app for games of their own studios and gets
//! its game credentials: a client id and a secret shown only in this answer (stored as a hash).
//! The app's server trades them at `POST /oauth/token` for tokens that speak for those games only.

use lambda_http::Request;
use platform::domain::apps::{self, NewApp};
use platform::http::{json_body, json_response, HttpResult};
use platform::store::{apps as app_store, catalog};
use platform::{flows, ApiError, App};

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let developer = app.authenticate(&req).await?;
    let studios = flows::roles::developer_studios(app, &developer).await?;
    let new: NewApp = json_body::<NewApp>(&req)?.validate()?;
    for &game_id in &new.game_ids {
        let game = catalog::game(app, game_id).await?;
        if !apps::studio_owns(&studios, &game.developers, &game.publishers) {
            return Err(ApiError::Forbidden("an app may speak only for games of your studios"));
        }
    }
    let secret = apps::new_secret();
    let record = apps::App {
        client_id: apps::new_client_id(),
        owner_user_id: developer.user_id,
        name: new.name,
        redirect_uris: new.redirect_uris,
        game_ids: new.game_ids,
        scopes: new.scopes.unwrap_or_default(),
        secret_hash: apps::secret_hash(&secret),
        created_at: platform::clock::rfc3339(platform::clock::now_secs()),
    };
    app_store::create(app, &record).await?;
    let mut body = record.view();
    body["clientSecret"] = secret.into();
    json_response(201, &body)
}
