//! A `buckle` binary run as a child process, as an operator runs it: `serve`
//! on a free port (its address read from the banner) and `admin` commands.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, Command};

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_buckle");

/// `bin` with only the settings given here (none from the test's environment).
pub fn buckle(bin: &str, data_dir: &Path, database_url: Option<&str>) -> Command {
    let mut cmd = Command::new(bin);
    cmd.env("BUCKLE_DATA_DIR", data_dir)
        .env_remove("DATABASE_URL")
        .env_remove("BUCKLE_CONFIG")
        .env_remove("BUCKLE_LISTEN")
        .env_remove("BUCKLE_PUBLIC_URL")
        .env_remove("RUST_BACKTRACE")
        .env("BUCKLE_LOG", "warn");
    if let Some(url) = database_url {
        cmd.env("DATABASE_URL", url);
    }
    cmd
}

/// A `buckle serve` process.
pub struct Process {
    pub child: Child,
    pub base: String,
}

impl Process {
    pub async fn start(cmd: Command) -> Process {
        Process::start_with(cmd, &[]).await
    }

    /// [`Process::start`] with more `serve` arguments.
    pub async fn start_with(mut cmd: Command, args: &[&str]) -> Process {
        cmd.arg("serve")
            .args(["--listen", "127.0.0.1:0"])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true);
        let mut child = cmd.spawn().expect("spawn buckle serve");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let base = tokio::time::timeout(Duration::from_secs(60), async {
            while let Some(line) = lines.next_line().await.unwrap() {
                if let Some(rest) = line.strip_prefix("Buckle is listening on ") {
                    return rest.split_whitespace().next().unwrap().to_string();
                }
            }
            panic!("buckle serve exited before listening");
        })
        .await
        .expect("buckle serve starts within 60 s");
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Process { child, base }
    }

    /// SIGKILL: no shutdown hook, no flush, no pool close.
    pub async fn kill(mut self) {
        self.child.start_kill().expect("SIGKILL buckle serve");
        let status = self.child.wait().await.unwrap();
        assert!(!status.success(), "killed, not exited: {status:?}");
    }

    pub fn signal(&self, name: &str) {
        let pid = self.child.id().expect("running").to_string();
        let ok = std::process::Command::new("kill")
            .args([&format!("-{name}"), &pid])
            .status()
            .unwrap()
            .success();
        assert!(ok, "kill -{name} {pid}");
    }
}

/// Runs `cmd admin ARGS` with `stdin`; its exit status, standard output and error.
pub async fn run_admin(mut cmd: Command, args: &[&str], stdin: &str) -> (bool, String, String) {
    cmd.arg("admin")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.as_bytes()).await.unwrap();
    drop(input);
    let out = child.wait_with_output().await.unwrap();
    (
        out.status.success(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}
