//! The `infra` command line as `./dev` uses it.

use std::process::Command;

/// Parameter overrides come from a file (`./dev` keeps them in .local/params).
#[test]
fn parameters_can_come_from_a_file() {
    let dir = std::env::temp_dir().join(format!("infra-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let params = dir.join("params");
    std::fs::write(&params, "# local stack\nActiveTokenSigningKey=b\n").unwrap();
    let template = concat!(env!("CARGO_MANIFEST_DIR"), "/../template.yaml");
    let out = Command::new(env!("CARGO_BIN_EXE_infra"))
        .args(["env", "account-login", "--template", template, "--param-file"])
        .arg(&params)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let env = String::from_utf8(out.stdout).unwrap();
    assert!(env.lines().any(|l| l == "TOKEN_SIGNING_KEY=alias/game-platform/token-signing-b"), "{env}");
}
