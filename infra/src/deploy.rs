//! Creates every table template.yaml declares on whatever endpoint the SDK is pointed at, then
//! loads the banners. Safe to run again: existing resources are kept.

use crate::template::{Table as TableDef, Template};
use anyhow::{Context, Result};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection, ProjectionType,
    ScalarAttributeType, TimeToLiveSpecification,
};
use platform::domain::gacha::Banner;
use platform::tokens::Tokens;
use platform::{App, Table};
use std::collections::HashMap;

pub const BANNERS_JSON: &str = include_str!("../data/banners.json");

/// Creates every table, queue, bucket, bus and rule of the template, then loads banners and the catalog.
pub async fn deploy(template: &Template) -> Result<()> {
    let config = platform::app::sdk_config().await;
    let db = aws_sdk_dynamodb::Client::new(&config);
    for table in &template.tables {
        create_table(&db, table).await.with_context(|| format!("creating table {}", table.name))?;
    }
    create_queues(&aws_sdk_sqs::Client::new(&config), template).await.context("creating queues")?;
    create_buses_and_rules(&aws_sdk_eventbridge::Client::new(&config), template)
        .await
        .context("creating the event bus")?;
    let s3 = aws_sdk_s3::Client::from_conf(aws_sdk_s3::config::Builder::from(&config).force_path_style(true).build());
    for (_, bucket) in &template.buckets {
        match s3.create_bucket().bucket(bucket).send().await {
            Ok(_) => {}
            Err(err) if err.as_service_error().is_some_and(|e| e.is_bucket_already_owned_by_you()) => {}
            Err(err) => return Err(err).with_context(|| format!("creating bucket {bucket}")),
        }
    }
    let ses = aws_sdk_ses::Client::new(&config);
    for identity in &template.email_identities {
        // On AWS, verification sends a confirmation mail; LocalStack verifies at once.
        ses.verify_email_identity().email_address(identity).send().await.context("verifying the sender")?;
    }
    create_kms_keys(&aws_sdk_kms::Client::new(&config), template).await.context("creating the KMS keys")?;
    let app = app_for(db, template, Err("loaders issue no tokens".into())).await;
    load_banners(&app).await?;
    let table = |t: Table| app.table(t).map(str::to_owned).map_err(|e| anyhow::anyhow!("{e:?}"));
    crate::catalog::load(&app.db, &table(Table::CATALOG)?, &table(Table::CATALOG_INDEX)?).await?;
    Ok(())
}

/// Each aliased key of the template, made once: an alias that already resolves keeps its key, so
/// tokens signed before a redeploy stay valid.
async fn create_kms_keys(kms: &aws_sdk_kms::Client, template: &Template) -> Result<()> {
    use aws_sdk_kms::types::{KeySpec, KeyUsageType};
    for key in &template.kms_keys {
        match kms.describe_key().key_id(&key.alias).send().await {
            Ok(_) => continue,
            Err(err) if err.as_service_error().is_some_and(|e| e.is_not_found_exception()) => {}
            Err(err) => return Err(err.into()),
        }
        let created = kms
            .create_key()
            .key_spec(KeySpec::from(key.key_spec.as_str()))
            .key_usage(KeyUsageType::from(key.key_usage.as_str()))
            .description(format!("{} (local stack)", key.logical_id))
            .send()
            .await?;
        let key_id = created.key_metadata.map(|m| m.key_id).context("CreateKey returned no key")?;
        kms.create_alias().alias_name(&key.alias).target_key_id(key_id).send().await?;
        tracing::info!(alias = %key.alias, "created KMS key");
    }
    Ok(())
}

fn queue_arn(name: &str) -> String {
    let region = std::env::var("AWS_REGION").unwrap_or_else(|_| "us-east-1".into());
    format!("arn:aws:sqs:{region}:{}:{name}", crate::template::ACCOUNT)
}

