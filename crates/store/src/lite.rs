//! SQLite used directly, for the statements on the hot paths (the token check's
//! misses, the grants): sqlx runs each SQLite statement on a worker thread of
//! its connection, and under load the thread hops (a wake-up and a context
//! switch each way, per statement) cost more than the statements. Here:
//!
//! - **Reads** run on the calling thread, on a read-only connection taken from
//!   a small pool and put back: indexed reads of a few rows, microseconds.
//! - **Grouped writes** go to one writer thread, which runs everything queued in
//!   one `BEGIN IMMEDIATE` transaction, each unit in a savepoint of its own (so a
//!   unit that fails undoes only itself), and answers each unit only after the
//!   commit: one hop per unit, one commit per batch.
//!
//! - **Checkpoints** (copying the write-ahead log back into the database file,
//!   and its fsyncs) run on a thread of their own, so the writer thread only
//!   writes: SQLite's automatic checkpoint would run them inside the commit
//!   that crosses the threshold, holding up every grant of the batch.
//!
//! It opens the same file, with the same bundled SQLite library, as sqlx does.
//! sqlx's writer connection still makes every other write; the two writers take
//! turns through [`WriteTurn`] instead of spinning on SQLite's busy handler.

use crate::{Result, StoreError};
use rusqlite::{Connection, OpenFlags, Statement, ToSql, TransactionBehavior};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError, mpsc};
use std::time::Duration;
use tokio::sync::oneshot;

/// Whose turn it is to write: held by sqlx's writer for a write and by the
/// writer thread for a batch.
pub(crate) type WriteTurn = Arc<tokio::sync::Mutex<()>>;

/// Idle read connections kept; more are opened when needed and closed after.
const KEEP_READERS: usize = 16;
/// Most units one transaction carries.
const MAX_BATCH: usize = 512;
/// How long a statement waits for a lock another process holds.
const BUSY: Duration = Duration::from_secs(10);
/// How often the checkpointer looks at the write-ahead log when idle.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(100);
/// Log frames (pages) a checkpoint copied above which the next one starts at once.
const BUSY_LOG: i64 = 1000;

/// A row type readable from a rusqlite row by column names (see [`lite_row`]).
pub(crate) trait LiteRow: Sized {
    fn from_lite(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self>;
}

/// Implements [`LiteRow`] for a `sqlx::FromRow` row struct, field by field:
/// `lite_row!(AppRow { id, name })`. A field left out fails to compile.
macro_rules! lite_row {
    ($row:ident { $($field:ident),* $(,)? }) => {
        impl $crate::lite::LiteRow for $row {
            fn from_lite(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
                Ok($row { $($field: row.get(stringify!($field))?),* })
            }
        }
    };
}
pub(crate) use lite_row;

/// One optional row of type `$row` from `$sql` with the arguments bound to
/// `$1`, `$2`, ...: directly on SQLite files, through sqlx otherwise.
macro_rules! fetch_optional {
    ($store:expr, $row:ty, $sql:expr $(, $arg:expr)* $(,)?) => {
        match &$store.lite {
            Some(lite) => lite.read(|c| {
                $crate::lite::optional::<$row>(c, $sql, &[$(&$arg as &dyn rusqlite::ToSql),*])
            }),
            None => $crate::with_pool!($store, |p| sqlx::query_as::<_, $row>($sql)
                $(.bind($arg))*
                .fetch_optional(p)
                .await)
            .map_err($crate::StoreError::from),
        }
    };
}
pub(crate) use fetch_optional;

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> StoreError {
        use rusqlite::ffi::ErrorCode;
        match &e {
            rusqlite::Error::QueryReturnedNoRows => StoreError::NotFound,
            rusqlite::Error::SqliteFailure(f, _)
                if f.code == ErrorCode::ConstraintViolation
                    && matches!(
                        f.extended_code,
                        rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                            | rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
                    ) =>
            {
                StoreError::Conflict
            }
            _ => StoreError::Sqlite(e),
        }
    }
}

