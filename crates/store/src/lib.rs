//! visanav's storage. The rest of the program sees only [`Store`]: it never learns whether
//! SQLite or PostgreSQL is underneath.
//!
//! Every case belongs to an account, and every case query is filtered by the caller's
//! account: a case someone else owns looks exactly like one that does not exist.

mod access;
mod accounts;
mod api_tokens;
mod calendar_feeds;
mod cases;
mod channels;
mod consult;
pub mod crypto;
mod dashboard;
mod db;
mod derived;
mod drafts;
mod edits;
mod monitoring;
mod notices;
mod notifications;
mod sessions;
mod sharing;
mod tx;

pub use accounts::{Account, AccountKind, Credentials, is_email_address, normalise_email};
pub use api_tokens::{
    ApiToken, MAX_TOKEN_DAYS, MAX_TOKEN_NAME_CHARS, NewApiToken, TokenScope, token_lifetime,
    token_name,
};
pub use calendar_feeds::{CalendarFeed, EventVersion, FeedEvent};
pub use cases::{CaseSummary, DuplicatePolicy, StoredCase};
pub use channels::{
    MAX_WEBHOOK_ENDPOINTS, NtfyDestination, NtfySubscription, ROTATION_GRACE, WebhookEndpoint,
    WebhookTarget,
};
pub use consult::{
    Applicant, AttorneyOffer, ConflictHit, ConsultStatus, ConsultType, Consultation,
    ConsultationRow, HeldTime, Intake, NewConsultType, NewRequest, NewTime, Review, Side,
    UNVERIFIED_HOLD_MINUTES, VerifiedRequest,
};
pub use crypto::{Crypto, CryptoError};
pub use dashboard::{Assignee, DashboardFilter, DashboardPage, DashboardRow, FirmMember};
pub use db::{Backend, SchemaStatus, TxMode};
pub use derived::{PENDING_RANK, Summarizer, Sweep};
pub use drafts::{DraftId, NewDraft, NoticeDraft};
pub use edits::DocumentState;
pub use monitoring::{
    AttemptView, CheckBy, CheckRecord, CheckTarget, EventRow, HistoryStep, KEEP_ANSWERS,
    MonitorView, NewReading, Recorded, TimelineEntry, WorkerCheck,
};
pub use notices::{AppliedNotice, EpisodeChoice, NewNotice, NoticeHeader, StoredNotice};
pub use notifications::{
    Channel, DEFAULT_LEAD_DAYS, DeliveryOutcome, DeliveryState, DeliveryView, DueDelivery,
    MAX_ATTEMPTS, NotificationPrefs, NotificationView, QuietHours, ReminderCandidate, retry_delay,
};
pub use sessions::{NewSession, NewToken, Session, TokenProblem, TokenPurpose, UsedToken};
pub use sharing::{AuditEntry, Firm, FirmNote, FirmRole, OfferedCase, Share};
pub use tx::Tx;
pub use visanav_core::account::{AccountId, Actor, CaseId};

/// The account that owns cases created from the command line until real accounts exist.
pub const LOCAL_ACCOUNT: &str = AccountId::LOCAL;

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
    Sql(sqlx::Error),
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    #[error("no case matches {0:?}; `visanav case list` shows your cases")]
    CaseNotFound(String),
    #[error("{query:?} matches {count} cases; give more characters of the id")]
    AmbiguousCase { query: String, count: usize },
    /// A write that a uniqueness rule of the database refused. `constraint` is the name of
    /// the constraint or index (the same on both backends).
    #[error("this would duplicate something already stored ({constraint})")]
    Conflict { constraint: String },
    #[error(
        "you already have a case with case number {case_number} ({existing}); \
         import it again only if you mean to keep two copies (--force)"
    )]
    DuplicateCase {
        case_number: String,
        existing: CaseId,
    },
    #[error("this notice was already saved to the case (notice {existing}); nothing changed")]
    DuplicateNotice { existing: String },
    #[error(
        "the checklist changed since you opened it (item {} is no longer {kind:?}); reload the page and try again",
        index + 1
    )]
    DocumentNotFound { index: usize, kind: String },
    #[error("no such account")]
    AccountNotFound,
    #[error("no such firm among yours")]
    FirmNotFound,
    #[error("no such invitation, or it was already answered or withdrawn")]
    ShareNotFound,
    #[error("the notice you read has expired or was already saved; read it again")]
    DraftNotFound,
    #[error("the check of case {0} is no longer this worker's (its lease ended); nothing recorded")]
    LeaseLost(String),
    #[error(
        "you already have {max} webhook endpoints, the most one person may have; delete one \
         you no longer use first"
    )]
    WebhookLimit { max: usize },
    #[error(
        "that time was just taken by someone else; pick another time (the list shows what is \
         still free)"
    )]
    SlotTaken,
    #[error("this attorney does not take requests of this kind any more; go back and pick another")]
    NotBookable,
    #[error("no such consultation among yours")]
    ConsultationNotFound,
    #[error("{0}")]
    ConsultationState(String),
    #[error(
        "record your review first: the conflict check cleared and the matter accepted, then \
         confirm"
    )]
    ReviewMissing,
    #[error("stored data is damaged: {0}")]
    Corrupt(String),
    #[error("summaries cannot be computed: this store was opened without a summarizer")]
    NoSummarizer,
}

