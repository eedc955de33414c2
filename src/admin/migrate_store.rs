//! `buckle admin migrate-store`: copies a whole Buckle database into an empty one
//! (SQLite to PostgreSQL, typically) and checks the copy row by row.

use anyhow::Context;
use buckle_store::transfer::{self, TransferReport, redact_url};
use clap::Args;

#[derive(Args)]
pub struct MigrateStoreArgs {
    /// The database to copy from (`sqlite://...` or `postgres://...`); opened
    /// read-only. Stop Buckle first.
    #[arg(long)]
    from: String,
    /// The database to copy into: migrated to this build's schema, and refused
    /// unless it holds no row.
    #[arg(long)]
    to: String,
    /// Write nothing: only compare the two databases' row counts and checksums.
    #[arg(long)]
    verify_only: bool,
}

pub async fn run(args: MigrateStoreArgs) -> anyhow::Result<()> {
    let from = redact_url(&args.from);
    let to = redact_url(&args.to);
    let report = if args.verify_only {
        eprintln!("comparing {from} with {to}");
        transfer::verify(&args.from, &args.to).await?
    } else {
        let target_file = buckle::sqlite_path(&args.to).filter(|_| args.to.starts_with("sqlite:"));
        if let Some(db) = &target_file {
            // It will hold password and token digests: this user's only, as Buckle makes it.
            if let Some(parent) = db.parent().filter(|p| !p.as_os_str().is_empty()) {
                buckle::private_dir(parent)?;
            }
            buckle::private_files(db)?;
        }
        eprintln!("copying {from} into {to}");
        let report = transfer::copy(&args.from, &args.to, &|step| eprintln!("  {step}"))
            .await
            .context("migrate-store stopped; nothing was committed to the target")?;
        if let Some(db) = &target_file {
            buckle::private_files(db)?;
        }
        report
    };
    print!("{}", report.render());
    finish(&report, args.verify_only)
}

fn finish(report: &TransferReport, verify_only: bool) -> anyhow::Result<()> {
    let rows: u64 = report.tables.iter().map(|t| t.source_rows).sum();
    if !report.matches() {
        let which = report.mismatched().join(", ");
        if verify_only {
            anyhow::bail!("the databases differ in: {which}");
        }
        anyhow::bail!(
            "the copy did not check out ({which}); it was rolled back, the target holds \
             only the schema"
        );
    }
    if verify_only {
        println!("{} tables, {rows} rows: identical", report.tables.len());
    } else {
        println!(
            "copied {} tables, {rows} rows; every table's count and checksum match",
            report.tables.len()
        );
    }
    Ok(())
}
