//! `buckle admin backup` and `buckle admin restore`: a consistent copy of a
//! (possibly running) SQLite installation, and its restoration into an empty
//! data directory. Neither opens the database through the store, so neither
//! migrates nor creates anything in the installation it reads.

use anyhow::Context;
use buckle::{Settings, sqlite_path};
use buckle_store::backup;
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
pub struct BackupArgs {
    /// The backup file to write; it must not exist.
    #[arg(long)]
    pub to: PathBuf,
}

#[derive(clap::Args)]
pub struct RestoreArgs {
    /// The backup file to restore (made by `buckle admin backup` or a scheduled backup).
    #[arg(long)]
    pub from: PathBuf,
}

const POSTGRES_BACKUP: &str = "buckle admin backup works on SQLite only. Back up PostgreSQL with its own tools: \
     pg_dump (logical backups) or a base backup with WAL archiving (point-in-time recovery); \
     see the README, section Backups";
const POSTGRES_RESTORE: &str = "buckle admin restore works on SQLite only. Restore PostgreSQL with its own tools \
     (pg_restore or psql for a pg_dump, or your base backup and WAL archive); see the README, section Backups";

/// The SQLite database file the settings name, or the error for PostgreSQL.
fn database_file(settings: &Settings, postgres: &str) -> anyhow::Result<PathBuf> {
    if !settings.database_url.starts_with("sqlite:") {
        anyhow::bail!("{postgres}");
    }
    sqlite_path(&settings.database_url)
        .context("an in-memory SQLite database has nothing to back up or restore into")
}

pub async fn backup(settings: &Settings, args: BackupArgs) -> anyhow::Result<()> {
    let db = database_file(settings, POSTGRES_BACKUP)?;
    let to = args.to.clone();
    let report = tokio::task::spawn_blocking(move || backup::backup_sqlite(&db, &to))
        .await
        .context("the backup stopped")??;
    println!(
        "backup written to {} ({} bytes, schema version {}, integrity ok)",
        args.to.display(),
        report.bytes,
        report.schema_version
    );
    Ok(())
}

pub async fn restore(settings: &Settings, args: RestoreArgs) -> anyhow::Result<()> {
    let db = database_file(settings, POSTGRES_RESTORE)?;
    let db_dir = match db.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    // Refuse before changing anything: the target holds nothing but, perhaps,
    // the configuration file an operator put there first.
    for dir in [&settings.data_dir, &db_dir] {
        refuse_non_empty(dir)?;
    }
    // A file copied from a live database may have its newest writes in a -wal
    // file beside it, which a restore of the file alone would silently drop.
    let mut wal = args.from.as_os_str().to_owned();
    wal.push("-wal");
    if std::fs::metadata(&wal).is_ok_and(|m| m.len() > 0) {
        anyhow::bail!(
            "{} has a -wal file beside it: it is a live database or a copy of one, and may \
             miss its latest writes; restore a file made by `buckle admin backup` instead",
            args.from.display()
        );
    }
    let from = args.from.clone();
    let checked = tokio::task::spawn_blocking(move || backup::check_sqlite_file(&from))
        .await
        .context("the check stopped")??;
    let mut made = Vec::new();
    for dir in [&settings.data_dir, &db_dir] {
        if let Some(created) = private_dir(dir)? {
            made.push(created);
        }
    }
    let (from, to) = (args.from.clone(), db.clone());
    let restored = tokio::task::spawn_blocking(move || backup::restore_sqlite(&from, &to))
        .await
        .context("the restore stopped");
    let report = match restored {
        Ok(Ok(report)) => report,
        Ok(Err(e)) => {
            undo(&made);
            return Err(e.into());
        }
        Err(e) => {
            undo(&made);
            return Err(e);
        }
    };
    debug_assert_eq!(report.schema_version, checked.schema_version);
    println!(
        "restored {} to {} ({} bytes, schema version {}, integrity ok)",
        args.from.display(),
        db.display(),
        report.bytes,
        report.schema_version
    );
    if report.schema_version < backup::known_sqlite_schema_version() {
        println!("The next `buckle serve` migrates it to this binary's schema.");
    }
    Ok(())
}

/// An error unless `dir` is absent or holds nothing but `buckle.toml`.
fn refuse_non_empty(dir: &Path) -> anyhow::Result<()> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e).with_context(|| format!("reading {}", dir.display())),
    };
    let mut found: Vec<String> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n != "buckle.toml")
        .collect();
    if found.is_empty() {
        return Ok(());
    }
    found.sort();
    found.truncate(3);
    anyhow::bail!(
        "{} is not empty (it holds {}); restore only into an empty data directory, \
         so that nothing of an installation is overwritten",
        dir.display(),
        found.join(", ")
    )
}

/// Creates `dir` 0700 when absent; returns the topmost directory it created and `dir`.
fn private_dir(dir: &Path) -> anyhow::Result<Option<(PathBuf, PathBuf)>> {
    if dir.exists() {
        return Ok(None);
    }
    let mut topmost = dir.to_path_buf();
    while let Some(parent) = topmost.parent() {
        if parent.as_os_str().is_empty() || parent.exists() {
            break;
        }
        topmost = parent.to_path_buf();
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder
        .create(dir)
        .with_context(|| format!("creating {}", dir.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
            .with_context(|| format!("restricting {}", dir.display()))?;
    }
    Ok(Some((topmost, dir.to_path_buf())))
}

/// Removes the directories a failed restore made, innermost first; `remove_dir`
/// fails on a directory that is not empty, so nothing else is lost.
fn undo(made: &[(PathBuf, PathBuf)]) {
    for (topmost, dir) in made.iter().rev() {
        let mut d = Some(dir.as_path());
        while let Some(p) = d {
            let _ = std::fs::remove_dir(p);
            d = (p != topmost.as_path()).then(|| p.parent()).flatten();
        }
    }
}
