//! Reads template.yaml: the functions with their routes, schedules and resolved environment, and
//! the tables. Everything local is derived from this, so there is no second list to keep in step.

use anyhow::{anyhow, bail, Context, Result};
use serde_yaml::Value;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub method: String,
    pub path: String,
}

#[derive(Debug, Clone)]
pub struct Function {
    pub logical_id: String,
    /// The cargo binary (Metadata.BuildProperties.Binary), also the local function name.
    pub binary: String,
    pub code_uri: String,
    pub environment: BTreeMap<String, String>,
    pub routes: Vec<Route>,
    /// `rate(...)` expressions of Schedule events.
    pub schedules: Vec<String>,
    /// SQS event source mappings.
    pub queue_sources: Vec<QueueSource>,
    /// DynamoDB stream event source mappings.
    pub stream_sources: Vec<StreamSource>,
    /// SAM policy templates: (template name, logical id of the resource it grants).
    pub policies: Vec<Policy>,
    pub timeout_secs: u64,
    pub memory_mb: u64,
}

#[derive(Debug, Clone)]
pub struct QueueSource {
    /// Logical id of the queue.
    pub queue: String,
    pub batch_size: i32,
    pub report_batch_item_failures: bool,
}

#[derive(Debug, Clone)]
pub struct StreamSource {
    /// Logical id of the table whose stream is read.
    pub table: String,
    pub batch_size: usize,
    /// `TRIM_HORIZON` or `LATEST`.
    pub starting_position: String,
    /// Lambda event filter patterns (JSON), any of which admits a record.
    pub filters: Vec<serde_json::Value>,
    pub report_batch_item_failures: bool,
    pub bisect_on_error: bool,
    pub max_retries: u64,
    /// Logical id of the queue that gets the batches given up on.
    pub on_failure_queue: Option<String>,
}

/// One entry of a function's `Policies`: a SAM policy template and the logical id of the resource
/// it grants, or (`template` = "ManagedPolicy") a `Ref` to a managed policy of the template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    pub template: String,
    pub resource: String,
}

/// An `AWS::IAM::ManagedPolicy` of the template: which actions it allows on which resources.
#[derive(Debug, Clone)]
pub struct ManagedPolicy {
    pub logical_id: String,
    /// (action, logical id of the resource) for every Allow statement naming template resources.
    pub grants: Vec<(String, String)>,
}

/// A KMS key reached through an alias (`AWS::KMS::Alias` on an `AWS::KMS::Key`).
#[derive(Debug, Clone)]
pub struct KmsKey {
    /// Logical id of the key.
    pub logical_id: String,
    /// `alias/...`, as functions are given it.
    pub alias: String,
    /// `ECC_NIST_P256`...
    pub key_spec: String,
    /// `SIGN_VERIFY`...
    pub key_usage: String,
}

#[derive(Debug, Clone)]
pub struct Queue {
    pub logical_id: String,
    pub name: String,
    pub fifo: bool,
    pub visibility_timeout: Option<u64>,
    pub retention_secs: Option<u64>,
    /// (dead-letter queue logical id, maxReceiveCount)
    pub dead_letter: Option<(String, u64)>,
}

#[derive(Debug, Clone)]
pub struct Rule {
    pub logical_id: String,
    pub bus: String,
    pub pattern: serde_json::Value,
    /// (target id, logical id of the target queue)
    pub queue_targets: Vec<(String, String)>,
}

#[derive(Debug, Clone)]
pub struct Index {
    pub name: String,
    pub hash: String,
    pub range: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Table {
    pub logical_id: String,
    pub name: String,
    /// Attribute name -> DynamoDB type (S, N, B).
    pub attributes: Vec<(String, String)>,
    pub hash: String,
    pub range: Option<String>,
    pub indexes: Vec<Index>,
    pub local_indexes: Vec<Index>,
    pub ttl_attribute: Option<String>,
    /// `NEW_IMAGE` etc. when the table has a stream.
    pub stream_view_type: Option<String>,
}

/// A route of the WebSocket API (`AWS::ApiGatewayV2::Route` on an `AWS_PROXY` integration).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SocketRoute {
    /// `$connect`, `$disconnect`, `$default`, or an action name.
    pub route_key: String,
    /// The binary of the function its integration invokes.
    pub function: String,
}

#[derive(Debug, Clone)]
pub struct Template {
    pub functions: Vec<Function>,
    pub tables: Vec<Table>,
    pub queues: Vec<Queue>,
    /// Event buses by logical id -> name.
    pub buses: Vec<(String, String)>,
    pub rules: Vec<Rule>,
    /// SES sender identities (`AWS::SES::EmailIdentity`) that mail is sent from.
    pub email_identities: Vec<String>,
    /// S3 buckets by logical id -> local name.
    pub buckets: Vec<(String, String)>,
    pub kms_keys: Vec<KmsKey>,
    pub managed_policies: Vec<ManagedPolicy>,
    /// The WebSocket API's routes (its route selection is `$request.body.action`).
    pub socket_routes: Vec<SocketRoute>,
}

/// How references resolve outside CloudFormation: parameters from overrides or their defaults,
/// resources to their local physical name (the logical id).
struct Resolver<'a> {
    parameters: HashMap<String, String>,
    resources: &'a serde_yaml::Mapping,
}

