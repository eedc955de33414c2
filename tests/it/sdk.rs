//! The official Coze Python SDK (`cozepy`, installed by `.ci/run`) against a running
//! Buckle, unmodified but for its base URL.

use crate::on_both_databases;
use crate::testkit::*;
use serde_json::{Value, json};

on_both_databases!(
    cozepy_reads_the_user_and_maps_errors,
    cozepy_pages_through_workspaces
);

/// Runs tests/sdk/cozepy_openapi.py and returns its one line of JSON.
pub(crate) async fn cozepy(base: &str, token: &str, call: &str) -> Value {
    let python = std::env::var("BUCKLE_TEST_PYTHON").expect(
        "BUCKLE_TEST_PYTHON must name a Python with cozepy installed (bash .ci/run makes one)",
    );
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/sdk/cozepy_openapi.py");
    let out = tokio::process::Command::new(python)
        .arg(script)
        .env("BUCKLE_BASE_URL", base)
        .env("BUCKLE_TOKEN", token)
        .env("BUCKLE_SDK_CALL", call)
        .output()
        .await
        .expect("run python");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "cozepy script failed: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

async fn cozepy_reads_the_user_and_maps_errors(s: Server) {
    let alice = s.user("alice").await;
    let session = s.login(&alice).await;
    session
        .patch(
            "/api/manage/accounts/me",
            json!({"nick_name": "Alice A.", "avatar_url": "https://img.example/a.png"}),
        )
        .await
        .ok();
    let pat = session.simple_pat(&["Account.readProfile"]).await;
    let me = cozepy(&s.base, &pat, "users.me").await;
    assert_eq!(
        me,
        json!({"ok": true, "user_id": alice.id.to_string(), "user_name": "alice",
               "nick_name": "Alice A.", "avatar_url": "https://img.example/a.png"})
    );

    let bad = cozepy(&s.base, &format!("pat_{}", "x".repeat(64)), "users.me").await;
    assert_eq!(bad["ok"], json!(false));
    assert_eq!(bad["error_class"], json!("CozeAPIError"));
    assert_eq!(bad["code"], json!(4100));
    assert!(
        bad["logid"].as_str().is_some_and(|l| !l.is_empty()),
        "{bad}"
    );

    let narrow = session.simple_pat(&["Workspace.list"]).await;
    let denied = cozepy(&s.base, &narrow, "users.me").await;
    assert_eq!(denied["code"], json!(4101), "{denied}");
}

async fn cozepy_pages_through_workspaces(s: Server) {
    let alice = s.user("alice").await;
    let session = s.login(&alice).await;
    for name in ["two", "three"] {
        session.workspace(name, None).await;
    }
    let pat = session.simple_pat(&["Workspace.list"]).await;
    // page_size=2 with three workspaces: cozepy must fetch a second page.
    let r = cozepy(&s.base, &pat, "workspaces.list").await;
    let ws = r["workspaces"].as_array().unwrap_or_else(|| panic!("{r}"));
    let mut names: Vec<&str> = ws.iter().map(|w| w["name"].as_str().unwrap()).collect();
    names.sort();
    assert_eq!(names, ["Personal", "three", "two"]);
    assert!(
        ws.iter()
            .all(|w| w["workspace_type"] == json!("personal") && w["role_type"] == json!("owner"))
    );
}
