//! Local DynamoDB stream event source mappings, as Lambda runs them: for each function with a
//! `DynamoDB` event in template.yaml, read its table's stream shard by shard (a child shard only
//! after its parent), drop records its filter patterns refuse, invoke the function with batches
//! of stream records, and on a failure retry from the first failed record (`ReportBatchItemFailures`),
//! bisecting the batch if asked; a batch that exhausts `MaximumRetryAttempts` is described on the
//! on-failure queue (as Lambda's `DDBStreamBatchInfo`) and skipped, so it blocks nothing.

use crate::runtime::{Outcome, Runtime};
use crate::template::{StreamSource, Template};
use anyhow::{anyhow, Context, Result};
use aws_sdk_dynamodbstreams::types::{AttributeValue, Record, ShardIteratorType};
use axum::body::Bytes;
use base64::Engine;
use serde_json::{json, Map, Value};
use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;
use std::time::Duration;

/// How long an idle mapping waits before asking its shards again (Lambda polls about 4 times a
/// second; locally a shorter wait keeps chat delivery quick).
const IDLE_POLL: Duration = Duration::from_millis(40);
/// How often the shard list is read again when no shard has closed (new shards appear when one
/// closes; this only catches a stream that was replaced).
const RELIST_EVERY: Duration = Duration::from_secs(10);

struct Mapping {
    function: String,
    source: StreamSource,
    stream_arn: String,
    failure_queue_url: Option<String>,
    streams: aws_sdk_dynamodbstreams::Client,
    sqs: aws_sdk_sqs::Client,
    runtime: Arc<Runtime>,
}

pub async fn start(template: &Template, runtime: Arc<Runtime>) -> Result<()> {
    let config = platform::app::sdk_config().await;
    let db = aws_sdk_dynamodb::Client::new(&config);
    let streams = aws_sdk_dynamodbstreams::Client::new(&config);
    let sqs = aws_sdk_sqs::Client::new(&config);
    for function in &template.functions {
        for source in &function.stream_sources {
            let table = template.table_name(&source.table).ok_or_else(|| anyhow!("unknown table {}", source.table))?;
            let stream_arn = db
                .describe_table()
                .table_name(table)
                .send()
                .await?
                .table
                .and_then(|t| t.latest_stream_arn)
                .with_context(|| format!("table {table} has no stream (run infra deploy)"))?;
            let failure_queue_url = match &source.on_failure_queue {
                Some(id) => {
                    let name = &template.queue(id).ok_or_else(|| anyhow!("unknown queue {id}"))?.name;
                    Some(sqs.get_queue_url().queue_name(name).send().await?.queue_url.unwrap_or_default())
                }
                None => None,
            };
            let mapping = Mapping {
                function: function.binary.clone(),
                source: source.clone(),
                stream_arn,
                failure_queue_url,
                streams: streams.clone(),
                sqs: sqs.clone(),
                runtime: runtime.clone(),
            };
            tokio::spawn(async move { mapping.run().await });
        }
    }
    Ok(())
}

#[derive(Default)]
struct ShardState {
    iterator: Option<String>,
    /// The last record handed on (or skipped), to resume after an expired iterator.
    last_sequence: Option<String>,
    closed: bool,
}

