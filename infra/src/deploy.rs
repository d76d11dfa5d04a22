//! Creates every table template.yaml declares on whatever endpoint the SDK is pointed at, then
//! loads the banners. Safe to run again: existing resources are kept.

use crate::template::{Table as TableDef, Template};
use anyhow::{Context, Result};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection, ProjectionType,
    ScalarAttributeType, TimeToLiveSpecification,
};
use platform::auth::TokenKeys;
use platform::domain::gacha::Banner;
use platform::{App, Table};
use std::collections::HashMap;

pub const BANNERS_JSON: &str = include_str!("../data/banners.json");

pub async fn deploy(template: &Template) -> Result<()> {
    let config = platform::app::sdk_config().await;
    let db = aws_sdk_dynamodb::Client::new(&config);
    for table in &template.tables {
        create_table(&db, table).await.with_context(|| format!("creating table {}", table.name))?;
    }
    load_banners(&app_for(db, template, Err("loaders issue no tokens".into()))).await?;
    Ok(())
}

/// An `App` whose table names come from the template, for code that runs outside a function.
pub fn app_for(db: aws_sdk_dynamodb::Client, template: &Template, tokens: Result<TokenKeys, String>) -> App {
    let tables: HashMap<Table, String> = Table::ALL
        .iter()
        .filter_map(|t| {
            let logical = template
                .functions
                .iter()
                .flat_map(|f| f.environment.iter())
                .find(|(name, _)| name.as_str() == t.env_var())
                .map(|(_, value)| value.clone())?;
            Some((*t, logical))
        })
        .collect();
    App::new(db, tables, tokens)
}

fn key(name: &str, kind: KeyType) -> Result<KeySchemaElement> {
    Ok(KeySchemaElement::builder().attribute_name(name).key_type(kind).build()?)
}

fn key_schema(hash: &str, range: Option<&str>) -> Result<Vec<KeySchemaElement>> {
    let mut keys = vec![key(hash, KeyType::Hash)?];
    if let Some(range) = range {
        keys.push(key(range, KeyType::Range)?);
    }
    Ok(keys)
}

async fn create_table(db: &aws_sdk_dynamodb::Client, table: &TableDef) -> Result<()> {
    let mut request = db
        .create_table()
        .table_name(&table.name)
        .billing_mode(BillingMode::PayPerRequest)
        .set_key_schema(Some(key_schema(&table.hash, table.range.as_deref())?));
    for (name, kind) in &table.attributes {
        request = request.attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name(name)
                .attribute_type(ScalarAttributeType::from(kind.as_str()))
                .build()?,
        );
    }
    for index in &table.indexes {
        request = request.global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name(&index.name)
                .set_key_schema(Some(key_schema(&index.hash, index.range.as_deref())?))
                .projection(Projection::builder().projection_type(ProjectionType::All).build())
                .build()?,
        );
    }
    match request.send().await {
        Ok(_) => tracing::info!(table = %table.name, "created table"),
        Err(err) if err.as_service_error().is_some_and(|e| e.is_resource_in_use_exception()) => return Ok(()),
        Err(err) => return Err(err.into()),
    }
    if let Some(attribute) = &table.ttl_attribute {
        db.update_time_to_live()
            .table_name(&table.name)
            .time_to_live_specification(
                TimeToLiveSpecification::builder().attribute_name(attribute).enabled(true).build()?,
            )
            .send()
            .await?;
    }
    Ok(())
}

pub fn banners() -> Result<Vec<Banner>> {
    let banners: Vec<Banner> = serde_json::from_str(BANNERS_JSON).context("infra/data/banners.json")?;
    for banner in &banners {
        banner.validate().map_err(anyhow::Error::msg)?;
    }
    Ok(banners)
}

async fn load_banners(app: &App) -> Result<()> {
    for banner in banners()? {
        platform::store::banners::put(app, &banner).await.map_err(|e| anyhow::anyhow!("{e:?}"))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn shipped_banners_are_valid_and_cover_heroes_and_equipment() {
        let banners = super::banners().unwrap();
        let ids: Vec<&str> = banners.iter().map(|b| b.banner_id.as_str()).collect();
        assert_eq!(ids, ["heroes", "equipment"]);
        assert!(banners[0].items.iter().all(|i| i.item_type == platform::domain::gacha::ItemType::Hero));
        assert!(banners[1].items.iter().all(|i| i.item_type == platform::domain::gacha::ItemType::Item));
    }
}
