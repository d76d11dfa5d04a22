//! Builds and downloads: a developer uploads a build in presigned parts straight to the bucket
//! (LocalStack's S3, checking signatures and expiry) and points a branch at it; an owner
//! downloads exactly those bytes; a non-owner, a refunded player and an expired URL are refused;
//! a beta branch needs its password; downloads are counted.

use platform_tests::{eventually, http, stack, Player, Reply, Stack};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::time::Duration;

/// Suspicious Developments' Gunpoint: a paid game no other test touches.
const GUNPOINT: u64 = 206190;
const MIB: usize = 1024 * 1024;

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// Declares, uploads (each part PUT to its presigned URL by a plain HTTP client) and completes
/// a build of `bytes`; returns the completion's reply and the build id.
async fn upload(s: &Stack, dev: &Player, platform: &str, bytes: &[u8], declared_size: usize) -> (Reply, String) {
    let declared = json!({
        "platform": platform, "version": "1.0.3", "fileName": format!("gunpoint-{platform}.zip"),
        "sizeBytes": declared_size, "sha256": sha256_hex(bytes),
    });
    let made = s.post(&format!("/developer/games/{GUNPOINT}/builds"), Some(&dev.token), &declared).await;
    assert_eq!(made.status, StatusCode::CREATED, "{:?}", made.body);
    let build_id = made.body["buildId"].as_str().unwrap().to_owned();
    let mut offset = 0;
    for part in made.body["parts"].as_array().unwrap() {
        let size = (part["sizeBytes"].as_u64().unwrap() as usize).min(bytes.len() - offset);
        let put =
            http().put(part["url"].as_str().unwrap()).body(bytes[offset..offset + size].to_vec()).send().await.unwrap();
        assert!(put.status().is_success(), "{:?}", put.text().await);
        offset += size;
        if offset == bytes.len() {
            break;
        }
    }
    let done =
        s.post(&format!("/developer/games/{GUNPOINT}/builds/{build_id}/complete"), Some(&dev.token), &json!({})).await;
    (done, build_id)
}

async fn set_branch(s: &Stack, dev: &Player, branch: &str, body: &Value) -> Reply {
    let path = format!("/developer/games/{GUNPOINT}/branches/{branch}");
    s.call(Method::PUT, &path, Some(&dev.token), &[], Some(&body.to_string())).await
}

async fn download(s: &Stack, p: &Player, body: &Value) -> Reply {
    s.post(&format!("/library/{GUNPOINT}/download"), Some(&p.token), body).await
}

async fn fetch(url: &str) -> (StatusCode, Vec<u8>) {
    let r = http().get(url).send().await.unwrap();
    (r.status(), r.bytes().await.unwrap().to_vec())
}

