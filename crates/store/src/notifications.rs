//! PostgreSQL's `LISTEN`/`NOTIFY`, so that processes sharing one database can
//! tell each other what changed. On SQLite there is no one to tell: one process
//! owns the database file.
//!
//! A listening connection only reads, so one that dies without a word (a
//! network cut that sends no reset, a peer host that vanished) would go
//! unnoticed until the kernel gives up on it, many minutes later. The
//! listener therefore asks its connection for an answer after every quiet
//! [`Heartbeat::every`], and reports the connection lost when none comes
//! within [`Heartbeat::within`].

use crate::{Pool, Result, Store, StoreError};
use sqlx::postgres::{PgListener, PgPoolOptions};
use std::time::Duration;

/// How often, and how promptly, a listener's connection must prove it is alive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Heartbeat {
    /// The longest quiet spell before the listener asks for an answer.
    pub every: Duration,
    /// How long the answer may take.
    pub within: Duration,
}

impl Default for Heartbeat {
    /// Every 5 s, answered within 5 s: a silent cut is noticed within 10 s, no
    /// later than a cached credential would expire anyway.
    fn default() -> Heartbeat {
        Heartbeat {
            every: Duration::from_secs(5),
            within: Duration::from_secs(5),
        }
    }
}

/// A connection listening on one channel.
pub struct Listener {
    inner: PgListener,
    heartbeat: Heartbeat,
    /// `LISTEN` on the channel again: a no-op for PostgreSQL, so the cheapest
    /// statement that must be answered, and the connection still shows as the
    /// listener it is (`pg_stat_activity.query`).
    heartbeat_statement: String,
}

impl Store {
    /// Whether other processes may share this database (PostgreSQL), so that
    /// [`notify`](Self::notify) reaches anyone.
    pub fn is_shared(&self) -> bool {
        matches!(self.pool, Pool::Postgres(_))
    }

    /// Sends `payload` to every listener on `channel` (nothing on SQLite).
    /// PostgreSQL delivers it when the statement's transaction commits, at once
    /// here since it runs alone on the pool.
    pub async fn notify(&self, channel: &str, payload: &str) -> Result<()> {
        if let Pool::Postgres(p) = &self.pool {
            sqlx::query("SELECT pg_notify($1, $2)")
                .bind(channel)
                .bind(payload)
                .execute(p)
                .await?;
        }
        Ok(())
    }

    /// Starts listening on `channel` over a connection of its own (not one of
    /// the pool's, which would shrink the pool for as long as the process
    /// runs). `None` on SQLite.
    pub async fn listen(&self, channel: &str) -> Result<Option<Listener>> {
        let Pool::Postgres(p) = &self.pool else {
            return Ok(None);
        };
        let own = PgPoolOptions::new()
            .max_connections(1)
            .max_lifetime(None)
            .idle_timeout(None)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with((*p.connect_options()).clone())
            .await?;
        let mut inner = PgListener::connect_with(&own).await?;
        // A lost connection is reported to the caller (which must assume it
        // missed notifications), not silently replaced.
        inner.eager_reconnect(false);
        inner.listen(channel).await?;
        Ok(Some(Listener {
            inner,
            heartbeat: Heartbeat::default(),
            heartbeat_statement: format!("LISTEN \"{}\"", channel.replace('"', "\"\"")),
        }))
    }
}

impl Listener {
    /// Replaces the default [`Heartbeat`].
    pub fn set_heartbeat(&mut self, heartbeat: Heartbeat) {
        self.heartbeat = heartbeat;
    }

    /// The next notification's payload; `None` once the connection is lost,
    /// and an error once it failed or left a heartbeat unanswered, after which
    /// notifications sent meanwhile are gone: listen anew.
    pub async fn recv(&mut self) -> Result<Option<String>> {
        loop {
            // Waiting for a notification is cancel-safe in sqlx: one arriving as
            // the wait ends stays buffered for the next call.
            if let Ok(next) =
                tokio::time::timeout(self.heartbeat.every, self.inner.try_recv()).await
            {
                return Ok(next?.map(|n| n.payload().to_string()));
            }
            // On this connection: notifications arriving meanwhile are buffered.
            let statement = sqlx::AssertSqlSafe(self.heartbeat_statement.clone());
            let answer = sqlx::query(statement).execute(&mut self.inner);
            match tokio::time::timeout(self.heartbeat.within, answer).await {
                Ok(answered) => {
                    answered?;
                }
                Err(_) => {
                    return Err(StoreError::Db(sqlx::Error::Io(std::io::Error::new(
                        std::io::ErrorKind::TimedOut,
                        format!(
                            "the listening connection left a heartbeat unanswered for {:?}",
                            self.heartbeat.within
                        ),
                    ))));
                }
            }
        }
    }
}
