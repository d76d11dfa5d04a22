//! `./dev bench`: cold starts of the release function binaries (against a Python + boto3 handler in
//! the same harness), warm latency through the local API, and what each money request costs at
//! list prices, printed as Markdown tables for the README.

use infra::bench::{cold_start, cold_starts, percentile, warm_latency, Handler};
use platform::app::Table;
use platform_tests::{handler_request, repo_root, stack, Capacity, CapacityMeter, Player, Stack};
use serde_json::json;
use std::time::{Duration, Instant};

/// List prices (us-east-1, November 2026): Lambda arm64 per GB-second and per request, DynamoDB
/// on-demand per write and read request unit, EventBridge per event, SQS FIFO per request.
const LAMBDA_GB_SECOND: f64 = 0.000_013_333_4;
const LAMBDA_REQUEST: f64 = 0.20 / 1e6;
const WRITE_UNIT: f64 = 0.625 / 1e6;
const READ_UNIT: f64 = 0.125 / 1e6;
const BUS_EVENT: f64 = 1.0 / 1e6;
const FIFO_REQUEST: f64 = 0.50 / 1e6;
/// A chat delivery job is sent, received and deleted: three queue requests.
const FIFO_REQUESTS_PER_JOB: f64 = 3.0;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let s = stack();
    let runs = env_number("COLD_START_RUNS", 20);
    let n = env_number("WARM_REQUESTS", 300);
    println!("{}\n", machine());
    // `./dev bench store`: the storefront's figures only (type-ahead, a free-game promotion rush).
    if std::env::var("BENCH").as_deref() == Ok("store") {
        suggestion_table(s, n).await?;
        return promotion_rush_table(s, env_number("CLAIMS", 500)).await;
    }
    cold_start_table(s, runs).await?;
    let latencies = warm_latency_table(s, n).await?;
    cost_table(s, &latencies).await
}

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

async fn cold_start_table(s: &Stack, runs: usize) -> anyhow::Result<()> {
    let bin_dir = repo_root().join(std::env::var("FUNCTIONS_BIN_DIR").unwrap_or_else(|_| "target/release".into()));
    let events = repo_root().join("events");
    let socket_url = s.socket_url.replace("ws://", "http://");
    let rows = cold_starts(&s.template, &bin_dir, &events, runs, Some(&socket_url)).await?;

    // The baseline: store-game's work in Python with a boto3 client, same environment and event.
    let store_game = s.template.functions.iter().find(|f| f.binary == "store-game").expect("store-game");
    let python = repo_root().join(".venv/bin/python");
    let script = repo_root().join("tests/bench/python_boto3_store_game.py");
    let script = script.to_str().expect("utf-8 path");
    let handler = Handler { program: &python, args: &["-B", script], function: store_game, socket_url: None };
    let event = std::fs::read(events.join("store-game.json"))?.into();
    let baseline = cold_start("python3 + boto3 (store-game)", &handler, event, runs).await?;

    println!("### Cold start: exec to first response on a minimal Runtime API ({runs} runs each)\n");
    println!("| function | median ms | max ms | peak RSS MiB | binary MiB | Python+boto3 / this |");
    println!("|---|---:|---:|---:|---:|---:|");
    for r in &rows {
        println!(
            "| {} | {:.1} | {:.1} | {:.1} | {:.1} | {:.0}x |",
            r.function,
            r.median_ms,
            r.max_ms,
            r.peak_rss_kib as f64 / 1024.0,
            r.binary_bytes as f64 / 1048576.0,
            baseline.median_ms / r.median_ms
        );
    }
    println!(
        "| {} | {:.1} | {:.1} | {:.1} | (interpreter) | 1x |",
        baseline.function,
        baseline.median_ms,
        baseline.max_ms,
        baseline.peak_rss_kib as f64 / 1024.0
    );
    Ok(())
}

