//! `buckle-bench`: the tooling behind `bench/run.sh` (seeding, the bare reference
//! route, readiness, scratch PostgreSQL databases), and a quick grant benchmark.
//!
//!   cargo run --release -p buckle-bench -- [REQUESTS] [CONCURRENCY]   # quick grant benchmark
//!   cargo run --release -p buckle-bench -- seed --help                 # and the other commands

mod bare;
mod db;
mod grants;
mod jwt;
mod seed;

use anyhow::{Result, bail};
use clap::{Parser, Subcommand};
use std::time::{Duration, Instant};

#[derive(Parser)]
#[command(name = "buckle-bench")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Seeds a migrated database in bulk and writes the load's request files.
    Seed(seed::SeedArgs),
    /// Serves the bare reference route.
    Bare(bare::BareArgs),
    /// Waits until a URL answers 200 (a server's /healthz), polling every millisecond.
    WaitReady {
        #[arg(long)]
        url: String,
        #[arg(long, default_value_t = 120)]
        timeout_secs: u64,
    },
    /// Creates a scratch database on a PostgreSQL server and prints its URL.
    PgCreate {
        /// Any database URL on the server (the database it names is only connected to).
        #[arg(long)]
        server_url: String,
        #[arg(long)]
        name: String,
    },
    /// Prints whether a PostgreSQL server syncs every commit: its fsync,
    /// synchronous_commit and full_page_writes settings.
    PgDurability {
        #[arg(long)]
        server_url: String,
    },
    /// Drops a scratch database made by pg-create.
    PgDrop {
        #[arg(long)]
        server_url: String,
        #[arg(long)]
        name: String,
    },
    /// The quick grant benchmark against a server on an empty SQLite database.
    Grants {
        #[arg(default_value_t = 5000)]
        requests: usize,
        #[arg(default_value_t = 32)]
        concurrency: usize,
    },
}

#[tokio::main]
async fn main() -> Result<()> {
    // The quick benchmark's original form: bare numbers, or nothing.
    let args: Vec<String> = std::env::args().collect();
    if args.len() == 1 || args[1].parse::<usize>().is_ok() {
        let requests = args.get(1).map(|a| a.parse()).transpose()?.unwrap_or(5000);
        let concurrency = args.get(2).map(|a| a.parse()).transpose()?.unwrap_or(32);
        return grants::run_quick(requests, concurrency).await;
    }
    match Cli::parse().command {
        Command::Seed(a) => seed::seed(a).await,
        Command::Bare(a) => bare::serve(a).await,
        Command::WaitReady { url, timeout_secs } => wait_ready(&url, timeout_secs).await,
        Command::PgCreate { server_url, name } => {
            println!("{}", db::pg_create(&server_url, &name).await?);
            Ok(())
        }
        Command::PgDrop { server_url, name } => db::pg_drop(&server_url, &name).await,
        Command::PgDurability { server_url } => {
            println!("{}", db::pg_durability(&server_url).await?);
            Ok(())
        }
        Command::Grants {
            requests,
            concurrency,
        } => grants::run_quick(requests, concurrency).await,
    }
}

async fn wait_ready(url: &str, timeout_secs: u64) -> Result<()> {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()?;
    let deadline = Instant::now() + Duration::from_secs(timeout_secs);
    loop {
        if let Ok(r) = http.get(url).send().await
            && r.status().is_success()
        {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!("{url} did not answer within {timeout_secs} s");
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}
