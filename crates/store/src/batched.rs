//! Group commit on PostgreSQL, and its reads: the grants of one kind waiting
//! at once (codes redeemed, JWT ids used) run as one statement over arrays, in
//! autocommit, so a batch costs one round trip and one commit however many
//! grants it carries. Each grant is answered only after that statement (and
//! so its transaction) has finished. What the token endpoint reads before
//! (a code, refresh token or device code with its grant) is batched the same
//! way, since on PostgreSQL every statement is a round trip.
//!
//! If the statement fails (a grant hit an error, which aborts the whole
//! transaction on PostgreSQL), every grant of the batch is run again alone, as
//! a batch of one, so one bad grant fails only itself. A write must therefore
//! decide everything from what the database says inside its statement
//! (conditional updates, `ON CONFLICT`), never from what it read before.

use crate::BoxFuture;
use crate::Result;
use crate::StoreError;
use crate::accounts::JoinedAccountRow;
use crate::codes::AuthCodeRow;
use crate::device_codes::DeviceCodeRow;
use crate::families::{RedeemAll, Secret};
use crate::grants::JoinedGrantRow;
use crate::joined::Joined;
use crate::jtis::UseJtis;
use crate::oauth_tokens::OAuthTokenRow;
use crate::refresh_tokens::RefreshTokenRow;
use crate::tokens::AccessTokenRow;
use sqlx::{PgConnection, PgPool};
use std::sync::Arc;
use tokio::sync::{Mutex, mpsc, oneshot};

/// One kind of statement that many requests make at once, run for a whole
/// batch as one.
pub(crate) trait BatchStatement: Send + Sync + 'static {
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
    <W as BatchStatement>::Item,
    oneshot::Sender<Result<<W as BatchStatement>::Answer>>,
);

/// Where one kind of statement is queued.
pub(crate) struct Batched<W: BatchStatement> {
    queue: mpsc::Sender<Waiting<W>>,
}

impl<W: BatchStatement> std::fmt::Debug for Batched<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Batched").finish_non_exhaustive()
    }
}

