//! `buckle admin migrate [--dry-run]`: applies the migrations the binary has and
//! the database lacks, for operators who run them as a step of their own
//! (`migrate_on_start = false`). Refuses a database this binary must not touch.

use buckle::Settings;
use buckle_store::Migrations;

#[derive(clap::Args)]
pub struct MigrateArgs {
    /// List the pending migrations without applying them.
    #[arg(long)]
    dry_run: bool,
}

pub async fn run(settings: &Settings, args: MigrateArgs) -> anyhow::Result<()> {
    let store = buckle::open_store(settings, Migrations::Leave).await?;
    let result = migrate(&store, args.dry_run).await;
    store.close().await;
    result
}

async fn migrate(store: &buckle_store::Store, dry_run: bool) -> anyhow::Result<()> {
    let status = store.schema_status().await?;
    if let Some(problem) = status.problem {
        anyhow::bail!("{problem}");
    }
    if status.pending.is_empty() {
        println!(
            "the database is up to date (migration {}, {})",
            status.binary_version,
            store.dialect()
        );
        return Ok(());
    }
    if dry_run {
        println!(
            "{} pending migration(s) (database at {}, binary at {}); not applied (--dry-run):",
            status.pending.len(),
            status.database_version,
            status.binary_version
        );
        for m in &status.pending {
            println!("  {:04} {}", m.version, m.description);
        }
        return Ok(());
    }
    let applied = store.apply_pending().await?;
    for m in &applied {
        println!("applied {:04} {}", m.version, m.description);
    }
    println!(
        "the database is up to date (migration {}, {})",
        status.binary_version,
        store.dialect()
    );
    Ok(())
}