impl Resolver<'_> {
    fn resolve(&self, value: &Value) -> Result<String> {
        match value {
            Value::String(s) => Ok(s.clone()),
            Value::Number(n) => Ok(n.to_string()),
            Value::Bool(b) => Ok(b.to_string()),
            Value::Mapping(m) if m.len() == 1 => {
                let (key, arg) = m.iter().next().expect("one entry");
                match key.as_str() {
                    Some("Ref") => self.reference(arg.as_str().ok_or_else(|| anyhow!("Ref takes a name"))?),
                    Some("Fn::GetAtt") => {
                        let parts: Vec<&str> = match arg {
                            Value::Sequence(s) => s.iter().filter_map(Value::as_str).collect(),
                            Value::String(s) => s.split('.').collect(),
                            _ => bail!("Fn::GetAtt takes [resource, attribute]"),
                        };
                        self.attribute(parts.first().copied().unwrap_or(""), parts.get(1).copied().unwrap_or(""))
                    }
                    Some("Fn::Sub") => {
                        let mut text = arg
                            .as_str()
                            .ok_or_else(|| anyhow!("only the string form of Fn::Sub is supported"))?
                            .to_owned();
                        while let Some(start) = text.find("${") {
                            let end =
                                text[start..].find('}').ok_or_else(|| anyhow!("unclosed ${{ in Fn::Sub"))? + start;
                            let name = &text[start + 2..end];
                            let replacement = match name.split_once('.') {
                                Some((res, attr)) => self.attribute(res, attr)?,
                                None => self.reference(name)?,
                            };
                            text.replace_range(start..=end, &replacement);
                        }
                        Ok(text)
                    }
                    other => bail!("unsupported intrinsic {other:?}"),
                }
            }
            other => bail!("cannot resolve {other:?}"),
        }
    }

    fn reference(&self, name: &str) -> Result<String> {
        if let Some(value) = self.parameters.get(name) {
            return Ok(value.clone());
        }
        match name {
            "AWS::Region" => return Ok(std::env::var("AWS_REGION").unwrap_or_else(|_| "us-east-1".into())),
            "AWS::AccountId" => return Ok(ACCOUNT.into()),
            "AWS::StackName" => return Ok("game-platform".into()),
            _ => {}
        }
        if let Some(resource) = self.resources.get(name) {
            let name = local_name(name, self.resources);
            if resource.get("Type").and_then(Value::as_str) == Some("AWS::SQS::Queue") {
                return Ok(format!("{}/{ACCOUNT}/{name}", sqs_endpoint(&self.reference("AWS::Region")?)));
            }
            return Ok(name);
        }
        bail!("Ref to unknown name `{name}` (a parameter without a default needs a --param override)")
    }

    fn attribute(&self, resource: &str, attribute: &str) -> Result<String> {
        let kind = self.resources.get(resource).and_then(|r| r.get("Type")).and_then(Value::as_str).unwrap_or_default();
        let name = local_name(resource, self.resources);
        let region = self.reference("AWS::Region")?;
        Ok(match (kind, attribute) {
            ("AWS::SQS::Queue", "Arn") => format!("arn:aws:sqs:{region}:{ACCOUNT}:{name}"),
            ("AWS::SQS::Queue", "QueueName") => name,
            ("AWS::DynamoDB::Table", "Arn") => {
                format!("arn:aws:dynamodb:{region}:{ACCOUNT}:table/{name}")
            }
            // Locally the real stream ARN is looked up from the table when it is read.
            ("AWS::DynamoDB::Table", "StreamArn") => {
                format!("arn:aws:dynamodb:{region}:{ACCOUNT}:table/{name}/stream/latest")
            }
            ("AWS::Events::EventBus", "Arn") => {
                format!("arn:aws:events:{region}:{ACCOUNT}:event-bus/{name}")
            }
            ("AWS::Events::EventBus", "Name") => name,
            ("AWS::Events::Rule", "Arn") => format!("arn:aws:events:{region}:{ACCOUNT}:rule/{name}"),
            _ => bail!("unsupported attribute {resource}.{attribute}"),
        })
    }
}

/// The account id resources are named under locally (LocalStack uses the same for the access key `local`).
pub const ACCOUNT: &str = "000000000000";

/// Where SQS is, for queue URLs: the SDK's own endpoint variables, else AWS.
fn sqs_endpoint(region: &str) -> String {
    std::env::var("AWS_ENDPOINT_URL_SQS")
        .or_else(|_| std::env::var("AWS_ENDPOINT_URL"))
        .map(|u| u.trim_end_matches('/').to_owned())
        .unwrap_or_else(|_| format!("https://sqs.{region}.amazonaws.com"))
}

/// The logical id an ARN built by `Fn::GetAtt [X, Arn]` points at (its last name segment).
fn logical_id_of_arn(arn: &str, resources: &serde_yaml::Mapping) -> Option<String> {
    let name = arn.rsplit([':', '/']).next()?;
    resources.keys().filter_map(Value::as_str).find(|id| local_name(id, resources) == name).map(str::to_owned)
}

