//! Loads the Steam catalog (infra/data/steam.csv.gz, CC BY 4.0) into the Catalog table (one item
//! per game) and the CatalogIndex table (each facet's listing as pages), with progress.
//! Idempotent: every write is a put of a deterministic key, and a marker skips a repeat load of
//! the same file.

use anyhow::{anyhow, Context, Result};
use aws_sdk_dynamodb::types::{AttributeValue, PutRequest, WriteRequest};
use futures::stream::{self, StreamExt};
use platform::domain::catalog::{self, Game};
use platform::store::catalog as store;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::io::Read;
use std::time::{Duration, Instant};

pub const CATALOG_GZ: &[u8] = include_bytes!("../data/steam.csv.gz");
const BATCH: usize = 25;
const PARALLEL_BATCHES: usize = 8;

pub fn parse(csv_gz: &[u8]) -> Result<Vec<Game>> {
    let mut text = String::new();
    flate2::read::GzDecoder::new(csv_gz).read_to_string(&mut text).context("decompressing the catalog")?;
    let mut reader = csv::ReaderBuilder::new().has_headers(true).from_reader(text.as_bytes());
    let headers = reader.headers()?.clone();
    let column =
        |name: &str| headers.iter().position(|h| h == name).ok_or_else(|| anyhow!("catalog has no {name} column"));
    let cols: HashMap<&str, usize> = [
        "appid",
        "name",
        "release_date",
        "english",
        "developer",
        "publisher",
        "platforms",
        "required_age",
        "categories",
        "genres",
        "steamspy_tags",
        "achievements",
        "positive_ratings",
        "negative_ratings",
        "average_playtime",
        "median_playtime",
        "owners",
        "price",
    ]
    .into_iter()
    .map(|c| Ok((c, column(c)?)))
    .collect::<Result<_>>()?;
    let mut games = Vec::new();
    for (line, record) in reader.records().enumerate() {
        let record = record?;
        let field = |name: &str| record.get(cols[name]).unwrap_or_default();
        let number = |name: &str| -> Result<u64> {
            field(name).trim().parse().with_context(|| format!("row {}: {name} = {:?}", line + 2, field(name)))
        };
        let (owners_min, owners_max) = catalog::owners_range(field("owners")).map_err(anyhow::Error::msg)?;
        games.push(Game {
            game_id: u32::try_from(number("appid")?)?,
            name: catalog::clean_text(field("name")),
            release_date: field("release_date").trim().to_owned(),
            english: field("english").trim() == "1",
            developers: catalog::clean_list(field("developer")),
            publishers: catalog::clean_list(field("publisher")),
            platforms: catalog::clean_list(field("platforms")).iter().map(|p| catalog::key(p)).collect(),
            required_age: u32::try_from(number("required_age")?)?,
            categories: catalog::clean_list(field("categories")),
            genres: catalog::clean_list(field("genres")),
            tags: catalog::clean_list(field("steamspy_tags")),
            achievements: u32::try_from(number("achievements")?)?,
            positive_ratings: number("positive_ratings")?,
            negative_ratings: number("negative_ratings")?,
            average_playtime_minutes: number("average_playtime")?,
            median_playtime_minutes: number("median_playtime")?,
            owners_min,
            owners_max,
            price_gems: catalog::price_to_gems(field("price")).map_err(anyhow::Error::msg)?,
        });
    }
    Ok(games)
}

/// Names what the index holds; change it when the loader writes new kinds of items.
const INDEX_LAYOUT: &[u8] = b"pages+suggest-v1";

