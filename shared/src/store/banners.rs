//! Banners table: the pull engine's config, the same record `rarity-chances` publishes.
//! All banners share one partition so listing them is a Query.

use super::s;
use crate::app::{App, Table};
use crate::domain::gacha::Banner;
use crate::error::ApiError;
use serde::{Deserialize, Serialize};

const PARTITION: &str = "banner";
/// The banner seed 002's single-pool endpoints use when no `bannerId` is given.
pub const DEFAULT_BANNER: &str = "heroes";

#[derive(Clone, Serialize, Deserialize)]
struct BannerItem {
    partition: String,
    #[serde(rename = "bannerId")]
    banner_id: String,
    config: String,
}

pub async fn get(app: &App, banner_id: &str) -> Result<Banner, ApiError> {
    let out = app
        .db
        .get_item()
        .table_name(app.table(Table::BANNERS)?)
        .key("partition", s(PARTITION))
        .key("bannerId", s(banner_id))
        .send()
        .await?;
    let item =
        out.item.ok_or_else(|| ApiError::NotFound { code: "unknown_banner", what: format!("banner `{banner_id}`") })?;
    decode(serde_dynamo::from_item(item)?)
}

/// How long an instance keeps a banner it read. Pulls read it on every request; a schedule change
/// reaches every instance within this time.
pub const CACHE_SECS: u64 = 10;

/// The banner, from this instance's cache if it read it less than `CACHE_SECS` ago.
pub async fn get_cached(app: &App, banner_id: &str) -> Result<Banner, ApiError> {
    static CACHE: super::cache::TtlCache<Banner> = super::cache::TtlCache::new(CACHE_SECS, 1_000);
    if let Some(banner) = CACHE.get(banner_id) {
        return Ok(banner);
    }
    let banner = get(app, banner_id).await?;
    CACHE.put(banner_id, banner.clone());
    Ok(banner)
}

pub async fn list(app: &App) -> Result<Vec<Banner>, ApiError> {
    let out = app
        .db
        .query()
        .table_name(app.table(Table::BANNERS)?)
        .key_condition_expression("#p = :p")
        .expression_attribute_names("#p", "partition")
        .expression_attribute_values(":p", s(PARTITION))
        .send()
        .await?;
    let items: Vec<BannerItem> = serde_dynamo::from_items(out.items().to_vec())?;
    items.into_iter().map(decode).collect()
}

fn decode(item: BannerItem) -> Result<Banner, ApiError> {
    serde_json::from_str(&item.config).map_err(|e| ApiError::internal(format!("banner {}: {e}", item.banner_id)))
}

/// Stores a banner after checking that the engine can serve it. Used by the infra loader.
pub async fn put(app: &App, banner: &Banner) -> Result<(), ApiError> {
    banner.validate().map_err(ApiError::internal)?;
    let item = BannerItem {
        partition: PARTITION.into(),
        banner_id: banner.banner_id.clone(),
        config: serde_json::to_string(banner).map_err(ApiError::internal)?,
    };
    app.db
        .put_item()
        .table_name(app.table(Table::BANNERS)?)
        .set_item(Some(serde_dynamo::to_item(item)?))
        .send()
        .await?;
    Ok(())
}

/// What an admin's schedule did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheduled {
    Created,
    Updated,
}

/// Creates or changes a banner for an admin. Once a banner has opened, what its draws do (rates,
/// items, featured items, pity, cost) and its start are fixed: players pulled on those published
/// odds and verify past pulls against them; its name and end may still change. The write is
/// conditioned on the record read, so two admins cannot interleave.
pub async fn schedule(app: &App, banner: &Banner, now: time::OffsetDateTime) -> Result<Scheduled, ApiError> {
    banner.validate().map_err(|detail| ApiError::Validation { field: None, detail })?;
    let table = app.table(Table::BANNERS)?;
    let out = app
        .db
        .get_item()
        .table_name(table)
        .key("partition", s(PARTITION))
        .key("bannerId", s(&banner.banner_id))
        .consistent_read(true)
        .send()
        .await?;
    let current: Option<BannerItem> = out.item.map(serde_dynamo::from_item).transpose()?;
    if let Some(current) = &current {
        let old = decode(current.clone())?;
        // Locked from its opening on (less the cache time, so no instance draws with rules about
        // to change), for good: moving the start back into the future does not unlock it.
        let lock_at = old.starts_at.map(|start| start - time::Duration::seconds(CACHE_SECS as i64));
        let locked = lock_at.is_none_or(|at| now >= at);
        if locked && !(old.same_draws_as(banner) && old.starts_at == banner.starts_at) {
            return Err(ApiError::Conflict {
                code: "banner_rules_locked",
                detail: format!(
                    "banner `{}` has opened: only its name and end may change, not its start, rates, items, pity or cost",
                    banner.banner_id
                ),
            });
        }
    }
    let item = BannerItem {
        partition: PARTITION.into(),
        banner_id: banner.banner_id.clone(),
        config: serde_json::to_string(banner).map_err(ApiError::internal)?,
    };
    let put = app.db.put_item().table_name(table).set_item(Some(serde_dynamo::to_item(item)?));
    let put = match &current {
        Some(current) => {
            put.condition_expression("config = :seen").expression_attribute_values(":seen", s(&current.config))
        }
        None => put.condition_expression("attribute_not_exists(bannerId)"),
    };
    if !super::applied(put.send().await)? {
        return Err(ApiError::Conflict {
            code: "banner_changed",
            detail: format!("banner `{}` was changed by another request; read it and try again", banner.banner_id),
        });
    }
    Ok(if current.is_some() { Scheduled::Updated } else { Scheduled::Created })
}

/// Claims the announcement that banner `banner_id` did `kind` (opened, closed) at `at`: `true`
/// for the first claimant only. Announcements live in their own partition of this table.
pub async fn claim_announcement(app: &App, banner_id: &str, kind: &str, at: &str) -> Result<bool, ApiError> {
    let result = app
        .db
        .put_item()
        .table_name(app.table(Table::BANNERS)?)
        .item("partition", s("announcement"))
        .item("bannerId", s(format!("{banner_id}#{kind}#{at}")))
        .item("announcedAt", s(crate::clock::now_rfc3339()))
        .condition_expression("attribute_not_exists(bannerId)")
        .send()
        .await;
    super::applied(result)
}

/// A banner id from a client: short lowercase slug, or a 400 before any lookup.
pub fn checked_id(raw: &str) -> Result<String, ApiError> {
    if !crate::domain::gacha::is_slug(raw) {
        return Err(ApiError::validation("bannerId", "bannerId must be a lowercase slug such as `heroes`"));
    }
    Ok(raw.to_owned())
}