impl Mapping {
    async fn run(self) {
        let mut shards: HashMap<String, ShardState> = HashMap::new();
        let mut order: Vec<(String, Option<String>)> = Vec::new();
        let mut first_listing = true;
        let mut listed_at: Option<std::time::Instant> = None;
        loop {
            let stale = listed_at.is_none_or(|at| at.elapsed() >= RELIST_EVERY);
            if stale {
                if let Err(err) = self.discover(&mut shards, &mut order, first_listing).await {
                    tracing::warn!(function = %self.function, error = %err, "stream listing failed");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
                first_listing = false;
                listed_at = Some(std::time::Instant::now());
            }
            let mut busy = false;
            for (shard_id, parent) in order.clone() {
                let parent_open = parent.as_ref().is_some_and(|p| shards.get(p).is_some_and(|s| !s.closed));
                if parent_open {
                    continue; // a child waits for its parent, so a key's records keep their order
                }
                let Some(state) = shards.get_mut(&shard_id) else { continue };
                if state.closed {
                    continue;
                }
                match self.read_shard(&shard_id, state).await {
                    Ok(read) => {
                        busy |= read;
                        if state.closed {
                            listed_at = None; // its child shard is there to be found now
                        }
                    }
                    Err(err) => {
                        tracing::warn!(function = %self.function, shard = %shard_id, error = %err, "stream read failed");
                        state.iterator = None;
                    }
                }
            }
            if !busy {
                tokio::time::sleep(IDLE_POLL).await;
            }
        }
    }

    /// Lists the stream's shards and opens an iterator on each new one.
    async fn discover(
        &self,
        shards: &mut HashMap<String, ShardState>,
        order: &mut Vec<(String, Option<String>)>,
        first_listing: bool,
    ) -> Result<()> {
        let mut start: Option<String> = None;
        loop {
            let out = self
                .streams
                .describe_stream()
                .stream_arn(&self.stream_arn)
                .set_exclusive_start_shard_id(start.clone())
                .send()
                .await?;
            let description = out.stream_description.context("no stream description")?;
            for shard in description.shards() {
                let Some(id) = shard.shard_id() else { continue };
                if shards.contains_key(id) {
                    continue;
                }
                // LATEST applies to the shards open when the mapping starts; later shards are
                // read from their beginning, as Lambda does.
                let latest = first_listing && self.source.starting_position == "LATEST";
                let kind = if latest { ShardIteratorType::Latest } else { ShardIteratorType::TrimHorizon };
                let iterator = self
                    .streams
                    .get_shard_iterator()
                    .stream_arn(&self.stream_arn)
                    .shard_id(id)
                    .shard_iterator_type(kind)
                    .send()
                    .await?
                    .shard_iterator;
                shards.insert(id.to_owned(), ShardState { iterator, ..ShardState::default() });
                order.push((id.to_owned(), shard.parent_shard_id().map(str::to_owned)));
            }
            match description.last_evaluated_shard_id {
                Some(next) => start = Some(next),
                None => return Ok(()),
            }
        }
    }

    /// Reads one page of a shard and hands its records on; says whether there were any.
    async fn read_shard(&self, shard_id: &str, state: &mut ShardState) -> Result<bool> {
        if state.iterator.is_none() {
            let request = self.streams.get_shard_iterator().stream_arn(&self.stream_arn).shard_id(shard_id);
            let request = match &state.last_sequence {
                Some(seq) => request.shard_iterator_type(ShardIteratorType::AfterSequenceNumber).sequence_number(seq),
                None => request.shard_iterator_type(ShardIteratorType::TrimHorizon),
            };
            state.iterator = request.send().await?.shard_iterator;
        }
        let Some(iterator) = state.iterator.clone() else {
            state.closed = true;
            return Ok(false);
        };
        let out = self.streams.get_records().shard_iterator(iterator).limit(1000).send().await?;
        state.iterator = out.next_shard_iterator;
        if state.iterator.is_none() {
            state.closed = true;
        }
        let records = out.records.unwrap_or_default();
        if let Some(last) = records.last().and_then(|r| r.dynamodb.as_ref()).and_then(|d| d.sequence_number.clone()) {
            state.last_sequence = Some(last);
        }
        if records.is_empty() {
            return Ok(false);
        }
        let events: VecDeque<Value> =
            records.iter().map(|r| self.lambda_record(r)).filter(|r| self.admits(r)).collect();
        self.deliver(shard_id, events).await;
        Ok(true)
    }

    fn admits(&self, record: &Value) -> bool {
        self.source.filters.is_empty() || self.source.filters.iter().any(|pattern| matches_pattern(pattern, record))
    }

    /// Invokes the function batch by batch until each record is done or given up on.
    async fn deliver(&self, shard_id: &str, mut pending: VecDeque<Value>) {
        while !pending.is_empty() {
            let take = pending.len().min(self.source.batch_size.max(1));
            let mut batch: Vec<Value> = pending.drain(..take).collect();
            let mut retries = 0;
            loop {
                let Some(failed_at) = self.invoke(&batch).await else { break };
                batch.drain(..failed_at);
                if self.source.bisect_on_error && batch.len() > 1 {
                    let second = batch.split_off(batch.len() / 2);
                    for record in second.into_iter().rev() {
                        pending.push_front(record);
                    }
                    continue;
                }
                retries += 1;
                if retries > self.source.max_retries {
                    self.give_up(shard_id, &batch, retries).await;
                    break;
                }
                tokio::time::sleep(Duration::from_millis((100u64 << retries.min(5)).min(2_000))).await;
            }
        }
    }

    /// Runs one invocation; `None` if every record succeeded, else the index of the first failure.
    async fn invoke(&self, batch: &[Value]) -> Option<usize> {
        let event = json!({ "Records": batch });
        match self.runtime.invoke(&self.function, Bytes::from(event.to_string())).await {
            Ok(Outcome::Response(bytes)) if self.source.report_batch_item_failures => {
                let response: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
                let failed: HashSet<&str> = response["batchItemFailures"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|f| f["itemIdentifier"].as_str())
                    .collect();
                batch.iter().position(|r| failed.contains(r["dynamodb"]["SequenceNumber"].as_str().unwrap_or_default()))
            }
            Ok(Outcome::Response(_)) => None,
            Ok(Outcome::Error(error)) => {
                tracing::warn!(function = %self.function, %error, "stream batch failed");
                Some(0)
            }
            Err(error) => {
                tracing::error!(function = %self.function, %error, "could not invoke");
                Some(0)
            }
        }
    }

    /// What Lambda sends an on-failure destination for a stream batch it gave up on.
    async fn give_up(&self, shard_id: &str, batch: &[Value], attempts: u64) {
        let sequence = |r: Option<&Value>| r.map(|r| r["dynamodb"]["SequenceNumber"].clone()).unwrap_or(Value::Null);
        let arrival =
            |r: Option<&Value>| r.map(|r| r["dynamodb"]["ApproximateCreationDateTime"].clone()).unwrap_or(Value::Null);
        let now =
            time::OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339).unwrap_or_default();
        let message = json!({
            "requestContext": {
                "requestId": uuid::Uuid::new_v4().to_string(),
                "functionArn": format!("arn:aws:lambda:us-east-1:{}:function:{}", crate::template::ACCOUNT, self.function),
                "condition": "RetryAttemptsExhausted",
                "approximateInvokeCount": attempts,
            },
            "responseContext": { "statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled" },
            "version": "1.0",
            "timestamp": now,
            "DDBStreamBatchInfo": {
                "shardId": shard_id,
                "startSequenceNumber": sequence(batch.first()),
                "endSequenceNumber": sequence(batch.last()),
                "approximateArrivalOfFirstRecord": arrival(batch.first()),
                "approximateArrivalOfLastRecord": arrival(batch.last()),
                "batchSize": batch.len(),
                "streamArn": self.stream_arn,
            },
        });
        tracing::error!(function = %self.function, %shard_id, size = batch.len(), "stream batch given up on");
        if let Some(url) = &self.failure_queue_url {
            if let Err(err) = self.sqs.send_message().queue_url(url).message_body(message.to_string()).send().await {
                tracing::error!(function = %self.function, error = ?err, "could not record the failed batch");
            }
        }
    }

