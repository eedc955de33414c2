//! PostgreSQL's `LISTEN`/`NOTIFY`, so that processes sharing one database can
//! tell each other what changed. On SQLite there is no one to tell: one process
//! owns the database file.

use crate::{Pool, Result, Store};
use sqlx::postgres::{PgListener, PgPoolOptions};
use std::time::Duration;

/// A connection listening on one channel.
pub struct Listener {
    inner: PgListener,
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
        Ok(Some(Listener { inner }))
    }
}

impl Listener {
    /// The next notification's payload; `None` once the connection is lost,
    /// after which notifications sent meanwhile are gone: listen anew.
    pub async fn recv(&mut self) -> Result<Option<String>> {
        Ok(self
            .inner
            .try_recv()
            .await?
            .map(|n| n.payload().to_string()))
    }
}