/// Binds `args` to the statement's `$1`, `$2`, ... by name (SQLite numbers
/// named parameters in order of first appearance, which need not be `$n`'s).
fn bind(st: &mut Statement<'_>, args: &[&dyn ToSql]) -> rusqlite::Result<()> {
    for (i, arg) in args.iter().enumerate() {
        let name = format!("${}", i + 1);
        let at = st
            .parameter_index(&name)?
            .ok_or_else(|| rusqlite::Error::InvalidParameterName(name.clone()))?;
        st.raw_bind_parameter(at, arg)?;
    }
    if st.parameter_count() != args.len() {
        return Err(rusqlite::Error::InvalidParameterCount(
            args.len(),
            st.parameter_count(),
        ));
    }
    Ok(())
}

/// The first row `sql` returns, if any.
pub(crate) fn optional<R: LiteRow>(
    c: &Connection,
    sql: &str,
    args: &[&dyn ToSql],
) -> rusqlite::Result<Option<R>> {
    let mut st = c.prepare_cached(sql)?;
    bind(&mut st, args)?;
    let mut rows = st.raw_query();
    match rows.next()? {
        Some(row) => R::from_lite(row).map(Some),
        None => Ok(None),
    }
}

/// Runs `sql`; how many rows it changed.
pub(crate) fn execute(c: &Connection, sql: &str, args: &[&dyn ToSql]) -> rusqlite::Result<usize> {
    let mut st = c.prepare_cached(sql)?;
    bind(&mut st, args)?;
    st.raw_execute()
}

/// A single-column row, as sqlx reads one.
impl<T: rusqlite::types::FromSql> LiteRow for (T,) {
    fn from_lite(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        Ok((row.get(0)?,))
    }
}

/// A queued write with its answer type erased, as the writer thread sees it.
trait Unit: Send {
    /// Runs the unit; false if it failed (its savepoint is then rolled back).
    fn run(&mut self, c: &Connection) -> bool;
    /// Sends the unit's answer, or `committed`'s error.
    fn answer(self: Box<Self>, committed: std::result::Result<(), &rusqlite::Error>);
}

struct Typed<T, F> {
    work: Option<F>,
    outcome: Option<Result<T>>,
    reply: oneshot::Sender<Result<T>>,
}

impl<T, F> Unit for Typed<T, F>
where
    T: Send,
    F: FnOnce(&Connection) -> Result<T> + Send,
{
    fn run(&mut self, c: &Connection) -> bool {
        let Some(work) = self.work.take() else {
            return false;
        };
        let outcome = work(c);
        let ok = outcome.is_ok();
        self.outcome = Some(outcome);
        ok
    }

    fn answer(self: Box<Self>, committed: std::result::Result<(), &rusqlite::Error>) {
        let Typed { outcome, reply, .. } = *self;
        let answer = match (committed, outcome) {
            (_, Some(Err(e))) => Err(e),
            (Err(e), _) => Err(StoreError::Sqlite(clone_error(e))),
            (Ok(()), Some(Ok(value))) => Ok(value),
            (Ok(()), None) => Err(StoreError::Sqlite(rusqlite::Error::InvalidQuery)),
        };
        // A caller that went away (a cancelled request) finds its write committed
        // all the same, as it would without the queue.
        let _ = reply.send(answer);
    }
}

/// rusqlite's errors are not `Clone`; a failed commit is told to every unit.
fn clone_error(e: &rusqlite::Error) -> rusqlite::Error {
    match e {
        rusqlite::Error::SqliteFailure(f, m) => rusqlite::Error::SqliteFailure(*f, m.clone()),
        other => rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_ERROR),
            Some(other.to_string()),
        ),
    }
}

/// Direct access to one SQLite database file.
pub(crate) struct Lite {
    path: PathBuf,
    readers: Mutex<Vec<Connection>>,
    writes: mpsc::SyncSender<Box<dyn Unit>>,
    /// Set by [`close`](Self::close): everything after fails, as on sqlx's pools.
    closed: AtomicBool,
    /// Dropped (by [`close`](Self::close), or with this) to stop the checkpointer.
    stop_checkpoints: Mutex<Option<mpsc::Sender<()>>>,
}

impl std::fmt::Debug for Lite {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lite").field("path", &self.path).finish()
    }
}