/// A resource's physical name locally: its explicit name property, else its logical id.
fn local_name(logical_id: &str, resources: &serde_yaml::Mapping) -> String {
    let resource = resources.get(logical_id);
    let props = resource.and_then(|r| r.get("Properties"));
    // Bucket names are lowercase (CloudFormation makes one up on AWS).
    if resource.and_then(|r| r.get("Type")).and_then(Value::as_str) == Some("AWS::S3::Bucket") {
        return logical_id.to_ascii_lowercase();
    }
    for key in ["TableName", "QueueName", "Name"] {
        if let Some(name) = props.and_then(|p| p.get(key)).and_then(Value::as_str) {
            return name.to_owned();
        }
    }
    let fifo = props.and_then(|p| p.get("FifoQueue")).and_then(Value::as_bool).unwrap_or(false);
    if fifo {
        format!("{logical_id}.fifo")
    } else {
        logical_id.to_owned()
    }
}

impl Template {
    pub fn load(path: &Path, overrides: &HashMap<String, String>) -> Result<Template> {
        let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        Self::parse(&text, overrides)
    }

    pub fn parse(text: &str, overrides: &HashMap<String, String>) -> Result<Template> {
        let doc: Value = serde_yaml::from_str(text).context("template.yaml is not valid YAML")?;
        let resources =
            doc.get("Resources").and_then(Value::as_mapping).ok_or_else(|| anyhow!("template has no Resources"))?;
        let mut parameters = HashMap::new();
        if let Some(params) = doc.get("Parameters").and_then(Value::as_mapping) {
            for (name, spec) in params {
                let name = name.as_str().unwrap_or_default().to_owned();
                if let Some(value) = overrides.get(&name) {
                    parameters.insert(name, value.clone());
                } else if let Some(default) = spec.get("Default") {
                    parameters.insert(name, Resolver { parameters: HashMap::new(), resources }.resolve(default)?);
                }
            }
        }
        let resolver = Resolver { parameters, resources };
        let globals = doc.get("Globals").and_then(|g| g.get("Function"));

        let mut template = Template {
            functions: vec![],
            tables: vec![],
            queues: vec![],
            buses: vec![],
            rules: vec![],
            email_identities: vec![],
            buckets: vec![],
            kms_keys: vec![],
            managed_policies: vec![],
            socket_routes: vec![],
        };
        for (id, resource) in resources {
            let id = id.as_str().unwrap_or_default();
            let props = resource.get("Properties").cloned().unwrap_or(Value::Null);
            match resource.get("Type").and_then(Value::as_str) {
                Some("AWS::Serverless::Function") => {
                    template.functions.push(parse_function(id, resource, &props, globals, &resolver)?)
                }
                Some("AWS::DynamoDB::Table") => template.tables.push(parse_table(id, &props, resources)?),
                Some("AWS::SQS::Queue") => template.queues.push(parse_queue(id, &props, &resolver)?),
                Some("AWS::Events::EventBus") => template.buses.push((id.to_owned(), local_name(id, resources))),
                Some("AWS::S3::Bucket") => template.buckets.push((id.to_owned(), local_name(id, resources))),
                Some("AWS::Events::Rule") => template.rules.push(parse_rule(id, &props, &resolver)?),
                Some("AWS::SES::EmailIdentity") => {
                    let identity = props.get("EmailIdentity").context("an EmailIdentity needs its EmailIdentity")?;
                    template.email_identities.push(resolver.resolve(identity)?);
                }
                Some("AWS::KMS::Alias") => template.kms_keys.push(parse_kms_alias(id, &props, &resolver)?),
                Some("AWS::IAM::ManagedPolicy") => {
                    template.managed_policies.push(parse_managed_policy(id, &props, &resolver)?)
                }
                Some("AWS::ApiGatewayV2::Route") => {
                    template.socket_routes.push(parse_socket_route(id, &props, resources)?)
                }
                Some("AWS::ApiGatewayV2::Api") => {
                    let selection = props.get("RouteSelectionExpression").and_then(Value::as_str);
                    if selection != Some(ROUTE_SELECTION) {
                        bail!("{id}: the local WebSocket API supports RouteSelectionExpression {ROUTE_SELECTION} only");
                    }
                }
                _ => {}
            }
        }
        for route in &mut template.socket_routes {
            let function = template.functions.iter().find(|f| f.logical_id == route.function);
            route.function =
                function.with_context(|| format!("route {} targets no function", route.route_key))?.binary.clone();
        }
        Ok(template)
    }

    pub fn function(&self, name: &str) -> Option<&Function> {
        self.functions.iter().find(|f| f.binary == name || f.logical_id == name)
    }

    pub fn queue(&self, logical_id: &str) -> Option<&Queue> {
        self.queues.iter().find(|q| q.logical_id == logical_id)
    }

    /// Whether `function` holds a managed policy allowing `action` on the KMS key behind `alias`.
    pub fn grants_kms(&self, function: &Function, action: &str, alias: &str) -> bool {
        let Some(key) = self.kms_keys.iter().find(|k| k.alias == alias) else { return false };
        function.policies.iter().filter(|p| p.template == MANAGED_POLICY).any(|p| {
            self.managed_policies
                .iter()
                .filter(|m| m.logical_id == p.resource)
                .flat_map(|m| &m.grants)
                .any(|(a, resource)| a == action && resource == &key.logical_id)
        })
    }

    pub fn table_name(&self, logical_id: &str) -> Option<&str> {
        self.tables.iter().find(|t| t.logical_id == logical_id).map(|t| t.name.as_str())
    }
}

