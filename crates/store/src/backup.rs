//! Backups of a SQLite installation: a consistent copy of a live database made
//! with `VACUUM INTO` (one read transaction, which WAL lets run beside the
//! writer, so the server keeps writing), and the checks a file must pass before
//! it is restored. Both work on files only, without migrating anything: an
//! operator's backup must never change the running server's schema.

use rusqlite::{Connection, OpenFlags};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How long the backup's read waits for a lock (only a checkpoint in
/// truncate mode or a non-WAL writer could hold one).
const BUSY: Duration = Duration::from_secs(30);

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{0} already exists; Buckle never overwrites a file")]
    Exists(PathBuf),
    #[error("there is no database at {0}")]
    NoDatabase(PathBuf),
    #[error("{0} is not a SQLite database")]
    NotSqlite(PathBuf),
    #[error("{0} is not a Buckle database (it has no migration history)")]
    NotBuckle(PathBuf),
    #[error("{path} failed SQLite's integrity check: {detail}")]
    Corrupt { path: PathBuf, detail: String },
    #[error(
        "{path} has schema version {found}, newer than this binary's {known}; restore it with a newer Buckle"
    )]
    Newer {
        path: PathBuf,
        found: i64,
        known: i64,
    },
    /// A migration history this binary must not build on (altered or half-done).
    #[error("{path}: {problem}")]
    Schema {
        path: PathBuf,
        problem: crate::SchemaProblem,
    },
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{context}: {source}")]
    Sqlite {
        context: String,
        #[source]
        source: rusqlite::Error,
    },
}

fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> BackupError {
    let context = context.into();
    move |source| BackupError::Io { context, source }
}

fn sql(context: impl Into<String>) -> impl FnOnce(rusqlite::Error) -> BackupError {
    let context = context.into();
    move |source| BackupError::Sqlite { context, source }
}

/// What a finished backup (or a checked file) holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BackupReport {
    pub bytes: u64,
    pub schema_version: i64,
}

/// The newest SQLite schema version this binary knows (its last migration).
pub fn known_sqlite_schema_version() -> i64 {
    crate::schema::compare_sqlite(&[]).binary_version
}

/// A temporary name beside `dest`, hidden and recognisable: `.NAME.partial-RANDOM`.
pub fn partial_name(dest: &Path) -> PathBuf {
    let name = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "buckle-backup".into());
    dest.with_file_name(format!(".{name}.partial-{}", buckle_core::ids::new_id()))
}

/// Creates `path` empty, readable by this user only; fails when it exists.
fn create_private(path: &Path) -> Result<std::fs::File, BackupError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            BackupError::Exists(path.to_path_buf())
        } else {
            io(format!("creating {}", path.display()))(e)
        }
    })
}

/// Makes a finished temporary file `dest` without ever replacing an existing
/// file (a hard link fails when `dest` exists), then syncs the directory so the
/// new name survives a crash.
fn publish(tmp: &Path, dest: &Path) -> Result<(), BackupError> {
    match std::fs::hard_link(tmp, dest) {
        Ok(()) => {
            let _ = std::fs::remove_file(tmp);
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(BackupError::Exists(dest.to_path_buf()));
        }
        // A file system without hard links: a rename after a last look,
        // which only a file created in between could race.
        Err(_) => {
            if std::fs::symlink_metadata(dest).is_ok() {
                return Err(BackupError::Exists(dest.to_path_buf()));
            }
            std::fs::rename(tmp, dest).map_err(io(format!("naming {}", dest.display())))?;
        }
    }
    sync_dir(dest)
}

fn sync_dir(file: &Path) -> Result<(), BackupError> {
    #[cfg(unix)]
    {
        let dir = match file.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        std::fs::File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(io(format!("syncing directory {}", dir.display())))?;
    }
    #[cfg(not(unix))]
    let _ = file;
    Ok(())
}

fn remove_partial(tmp: &Path) {
    for suffix in ["", "-journal", "-wal", "-shm"] {
        let mut name = tmp.as_os_str().to_owned();
        name.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(name));
    }
}