pub async fn load(db: &aws_sdk_dynamodb::Client, catalog_table: &str, index_table: &str) -> Result<()> {
    // The layout is part of what was loaded: a new kind of index item loads the catalog again.
    let digest = hex::encode(Sha256::new().chain_update(CATALOG_GZ).chain_update(INDEX_LAYOUT).finalize());
    let marker = db.get_item().table_name(index_table).set_key(Some(store::load_marker_key())).send().await?;
    if marker.item.and_then(store::loaded_sha256).as_ref() == Some(&digest) {
        println!("catalog already loaded ({digest:.12})");
        return Ok(());
    }
    let games = parse(CATALOG_GZ)?;
    let mut writes: Vec<(String, WriteRequest)> = Vec::new();
    for game in &games {
        writes.push((catalog_table.to_owned(), put(serde_dynamo::to_item(game)?)?));
    }
    for page in catalog::pages(&games) {
        writes.push((index_table.to_owned(), put(store::page_item(&page)?)?));
    }
    for (prefix, bucket) in platform::domain::suggest::buckets(&games) {
        writes.push((index_table.to_owned(), put(store::suggestion_item(&prefix, &bucket)?)?));
    }
    let total = writes.len();
    println!("loading {} games: {total} items (games, listing pages, suggestion buckets)", games.len());
    let started = Instant::now();
    let mut done = 0usize;
    let mut last_report = Instant::now();
    // Batches hold one table's items each, so a batch is one BatchWriteItem.
    let mut batches: Vec<(String, Vec<WriteRequest>)> = Vec::new();
    for (table, chunk) in chunk_by_table(writes) {
        batches.push((table, chunk));
    }
    let mut results =
        stream::iter(batches).map(|(table, batch)| write_batch(db, table, batch)).buffer_unordered(PARALLEL_BATCHES);
    while let Some(written) = results.next().await {
        done += written?;
        if last_report.elapsed() >= Duration::from_secs(1) || done == total {
            let rate = done as f64 / started.elapsed().as_secs_f64().max(0.001);
            let eta = (total - done) as f64 / rate.max(1.0);
            println!("  {done:>7}/{total} items  {rate:>7.0} items/s  ETA {eta:>4.0} s");
            last_report = Instant::now();
        }
    }
    db.put_item().table_name(index_table).set_item(Some(store::load_marker(&digest, games.len())?)).send().await?;
    println!("catalog loaded: {} games in {:.1} s", games.len(), started.elapsed().as_secs_f64());
    Ok(())
}

fn put(item: HashMap<String, AttributeValue>) -> Result<WriteRequest> {
    Ok(WriteRequest::builder().put_request(PutRequest::builder().set_item(Some(item)).build()?).build())
}

fn chunk_by_table(writes: Vec<(String, WriteRequest)>) -> Vec<(String, Vec<WriteRequest>)> {
    let mut by_table: HashMap<String, Vec<WriteRequest>> = HashMap::new();
    for (table, write) in writes {
        by_table.entry(table).or_default().push(write);
    }
    by_table
        .into_iter()
        .flat_map(|(table, items)| items.chunks(BATCH).map(|c| (table.clone(), c.to_vec())).collect::<Vec<_>>())
        .collect()
}

/// Writes one batch, resending what DynamoDB leaves unprocessed, with backoff.
async fn write_batch(db: &aws_sdk_dynamodb::Client, table: String, batch: Vec<WriteRequest>) -> Result<usize> {
    let count = batch.len();
    let mut pending = HashMap::from([(table, batch)]);
    for attempt in 0..10u32 {
        let out = db.batch_write_item().set_request_items(Some(pending)).send().await?;
        match out.unprocessed_items.filter(|u| !u.is_empty()) {
            None => return Ok(count),
            Some(rest) => {
                pending = rest;
                tokio::time::sleep(Duration::from_millis(20 << attempt.min(6))).await;
            }
        }
    }
    Err(anyhow!("batch still unprocessed after 10 attempts"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_catalog_parses_completely_and_cleanly() {
        let games = parse(CATALOG_GZ).unwrap();
        assert_eq!(games.len(), 27_075);
        assert_eq!((games[0].game_id, games[0].name.as_str(), games[0].price_gems), (10, "Counter-Strike", 719));
        assert_eq!(games.last().unwrap().name, "Rune Lord");
        let ids: std::collections::HashSet<u32> = games.iter().map(|g| g.game_id).collect();
        assert_eq!(ids.len(), games.len(), "appid is unique");
        assert!(games.iter().all(|g| g.name == g.name.trim() && !g.name.contains('\t')));
        assert_eq!(games.iter().find(|g| g.game_id == 387870).unwrap().name, "Mold on Pizza 🍕");
        assert_eq!(games.iter().map(|g| g.price_gems).max(), Some(42_199));
        assert!(games.iter().any(|g| g.name.contains("\"Dry Cereal\"")));
    }
}
