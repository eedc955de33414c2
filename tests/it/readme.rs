//! The README's shell examples, run as written against a real `buckle serve`: the
//! curl walk from the first start to a first token and a first app (through the
//! JWT flow), and the operator commands. A block is checked when the line before
//! it is the mark below.

use crate::cli::{BIN, Serve};
use crate::testkit::*;
use serde_json::{Value, json};
use std::path::Path;
use std::process::Stdio;
use tokio::process::Command;

const README: &str = include_str!("../../README.md");
const MARK: &str = "<!-- checked by tests/it/readme.rs -->";
/// The address the README names; the test's server listens elsewhere.
const README_URL: &str = "http://127.0.0.1:7070";
const PASSWORD_LINE: &str = "PASSWORD='the password printed at the first start'\n";
const README_BINARY: &str = "./target/release/buckle";

/// The `sh` blocks that follow the mark, in order.
fn checked_blocks() -> Vec<&'static str> {
    README
        .split(MARK)
        .skip(1)
        .map(|rest| {
            let body = rest
                .trim_start()
                .strip_prefix("```sh\n")
                .expect("an sh block follows the mark");
            &body[..body.find("\n```").expect("the block ends") + 1]
        })
        .collect()
}

/// Runs a script with bash in `dir` (where `./data` is the server's data
/// directory); returns (success, stdout, stderr).
async fn run(dir: &Path, script: &str) -> (bool, String, String) {
    let tools = "for t in curl jq openssl; do command -v $t >/dev/null || \
                 { echo \"the README's examples need $t\" >&2; exit 127; }; done\n";
    let out = Command::new("bash")
        .arg("-euo")
        .arg("pipefail")
        .arg("-c")
        .arg(format!("{tools}{script}"))
        .current_dir(dir)
        .env_remove("DATABASE_URL")
        .env_remove("BUCKLE_CONFIG")
        .env_remove("BUCKLE_DATA_DIR")
        .stdin(Stdio::null())
        .output()
        .await
        .expect("bash runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The JSON documents a script printed, one after another.
fn documents(out: &str) -> Vec<Value> {
    serde_json::Deserializer::from_str(out)
        .into_iter::<Value>()
        .collect::<Result<_, _>>()
        .unwrap_or_else(|e| panic!("{e}: {out}"))
}

#[tokio::test]
async fn the_readme_walks_from_the_first_start_to_a_first_token_and_app() {
    let blocks = checked_blocks();
    assert_eq!(blocks.len(), 2, "the curl walk and the operator commands");
    let (walk, operator) = (blocks[0], blocks[1]);
    let dir = tempfile::tempdir().unwrap();
    let srv = Serve::start(&dir.path().join("data"), &[], &[]).await;
    let password = srv.admin_password().expect("the first start's password");

    // The walk, with this server's address and first password in its two settings.
    assert!(
        walk.contains(README_URL) && walk.contains(PASSWORD_LINE),
        "{walk}"
    );
    let script = walk
        .replace(README_URL, &srv.base)
        .replace(PASSWORD_LINE, &format!("PASSWORD='{password}'\n"));
    let (ok, out, err) = run(dir.path(), &script).await;
    assert!(ok, "the walk runs: {err}\n{out}");
    // What it printed: the account the PAT reads, the web app with its secret,
    // the authorization, the JWT flow's token.
    let printed = documents(&out);
    assert_eq!(printed.len(), 4, "{out}");
    assert_eq!(printed[0]["user_name"], json!("admin"), "{out}");
    let web_app = &printed[1];
    assert!(web_app["app_id"].as_str().is_some(), "{out}");
    assert!(web_app["client_secret"].as_str().is_some(), "{out}");
    assert_eq!(printed[2]["organization_id"], Value::Null, "{out}");
    assert!(printed[2]["authorization_id"].as_str().is_some(), "{out}");
    let access = printed[3]["access_token"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(access.starts_with("czs_"), "the JWT flow's token: {out}");
    let me = Bearer {
        base: srv.base.clone(),
        token: access,
    };
    assert_eq!(
        me.get("/v1/users/me").await.ok()["user_name"],
        json!("admin")
    );

    // The operator commands, with the binary this test run built, next to the
    // running server on the same data directory.
    assert!(operator.contains(README_BINARY), "{operator}");
    let (ok, out, err) = run(dir.path(), &operator.replace(README_BINARY, BIN)).await;
    assert!(ok, "the operator commands run: {err}\n{out}");
    assert!(out.contains("created account ops"), "{out}");
    let pat = out.lines().last().unwrap_or_default().to_string();
    assert!(pat.starts_with("pat_") && pat.len() == 68, "{out}");
    let ops = Bearer {
        base: srv.base.clone(),
        token: pat,
    };
    assert_eq!(
        ops.get("/v1/users/me").await.ok()["user_name"],
        json!("ops")
    );
    ops.get("/api/manage/apps").await.ok();
    srv.stop().await;
}
