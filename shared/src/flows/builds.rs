//! Publishing and downloading builds.
//!
//! - A game's developer declares a build (platform, version, file name, size, SHA-256) and gets
//!   presigned URLs to PUT its parts straight to the private bucket; completing the upload puts
//!   the parts together and marks the build ready only at the declared size.
//! - A branch (`default`, or a beta that may need a password) serves one ready build per platform.
//! - An owner asks for the build of a platform on a branch and gets a short-lived presigned URL
//!   with the manifest (version, file, size, SHA-256); the download is counted on a random shard.
//!   Not owning the game (never bought, or refunded: a refund takes it out of the library) is
//!   refused. Wrong beta passwords count against the player (10 an hour), as key guesses do.

use crate::app::App;
use crate::domain::builds::{self as rules, DEFAULT_BRANCH};
use crate::domain::catalog::Game;
use crate::error::ApiError;
use crate::store::builds::{self, Branch, Build, Storage, READY, UPLOADING};
use crate::store::orders;
use crate::store::rate_limit::{self, Limit, Scope};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// Wrong branch passwords a player may try an hour.
pub const WRONG_PASSWORDS: Limit = Limit { max: 10, window_secs: 3600 };

/// What a developer declares of a build before uploading it.
pub struct Declared {
    pub platform: String,
    pub version: String,
    pub file_name: String,
    pub size_bytes: u64,
    pub sha256: String,
}

/// `POST /developer/games/{gameId}/builds`: records the build (uploading) and answers the
/// presigned URL of each part.
pub async fn start_upload(
    app: &App,
    storage: &Storage,
    game: &Game,
    by: &str,
    declared: Declared,
) -> Result<Value, ApiError> {
    let platform = rules::checked_platform(&declared.platform)?;
    let version = rules::checked_version(&declared.version)?;
    let file_name = rules::checked_file_name(&declared.file_name)?;
    let size_bytes = rules::checked_size(declared.size_bytes)?;
    let sha256 = rules::checked_sha256(&declared.sha256)?;
    let build_id = crate::store::new_id();
    let object_key = format!("games/{}/builds/{build_id}/{file_name}", game.game_id);
    let upload_id = storage.start_upload(&object_key).await?;
    let build = Build {
        build_id,
        game_id: game.game_id,
        platform: platform.into(),
        version,
        file_name,
        size_bytes,
        sha256,
        object_key,
        upload_id,
        status: UPLOADING.into(),
        created_at: crate::clock::now_rfc3339(),
        created_by: by.into(),
        ready_at: None,
    };
    builds::put_build(app, &build).await?;
    let (part_size, plan) = rules::part_plan(size_bytes);
    let urls = futures::future::try_join_all(
        plan.iter().map(|(number, _)| storage.part_url(&build.object_key, &build.upload_id, *number)),
    )
    .await?;
    let parts: Vec<Value> = plan
        .iter()
        .zip(urls)
        .map(|((number, bytes), url)| json!({ "partNumber": number, "sizeBytes": bytes, "url": url }))
        .collect();
    let mut answer = build_json(&build);
    answer["partSizeBytes"] = json!(part_size);
    answer["parts"] = json!(parts);
    answer["partsExpireInSeconds"] = json!(builds::UPLOAD_URL_TTL.as_secs());
    Ok(answer)
}

/// `POST /developer/games/{gameId}/builds/{buildId}/complete`: puts the parts together, as S3
/// lists them (the client sends no ETags, so a build of 1,000 parts needs no large body); every
/// part of the plan must be there. The build is ready if the file has the declared size
/// (otherwise it is removed: declare it again).
pub async fn complete_upload(app: &App, storage: &Storage, game_id: u32, build_id: &str) -> Result<Value, ApiError> {
    let build = builds::build(app, game_id, build_id)
        .await?
        .ok_or_else(|| ApiError::NotFound { code: "unknown_build", what: format!("build {build_id}") })?;
    if build.status == READY {
        return Ok(build_json(&build));
    }
    let parts = storage.uploaded_parts(&build.object_key, &build.upload_id).await?;
    let planned = rules::part_plan(build.size_bytes).1.len();
    let numbers: Vec<i32> = parts.iter().map(|(n, _)| *n).collect();
    if numbers != (1..=planned as i32).collect::<Vec<_>>() {
        return Err(ApiError::Rule {
            code: "upload_incomplete",
            field: None,
            detail: format!("parts {numbers:?} of {planned} are uploaded; upload the rest, then complete"),
        });
    }
    let size = storage.complete(&build.object_key, &build.upload_id, &parts).await?;
    if size != build.size_bytes {
        storage.remove(&build.object_key).await?;
        return Err(ApiError::Rule {
            code: "size_mismatch",
            field: Some("parts"),
            detail: format!("the upload is {size} bytes, not the {} declared; declare it again", build.size_bytes),
        });
    }
    builds::mark_ready(app, &build).await?;
    let ready = Build { status: READY.into(), ready_at: Some(crate::clock::now_rfc3339()), ..build };
    Ok(build_json(&ready))
}