impl Lite {
    /// Opens the writer (on its own thread) and one reader of the database at
    /// `path`, which sqlx has already created and migrated.
    pub(crate) fn open(path: PathBuf, turn: WriteTurn, sync: crate::SqliteSync) -> Result<Lite> {
        let writer = Connection::open_with_flags(
            &path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        writer.busy_timeout(BUSY)?;
        // Per connection, as sqlx's: WAL synced as `sync` says (see
        // `SqliteSync`), and the foreign keys enforced.
        let synchronous = match sync {
            crate::SqliteSync::Normal => "NORMAL",
            crate::SqliteSync::Full => "FULL",
        };
        writer.pragma_update(None, "synchronous", synchronous)?;
        writer.pragma_update(None, "foreign_keys", "ON")?;
        // Grants insert at random places in the token indexes: a page cache that
        // holds their inner pages saves re-reading them per insert. Not more:
        // every commit walks the page cache's hash table (`pcache1TruncateUnsafe`,
        // a fifth of this thread's time at 32 MiB); 2 to 8 MiB measured alike and
        // 14% more grants per second than 32 MiB on a million tokens.
        writer.pragma_update(None, "cache_size", -8 * 1024)?;
        // The checkpointer thread checkpoints; this connection only writes.
        writer.pragma_update(None, "wal_autocheckpoint", 0)?;
        let checkpointer = Connection::open_with_flags(
            &path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        checkpointer.busy_timeout(BUSY)?;
        checkpointer.pragma_update(None, "wal_autocheckpoint", 0)?;
        let (stop_checkpoints, stopped) = mpsc::channel::<()>();
        std::thread::Builder::new()
            .name("buckle-sqlite-checkpoint".into())
            .spawn(move || checkpoint_until_stopped(&checkpointer, &stopped))
            .map_err(|_| StoreError::Db(sqlx::Error::PoolClosed))?;
        let (writes, queue) = mpsc::sync_channel::<Box<dyn Unit>>(MAX_BATCH * 8);
        std::thread::Builder::new()
            .name("buckle-sqlite-writer".into())
            .spawn(move || write_batches(writer, queue, turn))
            .map_err(|_| StoreError::Db(sqlx::Error::PoolClosed))?;
        let lite = Lite {
            path,
            readers: Mutex::new(Vec::new()),
            writes,
            closed: AtomicBool::new(false),
            stop_checkpoints: Mutex::new(Some(stop_checkpoints)),
        };
        let first = lite.open_reader()?;
        lite.put_back(first);
        Ok(lite)
    }

    fn open_reader(&self) -> Result<Connection> {
        let c = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        c.busy_timeout(BUSY)?;
        Ok(c)
    }

    fn put_back(&self, c: Connection) {
        if self.closed.load(Ordering::Relaxed) {
            return;
        }
        let mut idle = self.readers.lock().unwrap_or_else(PoisonError::into_inner);
        if idle.len() < KEEP_READERS {
            idle.push(c);
        }
    }

    /// Refuses every later read and write and closes the idle readers.
    pub(crate) fn close(&self) {
        self.closed.store(true, Ordering::SeqCst);
        self.stop_checkpoints
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        self.readers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }

    fn check_open(&self) -> Result<()> {
        if self.closed.load(Ordering::Relaxed) {
            return Err(StoreError::Db(sqlx::Error::PoolClosed));
        }
        Ok(())
    }

    /// Runs `read` on a read-only connection, on this thread.
    pub(crate) fn read<T>(
        &self,
        read: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    ) -> Result<T> {
        self.check_open()?;
        let idle = self
            .readers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        let c = match idle {
            Some(c) => c,
            None => self.open_reader()?,
        };
        let out = read(&c);
        self.put_back(c);
        Ok(out?)
    }

    /// Runs `work` on the writer thread, in a transaction shared with whatever
    /// else is queued, and answers once that transaction has committed. An
    /// error from `work` undoes what it wrote (and only that).
    pub(crate) async fn write<T, F>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T> + Send + 'static,
    {
        self.check_open()?;
        let (reply, answer) = oneshot::channel();
        let unit: Box<dyn Unit> = Box::new(Typed {
            work: Some(work),
            outcome: None,
            reply,
        });
        // The writer thread stopped: the store is closing.
        let gone = || StoreError::Db(sqlx::Error::PoolClosed);
        // A full queue (thousands of writes waiting) makes the caller wait.
        let mut unit = unit;
        loop {
            match self.writes.try_send(unit) {
                Ok(()) => break,
                Err(mpsc::TrySendError::Full(back)) => {
                    unit = back;
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
                Err(mpsc::TrySendError::Disconnected(_)) => return Err(gone()),
            }
        }
        answer.await.map_err(|_| gone())?
    }
}

/// The writer thread: waits for a unit, takes whatever else is waiting, and
/// commits them together. Ends when the store is dropped.
fn write_batches(mut c: Connection, queue: mpsc::Receiver<Box<dyn Unit>>, turn: WriteTurn) {
    let mut batch: Vec<Box<dyn Unit>> = Vec::with_capacity(64);
    while let Ok(first) = queue.recv() {
        batch.push(first);
        while batch.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(unit) => batch.push(unit),
                Err(_) => break,
            }
        }
        let committed = {
            let _turn = turn.blocking_lock();
            run_batch(&mut c, &mut batch)
        };
        match committed {
            Ok(()) => batch.drain(..).for_each(|u| u.answer(Ok(()))),
            Err(e) => {
                tracing::warn!(error = %e, units = batch.len(), "a grouped SQLite commit failed");
                batch.drain(..).for_each(|u| u.answer(Err(&e)));
            }
        }
    }
}

/// The checkpointer thread: a passive checkpoint (which never waits for, nor
/// holds up, the writer or the readers) whenever the log has grown, until
/// the store closes. The last connection to close checkpoints what is left.
fn checkpoint_until_stopped(c: &Connection, stopped: &mpsc::Receiver<()>) {
    let mut wait = CHECKPOINT_EVERY;
    // Frames copied back by the last checkpoint of the current log.
    let mut copied_before = 0;
    while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(wait) {
        // (busy, frames in the log, frames of it copied back so far)
        let done = c.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, i64>(2)?,
            ))
        });
        wait = match done {
            Ok((_, _, copied)) => {
                // A smaller count: the writer started the log over.
                let progress = if copied >= copied_before {
                    copied - copied_before
                } else {
                    copied
                };
                copied_before = copied;
                // A busy log: go on at once rather than let it grow.
                if progress > BUSY_LOG {
                    Duration::ZERO
                } else {
                    CHECKPOINT_EVERY
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "a SQLite checkpoint failed");
                CHECKPOINT_EVERY
            }
        };
    }
}

