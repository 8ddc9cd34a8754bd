//! visanav's storage. The rest of the program sees only [`Store`]: it never learns whether
//! SQLite or PostgreSQL is underneath.
//!
//! Every case belongs to an account, and every case query is filtered by the caller's
//! account: a case someone else owns looks exactly like one that does not exist.

mod cases;
pub mod crypto;
mod db;
mod notices;

pub use cases::{CaseId, CaseSummary, StoredCase};
pub use crypto::{Crypto, CryptoError};
pub use db::{Backend, SchemaStatus};
pub use notices::{AppliedNotice, NewNotice, StoredNotice};

/// The account that owns cases created from the command line until real accounts exist.
pub const LOCAL_ACCOUNT: &str = "00000000-0000-7000-8000-000000000001";

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the database URL is not usable: {reason}")]
    BadUrl { reason: String },
    #[error("cannot connect to the {} database: {source}", backend.name())]
    Connect {
        backend: Backend,
        source: sqlx::Error,
    },
    #[error("applying database migrations failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("database error: {0}")]
    Sql(#[from] sqlx::Error),
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    #[error("no case matches {0:?}; `visanav case list` shows your cases")]
    CaseNotFound(String),
    #[error("{query:?} matches {count} cases; give more characters of the id")]
    AmbiguousCase { query: String, count: usize },
    #[error("stored data is damaged: {0}")]
    Corrupt(String),
}

/// The store: a database plus the keys for the personal data in it.
#[derive(Debug, Clone)]
pub struct Store {
    db: db::Db,
    crypto: Crypto,
}

impl Store {
    /// Connects to `url` (`sqlite:…` or `postgres://…`). Does not migrate.
    pub async fn connect(url: &str, crypto: Crypto) -> Result<Store, StoreError> {
        Ok(Store {
            db: db::Db::connect(url).await?,
            crypto,
        })
    }

    /// Connects and applies any pending migrations.
    pub async fn open(url: &str, crypto: Crypto) -> Result<Store, StoreError> {
        let store = Store::connect(url, crypto).await?;
        store.migrate().await?;
        Ok(store)
    }

    pub async fn migrate(&self) -> Result<(), StoreError> {
        self.db.migrate().await
    }

    pub async fn schema_status(&self) -> Result<SchemaStatus, StoreError> {
        self.db.schema_status().await
    }

    pub fn backend(&self) -> Backend {
        self.db.backend()
    }

    /// Closes the pool, letting SQLite checkpoint its write-ahead log.
    pub async fn close(&self) {
        self.db.close().await
    }
}

/// Milliseconds since the Unix epoch, from a timestamp the caller read at the edge.
pub fn to_ms(t: jiff::Timestamp) -> i64 {
    t.as_millisecond()
}
