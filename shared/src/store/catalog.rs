//! Catalog and CatalogIndex tables. The Catalog holds each game (the truth, and the price a
//! purchase checks). The CatalogIndex holds each facet's listing as pages of summaries in both
//! orders, so a browse is a Query of a page or two, never a Scan.

use super::{decode_cursor, encode_cursor, n, s, Item};
use crate::app::{App, Table};
use crate::domain::catalog::{page_key, Game, GameQuery, Page, SortBy, Summary};
use crate::error::ApiError;

pub async fn game(app: &App, game_id: u32) -> Result<Game, ApiError> {
    let out = app.db.get_item().table_name(app.table(Table::CATALOG)?).key("gameId", n(game_id)).send().await?;
    let item = out.item.ok_or_else(|| ApiError::NotFound { code: "unknown_game", what: format!("game {game_id}") })?;
    Ok(serde_dynamo::from_item(item)?)
}

/// The condition item that fails a transaction if the game's price changed since it was read.
pub fn price_unchanged(app: &App, game: &Game) -> Result<aws_sdk_dynamodb::types::TransactWriteItem, ApiError> {
    let check = aws_sdk_dynamodb::types::ConditionCheck::builder()
        .table_name(app.table(Table::CATALOG)?)
        .key("gameId", n(game.game_id))
        .condition_expression("priceGems = :price")
        .expression_attribute_values(":price", n(game.price_gems))
        .build()
        .map_err(ApiError::internal)?;
    Ok(aws_sdk_dynamodb::types::TransactWriteItem::builder().condition_check(check).build())
}

/// Where a listing is read from next: a page, and the position in it in reading order.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
struct Position {
    #[serde(rename = "f")]
    facet: String,
    #[serde(rename = "o")]
    order: SortBy,
    #[serde(rename = "a")]
    ascending: bool,
    #[serde(rename = "p")]
    page: u32,
    #[serde(rename = "i")]
    index: usize,
}

/// How many pages one browse may read before it returns a short page with a cursor.
const READ_BUDGET_PAGES: u32 = 12;
/// Pages fetched per Query call.
const PAGES_PER_QUERY: i32 = 2;

struct StoredPage {
    number: u32,
    pages: u32,
    games: Vec<Summary>,
}

/// A listing page as the CatalogIndex holds it. Its games are one JSON string: a page is always
/// read whole, and one string is smaller than a list of maps.
#[derive(serde::Serialize, serde::Deserialize)]
struct PageRecord {
    facet: String,
    page: String,
    number: u32,
    pages: u32,
    games: String,
}

/// The CatalogIndex item of a listing page (written by `infra deploy`'s catalog load).
pub fn page_item(page: &Page) -> Result<Item, ApiError> {
    let record = PageRecord {
        facet: page.facet.clone(),
        page: page_key(page.order, page.number),
        number: page.number,
        pages: page.pages,
        games: serde_json::to_string(&page.games).map_err(ApiError::internal)?,
    };
    Ok(serde_dynamo::to_item(record)?)
}

fn stored_page(item: &Item) -> Result<StoredPage, ApiError> {
    let record: PageRecord = serde_dynamo::from_item(item.clone())?;
    let games = serde_json::from_str(&record.games).map_err(ApiError::internal)?;
    Ok(StoredPage { number: record.number, pages: record.pages, games })
}

/// What a catalog load leaves in the CatalogIndex: which file it loaded (by SHA-256), so a
/// repeat load of the same file is skipped.
#[derive(serde::Serialize, serde::Deserialize)]
struct LoadMarker {
    facet: String,
    page: String,
    sha256: String,
    games: usize,
}

const LOAD_MARKER_FACET: &str = "meta:catalog";
const LOAD_MARKER_PAGE: &str = "loaded";

/// The key of the load marker.
pub fn load_marker_key() -> Item {
    Item::from([("facet".into(), s(LOAD_MARKER_FACET)), ("page".into(), s(LOAD_MARKER_PAGE))])
}

/// The load marker of a catalog file with this SHA-256 and this many games.
pub fn load_marker(sha256: &str, games: usize) -> Result<Item, ApiError> {
    let marker =
        LoadMarker { facet: LOAD_MARKER_FACET.into(), page: LOAD_MARKER_PAGE.into(), sha256: sha256.into(), games };
    Ok(serde_dynamo::to_item(marker)?)
}

/// The SHA-256 of the catalog file a marker says was loaded.
pub fn loaded_sha256(marker: Item) -> Option<String> {
    serde_dynamo::from_item::<_, LoadMarker>(marker).ok().map(|m| m.sha256)
}