fn parse_function(
    id: &str,
    resource: &Value,
    props: &Value,
    globals: Option<&Value>,
    resolver: &Resolver,
) -> Result<Function> {
    let code_uri =
        props.get("CodeUri").and_then(Value::as_str).ok_or_else(|| anyhow!("{id} has no CodeUri"))?.to_owned();
    let binary = resource
        .get("Metadata")
        .and_then(|m| m.get("BuildProperties"))
        .and_then(|b| b.get("Binary"))
        .and_then(Value::as_str)
        .map(str::to_owned)
        .unwrap_or_else(|| code_uri.rsplit('/').next().unwrap_or(id).to_owned());
    let mut environment = BTreeMap::new();
    for source in [globals, Some(props)].into_iter().flatten() {
        if let Some(vars) = source.get("Environment").and_then(|e| e.get("Variables")).and_then(Value::as_mapping) {
            for (name, value) in vars {
                let name = name.as_str().unwrap_or_default();
                environment.insert(name.to_owned(), resolver.resolve(value).with_context(|| format!("{id}: {name}"))?);
            }
        }
    }
    let setting = |key: &str, default: u64| {
        props.get(key).or_else(|| globals.and_then(|g| g.get(key))).and_then(Value::as_u64).unwrap_or(default)
    };
    let mut routes = Vec::new();
    let mut schedules = Vec::new();
    let mut queue_sources = Vec::new();
    let mut stream_sources = Vec::new();
    let policies = parse_policies(props, resolver)?;
    if let Some(events) = props.get("Events").and_then(Value::as_mapping) {
        for event in events.values() {
            let event_props = event.get("Properties");
            match event.get("Type").and_then(Value::as_str) {
                Some("HttpApi") => {
                    let field = |k: &str| event_props.and_then(|p| p.get(k)).and_then(Value::as_str).map(str::to_owned);
                    let (Some(method), Some(path)) = (field("Method"), field("Path")) else {
                        bail!("{id}: HttpApi events need Method and Path");
                    };
                    routes.push(Route { method: method.to_ascii_uppercase(), path });
                }
                Some("SQS") => {
                    let arn = resolver.resolve(event_props.and_then(|p| p.get("Queue")).unwrap_or(&Value::Null))?;
                    let queue = logical_id_of_arn(&arn, resolver.resources)
                        .ok_or_else(|| anyhow!("{id}: SQS event names an unknown queue {arn}"))?;
                    let batch_size =
                        event_props.and_then(|p| p.get("BatchSize")).and_then(Value::as_i64).unwrap_or(10) as i32;
                    let report = event_props
                        .and_then(|p| p.get("FunctionResponseTypes"))
                        .and_then(Value::as_sequence)
                        .is_some_and(|s| s.iter().any(|v| v.as_str() == Some("ReportBatchItemFailures")));
                    queue_sources.push(QueueSource { queue, batch_size, report_batch_item_failures: report });
                }
                Some("DynamoDB") => stream_sources.push(parse_stream_source(id, event_props, resolver)?),
                Some("Schedule") => {
                    if let Some(expr) = event_props.and_then(|p| p.get("Schedule")).and_then(Value::as_str) {
                        schedules.push(expr.to_owned());
                    }
                }
                _ => {}
            }
        }
    }
    Ok(Function {
        logical_id: id.into(),
        binary,
        code_uri,
        environment,
        routes,
        schedules,
        queue_sources,
        stream_sources,
        policies,
        timeout_secs: setting("Timeout", 3),
        memory_mb: setting("MemorySize", 128),
    })
}

/// The logical id an intrinsic names (`Ref: X`, `Fn::GetAtt: [X, Attr]`), else the resource its
/// resolved value names.
fn referenced_resource(value: &Value, resolver: &Resolver) -> Result<String> {
    if let Some(name) = value.get("Ref").and_then(Value::as_str) {
        return Ok(name.to_owned());
    }
    if let Some(args) = value.get("Fn::GetAtt") {
        let first = match args {
            Value::Sequence(s) => s.first().and_then(Value::as_str).map(str::to_owned),
            Value::String(s) => s.split('.').next().map(str::to_owned),
            _ => None,
        };
        return first.ok_or_else(|| anyhow!("Fn::GetAtt takes [resource, attribute]"));
    }
    // An ARN built with Fn::Sub (`...:${WebSocketApi}/${WebSocketStage}/POST/@connections/*`)
    // grants on the first resource it names.
    let named = sub_names(value).into_iter().map(|n| n.split('.').next().unwrap_or_default().to_owned());
    if let Some(resource) = named.into_iter().find(|n| resolver.resources.contains_key(n.as_str())) {
        return Ok(resource);
    }
    let resolved = resolver.resolve(value)?;
    logical_id_of_arn(&resolved, resolver.resources).ok_or_else(|| anyhow!("cannot tell which resource {resolved} is"))
}

/// How the WebSocket API picks a message's route: the `action` field of its JSON body.
pub const ROUTE_SELECTION: &str = "$request.body.action";

/// The names `${...}` of an `Fn::Sub` string.
fn sub_names(value: &Value) -> Vec<String> {
    let Some(text) = value.get("Fn::Sub").and_then(Value::as_str) else { return vec![] };
    text.split("${").skip(1).filter_map(|rest| rest.split_once('}')).map(|(name, _)| name.to_owned()).collect()
}

