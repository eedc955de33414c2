//! Group commit on PostgreSQL: the grants of one kind waiting at once (codes
//! redeemed, JWT ids used) run as one statement over arrays, in autocommit,
//! so a batch costs one round trip and one commit however many grants it
//! carries. Each grant is answered only after that statement (and so its
//! transaction) has finished.
//!
//! If the statement fails (a grant hit an error, which aborts the whole
//! transaction on PostgreSQL), every grant of the batch is run again alone, as
//! a batch of one, so one bad grant fails only itself. A [`BatchWrite`] must
//! therefore decide everything from what the database says inside its
//! statement (conditional updates, `ON CONFLICT`), never from what it read
//! before.

use crate::Result;
use crate::StoreError;
use crate::families::{RedeemAll, Secret};
use crate::group_commit::BoxFuture;
use crate::jtis::UseJtis;
use sqlx::{PgConnection, PgPool};
use std::sync::Arc;
use tokio::sync::{Mutex, mpsc, oneshot};

/// One kind of grant write, run for a whole batch in one statement.
pub(crate) trait BatchWrite: Send + Sync + 'static {
    type Item: Send + Sync + 'static;
    type Answer: Send + 'static;
    /// Runs every item in one statement: one answer per item, in order.
    fn run<'c>(
        &'c self,
        conn: &'c mut PgConnection,
        items: &'c [Self::Item],
    ) -> BoxFuture<'c, Result<Vec<Self::Answer>>>;
}

/// Most grants one statement carries: enough to amortize the round trip, few
/// enough that the first grant's wait stays short.
const MAX_BATCH: usize = 256;
/// Grants waiting for a committer; a full queue makes callers wait.
const QUEUE: usize = 4096;

type Waiting<W> = (
    <W as BatchWrite>::Item,
    oneshot::Sender<Result<<W as BatchWrite>::Answer>>,
);

/// Where one kind of grant write is queued.
pub(crate) struct Batched<W: BatchWrite> {
    queue: mpsc::Sender<Waiting<W>>,
}

impl<W: BatchWrite> std::fmt::Debug for Batched<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Batched").finish_non_exhaustive()
    }
}

impl<W: BatchWrite> Batched<W> {
    /// `committers` tasks, each running batches on a connection of `pool`, so
    /// that one batch's round trip overlaps the next.
    pub(crate) fn start(pool: PgPool, write: W, committers: usize) -> Batched<W> {
        let (queue, rx) = mpsc::channel::<Waiting<W>>(QUEUE);
        let (rx, write) = (Arc::new(Mutex::new(rx)), Arc::new(write));
        for _ in 0..committers.max(1) {
            let (pool, write, rx) = (pool.clone(), write.clone(), rx.clone());
            tokio::spawn(async move {
                while let Some(batch) = next_batch::<W>(&rx).await {
                    commit(&pool, &*write, batch).await;
                }
            });
        }
        Batched { queue }
    }

    /// Runs `item` in a statement shared with whatever else is queued; answers
    /// once that statement has committed. It may run twice (see the module's
    /// docs); only its last run counts.
    pub(crate) async fn run(&self, item: W::Item) -> Result<W::Answer> {
        let (reply, answer) = oneshot::channel();
        let gone = || StoreError::Db(sqlx::Error::PoolClosed);
        self.queue.send((item, reply)).await.map_err(|_| gone())?;
        answer.await.map_err(|_| gone())?
    }
}

/// Waits for one grant, then takes whatever else is already waiting.
async fn next_batch<W: BatchWrite>(
    rx: &Mutex<mpsc::Receiver<Waiting<W>>>,
) -> Option<Vec<Waiting<W>>> {
    let mut rx = rx.lock().await;
    let first = rx.recv().await?;
    let mut batch = Vec::with_capacity(16);
    batch.push(first);
    while batch.len() < MAX_BATCH {
        match rx.try_recv() {
            Ok(waiting) => batch.push(waiting),
            Err(_) => break,
        }
    }
    Some(batch)
}

async fn commit<W: BatchWrite>(pool: &PgPool, write: &W, batch: Vec<Waiting<W>>) {
    let (items, replies): (Vec<W::Item>, Vec<_>) = batch.into_iter().unzip();
    match once(pool, write, &items).await {
        Ok(answers) => {
            for (reply, answer) in replies.into_iter().zip(answers) {
                // The caller may have gone (its request was cancelled); what it
                // asked for is committed all the same.
                let _ = reply.send(Ok(answer));
            }
        }
        Err(e) if items.len() == 1 => {
            if let Some(reply) = replies.into_iter().next() {
                let _ = reply.send(Err(e));
            }
        }
        Err(e) => {
            tracing::debug!(error = %e, grants = items.len(), "batched write failed; running each grant alone");
            for (item, reply) in items.iter().zip(replies) {
                let outcome = once(pool, write, std::slice::from_ref(item))
                    .await
                    .and_then(|mut answers| answers.pop().ok_or_else(no_answer));
                let _ = reply.send(outcome);
            }
        }
    }
}

/// One statement for `items`, checked to answer each of them.
async fn once<W: BatchWrite>(
    pool: &PgPool,
    write: &W,
    items: &[W::Item],
) -> Result<Vec<W::Answer>> {
    let mut conn = pool.acquire().await?;
    let answers = write.run(&mut conn, items).await?;
    if answers.len() != items.len() {
        return Err(no_answer());
    }
    Ok(answers)
}

fn no_answer() -> StoreError {
    StoreError::Db(sqlx::Error::Protocol(
        "a batched write did not answer every grant".into(),
    ))
}

/// PostgreSQL's grant writes: a queue per kind, since each kind is one statement.
pub(crate) struct PgBatches {
    codes: Batched<RedeemAll>,
    refresh_tokens: Batched<RedeemAll>,
    device_codes: Batched<RedeemAll>,
    pub(crate) jtis: Batched<UseJtis>,
}

impl std::fmt::Debug for PgBatches {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgBatches").finish_non_exhaustive()
    }
}

impl PgBatches {
    /// `committers` per kind of write.
    pub(crate) fn start(pool: &PgPool, committers: usize) -> PgBatches {
        let redeem = |secret| Batched::start(pool.clone(), RedeemAll::of(secret), committers);
        PgBatches {
            codes: redeem(Secret::Code),
            refresh_tokens: redeem(Secret::RefreshToken),
            device_codes: redeem(Secret::DeviceCode),
            jtis: Batched::start(pool.clone(), UseJtis, committers),
        }
    }

    pub(crate) fn redeemer(&self, secret: Secret) -> &Batched<RedeemAll> {
        match secret {
            Secret::Code => &self.codes,
            Secret::RefreshToken => &self.refresh_tokens,
            Secret::DeviceCode => &self.device_codes,
        }
    }
}