/// One page of games matching `query`, and the cursor of the next. Reads the primary facet's
/// listing pages in order and keeps the games that pass the query's other filters.
pub async fn browse(
    app: &App,
    query: &GameQuery,
    cursor: Option<&str>,
    limit: usize,
) -> Result<(Vec<Summary>, Option<String>), ApiError> {
    let facet = query.primary_facet();
    let order = query.sort.unwrap_or(SortBy::Rating);
    let mut at = match cursor {
        Some(c) => {
            let p: Position = serde_json::from_str(&decode_cursor(c)?).map_err(|_| ApiError::InvalidCursor)?;
            if p.facet != facet || p.order != order || p.ascending != query.ascending {
                return Err(ApiError::InvalidCursor);
            }
            Some(p)
        }
        None => None,
    };
    let mut games = Vec::new();
    let mut pages_read = 0;
    loop {
        // Most-first order reads pages upwards from 0; ascending reads them downwards from the last.
        let (from, to) = match (&at, query.ascending) {
            (Some(p), false) => (page_key(order, p.page), page_key(order, u32::MAX)),
            (Some(p), true) => (page_key(order, 0), page_key(order, p.page)),
            (None, _) => (page_key(order, 0), page_key(order, u32::MAX)),
        };
        let out = app
            .db
            .query()
            .table_name(app.table(Table::CATALOG_INDEX)?)
            .key_condition_expression("facet = :facet AND page BETWEEN :from AND :to")
            .expression_attribute_values(":facet", s(&facet))
            .expression_attribute_values(":from", s(from))
            .expression_attribute_values(":to", s(to))
            .scan_index_forward(!query.ascending)
            .limit(PAGES_PER_QUERY)
            .send()
            .await?;
        if out.items().is_empty() {
            return Ok((games, None));
        }
        for item in out.items() {
            let mut page = stored_page(item)?;
            pages_read += 1;
            if query.ascending {
                page.games.reverse();
            }
            let start = at.as_ref().filter(|p| p.page == page.number).map_or(0, |p| p.index);
            let more_pages = if query.ascending { page.number > 0 } else { page.number + 1 < page.pages };
            for (i, game) in page.games.iter().enumerate().skip(start) {
                if !query.admits(game) {
                    continue;
                }
                games.push(game.clone());
                if games.len() == limit {
                    let next = if i + 1 < page.games.len() {
                        Some(Position { facet, order, ascending: query.ascending, page: page.number, index: i + 1 })
                    } else if more_pages {
                        Some(Position {
                            facet,
                            order,
                            ascending: query.ascending,
                            page: next_page(page.number, query.ascending),
                            index: 0,
                        })
                    } else {
                        None
                    };
                    return Ok((games, next.map(|p| encode_position(&p))));
                }
            }
            if !more_pages {
                return Ok((games, None));
            }
            at = Some(Position {
                facet: facet.clone(),
                order,
                ascending: query.ascending,
                page: next_page(page.number, query.ascending),
                index: 0,
            });
            if pages_read >= READ_BUDGET_PAGES {
                // A sparse filter: return what was found and where to go on.
                return Ok((games, at.as_ref().map(encode_position)));
            }
        }
    }
}

fn next_page(number: u32, ascending: bool) -> u32 {
    if ascending {
        number - 1
    } else {
        number + 1
    }
}

fn encode_position(p: &Position) -> String {
    encode_cursor(&serde_json::to_string(p).unwrap_or_default())
}

/// A suggestion bucket's item in the index table (`suggest:<prefix>`).
pub fn suggestion_item(prefix: &str, games: &[crate::domain::suggest::Suggestion]) -> Result<Item, ApiError> {
    Ok(Item::from([
        ("facet".to_owned(), s(format!("{SUGGEST_FACET}{prefix}"))),
        ("page".to_owned(), s(SUGGEST_PAGE)),
        ("games".to_owned(), s(serde_json::to_string(games).map_err(ApiError::internal)?)),
    ]))
}

const SUGGEST_FACET: &str = "suggest:";
const SUGGEST_PAGE: &str = "all";
/// How long an instance keeps a bucket: the catalog changes only when it is loaded again.
const SUGGEST_CACHE_SECS: u64 = 300;
const SUGGEST_CACHE_ENTRIES: usize = 5_000;

/// The suggestion bucket of `prefix` (empty if no name has such a word), from this instance's
/// cache when it read it in the last five minutes: type-ahead asks for the same few prefixes
/// again and again.
pub async fn suggestion_bucket(
    app: &App,
    prefix: &str,
) -> Result<std::sync::Arc<Vec<crate::domain::suggest::Suggestion>>, ApiError> {
    use std::sync::Arc;
    static CACHE: super::cache::TtlCache<Arc<Vec<crate::domain::suggest::Suggestion>>> =
        super::cache::TtlCache::new(SUGGEST_CACHE_SECS, SUGGEST_CACHE_ENTRIES);
    if let Some(games) = CACHE.get(prefix) {
        return Ok(games);
    }
    let out = app
        .db
        .get_item()
        .table_name(app.table(Table::CATALOG_INDEX)?)
        .key("facet", s(format!("{SUGGEST_FACET}{prefix}")))
        .key("page", s(SUGGEST_PAGE))
        .send()
        .await?;
    let games = match out.item.as_ref().and_then(|item| super::get_s(item, "games")) {
        Some(text) => serde_json::from_str(text).map_err(ApiError::internal)?,
        None => Vec::new(),
    };
    let games = Arc::new(games);
    CACHE.put(prefix, games.clone());
    Ok(games)
}