/// A route: its key and (as a logical id, resolved to a binary by the caller) the function its
/// integration's `IntegrationUri` (`...functions/${XFunction.Arn}/invocations`) invokes.
fn parse_socket_route(id: &str, props: &Value, resources: &serde_yaml::Mapping) -> Result<SocketRoute> {
    let route_key = props.get("RouteKey").and_then(Value::as_str).with_context(|| format!("{id} has no RouteKey"))?;
    let target = props.get("Target").with_context(|| format!("{id} has no Target"))?;
    let integration = sub_names(target)
        .into_iter()
        .find(|name| resources.contains_key(name.as_str()))
        .with_context(|| format!("{id}: Target is integrations/${{Integration}}"))?;
    let uri = resources
        .get(integration.as_str())
        .and_then(|r| r.get("Properties"))
        .and_then(|p| p.get("IntegrationUri"))
        .with_context(|| format!("{integration} has no IntegrationUri"))?;
    let function = sub_names(uri)
        .into_iter()
        .find_map(|name| name.strip_suffix(".Arn").map(str::to_owned))
        .with_context(|| format!("{integration}: IntegrationUri names no ${{Function.Arn}}"))?;
    Ok(SocketRoute { route_key: route_key.to_owned(), function })
}

/// `Policy::template` of a `Ref` to one of the template's managed policies.
pub const MANAGED_POLICY: &str = "ManagedPolicy";

fn parse_policies(props: &Value, resolver: &Resolver) -> Result<Vec<Policy>> {
    let mut policies = Vec::new();
    for policy in props.get("Policies").and_then(Value::as_sequence).into_iter().flatten() {
        let Some(mapping) = policy.as_mapping() else { continue };
        if let Some(name) = policy.get("Ref").and_then(Value::as_str) {
            policies.push(Policy { template: MANAGED_POLICY.into(), resource: name.to_owned() });
            continue;
        }
        // An inline statement grants its actions on its resources, named by the service the
        // action belongs to (`sqs:GetQueueAttributes` on a queue is an `SQS...` grant).
        if let Some(statements) = policy.get("Statement").and_then(Value::as_sequence) {
            for (action, resource) in statement_grants(statements, resolver) {
                let service = match action.split(':').next().unwrap_or_default() {
                    "sqs" => "SQS",
                    "events" => "EventBridge",
                    "dynamodb" => "DynamoDB",
                    other => other,
                };
                policies.push(Policy { template: format!("{service}Statement({action})"), resource });
            }
            continue;
        }
        for (name, args) in mapping {
            let resource = ["TableName", "QueueName", "EventBusName", "StreamName", "BucketName"]
                .iter()
                .find_map(|k| args.get(*k))
                .map(|v| referenced_resource(v, resolver))
                .transpose()?
                .unwrap_or_default();
            policies.push(Policy { template: name.as_str().unwrap_or_default().to_owned(), resource });
        }
    }
    Ok(policies)
}

fn parse_kms_alias(id: &str, props: &Value, resolver: &Resolver) -> Result<KmsKey> {
    let alias = resolver.resolve(props.get("AliasName").ok_or_else(|| anyhow!("{id} has no AliasName"))?)?;
    let key =
        referenced_resource(props.get("TargetKeyId").ok_or_else(|| anyhow!("{id} has no TargetKeyId"))?, resolver)?;
    let key_props = resolver.resources.get(key.as_str()).and_then(|r| r.get("Properties"));
    let setting = |name: &str, default: &str| {
        key_props.and_then(|p| p.get(name)).and_then(Value::as_str).unwrap_or(default).to_owned()
    };
    Ok(KmsKey {
        alias,
        key_spec: setting("KeySpec", "SYMMETRIC_DEFAULT"),
        key_usage: setting("KeyUsage", "ENCRYPT_DECRYPT"),
        logical_id: key,
    })
}

/// What IAM statements allow: (action, logical id of the resource) for each allowed pair whose
/// resource is one of the template's.
fn statement_grants(statements: &[Value], resolver: &Resolver) -> Vec<(String, String)> {
    let list = |v: Option<&Value>| match v {
        Some(Value::Sequence(items)) => items.clone(),
        Some(one) => vec![one.clone()],
        None => vec![],
    };
    let mut grants = Vec::new();
    for statement in statements.iter().filter(|s| s.get("Effect").and_then(Value::as_str) == Some("Allow")) {
        for resource in list(statement.get("Resource")) {
            let Ok(resource) = referenced_resource(&resource, resolver) else { continue };
            for action in list(statement.get("Action")) {
                grants.push((action.as_str().unwrap_or_default().to_owned(), resource.clone()));
            }
        }
    }
    grants
}

fn parse_managed_policy(id: &str, props: &Value, resolver: &Resolver) -> Result<ManagedPolicy> {
    let statements = props.get("PolicyDocument").and_then(|d| d.get("Statement")).and_then(Value::as_sequence);
    let grants = statement_grants(statements.map_or(&[][..], Vec::as_slice), resolver);
    if grants.is_empty() {
        bail!("{id}: a managed policy must allow actions on resources of the template");
    }
    Ok(ManagedPolicy { logical_id: id.to_owned(), grants })
}