    /// One stream record as Lambda's DynamoDB event carries it.
    fn lambda_record(&self, record: &Record) -> Value {
        let change = record.dynamodb.as_ref();
        let image = |m: Option<&HashMap<String, AttributeValue>>| m.map(item_json);
        let mut dynamodb = Map::new();
        if let Some(c) = change {
            if let Some(at) = c.approximate_creation_date_time {
                dynamodb.insert("ApproximateCreationDateTime".into(), json!(at.secs()));
            }
            for (name, value) in [
                ("Keys", image(c.keys.as_ref())),
                ("NewImage", image(c.new_image.as_ref())),
                ("OldImage", image(c.old_image.as_ref())),
            ] {
                if let Some(value) = value {
                    dynamodb.insert(name.into(), value);
                }
            }
            dynamodb.insert("SequenceNumber".into(), json!(c.sequence_number));
            dynamodb.insert("SizeBytes".into(), json!(c.size_bytes.unwrap_or_default()));
            dynamodb.insert("StreamViewType".into(), json!(c.stream_view_type.as_ref().map(|v| v.as_str())));
        }
        json!({
            "eventID": record.event_id,
            "eventName": record.event_name.as_ref().map(|n| n.as_str()),
            "eventVersion": record.event_version.as_deref().unwrap_or("1.1"),
            "eventSource": "aws:dynamodb",
            "awsRegion": record.aws_region.as_deref().unwrap_or("us-east-1"),
            "dynamodb": Value::Object(dynamodb),
            "eventSourceARN": self.stream_arn,
        })
    }
}