fn run_batch(c: &mut Connection, batch: &mut [Box<dyn Unit>]) -> rusqlite::Result<()> {
    let mut tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
    for unit in batch.iter_mut() {
        let sp = tx.savepoint()?;
        if unit.run(&sp) {
            sp.commit()?;
        }
        // A failed unit's savepoint rolls back when dropped.
    }
    tx.commit()
}

#[cfg(test)]
mod tests {
    use crate::{Migrations, Options, Pool, SqliteSync, Store};

    /// `PRAGMA synchronous` (1 NORMAL, 2 FULL) of the writer this file uses
    /// and of sqlx's, on a store opened with `sync`.
    async fn synchronous_of(sync: SqliteSync) -> (i64, i64) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("b.db").display());
        let options = Options {
            max_connections: 2,
            migrations: Migrations::Apply,
            sqlite_sync: sync,
        };
        let store = Store::open(&url, &options).await.unwrap();
        let lite = store.lite.clone().expect("a file is used directly");
        let direct = lite
            .write(|c| Ok(c.pragma_query_value(None, "synchronous", |r| r.get::<_, i64>(0))?))
            .await
            .unwrap();
        let Pool::Sqlite { write, .. } = &store.pool else {
            panic!("a SQLite store")
        };
        let pooled: i64 = sqlx::query_scalar("PRAGMA synchronous")
            .fetch_one(write)
            .await
            .unwrap();
        store.close().await;
        (direct, pooled)
    }

    #[tokio::test]
    async fn commits_reach_the_disk_as_configured() {
        assert_eq!(synchronous_of(SqliteSync::Normal).await, (1, 1));
        assert_eq!(synchronous_of(SqliteSync::Full).await, (2, 2));
    }
}
