//! Scheduled backups of a SQLite installation, made by the server itself: every
//! `backup_interval_seconds`, a `VACUUM INTO` copy named by its UTC time in
//! `backup_dir`, keeping the newest `backup_keep`. A failure is logged and
//! counted; serving goes on.

use crate::{Settings, sqlite_path};
use anyhow::Context;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Counts scheduled backups that failed.
pub const FAILURES_METRIC: &str = "buckle_backup_failures_total";
/// Unix time of the last scheduled backup that succeeded.
pub const LAST_SUCCESS_METRIC: &str = "buckle_backup_last_success_timestamp_seconds";

/// What the server backs up, where to, how often, and how many to keep.
#[derive(Debug, Clone)]
pub struct Schedule {
    pub database: PathBuf,
    pub dir: PathBuf,
    pub every: Duration,
    pub keep: usize,
}

impl Schedule {
    /// The schedule the settings ask for; `None` when backups are off.
    /// (Settings already refused an interval on anything but a SQLite file.)
    pub fn from_settings(s: &Settings) -> Option<Schedule> {
        if s.backup_interval_seconds == 0 {
            return None;
        }
        Some(Schedule {
            database: sqlite_path(&s.database_url)?,
            dir: s.backup_dir.clone(),
            every: Duration::from_secs(s.backup_interval_seconds),
            keep: s.backup_keep as usize,
        })
    }
}

/// Starts the scheduled backups the settings ask for; the task runs until
/// aborted. Fails at start when the backup directory cannot be made.
pub fn start(settings: &Settings) -> anyhow::Result<Option<tokio::task::JoinHandle<()>>> {
    let Some(schedule) = Schedule::from_settings(settings) else {
        return Ok(None);
    };
    private_dir(&schedule.dir)?;
    remove_stale_partials(&schedule.dir);
    metrics::counter!(FAILURES_METRIC).increment(0);
    tracing::info!(
        dir = %schedule.dir.display(),
        every_seconds = schedule.every.as_secs(),
        keep = schedule.keep,
        "scheduled backups are on"
    );
    Ok(Some(tokio::spawn(run(schedule))))
}

async fn run(schedule: Schedule) {
    let start = tokio::time::Instant::now() + schedule.every;
    let mut tick = tokio::time::interval_at(start, schedule.every);
    // A slow backup delays the next one instead of starting a burst.
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let s = schedule.clone();
        let began = std::time::Instant::now();
        match tokio::task::spawn_blocking(move || once(&s)).await {
            Ok(Ok((path, report))) => {
                let now = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .unwrap_or_default();
                metrics::gauge!(LAST_SUCCESS_METRIC).set(now.as_secs_f64());
                tracing::info!(
                    file = %path.display(),
                    bytes = report.bytes,
                    schema_version = report.schema_version,
                    elapsed_ms = began.elapsed().as_millis() as u64,
                    "scheduled backup written"
                );
            }
            Ok(Err(e)) => {
                metrics::counter!(FAILURES_METRIC).increment(1);
                tracing::error!(error = format!("{e:#}"), "scheduled backup failed");
            }
            Err(e) => {
                metrics::counter!(FAILURES_METRIC).increment(1);
                tracing::error!(error = %e, "scheduled backup failed");
            }
        }
    }
}

/// One backup, then the pruning of the oldest beyond `keep`.
fn once(s: &Schedule) -> anyhow::Result<(PathBuf, buckle_store::backup::BackupReport)> {
    let path = s.dir.join(file_name(SystemTime::now()));
    let report = buckle_store::backup::backup_sqlite(&s.database, &path)?;
    prune(&s.dir, s.keep)?;
    Ok((path, report))
}

/// `buckle-YYYYMMDDTHHMMSS.mmmZ.db` for a UTC time: names sort as times do.
pub fn file_name(at: SystemTime) -> String {
    let since = at.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since.as_secs();
    let (y, m, d) = civil_from_days((secs / 86_400) as i64);
    let rem = secs % 86_400;
    format!(
        "buckle-{y:04}{m:02}{d:02}T{:02}{:02}{:02}.{:03}Z.db",
        rem / 3600,
        rem / 60 % 60,
        rem % 60,
        since.subsec_millis()
    )
}

