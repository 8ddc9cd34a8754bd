//! The database handle: SQLite or PostgreSQL, chosen at run time from the URL.
//!
//! Queries are plain runtime SQL in the portable subset both engines accept (`$1` binds,
//! `ON CONFLICT`, `RETURNING`), written once and run on whichever pool is open through the
//! `on_pool!` macro. Each backend has its own migration folder with identical file names.

use std::str::FromStr;
use std::time::Duration;

use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use crate::StoreError;

pub(crate) static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
pub(crate) static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) enum Db {
    Sqlite(SqlitePool),
    Pg(PgPool),
}

/// Runs the same body against whichever pool is open. `$p` is bound to the pool.
macro_rules! on_pool {
    ($db:expr, $p:ident => $body:expr) => {
        match $db {
            $crate::db::Db::Sqlite($p) => $body,
            $crate::db::Db::Pg($p) => $body,
        }
    };
}
#[allow(unused_imports)]
pub(crate) use on_pool;

/// An open transaction on whichever backend is in use.
pub(crate) enum TxConn {
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>),
    Pg(sqlx::Transaction<'static, sqlx::Postgres>),
}

/// Runs the same body inside a [`crate::Tx`]. `$c` is bound to `&mut` the connection; use
/// `&mut *$c` for each statement.
macro_rules! on_tx {
    ($tx:expr, $c:ident => $body:expr) => {
        match &mut $tx.conn {
            $crate::db::TxConn::Sqlite(t) => {
                let $c: &mut sqlx::SqliteConnection = &mut **t;
                $body
            }
            $crate::db::TxConn::Pg(t) => {
                let $c: &mut sqlx::PgConnection = &mut **t;
                $body
            }
        }
    };
}
pub(crate) use on_tx;

