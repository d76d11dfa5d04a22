//! `openapi.yaml` describes exactly the routes `template.yaml` serves: no route without its
//! operation, no operation without its route, each operation named after its function.

use infra::template::Template;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

fn repo_file(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(name)
}

/// (METHOD, path) -> operationId, from the OpenAPI document.
fn operations() -> BTreeMap<(String, String), String> {
    let text = std::fs::read_to_string(repo_file("openapi.yaml")).unwrap();
    let document: serde_json::Value = serde_yaml::from_str(&text).unwrap();
    assert!(document["openapi"].as_str().unwrap().starts_with("3.1"), "OpenAPI 3.1");
    let mut out = BTreeMap::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            if ["get", "post", "put", "patch", "delete"].contains(&method.as_str()) {
                let id = operation["operationId"].as_str().unwrap_or_default().to_owned();
                out.insert((method.to_uppercase(), path.clone()), id);
            }
        }
    }
    out
}

#[test]
fn every_template_route_has_an_operation_and_every_operation_a_route() {
    let template = Template::load(&repo_file("template.yaml"), &HashMap::new()).unwrap();
    let routes: BTreeMap<(String, String), String> = template
        .functions
        .iter()
        .flat_map(|f| f.routes.iter().map(|r| ((r.method.clone(), r.path.clone()), f.binary.clone())))
        .collect();
    let operations = operations();
    let missing: BTreeSet<_> = routes.keys().filter(|r| !operations.contains_key(*r)).collect();
    let stray: BTreeSet<_> = operations.keys().filter(|o| !routes.contains_key(*o)).collect();
    assert!(missing.is_empty(), "template routes without an OpenAPI operation: {missing:?}");
    assert!(stray.is_empty(), "OpenAPI operations without a template route: {stray:?}");
    for (route, binary) in &routes {
        let id = &operations[route];
        assert!(id == binary || id.starts_with(&format!("{binary}-")), "{route:?}: operationId {id} is not {binary}");
    }
}