/// Warm p50 of each money request through the local API, by the name the cost table uses.
struct Latencies(Vec<(&'static str, f64)>);

impl Latencies {
    fn p50(&self, request: &str) -> f64 {
        self.0.iter().find(|(name, _)| *name == request).map(|(_, p50)| *p50).unwrap_or(0.0)
    }
}

/// Round trips on one WebSocket connection: a `pull` frame out, its `pullResult` frame back
/// (other pushes, such as balance frames, are skipped). p50 and p99 after 10 warm-up.
async fn socket_round_trips(s: &Stack, player: &Player, n: usize) -> anyhow::Result<(f64, f64)> {
    use futures::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;
    anyhow::ensure!(player.buy(s, 160 * (n as u64 + 10)).await.status == 200, "funding the socket player failed");
    let url = format!("{}/?token={}", s.socket_url, player.token);
    let (mut socket, _) = tokio_tungstenite::connect_async(url.as_str()).await?;
    let mut millis = Vec::with_capacity(n);
    for i in 0..n + 10 {
        let frame = json!({ "action": "pull", "bannerId": "heroes", "idempotencyKey": format!("bench-socket-{i}-{}", player.user_id) });
        let started = Instant::now();
        socket.send(Message::text(frame.to_string())).await?;
        loop {
            let message = tokio::time::timeout(Duration::from_secs(30), socket.next())
                .await?
                .ok_or_else(|| anyhow::anyhow!("the socket closed"))??;
            let Message::Text(text) = message else { continue };
            let answer: serde_json::Value = serde_json::from_str(&text)?;
            match answer["type"].as_str() {
                Some("pullResult") => break,
                Some("error") => anyhow::bail!("socket pull failed: {answer}"),
                _ => continue,
            }
        }
        if i >= 10 {
            millis.push(started.elapsed().as_secs_f64() * 1000.0);
        }
    }
    millis.sort_by(f64::total_cmp);
    Ok((percentile(&millis, 50.0), percentile(&millis, 99.0)))
}

async fn warm_latency_table(s: &'static Stack, n: usize) -> anyhow::Result<Latencies> {
    let mut money = Vec::new();
    println!("\n### Warm latency through the local API ({n} sequential requests after 10 warm-up)\n");
    println!("| request | p50 ms | p99 ms |");
    println!("|---|---:|---:|");
    let print = |label: &str, (p50, p99): (f64, f64)| println!("| {label} | {p50:.2} | {p99:.2} |");

    let player = &s.new_player().await;
    for count in [1u64, 10] {
        let fund = 1600 * (n as u64 + 10) * count / 10 + 160;
        anyhow::ensure!(player.buy(s, fund).await.status == 200, "funding the bench player failed");
        let latency = warm_latency(n, |i| {
            let key = format!("bench-pull{count}-{i}-{}", player.user_id);
            async move {
                let body = json!({ "bannerId": "heroes", "count": count });
                let r = s.post_keyed("/gacha/pull", &player.token, &key, &body).await;
                anyhow::ensure!(r.status == 200, "pull failed: {:?}", r.body);
                Ok(())
            }
        })
        .await?;
        let name = if count == 1 { "pull x1" } else { "pull x10" };
        print(&format!("POST /gacha/pull (x{count}, with pity, fairness and inventory)"), latency);
        money.push((name, latency.0));
    }

    print("WebSocket pull x1 (pull frame -> pullResult frame)", socket_round_trips(s, player, n).await?);

    let latency = warm_latency(n, |i| {
        let key = format!("bench-buy-gems-{i}-{}", player.user_id);
        async move {
            let body = json!({ "amount": 160, "paymentMethod": "credit_card" });
            let r = s.post_keyed("/account/buy-currency", &player.token, &key, &body).await;
            anyhow::ensure!(r.status == 200, "buy-currency failed: {:?}", r.body);
            Ok(())
        }
    })
    .await?;
    print("POST /account/buy-currency", latency);
    money.push(("buy-currency", latency.0));

    for (label, path) in
        [("GET /account/currency", "/account/currency"), ("GET /gacha/rarity-chances", "/gacha/rarity-chances")]
    {
        let token = Some(player.token.as_str());
        print(
            label,
            warm_latency(n, |_| async move {
                let r = s.get(path, token).await;
                anyhow::ensure!(r.status == 200, "{path} failed: {:?}", r.body);
                Ok(())
            })
            .await?,
        );
    }
    for (label, query) in [
        ("GET /store/games?genre=action", "/store/games?genre=action&limit=20"),
        ("GET /store/games?q=war (name search)", "/store/games?q=war&limit=20"),
        (
            "GET /store/games?tag=puzzle&maxPrice=500&sort=release",
            "/store/games?tag=puzzle&maxPrice=500&sort=release&limit=20",
        ),
    ] {
        let latency = warm_latency(n, |_| async move {
            let r = s.get(query, None).await;
            anyhow::ensure!(r.status == 200, "browse failed: {:?}", r.body);
            Ok(())
        })
        .await?;
        print(label, latency);
    }

    // Purchases: each request buys a different game, from one well-funded player.
    let buyer = &s.new_player().await;
    anyhow::ensure!(buyer.buy(s, 1_000_000).await.status == 200, "funding the buyer failed");
    let games = &games_to_buy(s, n + 10).await?;
    let latency = warm_latency(n, |i| async move {
        let key = format!("bench-buy-{}-{i}", buyer.user_id);
        let r = s.post_keyed("/store/purchase", &buyer.token, &key, &json!({ "gameId": games[i] })).await;
        anyhow::ensure!(r.status == 200, "purchase failed: {:?}", r.body);
        Ok(())
    })
    .await?;
    print("POST /store/purchase", latency);
    money.push(("purchase", latency.0));

    // Chat: senders rotate to stay under the per-sender limit.
    let recipient = &s.new_player().await;
    let senders = &chat_senders(s, n + 10).await;
    let latency = warm_latency(n, |i| async move {
        let from = &senders[i % senders.len()];
        let body = json!({ "recipientId": recipient.user_id, "text": format!("bench {i}") });
        let r = s.post("/chat/messages", Some(&from.token), &body).await;
        anyhow::ensure!(r.status == 201, "send failed: {:?}", r.body);
        Ok(())
    })
    .await?;
    print("POST /chat/messages", latency);
    money.push(("chat send", latency.0));

    // Delivery: send, then poll the recipient's inbox until the message is its last one.
    let (ann, bob) = (&s.new_player().await, &s.new_player().await);
    let deliveries = 25.min(chat_send::PER_SENDER.max as usize - 1);
    let mut times = Vec::new();
    for i in 0..deliveries {
        let started = Instant::now();
        let body = json!({ "recipientId": bob.user_id, "text": format!("ping {i}") });
        let id = s.post("/chat/messages", Some(&ann.token), &body).await.body["messageId"].clone();
        platform_tests::poll_every(
            "the message in the inbox",
            Duration::from_secs(30),
            Duration::from_millis(5),
            || {
                let id = id.clone();
                async move {
                    let inbox = s.get("/chat/conversations", Some(&bob.token)).await;
                    (inbox.body["conversations"][0]["lastMessage"]["messageId"] == id).then_some(())
                }
            },
        )
        .await;
        times.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    print(
        &format!("chat delivery: send -> in recipient's inbox ({deliveries} messages)"),
        (percentile(&times, 50.0), percentile(&times, 99.0)),
    );
    Ok(Latencies(money))
}

async fn games_to_buy(s: &Stack, count: usize) -> anyhow::Result<Vec<u64>> {
    let mut games = Vec::new();
    let mut cursor: Option<String> = None;
    while games.len() < count {
        let url = match &cursor {
            Some(c) => format!("/store/games?maxPrice=2000&free=false&limit=100&cursor={c}"),
            None => "/store/games?maxPrice=2000&free=false&limit=100".to_string(),
        };
        let r = s.get(&url, None).await;
        games.extend(r.body["games"].as_array().into_iter().flatten().filter_map(|g| g["gameId"].as_u64()));
        cursor = r.body["nextCursor"].as_str().map(str::to_owned);
        anyhow::ensure!(cursor.is_some() || games.len() >= count, "not enough games to buy");
    }
    Ok(games)
}

async fn chat_senders(s: &Stack, messages: usize) -> Vec<Player> {
    let mut senders = Vec::new();
    for _ in 0..messages / (chat_send::PER_SENDER.max as usize - 1) + 1 {
        senders.push(s.new_player().await);
    }
    senders
}

/// Each money request run in process by its real handler, with every DynamoDB call metered, then
/// priced: the function's memory for its warm p50 through the local API (an upper bound on the
/// billed duration), the units DynamoDB reported, and the events and queue jobs it left in the
/// outbox for the publisher.
async fn cost_table(s: &Stack, latencies: &Latencies) -> anyhow::Result<()> {
    const RUNS: usize = 50;
    let outbox = s.app(s.dynamo().await).await.table(Table::OUTBOX)?.to_owned();
    let meter = CapacityMeter::new(&outbox);
    let app = &s.app(s.dynamo_with(meter.clone()).await).await;
    let player = s.new_player().await;
    anyhow::ensure!(player.buy(s, 1600 * RUNS as u64 * 2).await.status == 200, "funding failed");
    let buyer = s.new_player().await;
    anyhow::ensure!(buyer.buy(s, 1_000_000).await.status == 200, "funding failed");
    let games = games_to_buy(s, RUNS).await?;
    let recipient = s.new_player().await;
    let senders = chat_senders(s, RUNS).await;
    let token = |p: &Player| p.token.clone();

    println!("\n### What one money request costs ({RUNS} requests each, DynamoDB's ReturnConsumedCapacity)\n");
    println!("| request | DynamoDB calls | read units | write units | bus events | queue jobs | Lambda ms (p50) | $ per million |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    for (name, function) in [
        ("pull x1", "gacha-pull"),
        ("pull x10", "gacha-pull"),
        ("buy-currency", "account-buy-currency"),
        ("purchase", "store-purchase"),
        ("chat send", "chat-send"),
    ] {
        meter.take();
        for i in 0..RUNS {
            let key = Some(uuid::Uuid::new_v4().to_string());
            let response = match name {
                "pull x1" | "pull x10" => {
                    let count = if name == "pull x1" { 1 } else { 10 };
                    let body = json!({ "bannerId": "heroes", "count": count });
                    gacha_pull::handle(handler_request("/gacha/pull", &token(&player), key.as_deref(), &body), app)
                        .await
                }
                "buy-currency" => {
                    let body = json!({ "amount": 160, "paymentMethod": "credit_card" });
                    account_buy_currency::handle(
                        handler_request("/account/buy-currency", &token(&player), key.as_deref(), &body),
                        app,
                    )
                    .await
                }
                "purchase" => {
                    let body = json!({ "gameId": games[i] });
                    store_purchase::handle(
                        handler_request("/store/purchase", &token(&buyer), key.as_deref(), &body),
                        app,
                    )
                    .await
                }
                _ => {
                    let from = &senders[i % senders.len()];
                    let body = json!({ "recipientId": recipient.user_id, "text": format!("cost {i}") });
                    chat_send::handle(handler_request("/chat/messages", &token(from), None, &body), app).await
                }
            };
            let status = response.map_err(|e| anyhow::anyhow!("{name}: {e}"))?.status();
            anyhow::ensure!(status.is_success(), "{name} answered {status}");
        }
        let total = meter.take();
        let per = |v: f64| v / RUNS as f64;
        let each = Capacity {
            calls: total.calls,
            read_units: per(total.read_units),
            write_units: per(total.write_units),
            bus_events: total.bus_events,
            queue_messages: total.queue_messages,
        };
        let memory_gb =
            s.template.functions.iter().find(|f| f.binary == function).map_or(128, |f| f.memory_mb) as f64 / 1024.0;
        let billed_ms = latencies.p50(name).ceil();
        let dollars = LAMBDA_REQUEST
            + memory_gb * billed_ms / 1000.0 * LAMBDA_GB_SECOND
            + each.read_units * READ_UNIT
            + each.write_units * WRITE_UNIT
            + per(each.bus_events as f64) * BUS_EVENT
            + per(each.queue_messages as f64) * FIFO_REQUESTS_PER_JOB * FIFO_REQUEST;
        println!(
            "| {name} | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} | {billed_ms:.0} | {:.2} |",
            per(each.calls as f64),
            each.read_units,
            each.write_units,
            per(each.bus_events as f64),
            per(each.queue_messages as f64),
            dollars * 1e6
        );
    }
    Ok(())
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find_map(|l| l.strip_prefix("model name").map(|v| v.trim_start_matches([' ', '\t', ':']).to_owned()))
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0);
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| m.lines().next().map(|l| l.split_whitespace().nth(1).unwrap_or("0").parse::<u64>().unwrap_or(0)))
        .unwrap_or(0);
    format!(
        "Machine: {cpu}, {cores} cores, {:.0} GiB RAM; DynamoDB Local (in-memory) on the same machine.",
        mem as f64 / 1048576.0
    )
}

/// Type-ahead: each request is one key press of a player typing a name, through the local API.
async fn suggestion_table(s: &'static Stack, n: usize) -> anyhow::Result<()> {
    let names = ["portal 2", "counter strike", "half life", "the witcher", "stardew valley", "dark souls", "terraria"];
    let typed: Vec<String> =
        names.iter().flat_map(|name| (1..=name.len()).map(move |i| name[..i].trim_end().to_owned())).collect();
    let typed = &typed;
    println!("\n### Search as players type (`GET /store/search/suggest`, {n} requests after 10 warm-up)\n");
    println!("| request | p50 ms | p99 ms |");
    println!("|---|---:|---:|");
    let (p50, p99) = warm_latency(n, |i| async move {
        let q = typed[i % typed.len()].replace(' ', "+");
        let r = s.get(&format!("/store/search/suggest?q={q}"), None).await;
        anyhow::ensure!(r.status == 200, "suggest failed: {:?}", r.body);
        Ok(())
    })
    .await?;
    println!("| one key at a time: {} names, {} distinct queries | {p50:.2} | {p99:.2} |", names.len(), typed.len());
    // Every request a new three-letter prefix: each one's bucket is read from DynamoDB once.
    let prefixes: Vec<String> =
        (b'a'..=b'z').flat_map(|a| (b'a'..=b'z').map(move |b| format!("{}{}e", a as char, b as char))).collect();
    let prefixes = &prefixes;
    let (p50, p99) = warm_latency(n.min(prefixes.len() - 10), |i| async move {
        let r = s.get(&format!("/store/search/suggest?q={}", prefixes[i]), None).await;
        anyhow::ensure!(r.status == 200, "suggest failed: {:?}", r.body);
        Ok(())
    })
    .await?;
    println!("| a new three-letter prefix each time (uncached buckets) | {p50:.2} | {p99:.2} |");
    Ok(())
}

/// A free-game promotion's rush: `claims` players claim a paid game made free, all at once.
async fn promotion_rush_table(s: &'static Stack, claims: usize) -> anyhow::Result<()> {
    use futures::stream::{self, StreamExt};
    // GALAK-Z (GBP 15.49), made free for an hour by its publisher.
    let game = 300580u64;
    let dev = s.developer_of("17-BIT").await;
    let until = platform::clock::rfc3339(platform::clock::now_secs() + 3600);
    let sale = s
        .post(&format!("/developer/games/{game}/sales"), Some(&dev.token), &json!({ "percent": 100, "endsAt": until }))
        .await;
    anyhow::ensure!(sale.status == 201, "the promotion failed: {:?}", sale.body);
    let started = Instant::now();
    let players: Vec<Player> = stream::iter(0..claims).map(|_| s.new_player()).buffer_unordered(32).collect().await;
    let registered = started.elapsed();
    let started = Instant::now();
    let answers = futures::future::join_all(players.iter().map(|p| async move {
        let sent = Instant::now();
        let r = p.purchase(s, game).await;
        (r.status.as_u16(), r.body["priceGems"].as_u64(), sent.elapsed().as_secs_f64() * 1000.0)
    }))
    .await;
    let wall = started.elapsed();
    let errors = answers.iter().filter(|(status, price, _)| *status != 200 || *price != Some(0)).count();
    let mut millis: Vec<f64> = answers.iter().map(|(_, _, ms)| *ms).collect();
    millis.sort_by(f64::total_cmp);
    let owned: Vec<usize> = stream::iter(&players)
        .map(|p| async move {
            let library = p.all_pages(s, "/library", "games").await;
            library.iter().filter(|g| g["gameId"] == game).count()
        })
        .buffer_unordered(32)
        .collect()
        .await;
    let once = owned.iter().filter(|n| **n == 1).count();
    println!(
        "\n### A free-game promotion's rush ({claims} players claim at once; players registered in {:.0} s)\n",
        registered.as_secs_f64()
    );
    println!("| claims | errors | wall s | p50 ms | p99 ms | players owning it exactly once |");
    println!("|---:|---:|---:|---:|---:|---:|");
    println!(
        "| {claims} | {errors} | {:.1} | {:.0} | {:.0} | {once} |",
        wall.as_secs_f64(),
        percentile(&millis, 50.0),
        percentile(&millis, 99.0)
    );
    anyhow::ensure!(errors == 0 && once == claims, "the rush lost or duplicated claims");
    Ok(())
}
