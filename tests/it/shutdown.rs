//! Graceful shutdown of the real `buckle serve` process: on SIGTERM it stops
//! accepting connections, lets requests in flight finish, writes the device usage
//! still counted in memory, and exits; a request that never finishes does not
//! keep it past `shutdown_timeout_seconds`.

use crate::device_usage::{device_token, enterprise_app};
use crate::testkit::*;
use std::path::Path;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A `buckle serve` process on `database_url` with this `buckle.toml`.
async fn serve(dir: &Path, database_url: &str, toml: &str) -> Process {
    std::fs::write(dir.join("buckle.toml"), toml).unwrap();
    Process::start(buckle(BIN, dir, Some(database_url))).await
}

/// A sign-in POST whose headers and first half of body are sent now; the rest
/// is sent by `finish`.
struct SlowPost {
    stream: TcpStream,
    rest: Vec<u8>,
}

impl SlowPost {
    async fn begin(base: &str, user: &str, password: &str) -> SlowPost {
        let addr = base.trim_start_matches("http://");
        let body = serde_json::json!({"user_name": user, "password": password}).to_string();
        let mut stream = TcpStream::connect(addr).await.unwrap();
        let head = format!(
            "POST /api/manage/session HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        );
        let (first, rest) = body.as_bytes().split_at(body.len() / 2);
        stream.write_all(head.as_bytes()).await.unwrap();
        stream.write_all(first).await.unwrap();
        stream.flush().await.unwrap();
        SlowPost {
            stream,
            rest: rest.to_vec(),
        }
    }

    /// Sends the rest of the body; the status line of the answer.
    async fn finish(mut self) -> String {
        self.stream.write_all(&self.rest).await.unwrap();
        let mut answer = String::new();
        self.stream.read_to_string(&mut answer).await.unwrap();
        answer.lines().next().unwrap_or_default().to_string()
    }
}

/// Waits until connecting to `base` is refused (the listener is closed).
async fn refused_within(base: &str, limit: Duration) -> bool {
    let addr = base.trim_start_matches("http://").to_string();
    let started = Instant::now();
    while started.elapsed() < limit {
        if TcpStream::connect(&addr).await.is_err() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

async fn sigterm_finishes_requests_and_flushes_usage(s: Server) {
    let (_, ent, id, key, root) = enterprise_app(&s).await;
    let token = device_token(&s, &ent, &id, &key, Some("dev-1"), None).await;
    let dir = tempfile::tempdir().unwrap();
    // Usage is flushed only at shutdown, so what the database holds after exit
    // was written by the shutdown.
    let mut srv = serve(
        dir.path(),
        &s.database_url,
        "device_usage_flush_seconds = 3600\nshutdown_timeout_seconds = 20\n",
    )
    .await;
    let client = reqwest::Client::new();
    for _ in 0..5 {
        let r = client
            .get(format!("{}/v1/workspaces", srv.base))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
    }
    drop(client);
    let in_flight = SlowPost::begin(&srv.base, &root.name, &root.password).await;
    // The request has reached the server before the signal.
    tokio::time::sleep(Duration::from_millis(300)).await;
    srv.signal("TERM");
    assert!(
        refused_within(&srv.base, Duration::from_secs(5)).await,
        "a new connection after SIGTERM is refused"
    );
    assert!(srv.child.try_wait().unwrap().is_none(), "still finishing");
    assert_eq!(in_flight.finish().await, "HTTP/1.1 200 OK");
    let status = tokio::time::timeout(Duration::from_secs(20), srv.child.wait())
        .await
        .expect("exits once the request is answered")
        .unwrap();
    assert!(status.success(), "{status:?}");
    let app_id = s
        .state
        .store
        .app_by_client_id(&id)
        .await
        .unwrap()
        .unwrap()
        .id;
    let day = buckle_server::device_usage::day_of(buckle_core::now_unix());
    let stored = s
        .state
        .store
        .device_usage_of_app(app_id, day, day)
        .await
        .unwrap();
    let calls: Vec<(&str, i64)> = stored
        .iter()
        .map(|u| (u.device_id.as_str(), u.calls))
        .collect();
    assert_eq!(calls, [("dev-1", 5)], "the shutdown wrote the usage");
}

crate::on_both_databases!(sigterm_finishes_requests_and_flushes_usage);

/// A request whose body never arrives is cut after `shutdown_timeout_seconds`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_that_never_finishes_is_cut_at_the_timeout() {
    let s = Server::start(Db::Sqlite).await;
    let root = s.super_admin("root").await;
    let dir = tempfile::tempdir().unwrap();
    let mut srv = serve(
        dir.path(),
        &s.database_url,
        "shutdown_timeout_seconds = 1\n",
    )
    .await;
    let stuck = SlowPost::begin(&srv.base, &root.name, &root.password).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let signalled = Instant::now();
    srv.signal("TERM");
    let status = tokio::time::timeout(Duration::from_secs(10), srv.child.wait())
        .await
        .expect("the stuck request does not keep the process")
        .unwrap();
    let took = signalled.elapsed();
    assert!(status.success(), "{status:?}");
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_secs(5),
        "exits after the 1 s timeout, not before and not much later: {took:?}"
    );
    drop(stuck);
}
