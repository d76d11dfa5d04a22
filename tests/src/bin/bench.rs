//! `./dev bench`: cold starts of the release function binaries and warm latency through the local
//! API, printed as Markdown tables for the README.

use platform_tests::{repo_root, stack};
use serde_json::json;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let s = stack();
    let runs = std::env::var("COLD_START_RUNS").ok().and_then(|v| v.parse().ok()).unwrap_or(20);
    let bin_dir = std::env::var("FUNCTIONS_BIN_DIR").unwrap_or_else(|_| "target/release".into());

    println!("{}\n", machine());
    println!("### Cold start: exec to first response on a minimal Runtime API ({runs} runs each)\n");
    println!("| function | median ms | max ms | peak RSS MiB | binary MiB |");
    println!("|---|---:|---:|---:|---:|");
    let rows =
        infra::bench::cold_starts(&s.template, &repo_root().join(&bin_dir), &repo_root().join("events"), runs).await?;
    for r in rows {
        println!(
            "| {} | {:.1} | {:.1} | {:.1} | {:.1} |",
            r.function,
            r.median_ms,
            r.max_ms,
            r.peak_rss_kib as f64 / 1024.0,
            r.binary_bytes as f64 / 1048576.0
        );
    }

    let n = std::env::var("WARM_REQUESTS").ok().and_then(|v| v.parse().ok()).unwrap_or(300);
    let player = &s.new_player().await;
    for _ in 0..(n / 100 + 1) {
        anyhow::ensure!(player.buy(s, 160 * 120).await.status == 200, "funding the bench player failed");
    }
    println!("\n### Warm latency through the local API ({n} sequential requests after 10 warm-up)\n");
    println!("| request | p50 ms | p99 ms |");
    println!("|---|---:|---:|");
    let (p50, p99) = infra::bench::warm_latency(n, |i| {
        let key = format!("bench-pull-{i}-{}", player.user_id);
        async move {
            let r = s.post_keyed("/gacha/pull", &player.token, &key, &json!({ "bannerId": "heroes" })).await;
            anyhow::ensure!(r.status == 200, "pull failed: {:?}", r.body);
            Ok(())
        }
    })
    .await?;
    println!("| POST /gacha/pull (x1) | {p50:.2} | {p99:.2} |");
    let (p50, p99) = infra::bench::warm_latency(n, |_| async {
        let r = s.get("/account/currency", Some(&player.token)).await;
        anyhow::ensure!(r.status == 200, "balance failed");
        Ok(())
    })
    .await?;
    println!("| GET /account/currency | {p50:.2} | {p99:.2} |");
    let (p50, p99) = infra::bench::warm_latency(n, |_| async {
        let r = s.get("/gacha/rarity-chances", None).await;
        anyhow::ensure!(r.status == 200, "chances failed");
        Ok(())
    })
    .await?;
    println!("| GET /gacha/rarity-chances | {p50:.2} | {p99:.2} |");

    for (label, query) in [
        ("GET /store/games?genre=action", "/store/games?genre=action&limit=20"),
        ("GET /store/games?q=war (name search)", "/store/games?q=war&limit=20"),
        (
            "GET /store/games?tag=puzzle&maxPrice=500&sort=release",
            "/store/games?tag=puzzle&maxPrice=500&sort=release&limit=20",
        ),
    ] {
        let (p50, p99) = infra::bench::warm_latency(n, |_| async move {
            let r = s.get(query, None).await;
            anyhow::ensure!(r.status == 200, "browse failed: {:?}", r.body);
            Ok(())
        })
        .await?;
        println!("| {label} | {p50:.2} | {p99:.2} |");
    }

    // Purchases: each request buys a different game, from one well-funded player.
    let buyer = &s.new_player().await;
    anyhow::ensure!(buyer.buy(s, 1_000_000).await.status == 200, "funding the buyer failed");
    let mut games = Vec::new();
    let mut cursor: Option<String> = None;
    while games.len() < n + 10 {
        let url = match &cursor {
            Some(c) => format!("/store/games?maxPrice=2000&free=false&limit=100&cursor={c}"),
            None => "/store/games?maxPrice=2000&free=false&limit=100".to_string(),
        };
        let r = s.get(&url, None).await;
        games.extend(r.body["games"].as_array().into_iter().flatten().filter_map(|g| g["gameId"].as_u64()));
        cursor = r.body["nextCursor"].as_str().map(str::to_owned);
        anyhow::ensure!(cursor.is_some() || games.len() >= n + 10, "not enough games to buy");
    }
    let games = &games;
    let (p50, p99) = infra::bench::warm_latency(n, |i| async move {
        let key = format!("bench-buy-{}-{i}", buyer.user_id);
        let r = s.post_keyed("/store/purchase", &buyer.token, &key, &json!({ "gameId": games[i] })).await;
        anyhow::ensure!(r.status == 200, "purchase failed: {:?}", r.body);
        Ok(())
    })
    .await?;
    println!("| POST /store/purchase | {p50:.2} | {p99:.2} |");

    // Chat: senders rotate to stay under the per-sender limit.
    let recipient = &s.new_player().await;
    let senders_needed = (n + 10) / (chat_send::PER_SENDER.max as usize - 1) + 1;
    let mut senders = Vec::new();
    for _ in 0..senders_needed {
        senders.push(s.new_player().await);
    }
    let senders = &senders;
    let (p50, p99) = infra::bench::warm_latency(n, |i| async move {
        let from = &senders[i % senders.len()];
        let r = s
            .post(
                "/chat/messages",
                Some(&from.token),
                &json!({ "recipientId": recipient.user_id, "text": format!("bench {i}") }),
            )
            .await;
        anyhow::ensure!(r.status == 201, "send failed: {:?}", r.body);
        Ok(())
    })
    .await?;
    println!("| POST /chat/messages | {p50:.2} | {p99:.2} |");

    // Delivery: send, then poll the recipient's inbox until the message is its last one.
    let (ann, bob) = (&s.new_player().await, &s.new_player().await);
    let deliveries = 25.min(chat_send::PER_SENDER.max as usize - 1);
    let mut times = Vec::new();
    for i in 0..deliveries {
        let started = std::time::Instant::now();
        let r = s
            .post(
                "/chat/messages",
                Some(&ann.token),
                &json!({ "recipientId": bob.user_id, "text": format!("ping {i}") }),
            )
            .await;
        let id = r.body["messageId"].clone();
        loop {
            let inbox = s.get("/chat/conversations", Some(&bob.token)).await;
            if inbox.body["conversations"][0]["lastMessage"]["messageId"] == id {
                break;
            }
            anyhow::ensure!(started.elapsed() < std::time::Duration::from_secs(30), "message {i} never arrived");
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        times.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    println!(
        "| chat delivery: send -> in recipient's inbox ({deliveries} messages) | {:.1} | {:.1} |",
        infra::bench::percentile(&times, 50.0),
        infra::bench::percentile(&times, 99.0)
    );
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