/// Unique constraints by name. PostgreSQL reports the name; SQLite reports the columns
/// ("UNIQUE constraint failed: notices.case_id, notices.original_hash"), so each name is
/// listed with its columns.
const UNIQUE_CONSTRAINTS: &[(&str, &str)] = &[
    (
        "notices_case_original_key",
        "notices.case_id, notices.original_hash",
    ),
    ("accounts_email_key", "accounts.email_hash"),
];

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> StoreError {
        if let Some(db) = e.as_database_error()
            && db.kind() == sqlx::error::ErrorKind::UniqueViolation
        {
            let message = db.message();
            let named = db.constraint().map(str::to_string).or_else(|| {
                UNIQUE_CONSTRAINTS
                    .iter()
                    .find(|(_, columns)| message.ends_with(columns))
                    .map(|(name, _)| name.to_string())
            });
            return StoreError::Conflict {
                constraint: named.unwrap_or_else(|| "unique".to_string()),
            };
        }
        StoreError::Sql(e)
    }
}

/// The store: a database plus the keys for the personal data in it, and what computes the
/// dashboard summary of a case (see [`Summarizer`]).
#[derive(Debug, Clone)]
pub struct Store {
    db: db::Db,
    crypto: Crypto,
    summarizer: Option<Summarizer>,
}

impl Store {
    /// Connects to `url` (`sqlite:…` or `postgres://…`). Does not migrate.
    pub async fn connect(url: &str, crypto: Crypto) -> Result<Store, StoreError> {
        Ok(Store {
            db: db::Db::connect(url).await?,
            crypto,
            summarizer: None,
        })
    }

    /// The same store, writing each changed case's summary with `summarizer` in the change's
    /// own transaction. The server and the command line always give one; without it, summaries
    /// wait as "not summarised yet" until a sweep by a store that has one.
    pub fn with_summarizer(mut self, summarizer: Summarizer) -> Store {
        self.summarizer = Some(summarizer);
        self
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

    /// Begins a transaction to pass to repository functions (see [`Tx`]). Nothing it writes
    /// is visible to others until [`Tx::commit`]; dropping it or [`Tx::rollback`] undoes it.
    pub async fn begin(&self, mode: TxMode) -> Result<Tx<'_>, StoreError> {
        Ok(Tx::new(
            self.db.begin(mode).await?,
            &self.crypto,
            self.summarizer.as_ref(),
        ))
    }

    /// Refreshes the query planner's statistics (`ANALYZE`, on either backend): worth doing
    /// after a bulk load, before the planner has seen the data.
    pub async fn analyze(&self) -> Result<(), StoreError> {
        db::on_pool!(&self.db, p => sqlx::query("ANALYZE").execute(p).await?.rows_affected());
        Ok(())
    }

    /// Closes the pool, letting SQLite checkpoint its write-ahead log.
    pub async fn close(&self) {
        self.db.close().await
    }
}

/// The highest schema version this build knows (the same on both backends).
pub fn latest_migration() -> i64 {
    db::SQLITE_MIGRATIONS
        .iter()
        .map(|m| m.version)
        .max()
        .unwrap_or(0)
}

/// Runs `f` in a transaction of `mode`, committing when it succeeds and rolling back when it
/// fails, so a convenience method on [`Store`] is one line around the [`Tx`] method.
macro_rules! in_tx {
    ($store:expr, $mode:expr, |$tx:ident| $body:expr) => {{
        let mut $tx = $store.begin($mode).await?;
        match $body {
            Ok(value) => {
                $tx.commit().await?;
                Ok(value)
            }
            Err(e) => {
                $tx.rollback().await?;
                Err(e)
            }
        }
    }};
}
pub(crate) use in_tx;
