//! `POST /server/games/{gameId}/play-sessions`: a game's server, with its app's client-credentials
//! token (scope `games:playtime`), reports that a player played its game: `{userId, sessionId,
//! startedAt, minutes}`. The session is recorded once under the server's `sessionId` (a retry
//! answers 200 with what was recorded, adding nothing) and its minutes go onto the player's
//! library entry in the same transaction (refunds look at play time). Only games the app was
//! registered for, and only games the player owns.

use lambda_http::Request;
use platform::domain::apps::SCOPE_PLAYTIME;
use platform::flows::{app_grants, Step, Transaction, Verdict};
use platform::http::{game_id_param, json_body, json_response, HttpResult};
use platform::store::chat::checked_user_id;
use platform::store::orders;
use platform::store::play_sessions::{self, PlaySession};
use platform::{ApiError, App};
use serde::Deserialize;
use serde_json::json;

/// One report covers at most a day; longer play is several sessions.
const MAX_MINUTES: u64 = 24 * 60;

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Report {
    user_id: String,
    session_id: String,
    started_at: String,
    minutes: u64,
}

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let server = app.authenticate_server(&req).await?;
    let game_id = game_id_param(&req, "gameId")?;
    let report: Report = json_body(&req)?;
    let user_id = checked_user_id("userId", &report.user_id)?;
    let session_id = report.session_id.trim();
    if !(1..=64).contains(&session_id.len())
        || !session_id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(ApiError::validation("sessionId", "a session id is 1-64 letters, digits, - or _"));
    }
    if !(1..=MAX_MINUTES).contains(&report.minutes) {
        return Err(ApiError::validation("minutes", "minutes are 1-1440 per report"));
    }
    let started = time::OffsetDateTime::parse(&report.started_at, &time::format_description::well_known::Rfc3339)
        .map_err(|_| ApiError::validation("startedAt", "an RFC 3339 time, e.g. 2026-11-25T18:00:00Z"))?;
    if started.unix_timestamp() > platform::clock::now_secs() as i64 + 300 {
        return Err(ApiError::validation("startedAt", "a session cannot start in the future"));
    }
    let registered = app_grants::server_for_game(app, &server, SCOPE_PLAYTIME, game_id).await?;
    let session = PlaySession {
        user_id: user_id.clone(),
        play_key: PlaySession::key(game_id, session_id),
        game_id,
        session_id: session_id.into(),
        client_id: registered.client_id,
        started_at: report.started_at.clone(),
        minutes: report.minutes,
        reported_at: platform::clock::now_rfc3339(),
    };
    let mut tx = Transaction::new();
    tx.add(Step::PlaySessionRecord, play_sessions::record(app, &session)?);
    tx.add(Step::PlayTimeAdded, play_sessions::add_to_library(app, &user_id, game_id, report.minutes)?);
    let (status, recorded) = match tx.commit(&app.db).await {
        Ok(()) => (201, session),
        Err(Verdict::AlreadyDone) => {
            let first = play_sessions::get(app, &user_id, game_id, session_id).await?;
            (200, first.ok_or_else(|| ApiError::internal("a recorded play session vanished"))?)
        }
        Err(other) => return Err(other.into()),
    };
    let total = orders::library_entry(app, &user_id, game_id).await?.map_or(0, |entry| entry.played_minutes);
    json_response(
        status,
        &json!({
            "gameId": game_id,
            "userId": user_id,
            "sessionId": recorded.session_id,
            "startedAt": recorded.started_at,
            "minutes": recorded.minutes,
            "playedMinutes": total,
        }),
    )
}