/// Copies the live database `source` to `dest` (which must not exist) with
/// `VACUUM INTO`, through a 0600 temporary file beside `dest` that is synced,
/// checked with `PRAGMA integrity_check`, and only then given its name.
/// Blocking: run it on a blocking thread.
pub fn backup_sqlite(source: &Path, dest: &Path) -> Result<BackupReport, BackupError> {
    if std::fs::symlink_metadata(dest).is_ok() {
        return Err(BackupError::Exists(dest.to_path_buf()));
    }
    if !source.is_file() {
        return Err(BackupError::NoDatabase(source.to_path_buf()));
    }
    // Read-only: the backup must not create, migrate or change the database.
    let db = Connection::open_with_flags(
        source,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(sql(format!("opening {}", source.display())))?;
    db.busy_timeout(BUSY)
        .map_err(sql("setting the busy timeout"))?;
    let tmp = partial_name(dest);
    // VACUUM INTO accepts an existing empty file and keeps its mode: 0600.
    drop(create_private(&tmp)?);
    let result = (|| {
        let target = tmp
            .to_str()
            .ok_or_else(|| io("backup path")(std::io::Error::other("the path is not UTF-8")))?;
        db.execute("VACUUM INTO ?1", [target])
            .map_err(sql(format!("copying {}", source.display())))?;
        drop(db);
        std::fs::File::open(&tmp)
            .and_then(|f| f.sync_all())
            .map_err(io(format!("syncing {}", tmp.display())))?;
        let report = check_sqlite_file(&tmp)?;
        publish(&tmp, dest)?;
        Ok(report)
    })();
    if result.is_err() {
        remove_partial(&tmp);
    }
    result
}

/// A `file:` URI opening `path` as immutable: no locks, no -wal or -shm files,
/// nothing written beside a file that nothing else uses.
fn immutable_uri(path: &Path) -> String {
    let mut uri = String::from("file:");
    for c in path.to_string_lossy().chars() {
        match c {
            '%' => uri.push_str("%25"),
            '?' => uri.push_str("%3f"),
            '#' => uri.push_str("%23"),
            c => uri.push(c),
        }
    }
    uri.push_str("?immutable=1");
    uri
}

/// Checks that `path` is a SQLite database that passes `PRAGMA integrity_check`
/// and whose schema is not newer than this binary's. Opens it read-only and
/// immutable: checking a file changes nothing.
pub fn check_sqlite_file(path: &Path) -> Result<BackupReport, BackupError> {
    let mut header = [0u8; 16];
    let mut file = std::fs::File::open(path).map_err(io(format!("opening {}", path.display())))?;
    let bytes = file
        .metadata()
        .map_err(io(format!("reading {}", path.display())))?
        .len();
    if file.read_exact(&mut header).is_err() || &header != b"SQLite format 3\0" {
        return Err(BackupError::NotSqlite(path.to_path_buf()));
    }
    drop(file);
    let corrupt = |detail: String| BackupError::Corrupt {
        path: path.to_path_buf(),
        detail,
    };
    let db = Connection::open_with_flags(
        immutable_uri(path),
        OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_URI
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| corrupt(e.to_string()))?;
    let problems: Vec<String> = {
        let mut stmt = db
            .prepare("PRAGMA integrity_check")
            .map_err(|e| corrupt(e.to_string()))?;
        let rows = stmt
            .query_map([], |r| r.get::<_, String>(0))
            .map_err(|e| corrupt(e.to_string()))?;
        rows.collect::<Result<_, _>>()
            .map_err(|e| corrupt(e.to_string()))?
    };
    if problems != ["ok"] {
        // The first few lines say enough; a badly damaged file has thousands.
        let detail = problems.into_iter().take(3).collect::<Vec<_>>().join("; ");
        return Err(corrupt(detail));
    }
    let has_history: bool = db
        .query_row(
            "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations')",
            [],
            |r| r.get(0),
        )
        .map_err(|e| corrupt(e.to_string()))?;
    if !has_history {
        return Err(BackupError::NotBuckle(path.to_path_buf()));
    }
    // The same judgement `buckle serve` makes of a database before migrating it.
    let applied = {
        let mut stmt = db
            .prepare("SELECT version, success, checksum FROM _sqlx_migrations")
            .map_err(|e| corrupt(e.to_string()))?;
        let rows = stmt
            .query_map([], |r| {
                Ok(crate::schema::Applied {
                    version: r.get(0)?,
                    success: r.get(1)?,
                    checksum: r.get(2)?,
                })
            })
            .map_err(|e| corrupt(e.to_string()))?;
        rows.collect::<Result<Vec<_>, _>>()
            .map_err(|e| corrupt(e.to_string()))?
    };
    let status = crate::schema::compare_sqlite(&applied);
    match status.problem {
        None => {}
        Some(crate::SchemaProblem::Newer { database, binary }) => {
            return Err(BackupError::Newer {
                path: path.to_path_buf(),
                found: database,
                known: binary,
            });
        }
        Some(problem) => {
            return Err(BackupError::Schema {
                path: path.to_path_buf(),
                problem,
            });
        }
    }
    let schema_version = status.database_version;
    Ok(BackupReport {
        bytes,
        schema_version,
    })
}

/// Restores `source` (which the caller checked with [`check_sqlite_file`]
/// before making any directory) as the database file `dest`, which must not
/// exist (nor its -wal, -shm or -journal files): a copy to a 0600 temporary
/// file beside it, synced, checked, then named. Blocking.
pub fn restore_sqlite(source: &Path, dest: &Path) -> Result<BackupReport, BackupError> {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut name = dest.as_os_str().to_owned();
        name.push(suffix);
        let path = PathBuf::from(name);
        if std::fs::symlink_metadata(&path).is_ok() {
            return Err(BackupError::Exists(path));
        }
    }
    let tmp = partial_name(dest);
    let mut out = create_private(&tmp)?;
    let result = (|| {
        let mut input =
            std::fs::File::open(source).map_err(io(format!("opening {}", source.display())))?;
        std::io::copy(&mut input, &mut out).map_err(io(format!("writing {}", tmp.display())))?;
        out.sync_all()
            .map_err(io(format!("syncing {}", tmp.display())))?;
        // What was written is what is restored: check the copy, not the source.
        let report = check_sqlite_file(&tmp)?;
        publish(&tmp, dest)?;
        Ok(report)
    })();
    if result.is_err() {
        remove_partial(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn immutable_uris_escape_what_a_uri_reads_specially() {
        assert_eq!(
            immutable_uri(Path::new("/a b/x?y#z%.db")),
            "file:/a b/x%3fy%23z%25.db?immutable=1"
        );
    }

    #[test]
    fn a_file_that_is_not_sqlite_is_named_so() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.db");
        std::fs::write(&p, b"hello, this is not a database at all").unwrap();
        assert!(matches!(
            check_sqlite_file(&p),
            Err(BackupError::NotSqlite(_))
        ));
    }

    #[test]
    fn the_known_schema_version_is_the_last_migration() {
        assert!(known_sqlite_schema_version() >= 9);
    }
}