/// Queues, dead-letter queues first; then each queue's redrive policy.
async fn create_queues(sqs: &aws_sdk_sqs::Client, template: &Template) -> Result<()> {
    use aws_sdk_sqs::types::QueueAttributeName as A;
    let mut urls = HashMap::new();
    for queue in &template.queues {
        let mut attributes = HashMap::new();
        if queue.fifo {
            attributes.insert(A::FifoQueue, "true".to_owned());
        }
        if let Some(v) = queue.visibility_timeout {
            attributes.insert(A::VisibilityTimeout, v.to_string());
        }
        if let Some(v) = queue.retention_secs {
            attributes.insert(A::MessageRetentionPeriod, v.to_string());
        }
        let out = sqs.create_queue().queue_name(&queue.name).set_attributes(Some(attributes)).send().await?;
        urls.insert(queue.logical_id.clone(), out.queue_url.unwrap_or_default());
    }
    for queue in &template.queues {
        if let Some((dlq, max_receives)) = &queue.dead_letter {
            let dlq = template.queue(dlq).ok_or_else(|| anyhow::anyhow!("unknown dead-letter queue {dlq}"))?;
            let policy =
                serde_json::json!({ "deadLetterTargetArn": queue_arn(&dlq.name), "maxReceiveCount": max_receives });
            sqs.set_queue_attributes()
                .queue_url(&urls[&queue.logical_id])
                .attributes(A::RedrivePolicy, policy.to_string())
                .send()
                .await?;
        }
    }
    Ok(())
}

async fn create_buses_and_rules(events: &aws_sdk_eventbridge::Client, template: &Template) -> Result<()> {
    for (_, name) in &template.buses {
        match events.create_event_bus().name(name).send().await {
            Ok(_) => {}
            Err(err) if err.as_service_error().is_some_and(|e| e.is_resource_already_exists_exception()) => {}
            Err(err) => return Err(err.into()),
        }
    }
    for rule in &template.rules {
        events
            .put_rule()
            .name(&rule.logical_id)
            .event_bus_name(&rule.bus)
            .event_pattern(rule.pattern.to_string())
            .send()
            .await?;
        for (id, queue) in &rule.queue_targets {
            let queue = template.queue(queue).ok_or_else(|| anyhow::anyhow!("unknown target queue {queue}"))?;
            let target = aws_sdk_eventbridge::types::Target::builder().id(id).arn(queue_arn(&queue.name)).build()?;
            events.put_targets().rule(&rule.logical_id).event_bus_name(&rule.bus).targets(target).send().await?;
        }
    }
    Ok(())
}

/// An `App` whose table names come from the template, for code that runs outside a function.
pub async fn app_for(db: aws_sdk_dynamodb::Client, template: &Template, tokens: Result<Tokens, String>) -> App {
    // Whatever any function is given, by the same variable names the functions read.
    let env: HashMap<&str, &String> =
        template.functions.iter().flat_map(|f| f.environment.iter()).map(|(k, v)| (k.as_str(), v)).collect();
    let tables: HashMap<String, String> =
        env.iter().filter(|(k, _)| Table::is_table_var(k)).map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let settings =
        platform::app::SETTINGS.into_iter().filter_map(|name| Some((name, env.get(name)?.to_string()))).collect();
    App::new(db, tables, settings, tokens).await
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
    for index in &table.local_indexes {
        request = request.local_secondary_indexes(
            aws_sdk_dynamodb::types::LocalSecondaryIndex::builder()
                .index_name(&index.name)
                .set_key_schema(Some(key_schema(&index.hash, index.range.as_deref())?))
                .projection(Projection::builder().projection_type(ProjectionType::All).build())
                .build()?,
        );
    }
    if let Some(view) = &table.stream_view_type {
        request = request.stream_specification(
            aws_sdk_dynamodb::types::StreamSpecification::builder()
                .stream_enabled(true)
                .stream_view_type(aws_sdk_dynamodb::types::StreamViewType::from(view.as_str()))
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
        assert_eq!(ids, ["heroes", "frost-queen", "equipment"]);
        assert_eq!(banners[1].kind, platform::domain::gacha::BannerKind::Limited);
        assert!(banners[0].items.iter().all(|i| i.item_type == platform::domain::gacha::ItemType::Hero));
        assert!(banners[2].items.iter().all(|i| i.item_type == platform::domain::gacha::ItemType::Item));
    }
}