#[tokio::test]
async fn an_owner_downloads_the_bytes_uploaded_and_nobody_else_does() {
    let s = stack();
    let dev = s.developer_of("Suspicious Developments").await;
    // 9 MiB: two parts (8 MiB and 1 MiB), put together by S3.
    let mut bytes = vec![0u8; 9 * MIB];
    rand::fill(&mut bytes[..]);
    let (done, build_id) = upload(s, &dev, "windows", &bytes, bytes.len()).await;
    assert_eq!(done.status, StatusCode::OK, "{:?}", done.body);
    assert_eq!(done.body["status"], "ready");
    let branch = set_branch(s, &dev, "default", &json!({ "builds": { "windows": build_id } })).await;
    assert_eq!(branch.status, StatusCode::OK, "{:?}", branch.body);

    let owner = s.funded_player(5_000).await;
    assert_eq!(owner.purchase(s, GUNPOINT).await.status, StatusCode::OK);
    let got = download(s, &owner, &json!({ "platform": "windows" })).await;
    assert_eq!(got.status, StatusCode::OK, "{:?}", got.body);
    let manifest = &got.body["manifest"];
    assert_eq!(
        (manifest["buildId"].as_str(), manifest["sizeBytes"].as_u64()),
        (Some(build_id.as_str()), Some(bytes.len() as u64))
    );
    let (status, file) = fetch(got.body["url"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(file.len(), bytes.len());
    assert_eq!(sha256_hex(&file), manifest["sha256"].as_str().unwrap(), "the bytes hash to the manifest's SHA-256");
    assert!(file == bytes, "the bytes uploaded");
    let forged = got.body["url"].as_str().unwrap().replace("X-Amz-Signature=", "X-Amz-Signature=0");
    assert_eq!(fetch(&forged).await.0, StatusCode::FORBIDDEN, "the URL is signed");

    download(s, &owner, &json!({ "platform": "linux" })).await.assert_problem(404, "no_build");
    let stranger = s.new_player().await;
    download(s, &stranger, &json!({ "platform": "windows" })).await.assert_problem(422, "not_owned");
    let refunded = s.funded_player(5_000).await;
    let order = refunded.purchase(s, GUNPOINT).await;
    let order_id = order.body["orderId"].as_str().unwrap();
    let back = s.post(&format!("/store/orders/{order_id}/refund"), Some(&refunded.token), &json!({})).await;
    assert_eq!(back.status, StatusCode::OK, "{:?}", back.body);
    download(s, &refunded, &json!({ "platform": "windows" })).await.assert_problem(422, "not_owned");
    s.post(
        &format!("/developer/games/{GUNPOINT}/builds"),
        Some(&owner.token),
        &json!({
        "platform": "windows", "version": "1", "fileName": "x.zip", "sizeBytes": 1, "sha256": "0".repeat(64) }),
    )
    .await
    .assert_problem(403, "forbidden");

    // A URL works for DownloadUrlTtlSeconds: served with 3 s, it works, then is refused.
    let short_lived = platform_tests::serve_with_params(&[("DownloadUrlTtlSeconds", "3")]);
    let r = http()
        .post(format!("{short_lived}/library/{GUNPOINT}/download"))
        .bearer_auth(&owner.token)
        .json(&json!({ "platform": "windows" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let url = r.json::<Value>().await.unwrap()["url"].as_str().unwrap().to_owned();
    assert_eq!(fetch(&url).await.0, StatusCode::OK, "fresh, it works");
    eventually("the URL to expire", Duration::from_secs(20), || async {
        (fetch(&url).await.0 == StatusCode::FORBIDDEN).then_some(())
    })
    .await;

    // A beta branch with a password.
    let small: Vec<u8> = (0..4096).map(|i| (i % 251) as u8).collect();
    let (done, beta_build) = upload(s, &dev, "linux", &small, small.len()).await;
    assert_eq!(done.status, StatusCode::OK, "{:?}", done.body);
    let beta = json!({ "builds": { "linux": beta_build }, "password": "open-sesame" });
    let set = set_branch(s, &dev, "beta", &beta).await;
    assert_eq!((set.status, &set.body["hasPassword"]), (StatusCode::OK, &json!(true)), "{:?}", set.body);
    let ask = |password: Option<&str>| json!({ "platform": "linux", "branch": "beta", "password": password });
    download(s, &owner, &ask(None)).await.assert_problem(403, "forbidden");
    download(s, &owner, &ask(Some("open-sesame?"))).await.assert_problem(403, "forbidden");
    let got = download(s, &owner, &ask(Some("open-sesame"))).await;
    assert_eq!(got.status, StatusCode::OK, "{:?}", got.body);
    assert!(fetch(got.body["url"].as_str().unwrap()).await.1 == small);
    set_branch(s, &dev, "default", &json!({ "builds": {}, "password": "nope-nope" }))
        .await
        .assert_problem(400, "validation_failed");
    set_branch(s, &dev, "default", &json!({ "builds": { "linux": build_id } }))
        .await
        .assert_problem(400, "validation_failed");

    let listing = s.get(&format!("/developer/games/{GUNPOINT}/builds"), Some(&dev.token)).await;
    assert_eq!(listing.status, StatusCode::OK, "{:?}", listing.body);
    assert_eq!(listing.body["downloads"], 3, "three URLs handed out: default, short-lived, beta");
    let ids: Vec<&str> =
        listing.body["builds"].as_array().unwrap().iter().map(|b| b["buildId"].as_str().unwrap()).collect();
    assert!(ids.contains(&build_id.as_str()) && ids.contains(&beta_build.as_str()), "{ids:?}");
    let shown = listing.body.to_string();
    assert!(!shown.contains("$argon2") && !shown.contains("passwordHash"), "the password's hash is never shown");
}

#[tokio::test]
async fn an_upload_of_another_size_than_declared_is_not_a_build() {
    let s = stack();
    let dev = s.developer_of("Suspicious Developments").await;
    // Declared 20 MiB (three parts), one part uploaded: not complete.
    let declared = json!({ "platform": "linux", "version": "2", "fileName": "g.zip", "sizeBytes": 20 * MIB, "sha256": "a".repeat(64) });
    let made = s.post(&format!("/developer/games/{GUNPOINT}/builds"), Some(&dev.token), &declared).await;
    assert_eq!(made.body["parts"].as_array().unwrap().len(), 3, "{:?}", made.body);
    let first =
        http().put(made.body["parts"][0]["url"].as_str().unwrap()).body(vec![1u8; 8 * MIB]).send().await.unwrap();
    assert!(first.status().is_success());
    let build = made.body["buildId"].as_str().unwrap();
    s.post(&format!("/developer/games/{GUNPOINT}/builds/{build}/complete"), Some(&dev.token), &json!({}))
        .await
        .assert_problem(422, "upload_incomplete");
    let other = s.developer_of("Valve").await;
    s.post(&format!("/developer/games/{GUNPOINT}/builds/{build}/complete"), Some(&other.token), &json!({}))
        .await
        .assert_problem(403, "forbidden");
    let bytes = vec![7u8; MIB];
    let (done, build_id) = upload(s, &dev, "macos", &bytes, 2 * MIB).await;
    done.assert_problem(422, "size_mismatch");
    set_branch(s, &dev, "test", &json!({ "builds": { "macos": build_id } }))
        .await
        .assert_problem(422, "build_not_ready");
}