fn parse_stream_source(id: &str, props: Option<&Value>, resolver: &Resolver) -> Result<StreamSource> {
    let prop = |k: &str| props.and_then(|p| p.get(k));
    let table =
        referenced_resource(prop("Stream").ok_or_else(|| anyhow!("{id}: DynamoDB event without Stream"))?, resolver)?;
    let filters = prop("FilterCriteria")
        .and_then(|f| f.get("Filters"))
        .and_then(Value::as_sequence)
        .into_iter()
        .flatten()
        .filter_map(|f| f.get("Pattern").and_then(Value::as_str))
        .map(|p| serde_json::from_str(p).with_context(|| format!("{id}: filter pattern {p}")))
        .collect::<Result<Vec<_>>>()?;
    let on_failure_queue = prop("DestinationConfig")
        .and_then(|d| d.get("OnFailure"))
        .and_then(|o| o.get("Destination"))
        .map(|d| referenced_resource(d, resolver))
        .transpose()?;
    Ok(StreamSource {
        table,
        batch_size: prop("BatchSize").and_then(Value::as_u64).unwrap_or(100) as usize,
        starting_position: prop("StartingPosition").and_then(Value::as_str).unwrap_or("LATEST").to_owned(),
        filters,
        report_batch_item_failures: prop("FunctionResponseTypes")
            .and_then(Value::as_sequence)
            .is_some_and(|s| s.iter().any(|v| v.as_str() == Some("ReportBatchItemFailures"))),
        bisect_on_error: prop("BisectBatchOnFunctionError").and_then(Value::as_bool).unwrap_or(false),
        // Lambda's default is to retry until the record expires; locally that is bounded too.
        max_retries: prop("MaximumRetryAttempts").and_then(Value::as_u64).unwrap_or(10_000),
        on_failure_queue,
    })
}