/// `($1, $2, …), ($n, …)`: the placeholders of a multi-row VALUES list.
pub(crate) fn values_list(rows: usize, columns: usize) -> String {
    (0..rows)
        .map(|row| {
            let cells = (1..=columns)
                .map(|col| format!("${}", row * columns + col))
                .collect::<Vec<_>>()
                .join(", ");
            format!("({cells})")
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// What a transaction will do, which decides how it starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TxMode {
    /// Reads that must see one consistent state of the database.
    Read,
    /// Reads and writes.
    Write,
}

/// What `visanav db check` reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaStatus {
    pub backend: Backend,
    /// Highest migration applied, if any.
    pub applied: Option<i64>,
    /// Highest migration this binary knows.
    pub latest: i64,
    /// Migrations this binary knows that the database has not applied.
    pub pending: Vec<i64>,
    /// Migrations recorded as started but not finished (`success = false`): the schema may be
    /// half-changed, and migrating refuses to continue until someone looks.
    pub failed: Vec<i64>,
}

impl Db {
    pub(crate) async fn connect(url: &str) -> Result<Db, StoreError> {
        if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url)
                .map_err(|e| StoreError::BadUrl {
                    reason: e.to_string(),
                })?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true);
            let pool = SqlitePoolOptions::new()
                .max_connections(8)
                .connect_with(options)
                .await
                .map_err(|e| StoreError::Connect {
                    backend: Backend::Sqlite,
                    source: e,
                })?;
            Ok(Db::Sqlite(pool))
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let options = PgConnectOptions::from_str(url).map_err(|e| StoreError::BadUrl {
                reason: e.to_string(),
            })?;
            let pool = PgPoolOptions::new()
                .max_connections(10)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(options)
                .await
                .map_err(|e| StoreError::Connect {
                    backend: Backend::Postgres,
                    source: e,
                })?;
            Ok(Db::Pg(pool))
        } else {
            Err(StoreError::BadUrl {
                reason: "the database URL must start with sqlite: or postgres:".into(),
            })
        }
    }

    /// Begins a transaction. SQLite write transactions take the write lock up front
    /// (`BEGIN IMMEDIATE`): a deferred one that reads and then writes fails outright when
    /// another writer got in between, instead of waiting its turn. PostgreSQL reads run at
    /// REPEATABLE READ so every statement sees the same snapshot.
    pub(crate) async fn begin(&self, mode: TxMode) -> Result<TxConn, StoreError> {
        Ok(match (self, mode) {
            (Db::Sqlite(p), TxMode::Read) => TxConn::Sqlite(p.begin().await?),
            (Db::Sqlite(p), TxMode::Write) => {
                TxConn::Sqlite(p.begin_with("BEGIN IMMEDIATE").await?)
            }
            (Db::Pg(p), TxMode::Read) => TxConn::Pg(
                p.begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                    .await?,
            ),
            (Db::Pg(p), TxMode::Write) => TxConn::Pg(p.begin().await?),
        })
    }

    pub(crate) fn backend(&self) -> Backend {
        match self {
            Db::Sqlite(_) => Backend::Sqlite,
            Db::Pg(_) => Backend::Postgres,
        }
    }

    fn migrator(&self) -> &'static Migrator {
        match self {
            Db::Sqlite(_) => &SQLITE_MIGRATIONS,
            Db::Pg(_) => &POSTGRES_MIGRATIONS,
        }
    }

    pub(crate) async fn migrate(&self) -> Result<(), StoreError> {
        let result = match self {
            Db::Sqlite(p) => SQLITE_MIGRATIONS.run(p).await,
            Db::Pg(p) => POSTGRES_MIGRATIONS.run(p).await,
        };
        result.map_err(StoreError::Migrate)
    }

    pub(crate) async fn schema_status(&self) -> Result<SchemaStatus, StoreError> {
        let table_exists: bool = match self {
            Db::Sqlite(p) => {
                sqlx::query_scalar::<_, i64>(
                    "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
                )
                .fetch_one(p)
                .await?
                    > 0
            }
            Db::Pg(p) => {
                sqlx::query_scalar::<_, i64>(
                    "SELECT COUNT(*) FROM information_schema.tables WHERE table_name = '_sqlx_migrations'",
                )
                .fetch_one(p)
                .await?
                    > 0
            }
        };
        let (applied, failed): (Vec<i64>, Vec<i64>) = if table_exists {
            let rows: Vec<(i64, bool)> = on_pool!(self, p => sqlx::query_as(
                "SELECT version, success FROM _sqlx_migrations ORDER BY version"
            )
            .fetch_all(p)
            .await?);
            let version = |(v, _): &(i64, bool)| *v;
            (
                rows.iter().filter(|r| r.1).map(version).collect(),
                rows.iter().filter(|r| !r.1).map(version).collect(),
            )
        } else {
            (Vec::new(), Vec::new())
        };
        let known: Vec<i64> = self.migrator().iter().map(|m| m.version).collect();
        Ok(SchemaStatus {
            backend: self.backend(),
            applied: applied.last().copied(),
            latest: known.iter().copied().max().unwrap_or(0),
            pending: known.into_iter().filter(|v| !applied.contains(v)).collect(),
            failed,
        })
    }

    pub(crate) async fn close(&self) {
        on_pool!(self, p => p.close().await)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_backends_have_the_same_migrations() {
        let names = |m: &Migrator| {
            m.iter()
                .map(|x| (x.version, x.description.to_string()))
                .collect::<Vec<_>>()
        };
        assert_eq!(names(&SQLITE_MIGRATIONS), names(&POSTGRES_MIGRATIONS));
        assert!(SQLITE_MIGRATIONS.iter().next().is_some());
    }
}

#[cfg(test)]
mod values_list_tests {
    use super::values_list;

    #[test]
    fn values_list_numbers_every_cell_once() {
        assert_eq!(values_list(2, 3), "($1, $2, $3), ($4, $5, $6)");
        assert_eq!(values_list(1, 1), "($1)");
    }
}
