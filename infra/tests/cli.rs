//! The `infra` command line as `./dev` uses it.

use std::process::Command;

/// Secrets come from a file: a `--param JwtSecret=...` would be readable by anyone in `ps`.
#[test]
fn parameters_can_come_from_a_file_and_dev_never_puts_the_secret_on_a_command_line() {
    let dir = std::env::temp_dir().join(format!("infra-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let params = dir.join("params");
    let secret = "a-secret-of-at-least-thirty-two-bytes-0123456789";
    std::fs::write(&params, format!("# local stack\nJwtSecret={secret}\n")).unwrap();
    let template = concat!(env!("CARGO_MANIFEST_DIR"), "/../template.yaml");
    let out = Command::new(env!("CARGO_BIN_EXE_infra"))
        .args(["env", "account-login", "--template", template, "--param-file"])
        .arg(&params)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let env = String::from_utf8(out.stdout).unwrap();
    assert!(env.lines().any(|l| l == format!("JWT_SECRET={secret}")), "{env}");

    let dev = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../dev")).unwrap();
    assert!(!dev.contains("--param JwtSecret"), "./dev passes the JWT secret on a command line");
}
