//! Game builds: the files in the private builds bucket (uploaded in presigned parts, downloaded
//! through short-lived presigned URLs) and the Builds table beside them: per game (`game#<id>`)
//! its builds (`build#<buildId>`) and branches (`branch#<name>`), and download counters spread
//! over `DOWNLOAD_SHARDS` partitions (`downloads#<gameId>#<shard>`), so a popular game's
//! downloads never meet on one item.

use super::{get_n, n, s, Item};
use crate::app::{App, Table};
use crate::error::ApiError;
use aws_sdk_s3::presigning::PresigningConfig;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::Duration;

pub const UPLOADING: &str = "uploading";
pub const READY: &str = "ready";
/// Download counters per game: one write each, on a shard drawn at random.
pub const DOWNLOAD_SHARDS: u32 = 16;
/// How long a developer has to upload each part of a build.
pub const UPLOAD_URL_TTL: Duration = Duration::from_secs(3600);

/// A build of a game for one platform, as declared and then uploaded.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Build {
    pub build_id: String,
    pub game_id: u32,
    pub platform: String,
    pub version: String,
    pub file_name: String,
    pub size_bytes: u64,
    /// As the developer declared it; the player's client checks the download against it.
    pub sha256: String,
    pub object_key: String,
    pub upload_id: String,
    /// `uploading`, then `ready` once its parts are put together at the declared size.
    pub status: String,
    pub created_at: String,
    pub created_by: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ready_at: Option<String>,
}

/// A branch: which build of each platform it serves, and the hash of its password, if any.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Branch {
    pub name: String,
    /// Platform -> build id.
    pub builds: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_hash: Option<String>,
    pub updated_at: String,
    pub updated_by: String,
}

fn game_key(game_id: u32) -> String {
    format!("game#{game_id}")
}

fn keyed<T: Serialize>(record: &T, pk: String, sk: String) -> Result<Item, ApiError> {
    let mut item: Item = serde_dynamo::to_item(record)?;
    item.insert("pk".into(), s(pk));
    item.insert("sk".into(), s(sk));
    Ok(item)
}

pub async fn put_build(app: &App, build: &Build) -> Result<(), ApiError> {
    let item = keyed(build, game_key(build.game_id), format!("build#{}", build.build_id))?;
    app.db
        .put_item()
        .table_name(app.table(Table::BUILDS)?)
        .set_item(Some(item))
        .condition_expression("attribute_not_exists(pk)")
        .send()
        .await?;
    Ok(())
}

/// A game's build (`None`: no such build of this game), read strongly consistent.
pub async fn build(app: &App, game_id: u32, build_id: &str) -> Result<Option<Build>, ApiError> {
    let out = app
        .db
        .get_item()
        .table_name(app.table(Table::BUILDS)?)
        .key("pk", s(game_key(game_id)))
        .key("sk", s(format!("build#{build_id}")))
        .consistent_read(true)
        .send()
        .await?;
    Ok(out.item.map(serde_dynamo::from_item).transpose()?)
}

/// Marks an uploading build ready; `false` if it was not uploading (ready already).
pub async fn mark_ready(app: &App, build: &Build) -> Result<bool, ApiError> {
    let result = app
        .db
        .update_item()
        .table_name(app.table(Table::BUILDS)?)
        .key("pk", s(game_key(build.game_id)))
        .key("sk", s(format!("build#{}", build.build_id)))
        .update_expression("SET #status = :ready, readyAt = :at")
        .condition_expression("#status = :uploading")
        .expression_attribute_names("#status", "status")
        .expression_attribute_values(":ready", s(READY))
        .expression_attribute_values(":uploading", s(UPLOADING))
        .expression_attribute_values(":at", s(crate::clock::now_rfc3339()))
        .send()
        .await;
    super::applied(result)
}

/// Sets a branch (replacing what it served before).
pub async fn put_branch(app: &App, game_id: u32, branch: &Branch) -> Result<(), ApiError> {
    let item = keyed(branch, game_key(game_id), format!("branch#{}", branch.name))?;
    app.db.put_item().table_name(app.table(Table::BUILDS)?).set_item(Some(item)).send().await?;
    Ok(())
}