/// `PUT /developer/games/{gameId}/branches/{branch}`: the branch serves these ready builds (one
/// per platform), with a password or none (`default` has none). Replaces the branch.
pub async fn set_branch(
    app: &App,
    game_id: u32,
    name: &str,
    by: &str,
    served: BTreeMap<String, String>,
    password: Option<String>,
) -> Result<Value, ApiError> {
    let name = rules::checked_branch(name)?;
    if name == DEFAULT_BRANCH && password.is_some() {
        return Err(ApiError::validation("password", "the default branch is everyone's: it has no password"));
    }
    if let Some(password) = &password {
        if !(4..=64).contains(&password.chars().count()) {
            return Err(ApiError::validation("password", "a branch password is 4-64 characters"));
        }
    }
    for (platform, build_id) in &served {
        rules::checked_platform(platform)?;
        let build = builds::build(app, game_id, build_id).await?;
        match build {
            Some(build) if build.status == READY && &build.platform == platform => {}
            Some(build) if build.status != READY => {
                return Err(ApiError::Rule {
                    code: "build_not_ready",
                    field: Some("builds"),
                    detail: format!("build {build_id} is still uploading"),
                })
            }
            Some(build) => {
                return Err(ApiError::validation(
                    "builds",
                    format!("build {build_id} is for {}, not {platform}", build.platform),
                ))
            }
            None => return Err(ApiError::NotFound { code: "unknown_build", what: format!("build {build_id}") }),
        }
    }
    let branch = Branch {
        name,
        builds: served,
        password_hash: password.as_deref().map(crate::auth::hash_password).transpose()?,
        updated_at: crate::clock::now_rfc3339(),
        updated_by: by.into(),
    };
    builds::put_branch(app, game_id, &branch).await?;
    Ok(branch_json(&branch))
}

/// `POST /library/{gameId}/download`: the owner's download of the build `branch` serves for
/// `platform`.
pub async fn download(
    app: &App,
    storage: &Storage,
    user_id: &str,
    game_id: u32,
    platform: &str,
    branch: Option<&str>,
    password: Option<&str>,
) -> Result<Value, ApiError> {
    let platform = rules::checked_platform(platform)?;
    let name = rules::checked_branch(branch.unwrap_or(DEFAULT_BRANCH))?;
    let ((), branch) =
        tokio::try_join!(orders::ensure_owned(app, user_id, game_id), builds::branch(app, game_id, &name))?;
    let no_build = || ApiError::NotFound {
        code: "no_build",
        what: format!("a {platform} build of game {game_id} on branch {name}"),
    };
    let branch = branch.ok_or_else(no_build)?;
    if let Some(hash) = &branch.password_hash {
        let Some(password) = password else {
            return Err(ApiError::Forbidden("this branch needs its password"));
        };
        let scopes = [Scope::new(format!("branch-password#{user_id}"), WRONG_PASSWORDS)];
        let slot = rate_limit::take(app, &scopes).await?;
        if !crate::auth::verify_password(Some(hash), password) {
            return Err(ApiError::Forbidden("wrong branch password"));
        }
        if let Err(error) = slot.give_back(app).await {
            tracing::warn!(?error, "a right branch password's rate-limit slot was not given back");
        }
    }
    let build_id = branch.builds.get(platform).ok_or_else(no_build)?;
    let build = builds::build(app, game_id, build_id).await?.filter(|b| b.status == READY).ok_or_else(no_build)?;
    let url = storage.download_url(&build.object_key, &build.file_name).await?;
    // The URL is made: a failed count must not cost the player the download.
    if let Err(error) = builds::count_download(app, game_id).await {
        tracing::warn!(?error, game_id, "a download was not counted");
    }
    let expires = crate::clock::now_secs() + storage.download_ttl.as_secs();
    Ok(json!({
        "url": url,
        "expiresAt": crate::clock::rfc3339(expires),
        "branch": name,
        "manifest": {
            "buildId": build.build_id,
            "gameId": game_id,
            "platform": build.platform,
            "version": build.version,
            "fileName": build.file_name,
            "sizeBytes": build.size_bytes,
            "sha256": build.sha256,
        },
    }))
}

/// `GET /developer/games/{gameId}/builds`: the game's builds, branches and downloads.
pub async fn listing(app: &App, game_id: u32) -> Result<Value, ApiError> {
    let ((builds, branches), downloads) =
        tokio::try_join!(builds::of_game(app, game_id), builds::downloads(app, game_id))?;
    Ok(json!({
        "gameId": game_id,
        "builds": builds.iter().map(build_json).collect::<Vec<_>>(),
        "branches": branches.iter().map(branch_json).collect::<Vec<_>>(),
        "downloads": downloads,
    }))
}

fn build_json(build: &Build) -> Value {
    json!({
        "buildId": build.build_id,
        "gameId": build.game_id,
        "platform": build.platform,
        "version": build.version,
        "fileName": build.file_name,
        "sizeBytes": build.size_bytes,
        "sha256": build.sha256,
        "status": build.status,
        "createdAt": build.created_at,
        "readyAt": build.ready_at,
    })
}

fn branch_json(branch: &Branch) -> Value {
    json!({
        "name": branch.name,
        "builds": branch.builds,
        "hasPassword": branch.password_hash.is_some(),
        "updatedAt": branch.updated_at,
    })
}