fn parse_table(id: &str, props: &Value, resources: &serde_yaml::Mapping) -> Result<Table> {
    let key_of = |schema: Option<&Value>, kind: &str| -> Option<String> {
        schema?
            .as_sequence()?
            .iter()
            .find(|k| k.get("KeyType").and_then(Value::as_str) == Some(kind))?
            .get("AttributeName")?
            .as_str()
            .map(str::to_owned)
    };
    let attributes = props
        .get("AttributeDefinitions")
        .and_then(Value::as_sequence)
        .map(|defs| {
            defs.iter()
                .filter_map(|d| {
                    Some((d.get("AttributeName")?.as_str()?.to_owned(), d.get("AttributeType")?.as_str()?.to_owned()))
                })
                .collect()
        })
        .unwrap_or_default();
    let indexes_of = |key: &str| -> Vec<Index> {
        props
            .get(key)
            .and_then(Value::as_sequence)
            .map(|list| {
                list.iter()
                    .filter_map(|g| {
                        Some(Index {
                            name: g.get("IndexName")?.as_str()?.to_owned(),
                            hash: key_of(g.get("KeySchema"), "HASH")?,
                            range: key_of(g.get("KeySchema"), "RANGE"),
                        })
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let indexes = indexes_of("GlobalSecondaryIndexes");
    let local_indexes = indexes_of("LocalSecondaryIndexes");
    let ttl = props.get("TimeToLiveSpecification");
    let ttl_enabled = ttl.and_then(|t| t.get("Enabled")).and_then(Value::as_bool).unwrap_or(false);
    Ok(Table {
        logical_id: id.into(),
        name: local_name(id, resources),
        attributes,
        hash: key_of(props.get("KeySchema"), "HASH").ok_or_else(|| anyhow!("{id} has no HASH key"))?,
        range: key_of(props.get("KeySchema"), "RANGE"),
        indexes,
        local_indexes,
        ttl_attribute: ttl
            .filter(|_| ttl_enabled)
            .and_then(|t| t.get("AttributeName"))
            .and_then(Value::as_str)
            .map(str::to_owned),
        stream_view_type: props
            .get("StreamSpecification")
            .and_then(|s| s.get("StreamViewType"))
            .and_then(Value::as_str)
            .map(str::to_owned),
    })
}

fn parse_queue(id: &str, props: &Value, resolver: &Resolver) -> Result<Queue> {
    let number = |k: &str| props.get(k).and_then(Value::as_u64);
    let dead_letter = match props.get("RedrivePolicy") {
        Some(policy) => {
            let arn = resolver.resolve(policy.get("deadLetterTargetArn").unwrap_or(&Value::Null))?;
            let dlq = logical_id_of_arn(&arn, resolver.resources)
                .ok_or_else(|| anyhow!("{id}: unknown dead-letter queue"))?;
            Some((dlq, policy.get("maxReceiveCount").and_then(Value::as_u64).unwrap_or(3)))
        }
        None => None,
    };
    Ok(Queue {
        logical_id: id.into(),
        name: local_name(id, resolver.resources),
        fifo: props.get("FifoQueue").and_then(Value::as_bool).unwrap_or(false),
        visibility_timeout: number("VisibilityTimeout"),
        retention_secs: number("MessageRetentionPeriod"),
        dead_letter,
    })
}

fn parse_rule(id: &str, props: &Value, resolver: &Resolver) -> Result<Rule> {
    let bus = match props.get("EventBusName") {
        Some(v) => resolver.resolve(v)?,
        None => "default".into(),
    };
    let pattern = serde_json::to_value(props.get("EventPattern").cloned().unwrap_or(Value::Null))?;
    let mut queue_targets = Vec::new();
    for target in props.get("Targets").and_then(Value::as_sequence).into_iter().flatten() {
        let arn = resolver.resolve(target.get("Arn").unwrap_or(&Value::Null))?;
        let target_id = target.get("Id").and_then(Value::as_str).unwrap_or("target").to_owned();
        if arn.starts_with("arn:aws:sqs:") {
            let queue =
                logical_id_of_arn(&arn, resolver.resources).ok_or_else(|| anyhow!("{id}: unknown target {arn}"))?;
            queue_targets.push((target_id, queue));
        }
    }
    Ok(Rule { logical_id: id.into(), bus, pattern, queue_targets })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repo_template() -> Template {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../template.yaml");
        Template::load(&path, &HashMap::new()).unwrap()
    }

    #[test]
    fn every_function_crate_is_declared_once_with_its_crate_dir() {
        let template = repo_template();
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../functions");
        let mut crates: Vec<String> =
            std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
        let mut declared: Vec<String> = template.functions.iter().map(|f| f.binary.clone()).collect();
        crates.sort();
        declared.sort();
        assert_eq!(crates, declared);
        for f in &template.functions {
            assert_eq!(f.code_uri, format!("functions/{}", f.binary));
        }
    }

    #[test]
    fn environment_resolves_parameters_globals_and_table_refs() {
        let template = repo_template();
        let pull = template.function("gacha-pull").unwrap();
        assert_eq!(
            pull.environment["TOKEN_VERIFYING_KEYS"],
            "alias/game-platform/token-signing-a,alias/game-platform/token-signing-b"
        );
        assert_eq!(pull.environment["JWT_ISSUER"], "game-platform");
        assert!(!pull.environment.contains_key("TOKEN_SIGNING_KEY"), "least privilege: pull signs no tokens");
        let login = template.function("account-login").unwrap();
        assert_eq!(login.environment["TOKEN_SIGNING_KEY"], "alias/game-platform/token-signing-a");
        let rotated = Template::load(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("../template.yaml"),
            &HashMap::from([("ActiveTokenSigningKey".to_string(), "b".to_string())]),
        )
        .unwrap();
        assert_eq!(
            rotated.function("account-login").unwrap().environment["TOKEN_SIGNING_KEY"],
            "alias/game-platform/token-signing-b"
        );
        assert_eq!(pull.environment["WALLETS_TABLE"], "WalletsTable");
        assert!(!pull.environment.contains_key("USERS_TABLE"), "least privilege: pull gets no users table");
        assert_eq!(pull.routes, vec![Route { method: "POST".into(), path: "/gacha/pull".into() }]);
    }

    #[test]
    fn the_outbox_stream_feeds_the_publisher_and_only_it_talks_to_the_bus_and_chat_queue() {
        let template = repo_template();
        let publisher = template.function("outbox-publish").unwrap();
        let source = &publisher.stream_sources[0];
        assert_eq!(source.table, "OutboxTable");
        assert!(source.report_batch_item_failures && source.bisect_on_error);
        assert_eq!(source.on_failure_queue.as_deref(), Some("OutboxPublishFailuresQueue"));
        assert_eq!(source.filters, vec![serde_json::json!({ "eventName": ["INSERT"] })]);
        assert_eq!(
            template.tables.iter().find(|t| t.logical_id == "OutboxTable").unwrap().stream_view_type.as_deref(),
            Some("NEW_IMAGE")
        );
        // Talking is publishing: `health` may describe the bus and the queues, never send to them.
        for f in &template.functions {
            let talks = f.policies.iter().any(|p| {
                p.template == "EventBridgePutEventsPolicy"
                    || (p.template == "SQSSendMessagePolicy" && p.resource == "ChatDeliveryQueue")
            });
            assert_eq!(talks, f.binary == "outbox-publish", "{}: requests make no EventBridge or SQS call", f.binary);
        }
    }

    /// The emulators do not enforce IAM, so a function given a resource without a policy on it
    /// would fail only on AWS: every table, queue, bus and key in a function's environment must
    /// be granted by one of its policies.
    fn ungranted_resources(template: &Template) -> Vec<String> {
        let mut missing = Vec::new();
        for f in &template.functions {
            let kms_needs = [("TOKEN_VERIFYING_KEYS", "kms:GetPublicKey"), ("TOKEN_SIGNING_KEY", "kms:Sign")];
            for (var, action) in kms_needs {
                for alias in f.environment.get(var).map(|v| v.split(',').collect()).unwrap_or(vec![]) {
                    if !template.grants_kms(f, action, alias) {
                        missing.push(format!("{}: {var} {alias} needs {action}", f.binary));
                    }
                }
            }
            for (var, value) in &f.environment {
                let kind = if var.ends_with("_TABLE") {
                    "DynamoDB"
                } else if var.ends_with("_QUEUE_URL") {
                    "SQS"
                } else if var == "EVENT_BUS_NAME" {
                    "EventBridge"
                } else if var.ends_with("_BUCKET") {
                    "S3"
                } else {
                    continue;
                };
                let resource = template
                    .tables
                    .iter()
                    .map(|t| (&t.logical_id, &t.name))
                    .chain(template.queues.iter().map(|q| (&q.logical_id, &q.name)))
                    .chain(template.buses.iter().map(|(id, name)| (id, name)))
                    .chain(template.buckets.iter().map(|(id, name)| (id, name)))
                    .find(|(_, name)| value == *name || value.ends_with(&format!("/{name}")))
                    .map(|(id, _)| id.clone());
                let granted = resource
                    .as_ref()
                    .is_some_and(|id| f.policies.iter().any(|p| &p.resource == id && p.template.starts_with(kind)));
                if !granted {
                    missing.push(format!("{}: {var}={value}", f.binary));
                }
            }
        }
        missing
    }

    #[test]
    fn every_resource_a_function_is_given_is_granted_by_its_policies() {
        assert_eq!(ungranted_resources(&repo_template()), Vec::<String>::new());
    }

    #[test]
    fn the_iam_check_fails_when_one_policy_is_removed() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../template.yaml");
        let text = std::fs::read_to_string(path).unwrap();
        let pull = text.find("  GachaPullFunction:").unwrap();
        let policy = "        - DynamoDBWritePolicy:\n            TableName:\n              Ref: PullsTable\n";
        let at = pull + text[pull..].find(policy).expect("gacha-pull grants the pulls table");
        let mutated = format!("{}{}", &text[..at], &text[at + policy.len()..]);
        let missing = ungranted_resources(&Template::parse(&mutated, &HashMap::new()).unwrap());
        assert_eq!(missing, vec!["gacha-pull: PULLS_TABLE=PullsTable".to_string()]);

        let login = text.find("  AccountLoginFunction:").unwrap();
        let signing = "        - Ref: TokenSigningPolicy\n";
        let at = login + text[login..].find(signing).expect("login signs tokens");
        let unsigned = format!("{}        - Ref: TokenVerifyingPolicy\n{}", &text[..at], &text[at + signing.len()..]);
        let missing = ungranted_resources(&Template::parse(&unsigned, &HashMap::new()).unwrap());
        assert_eq!(
            missing,
            vec!["account-login: TOKEN_SIGNING_KEY alias/game-platform/token-signing-a needs kms:Sign"]
        );
    }

    #[test]
    fn routes_are_unique() {
        let template = repo_template();
        let mut seen = std::collections::HashSet::new();
        for f in &template.functions {
            for r in &f.routes {
                assert!(seen.insert((r.method.clone(), r.path.clone())), "duplicate route {r:?}");
            }
        }
    }

    #[test]
    fn the_websocket_routes_reach_their_functions_through_their_integrations() {
        let template = repo_template();
        let routes: Vec<(&str, &str)> =
            template.socket_routes.iter().map(|r| (r.route_key.as_str(), r.function.as_str())).collect();
        for expected in [
            ("$connect", "socket-connect"),
            ("$disconnect", "socket-disconnect"),
            ("$default", "socket-default"),
            ("selectBanner", "socket-select-banner"),
            ("pull", "socket-pull"),
        ] {
            assert!(routes.contains(&expected), "{expected:?} in {routes:?}");
        }
        // Pushing functions may manage connections of the API they are given the endpoint of.
        let pull = template.function("socket-pull").unwrap();
        assert!(pull.environment["WEBSOCKET_ENDPOINT"].contains(".execute-api."));
        let policy = template.managed_policies.iter().find(|p| p.logical_id == "SocketPushPolicy").unwrap();
        assert_eq!(policy.grants, [("execute-api:ManageConnections".to_string(), "WebSocketApi".to_string())]);
    }

    #[test]
    fn a_missing_required_parameter_is_an_error() {
        let text = "Parameters:\n  Needed:\n    Type: String\nGlobals:\n  Function:\n    Environment:\n      Variables:\n        X:\n          Ref: Needed\nResources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: functions/f\n";
        let err = Template::parse(text, &HashMap::new()).unwrap_err();
        assert!(format!("{err:#}").contains("Needed"), "{err:#}");
        assert!(Template::parse(text, &HashMap::from([("Needed".to_string(), "v".to_string())])).is_ok());
    }

    #[test]
    fn every_function_has_a_sample_event_for_its_route() {
        let template = repo_template();
        let events = Path::new(env!("CARGO_MANIFEST_DIR")).join("../events");
        for f in &template.functions {
            let path = events.join(format!("{}.json", f.binary));
            let text = std::fs::read_to_string(&path).unwrap_or_else(|_| panic!("{} is missing", path.display()));
            let socket_route = template.socket_routes.iter().find(|r| r.function == f.binary);
            if let Some(route) = f.routes.first() {
                let event: aws_lambda_events::apigw::ApiGatewayV2httpRequest = serde_json::from_str(&text).unwrap();
                assert_eq!(event.route_key.as_deref(), Some(format!("{} {}", route.method, route.path).as_str()));
            } else if let Some(route) = socket_route {
                let event: aws_lambda_events::apigw::ApiGatewayWebsocketProxyRequest =
                    serde_json::from_str(&text).unwrap();
                assert_eq!(event.request_context.route_key.as_deref(), Some(route.route_key.as_str()), "{}", f.binary);
            } else {
                serde_json::from_str::<serde_json::Value>(&text).unwrap();
            }
        }
    }
}
