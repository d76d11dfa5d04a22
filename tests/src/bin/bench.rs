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
