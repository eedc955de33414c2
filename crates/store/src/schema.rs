//! The database's schema against this binary's: which of the binary's migrations
//! are applied, which are pending, and whether the database is one this binary
//! must not touch (a migration it does not know, an applied migration whose text
//! changed, a migration that failed half-way). Read from sqlx's own bookkeeping
//! table, before anything runs, so an older binary never writes into a newer schema.

use crate::{Pool, Result, Store, StoreError};
use sqlx::Row;
use sqlx::migrate::Migrator;

static SQLITE: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES: Migrator = sqlx::migrate!("./migrations/postgres");

/// What `Store::connect_with` does about migrations the database lacks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Migrations {
    /// Apply them (the default: `migrate_on_start`).
    Apply,
    /// Refuse to open while any is pending (`migrate_on_start = false`).
    Require,
    /// Open anyway, for `buckle admin migrate`, which applies them itself.
    Leave,
}

/// One of the binary's migrations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationInfo {
    pub version: i64,
    pub description: String,
}

/// Why the database's schema is not one this binary may use or upgrade.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SchemaProblem {
    #[error(
        "the database's schema is at migration {database}, newer than this buckle binary's \
         (migration {binary}): upgrade buckle or restore a backup"
    )]
    Newer { database: i64, binary: i64 },
    #[error(
        "migration {version} applied to the database differs from this buckle binary's \
         (checksum mismatch; binary's schema is at migration {binary}): upgrade buckle or \
         restore a backup"
    )]
    Altered { version: i64, binary: i64 },
    #[error(
        "migration {version} failed part-way and left the database dirty (binary's schema \
         is at migration {binary}): restore a backup, then upgrade again"
    )]
    Dirty { version: i64, binary: i64 },
    #[error(
        "the database lacks {count} migration(s) up to {binary} and migrate_on_start is off: \
         run `buckle admin migrate` first"
    )]
    Pending { count: usize, binary: i64 },
}

/// The database's schema compared with the binary's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaStatus {
    /// The last migration the binary has.
    pub binary_version: i64,
    /// The highest migration recorded in the database (0 when none).
    pub database_version: i64,
    /// The binary's migrations the database lacks, in order.
    pub pending: Vec<MigrationInfo>,
    /// Set when the database must not be used or migrated by this binary.
    pub problem: Option<SchemaProblem>,
}

impl SchemaStatus {
    /// True when the database has exactly the binary's migrations.
    pub fn is_current(&self) -> bool {
        self.problem.is_none() && self.pending.is_empty()
    }
}

/// A row of `_sqlx_migrations`.
#[derive(Debug, Clone)]
pub(crate) struct Applied {
    pub(crate) version: i64,
    pub(crate) success: bool,
    pub(crate) checksum: Vec<u8>,
}

/// A SQLite file's applied migrations (read by the caller, e.g. from a backup
/// file it opened itself) compared with the binary's.
pub(crate) fn compare_sqlite(applied: &[Applied]) -> SchemaStatus {
    compare(&SQLITE, applied)
}

fn compare(migrator: &Migrator, applied: &[Applied]) -> SchemaStatus {
    let binary_version = migrator.iter().map(|m| m.version).max().unwrap_or(0);
    let database_version = applied.iter().map(|a| a.version).max().unwrap_or(0);
    let mut problem = None;
    // A newer database first: its other differences are expected, not the cause.
    if let Some(unknown) = applied
        .iter()
        .filter(|a| !migrator.iter().any(|m| m.version == a.version))
        .map(|a| a.version)
        .max()
    {
        problem = Some(SchemaProblem::Newer {
            database: unknown.max(database_version),
            binary: binary_version,
        });
    } else if let Some(dirty) = applied.iter().find(|a| !a.success) {
        problem = Some(SchemaProblem::Dirty {
            version: dirty.version,
            binary: binary_version,
        });
    } else if let Some(altered) = applied.iter().find(|a| {
        migrator
            .iter()
            .find(|m| m.version == a.version)
            .is_some_and(|m| *m.checksum != *a.checksum)
    }) {
        problem = Some(SchemaProblem::Altered {
            version: altered.version,
            binary: binary_version,
        });
    }
    let pending = migrator
        .iter()
        .filter(|m| m.migration_type.is_up_migration())
        .filter(|m| !applied.iter().any(|a| a.version == m.version))
        .map(|m| MigrationInfo {
            version: m.version,
            description: m.description.to_string(),
        })
        .collect();
    SchemaStatus {
        binary_version,
        database_version,
        pending,
        problem,
    }
}