pub async fn branch(app: &App, game_id: u32, name: &str) -> Result<Option<Branch>, ApiError> {
    let out = app
        .db
        .get_item()
        .table_name(app.table(Table::BUILDS)?)
        .key("pk", s(game_key(game_id)))
        .key("sk", s(format!("branch#{name}")))
        .consistent_read(true)
        .send()
        .await?;
    Ok(out.item.map(serde_dynamo::from_item).transpose()?)
}

/// A game's builds (oldest first) and branches.
pub async fn of_game(app: &App, game_id: u32) -> Result<(Vec<Build>, Vec<Branch>), ApiError> {
    let (mut builds, mut branches, mut start) = (Vec::new(), Vec::new(), None);
    loop {
        let out = app
            .db
            .query()
            .table_name(app.table(Table::BUILDS)?)
            .key_condition_expression("pk = :pk")
            .expression_attribute_values(":pk", s(game_key(game_id)))
            .set_exclusive_start_key(start)
            .send()
            .await?;
        for item in out.items.unwrap_or_default() {
            match super::get_s(&item, "sk") {
                Some(sk) if sk.starts_with("build#") => builds.push(serde_dynamo::from_item(item)?),
                Some(sk) if sk.starts_with("branch#") => branches.push(serde_dynamo::from_item(item)?),
                _ => {}
            }
        }
        match out.last_evaluated_key {
            Some(key) => start = Some(key),
            None => return Ok((builds, branches)),
        }
    }
}

/// Counts one download of the game, on a random shard.
pub async fn count_download(app: &App, game_id: u32) -> Result<(), ApiError> {
    let shard = rand::random_range(0..DOWNLOAD_SHARDS);
    app.db
        .update_item()
        .table_name(app.table(Table::BUILDS)?)
        .key("pk", s(format!("downloads#{game_id}#{shard}")))
        .key("sk", s("count"))
        .update_expression("ADD downloads :one")
        .expression_attribute_values(":one", n(1))
        .send()
        .await?;
    Ok(())
}

/// The game's downloads: its shards summed (one batch read).
pub async fn downloads(app: &App, game_id: u32) -> Result<u64, ApiError> {
    let keys = (0..DOWNLOAD_SHARDS)
        .map(|shard| {
            Item::from([("pk".to_owned(), s(format!("downloads#{game_id}#{shard}"))), ("sk".to_owned(), s("count"))])
        })
        .collect();
    let items = super::batch_get(app, Table::BUILDS, keys, None).await?;
    Ok(items.iter().filter_map(|item| get_n::<u64>(item, "downloads")).sum())
}

/// The builds bucket: uploads in presigned parts, downloads through presigned URLs.
pub struct Storage {
    s3: aws_sdk_s3::Client,
    bucket: String,
    /// How long a download URL works (template parameter `DownloadUrlTtlSeconds`).
    pub download_ttl: Duration,
}

impl Storage {
    pub async fn from_env() -> Storage {
        let config = crate::app::sdk_config().await;
        // A custom endpoint (an emulator) serves buckets by path, not by host name.
        let path_style = config.endpoint_url().is_some() || std::env::var("AWS_ENDPOINT_URL_S3").is_ok();
        let s3_config = aws_sdk_s3::config::Builder::from(&config).force_path_style(path_style).build();
        let ttl = std::env::var("DOWNLOAD_URL_TTL_SECONDS").ok().and_then(|v| v.parse().ok()).unwrap_or(300);
        Storage {
            s3: aws_sdk_s3::Client::from_conf(s3_config),
            bucket: std::env::var("BUILDS_BUCKET").unwrap_or_default(),
            download_ttl: Duration::from_secs(ttl),
        }
    }

    /// Starts a multipart upload of `key`; returns its upload id.
    pub async fn start_upload(&self, key: &str) -> Result<String, ApiError> {
        let out = self
            .s3
            .create_multipart_upload()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .map_err(|e| storage_error("starting the upload", e))?;
        out.upload_id.ok_or_else(|| ApiError::internal("S3 started an upload without an id"))
    }

