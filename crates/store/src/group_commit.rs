//! Group commit over sqlx's SQLite writer, for a SQLite database without a file
//! (`lite.rs` does the same for a file, and `batched.rs` for PostgreSQL):
//! writes that many requests make at once (a JWT's `jti` and its token, a code
//! and the tokens it is exchanged for) are queued to a committer, which runs
//! everything waiting in one transaction and answers each request only once
//! that transaction has committed.
//!
//! One commit then carries many grants, and the single writer connection is
//! never fought over. A unit's answer is held back until the commit, so no one
//! is told "issued" about something the database could still lose. If the
//! shared transaction fails, every unit of the batch is run again alone, so one
//! bad unit fails only itself.
//!
//! Units must therefore be safe to run again: they build their statements from
//! what they own, and anything they decide they decide from what the database
//! says inside the transaction (a conditional update, `ON CONFLICT DO NOTHING`).

use crate::{BoxFuture, Result, StoreError};
use sqlx::{Acquire, SqliteConnection, SqlitePool};
use tokio::sync::{mpsc, oneshot};

/// Most units one transaction carries: enough to amortize a commit, few enough
/// that the first unit's wait stays short.
const MAX_BATCH: usize = 256;
/// Units waiting for a committer; a full queue makes callers wait (back-pressure).
const QUEUE: usize = 4096;

/// A queued unit with its answer erased, as the committer sees it.
trait Unit: Send {
    /// Runs the unit in the batch's transaction, keeping its answer.
    fn run<'c>(&'c mut self, conn: &'c mut SqliteConnection) -> BoxFuture<'c, Result<()>>;
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
    F: for<'c> FnMut(&'c mut SqliteConnection) -> BoxFuture<'c, Result<T>> + Send,
{
    fn run<'c>(&'c mut self, conn: &'c mut SqliteConnection) -> BoxFuture<'c, Result<()>> {
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

impl GroupCommit {
    /// One committer on SQLite's writer: there is one writer anyway.
    pub(crate) fn sqlite(writer: SqlitePool) -> GroupCommit {
        let (queue, mut rx) = mpsc::channel::<Queued>(QUEUE);
        tokio::spawn(async move {
            while let Some(batch) = next_batch(&mut rx).await {
                commit_batch(&writer, batch).await;
            }
        });
        GroupCommit { queue }
    }

    /// Runs `work` in a transaction shared with whatever else is queued, and
    /// answers with its value once that transaction has committed. `work` may
    /// run more than once (see the module's docs); only its last run counts.
    pub(crate) async fn run<T, F>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: for<'c> FnMut(&'c mut SqliteConnection) -> BoxFuture<'c, Result<T>> + Send + 'static,
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
async fn next_batch(rx: &mut mpsc::Receiver<Queued>) -> Option<Vec<Queued>> {
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

async fn commit_batch(writer: &SqlitePool, mut batch: Vec<Queued>) {
    match transaction(writer, &mut batch).await {
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
                let outcome = transaction(writer, &mut one).await;
                let [unit] = one;
                unit.answer(outcome);
            }
        }
    }
}

/// Runs every unit in one transaction and commits it.
async fn transaction(writer: &SqlitePool, batch: &mut [Queued]) -> Result<()> {
    let mut conn = writer.acquire().await?;
    let mut tx = conn.begin().await?;
    for unit in batch.iter_mut() {
        unit.run(&mut tx).await?;
    }
    tx.commit().await?;
    Ok(())
}