impl Store {
    fn migrator(&self) -> &'static Migrator {
        match self.pool {
            Pool::Sqlite { .. } => &SQLITE,
            Pool::Postgres(_) => &POSTGRES,
        }
    }

    /// Reads `_sqlx_migrations` (absent on a fresh database) and compares it with
    /// the binary's migrations.
    pub async fn schema_status(&self) -> Result<SchemaStatus> {
        let rows = match &self.pool {
            Pool::Sqlite { read, .. } => {
                let exists: i64 = sqlx::query_scalar(
                    "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
                )
                .fetch_one(read)
                .await?;
                if exists == 0 {
                    Vec::new()
                } else {
                    sqlx::query("SELECT version, success, checksum FROM _sqlx_migrations")
                        .fetch_all(read)
                        .await?
                        .iter()
                        .map(|r| {
                            Ok(Applied {
                                version: r.try_get(0)?,
                                success: r.try_get(1)?,
                                checksum: r.try_get(2)?,
                            })
                        })
                        .collect::<std::result::Result<Vec<_>, sqlx::Error>>()?
                }
            }
            Pool::Postgres(p) => {
                let exists: bool =
                    sqlx::query_scalar("SELECT to_regclass('_sqlx_migrations') IS NOT NULL")
                        .fetch_one(p)
                        .await?;
                if !exists {
                    Vec::new()
                } else {
                    sqlx::query("SELECT version, success, checksum FROM _sqlx_migrations")
                        .fetch_all(p)
                        .await?
                        .iter()
                        .map(|r| {
                            Ok(Applied {
                                version: r.try_get(0)?,
                                success: r.try_get(1)?,
                                checksum: r.try_get(2)?,
                            })
                        })
                        .collect::<std::result::Result<Vec<_>, sqlx::Error>>()?
                }
            }
        };
        Ok(compare(self.migrator(), &rows))
    }

    /// Refuses a database this binary must not touch, then applies what `policy`
    /// says. Returns the migrations applied.
    pub(crate) async fn check_and_migrate(&self, policy: Migrations) -> Result<Vec<MigrationInfo>> {
        let status = self.schema_status().await?;
        if let Some(problem) = status.problem {
            return Err(StoreError::Schema(problem));
        }
        match policy {
            Migrations::Apply => self.apply_pending().await,
            Migrations::Require if !status.pending.is_empty() => {
                Err(StoreError::Schema(SchemaProblem::Pending {
                    count: status.pending.len(),
                    binary: status.binary_version,
                }))
            }
            Migrations::Require | Migrations::Leave => Ok(Vec::new()),
        }
    }

    /// Checks the schema again, then applies the binary's pending migrations
    /// (each in its own transaction, as sqlx does). Returns what it applied.
    pub async fn apply_pending(&self) -> Result<Vec<MigrationInfo>> {
        let status = self.schema_status().await?;
        if let Some(problem) = status.problem {
            return Err(StoreError::Schema(problem));
        }
        if status.pending.is_empty() {
            return Ok(Vec::new());
        }
        match &self.pool {
            Pool::Sqlite { write, turn, .. } => {
                let _turn = turn.lock().await;
                SQLITE.run(write).await?
            }
            Pool::Postgres(p) => POSTGRES.run(p).await?,
        }
        Ok(status.pending)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn applied(version: i64, success: bool, checksum: &[u8]) -> Applied {
        Applied {
            version,
            success,
            checksum: checksum.to_vec(),
        }
    }

    fn all_applied(m: &Migrator) -> Vec<Applied> {
        m.iter()
            .map(|m| applied(m.version, true, &m.checksum))
            .collect()
    }

    #[test]
    fn a_fresh_database_has_every_migration_pending() {
        for m in [&SQLITE, &POSTGRES] {
            let s = compare(m, &[]);
            assert_eq!(s.pending.len(), m.iter().count());
            assert_eq!(s.database_version, 0);
            assert!(s.problem.is_none() && !s.is_current());
        }
    }

    #[test]
    fn differences_are_named() {
        let m = &SQLITE;
        let mut rows = all_applied(m);
        assert!(compare(m, &rows).is_current());
        let last = rows.last().unwrap().version;
        rows[0].checksum = vec![0; 48];
        assert_eq!(
            compare(m, &rows).problem,
            Some(SchemaProblem::Altered {
                version: 1,
                binary: last
            })
        );
        rows[0] = applied(1, false, &m.iter().next().unwrap().checksum);
        assert!(matches!(
            compare(m, &rows).problem,
            Some(SchemaProblem::Dirty { version: 1, .. })
        ));
        rows.push(applied(last + 1, true, b"x"));
        let problem = compare(m, &rows).problem.unwrap();
        assert_eq!(
            problem,
            SchemaProblem::Newer {
                database: last + 1,
                binary: last
            }
        );
        assert!(
            problem
                .to_string()
                .contains("upgrade buckle or restore a backup")
        );
    }
}
