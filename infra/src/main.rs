//! `infra deploy`: create template.yaml's resources on the configured endpoint and load data.
//! `infra serve`: the local HTTP API for template.yaml's routes.
//! `infra env FUNCTION`: a function's environment as the template declares it.
//! `infra grant-role USERNAME ROLE`: gives a player a role (the first admin comes from here).
//!
//! Options: --template PATH (template.yaml), --param Name=Value (repeatable), --param-file PATH
//! (Name=Value lines; for secrets, which on a command line anyone can read in `ps`), --port N
//! (3000), --invoke-port N (the Lambda Invoke API; off unless given), --socket-port N (the
//! WebSocket API and its @connections endpoint; off unless given), --bin-dir DIR
//! (target/debug), --log-dir DIR, --max-instances N (8).

use anyhow::{bail, Context, Result};
use std::collections::HashMap;
use std::path::PathBuf;

struct Options {
    command: String,
    template: PathBuf,
    params: HashMap<String, String>,
    port: u16,
    invoke_port: Option<u16>,
    socket_port: Option<u16>,
    bin_dir: PathBuf,
    log_dir: Option<PathBuf>,
    max_instances: usize,
    function: Option<String>,
}

fn parse_args() -> Result<Options> {
    let mut args = std::env::args().skip(1);
    let command = args.next().unwrap_or_default();
    let mut options = Options {
        command,
        template: "template.yaml".into(),
        params: HashMap::new(),
        port: 3000,
        invoke_port: None,
        socket_port: None,
        bin_dir: "target/debug".into(),
        log_dir: None,
        max_instances: 8,
        function: None,
    };
    while let Some(flag) = args.next() {
        if !flag.starts_with("--") {
            // `env FUNCTION` takes one positional argument, `grant-role USERNAME ROLE` two.
            options.function = Some(match options.function.take() {
                Some(first) => format!("{first} {flag}"),
                None => flag,
            });
            continue;
        }
        let value = args.next().with_context(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--template" => options.template = value.into(),
            "--param" => {
                let (k, v) = value.split_once('=').context("--param takes Name=Value")?;
                options.params.insert(k.into(), v.into());
            }
            "--param-file" => {
                let text = std::fs::read_to_string(&value).with_context(|| format!("reading {value}"))?;
                for line in text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')) {
                    let (k, v) = line.split_once('=').with_context(|| format!("{value}: lines are Name=Value"))?;
                    options.params.insert(k.trim().into(), v.trim().into());
                }
            }
            "--port" => options.port = value.parse()?,
            "--invoke-port" => options.invoke_port = Some(value.parse()?),
            "--socket-port" => options.socket_port = Some(value.parse()?),
            "--bin-dir" => options.bin_dir = value.into(),
            "--log-dir" => options.log_dir = Some(value.into()),
            "--max-instances" => options.max_instances = value.parse()?,
            other => bail!("unknown option {other}"),
        }
    }
    Ok(options)
}

#[tokio::main]
async fn main() -> Result<()> {
    platform::telemetry::init();
    let options = parse_args()?;
    match options.command.as_str() {
        "deploy" => {
            let template = infra::template::Template::load(&options.template, &options.params)?;
            infra::deploy::deploy(&template).await?;
            println!("created {} tables and loaded the banners", template.tables.len());
        }
        "serve" => {
            // The WebSocket API's address is known before the functions start: they are given it.
            let socket = match options.socket_port {
                Some(port) => Some(tokio::net::TcpListener::bind(("127.0.0.1", port)).await?),
                None => None,
            };
            let socket_url = socket.as_ref().map(|l| l.local_addr().map(|a| format!("http://{a}"))).transpose()?;
            let api = infra::LocalApi::new(&options.template, &options.params, options.bin_dir, options.log_dir, options.max_instances, Vec::new(), socket_url.clone())?;
            if let Some(url) = &socket_url {
                println!("WebSocket API on {} ({} routes)", url.replace("http://", "ws://"), api.template.socket_routes.len());
            }
            let listener = tokio::net::TcpListener::bind(("127.0.0.1", options.port)).await?;
            println!("local API on http://{} serving {} routes", listener.local_addr()?, api.template.functions.iter().map(|f| f.routes.len()).sum::<usize>());
            let invoke = match options.invoke_port {
                Some(port) => {
                    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
                    println!("Lambda Invoke API on http://{}", listener.local_addr()?);
                    Some(listener)
                }
                None => None,
            };
            api.serve(listener, invoke, socket).await?;
        }
        "grant-role" => {
            // `infra grant-role USERNAME admin`: how the first admin comes to be (no endpoint can).
            let template = infra::template::Template::load(&options.template, &options.params)?;
            let (username, role) = options.function.as_deref().and_then(|a| a.split_once(' ')).context("usage: infra grant-role USERNAME ROLE")?;
            let role = platform::domain::roles::Role::parse(role).map_err(|e| anyhow::anyhow!("{e}"))?;
            let app = infra::deploy::app_for(aws_sdk_dynamodb::Client::new(&platform::app::sdk_config().await), &template, Err("no tokens".into())).await;
            let credentials = platform::store::accounts::credentials(&app, &username.to_ascii_lowercase()).await.map_err(|e| anyhow::anyhow!("{e}"))?.with_context(|| format!("no player {username}"))?;
            let (_, profile) = platform::store::accounts::profile(&app, &credentials.user_id).await.map_err(|e| anyhow::anyhow!("{e}"))?.context("no such player")?;
            let mut roles: Vec<&str> = profile.roles.iter().map(String::as_str).collect();
            if !roles.contains(&role.as_str()) {
                roles.push(role.as_str());
            }
            platform::store::accounts::set_roles(&app, &credentials.user_id, &roles, &profile.studios).await.map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("{username} ({}) now has the roles {roles:?}", credentials.user_id);
        }
        "env" => {
            // `infra env gacha-pull`: the function's template environment as KEY=VALUE lines.
            let template = infra::template::Template::load(&options.template, &options.params)?;
            let name = options.function.as_deref().context("usage: infra env FUNCTION")?;
            let function = template.function(name).with_context(|| format!("no function {name} in the template"))?;
            for (key, value) in &function.environment {
                println!("{key}={value}");
            }
        }
        _ => bail!("usage: infra deploy|serve|env FUNCTION [--template template.yaml] [--param Name=Value] [--param-file PATH] [--port 3000] [--invoke-port N] [--socket-port N] [--bin-dir target/debug] [--log-dir DIR]"),
    }
    Ok(())
}
