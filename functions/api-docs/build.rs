//! The OpenAPI document is written in YAML at the repository root (`openapi.yaml`, beside
//! template.yaml) and served as JSON: converting it here keeps YAML parsing out of the function.

fn main() {
    let source = concat!(env!("CARGO_MANIFEST_DIR"), "/../../openapi.yaml");
    println!("cargo:rerun-if-changed={source}");
    let text = std::fs::read_to_string(source).expect("openapi.yaml at the repository root");
    let document: serde_json::Value = serde_yaml::from_str(&text).expect("openapi.yaml is valid YAML");
    let out = std::path::Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("openapi.json");
    std::fs::write(out, serde_json::to_string(&document).expect("JSON")).expect("write openapi.json");
}
