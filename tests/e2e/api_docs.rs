//! The API describes itself: `GET /openapi.json` serves the checked-in document, and `GET /docs`
//! renders it with nothing loaded from elsewhere (it works offline).

use platform_tests::stack;
use reqwest::StatusCode;

#[tokio::test]
async fn the_openapi_document_and_its_offline_docs_page_are_served() {
    let s = stack();
    let r = s.get("/openapi.json", None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.content_type, "application/json");
    let text = std::fs::read_to_string(platform_tests::repo_root().join("openapi.yaml")).unwrap();
    let checked_in: serde_json::Value = serde_yaml::from_str(&text).unwrap();
    assert_eq!(r.body, checked_in, "the served document is openapi.yaml");

    let page = platform_tests::http().get(format!("{}/docs", s.base_url)).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    let html = page.text().await.unwrap();
    assert!(html.contains(r#"fetch("openapi.json")"#), "the page reads the served document");
    for external in ["src=\"http", "href=\"http", "@import", "//cdn"] {
        assert!(!html.contains(external), "the page loads nothing from elsewhere: {external}");
    }
}
