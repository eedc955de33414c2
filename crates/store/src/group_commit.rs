//! Group commit: writes that many requests make at once (a JWT's `jti` and its
//! token, a code and the tokens it is exchanged for) are queued to a committer,
//! which runs everything waiting in one transaction and answers each request
//! only once that transaction has committed.
//!
//! One commit then carries many grants, and on SQLite the single writer
//! connection is never fought over. A unit's answer is held back until the
//! commit, so no one is told "issued" about something the database could still
//! lose. If the shared transaction fails (a unit hit a database error, which on
//! PostgreSQL aborts the whole transaction), every unit of the batch is run
//! again alone, so one bad unit fails only itself.
//!
//! Units must therefore be safe to run again: they build their statements from
//! what they own, and anything they decide they decide from what the database
//! says inside the transaction (a conditional update, `ON CONFLICT DO NOTHING`).

use crate::{Result, StoreError};
use sqlx::{Acquire, PgConnection, PgPool, SqliteConnection, SqlitePool};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use tokio::sync::{Mutex, mpsc, oneshot};

pub(crate) type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The connection a unit runs on, inside the batch's transaction.
pub(crate) enum Conn<'c> {
    Sqlite(&'c mut SqliteConnection),
    Postgres(&'c mut PgConnection),
}

/// Most units one transaction carries: enough to amortize a commit, few enough
/// that the first unit's wait stays short.
const MAX_BATCH: usize = 256;
/// Units waiting for a committer; a full queue makes callers wait (back-pressure).
const QUEUE: usize = 4096;

/// A queued unit with its answer erased, as the committer sees it.
trait Unit: Send {
    /// Runs the unit in the batch's transaction, keeping its answer.
    fn run<'c>(&'c mut self, conn: Conn<'c>) -> BoxFuture<'c, Result<()>>;
    /// Sends the kept answer if `committed` is `Ok`, else the error.
    fn answer(self: Box<Self>, committed: Result<()>);
}

struct Typed<T, F> {
    work: F,
    kept: Option<T>,
    reply: oneshot::Sender<Result<T>>,
}

impl<T, F> Unit for Typed<T, F>
where
    T: Send,
    F: for<'c> FnMut(Conn<'c>) -> BoxFuture<'c, Result<T>> + Send,
{
    fn run<'c>(&'c mut self, conn: Conn<'c>) -> BoxFuture<'c, Result<()>> {
        Box::pin(async move {
            self.kept = None;
            let value = (self.work)(conn).await?;
            self.kept = Some(value);
            Ok(())
        })
    }

    fn answer(self: Box<Self>, committed: Result<()>) {
        let Typed { kept, reply, .. } = *self;
        let answer = committed.and_then(|()| {
            kept.ok_or_else(|| {
                StoreError::Db(sqlx::Error::Protocol("a unit kept no answer".into()))
            })
        });
        // The caller may have gone (its request was cancelled); what it asked
        // for is committed all the same, as it would be without the queue.
        let _ = reply.send(answer);
    }
}

type Queued = Box<dyn Unit>;

/// Where a store's grouped writes go.
#[derive(Clone, Debug)]
pub(crate) struct GroupCommit {
    queue: mpsc::Sender<Queued>,
}

#[derive(Clone)]
enum Target {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

impl GroupCommit {
    /// One committer on SQLite's writer: there is one writer anyway.
    pub(crate) fn sqlite(writer: SqlitePool) -> GroupCommit {
        Self::start(Target::Sqlite(writer), 1)
    }

    /// `committers` on PostgreSQL, each a transaction on its own connection, so
    /// that the round trips of one batch overlap the next.
    pub(crate) fn postgres(pool: PgPool, committers: usize) -> GroupCommit {
        Self::start(Target::Postgres(pool), committers.max(1))
    }

    fn start(target: Target, committers: usize) -> GroupCommit {
        let (queue, rx) = mpsc::channel::<Queued>(QUEUE);
        let rx = Arc::new(Mutex::new(rx));
        for _ in 0..committers {
            let (target, rx) = (target.clone(), rx.clone());
            tokio::spawn(async move {
                while let Some(batch) = next_batch(&rx).await {
                    commit_batch(&target, batch).await;
                }
            });
        }
        GroupCommit { queue }
    }

    /// Runs `work` in a transaction shared with whatever else is queued, and
    /// answers with its value once that transaction has committed. `work` may
    /// run more than once (see the module's docs); only its last run counts.
    pub(crate) async fn run<T, F>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: for<'c> FnMut(Conn<'c>) -> BoxFuture<'c, Result<T>> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let unit: Queued = Box::new(Typed {
            work,
            kept: None,
            reply,
        });
        let gone = || StoreError::Db(sqlx::Error::PoolClosed);
        self.queue.send(unit).await.map_err(|_| gone())?;
        answer.await.map_err(|_| gone())?
    }
}

/// Waits for one unit, then takes whatever else is already waiting.
async fn next_batch(rx: &Mutex<mpsc::Receiver<Queued>>) -> Option<Vec<Queued>> {
    let mut rx = rx.lock().await;
    let first = rx.recv().await?;
    let mut batch = Vec::with_capacity(16);
    batch.push(first);
    while batch.len() < MAX_BATCH {
        match rx.try_recv() {
            Ok(unit) => batch.push(unit),
            Err(_) => break,
        }
    }
    Some(batch)
}

async fn commit_batch(target: &Target, mut batch: Vec<Queued>) {
    match transaction(target, &mut batch).await {
        Ok(()) => batch.into_iter().for_each(|u| u.answer(Ok(()))),
        Err(e) if batch.len() == 1 => {
            if let Some(unit) = batch.pop() {
                unit.answer(Err(e));
            }
        }
        Err(e) => {
            tracing::debug!(error = %e, units = batch.len(), "group commit failed; running each unit alone");
            for unit in batch {
                let mut one = [unit];
                let outcome = transaction(target, &mut one).await;
                let [unit] = one;
                unit.answer(outcome);
            }
        }
    }
}

/// Runs every unit in one transaction and commits it.
async fn transaction(target: &Target, batch: &mut [Queued]) -> Result<()> {
    match target {
        Target::Sqlite(pool) => {
            let mut conn = pool.acquire().await?;
            let mut tx = conn.begin().await?;
            for unit in batch.iter_mut() {
                unit.run(Conn::Sqlite(&mut tx)).await?;
            }
            tx.commit().await?;
        }
        Target::Postgres(pool) => {
            let mut tx = pool.begin().await?;
            for unit in batch.iter_mut() {
                unit.run(Conn::Postgres(&mut tx)).await?;
            }
            tx.commit().await?;
        }
    }
    Ok(())
}
