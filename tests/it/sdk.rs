//! The official Coze Python SDK (`cozepy`, installed by `.ci/run`) against a running
//! Buckle, unmodified but for its base URL.

use crate::on_both_databases;
use crate::testkit::*;
use serde_json::{Value, json};

on_both_databases!(
    cozepy_reads_the_user_and_maps_errors,
    cozepy_pages_through_workspaces,
    cozepy_falls_back_on_the_team_credential_through_a_workspace_move,
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

/// tests/sdk/cozepy_migration.py, running: one round of calls per [`round`](Self::round).
struct FallbackClient {
    child: std::process::Child,
    stdin: std::process::ChildStdin,
    stdout: std::io::BufReader<std::process::ChildStdout>,
}

impl FallbackClient {
    fn start(base: &str, tokens: &[&str], workspace: i64, conversation: &str) -> FallbackClient {
        let python = std::env::var("BUCKLE_TEST_PYTHON").expect(
            "BUCKLE_TEST_PYTHON must name a Python with cozepy installed (bash .ci/run makes one)",
        );
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/sdk/cozepy_migration.py");
        let mut child = std::process::Command::new(python)
            .arg(script)
            .env("BUCKLE_BASE_URL", base)
            .env("BUCKLE_TOKENS", tokens.join(","))
            .env("BUCKLE_WORKSPACE", workspace.to_string())
            .env("BUCKLE_CONVERSATION", conversation)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("run python");
        let stdin = child.stdin.take().unwrap();
        let stdout = std::io::BufReader::new(child.stdout.take().unwrap());
        FallbackClient {
            child,
            stdin,
            stdout,
        }
    }

    /// One round (the workspace's bots, then the conversation), as the script tells it.
    fn round(&mut self) -> Value {
        use std::io::{BufRead, Write};
        tokio::task::block_in_place(|| {
            writeln!(self.stdin, "call").expect("write to the script");
            self.stdin.flush().unwrap();
            let mut line = String::new();
            self.stdout.read_line(&mut line).expect("read the script");
            serde_json::from_str(line.trim()).unwrap_or_else(|e| panic!("{e}: {line:?}"))
        })
    }
}

impl Drop for FallbackClient {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The migration guide's plan with cozepy: the client holds ann's personal PAT
/// and, made before the move, her team PAT on all workspaces; it falls back on
/// 4100/4101. Before the move the personal one serves; the workspace moves while
/// the client keeps calling; afterwards the team one serves the workspace's bots,
/// and the conversation (account level) is still the personal one's. No round fails.
async fn cozepy_falls_back_on_the_team_credential_through_a_workspace_move(s: Server) {
    let acme = Org::build(&s, "acme").owner("ann").create().await;
    let (ann, a) = acme.member("ann");
    let mover = s.login(ann).await;
    let ws = a.workspace("moving", None).await;
    let points = [
        "Bot.list",
        "Bot.create",
        "Conversation.create",
        "Conversation.list",
    ];
    let personal = a.simple_pat(&points).await;
    let team = acme.pat("ann", &points).await;
    s.bearer(&personal)
        .post(
            "/v1/bot/create",
            json!({"space_id": ws.to_string(), "name": "helper"}),
        )
        .await
        .ok();
    let made = s
        .bearer(&personal)
        .post("/v1/conversation/create", json!({}))
        .await;
    let conversation = made.ok()["id"].as_str().unwrap().to_string();

    let mut client = FallbackClient::start(&s.base, &[&personal, &team], ws, &conversation);
    let mut served_by = Vec::new();
    let mut moved = None;
    let mut mover_slot = Some(mover);
    for i in 0..30 {
        if i == 5 {
            // The move happens while the client keeps calling.
            let org = acme.id.clone();
            let session = mover_slot.take().expect("one move");
            moved = Some(tokio::spawn(async move {
                session
                    .post(
                        &format!("/api/manage/workspaces/{ws}/move"),
                        json!({"organization_id": org}),
                    )
                    .await
                    .ok()
                    .clone()
            }));
        }
        let r = client.round();
        assert_eq!(r["ok"], json!(true), "round {i}: {r}");
        assert_eq!(r["bot_names"], json!(["helper"]), "round {i}: {r}");
        assert_eq!(r["conversation_by"], json!(0), "round {i}: {r}");
        served_by.push(r["bots_by"].as_i64().unwrap());
        if i == 20 {
            moved.take().expect("the move started").await.unwrap();
        }
    }
    assert_eq!(served_by[..5], [0; 5], "before the move: {served_by:?}");
    assert_eq!(served_by[21..], [1; 9], "after the move: {served_by:?}");
    // Once the team credential serves, the personal one never serves again.
    let switched = served_by.iter().position(|b| *b == 1).unwrap();
    assert!(
        served_by[switched..].iter().all(|b| *b == 1),
        "{served_by:?}"
    );
}