/// True for a name [`file_name`] makes, and only those: pruning never touches
/// anything else in the directory.
pub fn is_backup_name(name: &str) -> bool {
    let Some(stamp) = name
        .strip_prefix("buckle-")
        .and_then(|r| r.strip_suffix("Z.db"))
    else {
        return false;
    };
    let b = stamp.as_bytes();
    b.len() == 19
        && b.iter().enumerate().all(|(i, c)| match i {
            8 => *c == b'T',
            15 => *c == b'.',
            _ => c.is_ascii_digit(),
        })
}

/// Deletes the oldest backups Buckle named in `dir` beyond the newest `keep`.
pub fn prune(dir: &Path, keep: usize) -> anyhow::Result<()> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .with_context(|| format!("listing {}", dir.display()))?
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| is_backup_name(n))
        .collect();
    names.sort();
    let excess = names.len().saturating_sub(keep);
    for name in &names[..excess] {
        let path = dir.join(name);
        std::fs::remove_file(&path).with_context(|| format!("deleting {}", path.display()))?;
        tracing::info!(file = %path.display(), "old backup deleted");
    }
    Ok(())
}

/// Deletes the temporary files of backups a stopped process left unfinished
/// (`.buckle-...Z.db.partial-N`), and nothing else.
fn remove_stale_partials(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.filter_map(|e| e.ok()) {
        let Ok(name) = entry.file_name().into_string() else {
            continue;
        };
        let unfinished = name
            .strip_prefix('.')
            .and_then(|n| n.split_once(".partial-"))
            .is_some_and(|(backup, n)| {
                is_backup_name(backup) && !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())
            });
        if unfinished && std::fs::remove_file(entry.path()).is_ok() {
            tracing::info!(file = %entry.path().display(), "unfinished backup deleted");
        }
    }
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian
/// (Howard Hinnant's `civil_from_days`).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// Creates the backup directory readable by this user only; an existing one
/// keeps its mode, with a warning when others may read it.
fn private_dir(dir: &Path) -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        if let Ok(meta) = std::fs::metadata(dir) {
            if meta.permissions().mode() & 0o077 != 0 {
                tracing::warn!(dir = %dir.display(), "the backup directory is open to other users; chmod 700 it");
            }
            return Ok(());
        }
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .with_context(|| format!("creating backup directory {}", dir.display()))?;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
            .with_context(|| format!("restricting backup directory {}", dir.display()))?;
    }
    #[cfg(not(unix))]
    std::fs::create_dir_all(dir)
        .with_context(|| format!("creating backup directory {}", dir.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_utc_times_that_sort() {
        let at = UNIX_EPOCH + Duration::from_millis(1_796_122_548_123);
        assert_eq!(file_name(at), "buckle-20261201T105548.123Z.db");
        assert_eq!(file_name(UNIX_EPOCH), "buckle-19700101T000000.000Z.db");
        let leap = UNIX_EPOCH + Duration::from_secs(951_782_400); // 2000-02-29
        assert_eq!(file_name(leap), "buckle-20000229T000000.000Z.db");
        assert!(is_backup_name(&file_name(at)));
    }

    #[test]
    fn only_names_buckle_made_count_as_backups() {
        for other in [
            "buckle.db",
            "buckle-manual.db",
            "buckle-20261201T105548Z.db",
            "buckle-20261201T105548.123Z.db-wal",
            ".buckle-20261201T105548.123Z.db.partial-1",
            "notes.txt",
        ] {
            assert!(!is_backup_name(other), "{other}");
        }
    }

    #[test]
    fn pruning_keeps_the_newest_and_everything_else() {
        let dir = tempfile::tempdir().unwrap();
        let names = [
            "buckle-20261201T105548.123Z.db",
            "buckle-20261201T105549.123Z.db",
            "buckle-20261201T105550.123Z.db",
            "buckle-manual.db",
        ];
        for n in names {
            std::fs::write(dir.path().join(n), b"x").unwrap();
        }
        prune(dir.path(), 2).unwrap();
        let mut left: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        left.sort();
        assert_eq!(left, names[1..]);
    }

    #[test]
    fn only_buckle_s_own_unfinished_backups_are_cleaned_up() {
        let dir = tempfile::tempdir().unwrap();
        let stale = ".buckle-20261201T105548.123Z.db.partial-1234567890";
        let others = [".notes.partial-1", "buckle-20261201T105549.123Z.db", "x.db"];
        for n in others.iter().chain([&stale]) {
            std::fs::write(dir.path().join(n), b"x").unwrap();
        }
        remove_stale_partials(dir.path());
        for n in others {
            assert!(dir.path().join(n).exists(), "{n}");
        }
        assert!(!dir.path().join(stale).exists());
    }
}