impl<W: BatchStatement> Batched<W> {
    /// `committers` tasks, each running batches on a connection of `pool`, so
    /// that one batch's round trip overlaps the next.
    pub(crate) fn start(pool: PgPool, statement: W, committers: usize) -> Batched<W> {
        let (queue, rx) = mpsc::channel::<Waiting<W>>(QUEUE);
        let (rx, statement) = (Arc::new(Mutex::new(rx)), Arc::new(statement));
        for _ in 0..committers.max(1) {
            let (pool, statement, rx) = (pool.clone(), statement.clone(), rx.clone());
            tokio::spawn(async move {
                while let Some(batch) = next_batch::<W>(&rx).await {
                    commit(&pool, &*statement, batch).await;
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
async fn next_batch<W: BatchStatement>(
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

async fn commit<W: BatchStatement>(pool: &PgPool, statement: &W, batch: Vec<Waiting<W>>) {
    let (items, replies): (Vec<W::Item>, Vec<_>) = batch.into_iter().unzip();
    match once(pool, statement, &items).await {
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
            tracing::debug!(error = %e, requests = items.len(), "batched statement failed; running each request alone");
            for (item, reply) in items.iter().zip(replies) {
                let outcome = once(pool, statement, std::slice::from_ref(item))
                    .await
                    .and_then(|mut answers| answers.pop().ok_or_else(no_answer));
                let _ = reply.send(outcome);
            }
        }
    }
}

/// One statement for `items`, checked to answer each of them.
async fn once<W: BatchStatement>(
    pool: &PgPool,
    statement: &W,
    items: &[W::Item],
) -> Result<Vec<W::Answer>> {
    let mut conn = pool.acquire().await?;
    let answers = statement.run(&mut conn, items).await?;
    if answers.len() != items.len() {
        return Err(no_answer());
    }
    Ok(answers)
}

fn no_answer() -> StoreError {
    StoreError::Db(sqlx::Error::Protocol(
        "a batched statement did not answer every request".into(),
    ))
}

/// PostgreSQL's grant writes and the token endpoint's reads: a queue per
/// kind, since each kind is one statement.
pub(crate) struct PgBatches {
    codes: Batched<RedeemAll>,
    refresh_tokens: Batched<RedeemAll>,
    device_codes: Batched<RedeemAll>,
    pub(crate) jtis: Batched<UseJtis>,
    pub(crate) code_reads: Batched<ReadBySecret<Joined<AuthCodeRow, JoinedGrantRow>>>,
    pub(crate) refresh_token_reads: Batched<ReadBySecret<Joined<RefreshTokenRow, JoinedGrantRow>>>,
    pub(crate) device_code_reads: Batched<ReadBySecret<Joined<DeviceCodeRow, JoinedGrantRow>>>,
    /// The token check's cache misses, which come in bursts (a set of busy
    /// tokens loaded together expires together).
    pub(crate) access_token_reads: Batched<ReadBySecret<Joined<AccessTokenRow, JoinedAccountRow>>>,
    pub(crate) oauth_token_reads: Batched<ReadBySecret<Joined<OAuthTokenRow, JoinedAccountRow>>>,
}

impl std::fmt::Debug for PgBatches {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgBatches").finish_non_exhaustive()
    }
}

impl PgBatches {
    /// `committers` per kind of write, one per kind of read (a read holds no
    /// lock, so one connection keeps up).
    pub(crate) fn start(pool: &PgPool, committers: usize) -> PgBatches {
        let redeem = |secret| Batched::start(pool.clone(), RedeemAll::of(secret), committers);
        PgBatches {
            codes: redeem(Secret::Code),
            refresh_tokens: redeem(Secret::RefreshToken),
            device_codes: redeem(Secret::DeviceCode),
            jtis: Batched::start(pool.clone(), UseJtis, committers),
            code_reads: read(pool, crate::codes::READ_ALL),
            refresh_token_reads: read(pool, crate::refresh_tokens::READ_ALL),
            device_code_reads: read(pool, crate::device_codes::READ_ALL),
            access_token_reads: read(pool, crate::tokens::READ_ALL),
            oauth_token_reads: read(pool, crate::oauth_tokens::READ_ALL),
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

/// A batched read of `statement` (see [`ReadBySecret`]) on one connection.
fn read<T>(pool: &PgPool, statement: &'static str) -> Batched<ReadBySecret<T>>
where
    ReadBySecret<T>: BatchStatement,
{
    let read = ReadBySecret {
        statement,
        row: std::marker::PhantomData,
    };
    Batched::start(pool.clone(), read, 1)
}

/// A row found by the hash of its secret: which hash it answers for.
pub(crate) trait BySecret {
    fn secret_hash(&self) -> &str;
}

impl<R: BySecret, J> BySecret for Joined<R, J> {
    fn secret_hash(&self) -> &str {
        self.row.secret_hash()
    }
}

/// Rows read by the hashes of their secrets (with what they are joined to),
/// for a batch of requests in one statement (`READ_ALL` in `codes.rs`,
/// `refresh_tokens.rs`, `device_codes.rs`, `tokens.rs` and `oauth_tokens.rs`):
/// `$1` the hashes; each row found comes with `n`, the (1-based) place of its
/// hash.
pub(crate) struct ReadBySecret<T> {
    statement: &'static str,
    row: std::marker::PhantomData<fn() -> T>,
}

/// A row with its place in the batch.
struct Numbered<T> {
    n: i64,
    row: T,
}

impl<'r, T> sqlx::FromRow<'r, sqlx::postgres::PgRow> for Numbered<T>
where
    T: sqlx::FromRow<'r, sqlx::postgres::PgRow>,
{
    fn from_row(row: &'r sqlx::postgres::PgRow) -> std::result::Result<Self, sqlx::Error> {
        use sqlx::Row;
        Ok(Numbered {
            n: row.try_get("n")?,
            row: T::from_row(row)?,
        })
    }
}

impl<T> BatchStatement for ReadBySecret<T>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> + BySecret + Send + Unpin + 'static,
{
    type Item = Arc<str>;
    type Answer = Option<T>;

    fn run<'c>(
        &'c self,
        conn: &'c mut PgConnection,
        items: &'c [Arc<str>],
    ) -> BoxFuture<'c, Result<Vec<Self::Answer>>> {
        Box::pin(async move {
            let hashes: Vec<&str> = items.iter().map(|h| &**h).collect();
            let rows: Vec<Numbered<T>> = sqlx::query_as(self.statement)
                .bind(hashes)
                .fetch_all(conn)
                .await?;
            let mut answers: Vec<Self::Answer> = items.iter().map(|_| None).collect();
            for Numbered { n, row } in rows {
                // Each answer goes to the request that asked for that very
                // hash: a row placed wrong would be another person's code.
                let place = usize::try_from(n - 1).ok().filter(|&i| i < items.len());
                match place {
                    Some(i) if row.secret_hash() == &*items[i] && answers[i].is_none() => {
                        answers[i] = Some(row);
                    }
                    _ => return Err(misplaced()),
                }
            }
            Ok(answers)
        })
    }
}

fn misplaced() -> StoreError {
    StoreError::Db(sqlx::Error::Protocol(
        "a batched read answered for a hash it was not asked".into(),
    ))
}

impl crate::Store {
    /// A row by the hash of its secret, with what it is joined to: on
    /// PostgreSQL through the batch `reads` picks (shared with the reads
    /// waiting at once); on SQLite by `single` (`$1` the hash), on the calling
    /// thread.
    pub(crate) async fn by_secret<T>(
        &self,
        reads: fn(&PgBatches) -> &Batched<ReadBySecret<T>>,
        single: &'static str,
        hash: &str,
    ) -> Result<Option<T>>
    where
        T: for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>
            + for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>
            + crate::lite::LiteRow
            + BySecret
            + Send
            + Unpin
            + 'static,
    {
        match &self.grouped {
            crate::Grouped::Postgres(batches) => reads(batches).run(Arc::from(hash)).await,
            crate::Grouped::Sqlite(_) => {
                crate::lite::fetch_optional!(self, T, single, hash)
            }
        }
    }
}