/// An item in DynamoDB's JSON form (`{"S": "..."}`), as stream events carry it.
fn item_json(item: &HashMap<String, AttributeValue>) -> Value {
    Value::Object(item.iter().map(|(k, v)| (k.clone(), attribute_json(v))).collect())
}

fn attribute_json(value: &AttributeValue) -> Value {
    let b64 =
        |b: &aws_sdk_dynamodbstreams::primitives::Blob| base64::engine::general_purpose::STANDARD.encode(b.as_ref());
    match value {
        AttributeValue::S(s) => json!({ "S": s }),
        AttributeValue::N(n) => json!({ "N": n }),
        AttributeValue::B(b) => json!({ "B": b64(b) }),
        AttributeValue::Bool(b) => json!({ "BOOL": b }),
        AttributeValue::Null(_) => json!({ "NULL": true }),
        AttributeValue::M(m) => json!({ "M": item_json(m) }),
        AttributeValue::L(l) => json!({ "L": l.iter().map(attribute_json).collect::<Vec<_>>() }),
        AttributeValue::Ss(v) => json!({ "SS": v }),
        AttributeValue::Ns(v) => json!({ "NS": v }),
        AttributeValue::Bs(v) => json!({ "BS": v.iter().map(b64).collect::<Vec<_>>() }),
        _ => Value::Null,
    }
}

/// Lambda's event filter patterns: every key of the pattern must match; a list admits any of its
/// values, an object recurses.
pub fn matches_pattern(pattern: &Value, record: &Value) -> bool {
    match pattern {
        Value::Object(fields) => fields.iter().all(|(k, p)| matches_pattern(p, &record[k])),
        Value::Array(allowed) => allowed.iter().any(|a| a == record),
        other => other == record,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_patterns_admit_listed_values_only() {
        let pattern = json!({ "eventName": ["INSERT"] });
        assert!(matches_pattern(&pattern, &json!({ "eventName": "INSERT", "x": 1 })));
        assert!(!matches_pattern(&pattern, &json!({ "eventName": "REMOVE" })));
        let nested = json!({ "dynamodb": { "NewImage": { "kind": { "S": ["a", "b"] } } } });
        assert!(matches_pattern(&nested, &json!({ "dynamodb": { "NewImage": { "kind": { "S": "b" } } } })));
        assert!(!matches_pattern(&nested, &json!({ "dynamodb": {} })));
    }
}