    /// A presigned URL to PUT one part of an upload.
    pub async fn part_url(&self, key: &str, upload_id: &str, part: i32) -> Result<String, ApiError> {
        let presigned = self
            .s3
            .upload_part()
            .bucket(&self.bucket)
            .key(key)
            .upload_id(upload_id)
            .part_number(part)
            .presigned(PresigningConfig::expires_in(UPLOAD_URL_TTL).map_err(ApiError::internal)?)
            .await
            .map_err(|e| storage_error("presigning a part", e))?;
        Ok(presigned.uri().to_owned())
    }

    /// The parts uploaded so far, as S3 holds them: `(number, ETag)`, in order.
    pub async fn uploaded_parts(&self, key: &str, upload_id: &str) -> Result<Vec<(i32, String)>, ApiError> {
        let (mut parts, mut marker) = (Vec::new(), None);
        loop {
            let out = self
                .s3
                .list_parts()
                .bucket(&self.bucket)
                .key(key)
                .upload_id(upload_id)
                .set_part_number_marker(marker)
                .send()
                .await
                .map_err(|e| match e.as_service_error().and_then(aws_sdk_s3::error::ProvideErrorMetadata::code) {
                    Some("NoSuchUpload") => ApiError::Rule {
                        code: "upload_incomplete",
                        field: None,
                        detail: "this upload is finished or abandoned; declare the build again".into(),
                    },
                    _ => storage_error("listing the parts", e),
                })?;
            for part in out.parts.unwrap_or_default() {
                if let (Some(number), Some(etag)) = (part.part_number, part.e_tag) {
                    parts.push((number, etag));
                }
            }
            match (out.is_truncated, out.next_part_number_marker) {
                (Some(true), Some(next)) => marker = Some(next),
                _ => return Ok(parts),
            }
        }
    }

    /// Puts the uploaded parts together (`(number, ETag)` as S3 listed them); then the object's
    /// size.
    pub async fn complete(&self, key: &str, upload_id: &str, parts: &[(i32, String)]) -> Result<u64, ApiError> {
        use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart};
        let parts =
            parts.iter().map(|(n, etag)| CompletedPart::builder().part_number(*n).e_tag(etag).build()).collect();
        self.s3
            .complete_multipart_upload()
            .bucket(&self.bucket)
            .key(key)
            .upload_id(upload_id)
            .multipart_upload(CompletedMultipartUpload::builder().set_parts(Some(parts)).build())
            .send()
            .await
            .map_err(|e| match e.as_service_error().and_then(|s| aws_sdk_s3::error::ProvideErrorMetadata::code(s)) {
                Some("InvalidPart" | "InvalidPartOrder" | "EntityTooSmall" | "NoSuchUpload") => ApiError::Rule {
                    code: "upload_incomplete",
                    field: Some("parts"),
                    detail: "the parts named do not make the upload (missing, out of order or too small)".into(),
                },
                _ => storage_error("completing the upload", e),
            })?;
        let head = self
            .s3
            .head_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .map_err(|e| storage_error("reading the build", e))?;
        Ok(head.content_length.unwrap_or(0).max(0) as u64)
    }

    /// Removes an object (a completed upload of the wrong size).
    pub async fn remove(&self, key: &str) -> Result<(), ApiError> {
        self.s3
            .delete_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .map_err(|e| storage_error("removing the build", e))?;
        Ok(())
    }

    /// A presigned URL that downloads `key` as `file_name`, working for `download_ttl`.
    pub async fn download_url(&self, key: &str, file_name: &str) -> Result<String, ApiError> {
        let presigned = self
            .s3
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .response_content_disposition(format!("attachment; filename=\"{file_name}\""))
            .presigned(PresigningConfig::expires_in(self.download_ttl).map_err(ApiError::internal)?)
            .await
            .map_err(|e| storage_error("presigning the download", e))?;
        Ok(presigned.uri().to_owned())
    }
}

fn storage_error(what: &str, error: impl std::fmt::Debug) -> ApiError {
    tracing::error!(?error, "{what}");
    ApiError::Unavailable(format!("the build storage failed {what}"))
}
