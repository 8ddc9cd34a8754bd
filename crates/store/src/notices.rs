//! Applying a read 221(g) notice to a case: the refusal episode and its checklist are created
//! or updated, and the original notice is kept, encrypted, in the same transaction.

use jiff::Timestamp;
use serde::Serialize;
use sha2::Digest as _;
use visanav_core::account::{Actor, CaseId};
use visanav_core::casefile::Refusal;

use crate::access::visible;
use crate::cases::{LATEST_REFUSAL, RefusalRow, json_list};
use crate::db::{TxMode, on_tx};
use crate::drafts::DraftId;
use crate::{DuplicatePolicy, Store, StoreError, Tx, in_tx};

/// A notice to keep with a case.
#[derive(Clone, Copy)]
pub struct NewNotice<'a> {
    /// The reader's classification (`documents_requested`, `administrative_processing`, ...).
    pub kind: &'a str,
    /// `text/plain`, `application/pdf`, `image/png`, ...
    pub media_type: &'a str,
    /// The file as received.
    pub original: &'a [u8],
    /// The reading as the user confirmed it (JSON).
    pub reading_json: &'a str,
    /// The draft this notice was read into, removed in the same transaction.
    pub from_draft: Option<&'a DraftId>,
    /// Which refusal episode the notice belongs to.
    pub episode: EpisodeChoice,
    /// Whether the same file, saved before, may be applied again.
    pub duplicates: DuplicatePolicy,
}

impl std::fmt::Debug for NewNotice<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewNotice")
            .field("kind", &self.kind)
            .field("media_type", &self.media_type)
            .field("original", &format_args!("<{} bytes>", self.original.len()))
            .field("episode", &self.episode)
            .field("duplicates", &self.duplicates)
            .finish_non_exhaustive()
    }
}

/// Which refusal episode a notice belongs to. The person decides when the notice's date
/// differs from the refusal the case records (see the notice pages and `notice apply`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EpisodeChoice {
    /// The same refusal as the case's latest episode: its date, sections and requested
    /// documents become the notice's; its submission date and notes are kept. Starts one
    /// when the case has none.
    Latest,
    /// A new refusal (for example a second 221(g) after resubmitting): a new episode.
    New,
}

/// What applying a notice changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AppliedNotice {
    pub notice_id: String,
    /// True when a new refusal episode was started; false when the current one was updated.
    pub new_episode: bool,
    /// Document ids added to the case's checklist as `needed`.
    pub documents_added: Vec<String>,
    /// True when the same file had been saved before and its reading was replaced.
    pub replaced: bool,
}

/// A stored notice, decrypted for its owner.
#[derive(Clone, PartialEq, Eq)]
pub struct StoredNotice {
    pub id: String,
    pub kind: String,
    pub media_type: String,
    pub original: Vec<u8>,
    pub reading_json: String,
    pub created_ms: i64,
}

impl std::fmt::Debug for StoredNotice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredNotice")
            .field("id", &self.id)
            .field("kind", &self.kind)
            .field("media_type", &self.media_type)
            .field("original", &format_args!("<{} bytes>", self.original.len()))
            .finish_non_exhaustive()
    }
}

/// A saved notice as a list shows it: no file, no reading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeHeader {
    pub id: String,
    pub kind: String,
    pub media_type: String,
    pub created_ms: i64,
}

#[derive(sqlx::FromRow)]
struct NoticeRow {
    id: String,
    kind: String,
    media_type: String,
    original_enc: Vec<u8>,
    reading_enc: Vec<u8>,
    created_ms: i64,
}

impl Tx<'_> {
    /// Keyed hash of a notice file: finds the same file saved twice without storing
    /// anything readable about it.
    fn original_hash(&self, original: &[u8]) -> String {
        let digest = sha2::Sha256::digest(original);
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        self.crypto.keyed_hash("notice_original", &hex)
    }

    /// Records a refusal read from a notice, in the episode `notice.episode` names, adds every
    /// requested document not yet on the case's checklist as `needed`, and keeps the notice.
    /// The same file saved again is refused ([`StoreError::DuplicateNotice`]) unless
    /// `notice.duplicates` allows it, in which case its stored reading is replaced.
    pub async fn apply_notice(
        &mut self,
        actor: &Actor,
        case: &CaseId,
        refusal: &Refusal,
        notice: NewNotice<'_>,
        now: Timestamp,
    ) -> Result<AppliedNotice, StoreError> {
        self.touch_case(actor, case, now).await?;
        let now_ms = now.as_millisecond();
        let hash = self.original_hash(notice.original);
        let existing: Option<String> = on_tx!(self, c => sqlx::query_scalar(
            "SELECT id FROM notices WHERE case_id = $1 AND original_hash = $2"
        )
        .bind(case.as_str())
        .bind(&hash)
        .fetch_optional(&mut *c)
        .await?);
        if let (Some(existing), DuplicatePolicy::Refuse) = (&existing, notice.duplicates) {
            return Err(StoreError::DuplicateNotice {
                existing: existing.clone(),
            });
        }
        let (refusal_id, new_episode) = self
            .record_episode(case, refusal, notice.episode, now_ms)
            .await?;
        let documents_added = self
            .add_requested_documents(case, &refusal.requested)
            .await?;
        let notice_id = match &existing {
            Some(id) => {
                self.replace_reading(id, &refusal_id, notice).await?;
                id.clone()
            }
            None => {
                self.insert_notice(case, &refusal_id, notice, &hash, now_ms)
                    .await?
            }
        };
        if let Some(draft) = notice.from_draft {
            self.delete_draft(actor, draft).await?;
        }
        self.audit(actor, "notice_saved", Some(case), &notice_id, now)
            .await?;
        tracing::info!(case_id = %case, %notice_id, "notice applied");
        Ok(AppliedNotice {
            notice_id,
            new_episode,
            documents_added,
            replaced: existing.is_some(),
        })
    }

    /// The case's latest refusal episode, if any.
    pub async fn latest_refusal(
        &mut self,
        actor: &Actor,
        case: &CaseId,
    ) -> Result<Option<Refusal>, StoreError> {
        self.ensure_case(actor, case).await?;
        let row: Option<RefusalRow> = on_tx!(self, c => sqlx::query_as(LATEST_REFUSAL)
            .bind(case.as_str())
            .fetch_optional(&mut *c)
            .await?);
        row.map(|r| self.refusal_of(case.as_str(), r)).transpose()
    }

    async fn record_episode(
        &mut self,
        case: &CaseId,
        refusal: &Refusal,
        episode: EpisodeChoice,
        now_ms: i64,
    ) -> Result<(String, bool), StoreError> {
        let latest: Option<RefusalRow> = on_tx!(self, c => sqlx::query_as(LATEST_REFUSAL)
            .bind(case.as_str())
            .fetch_optional(&mut *c)
            .await?);
        match (episode, latest) {
            (EpisodeChoice::Latest, Some(row)) => {
                on_tx!(self, c => sqlx::query(
                    "UPDATE refusals SET refused_on = $1, sections = $2, requested = $3 WHERE id = $4"
                )
                .bind(refusal.on.to_string())
                .bind(json_list(&refusal.sections)?)
                .bind(json_list(&refusal.requested)?)
                .bind(&row.id)
                .execute(&mut *c)
                .await?
                .rows_affected());
                Ok((row.id, false))
            }
            _ => {
                // A new episode starts without the old one's notes or submission date: those
                // were about the earlier refusal, which stays on record.
                let fresh = Refusal {
                    notes: None,
                    submitted_on: None,
                    ..refusal.clone()
                };
                let id = self.insert_refusal(case.as_str(), &fresh, now_ms).await?;
                Ok((id, true))
            }
        }
    }

    async fn add_requested_documents(
        &mut self,
        case: &CaseId,
        requested: &[String],
    ) -> Result<Vec<String>, StoreError> {
        let (existing, next): (Vec<String>, i64) = on_tx!(self, c => (
            sqlx::query_scalar("SELECT kind FROM case_documents WHERE case_id = $1")
                .bind(case.as_str())
                .fetch_all(&mut *c)
                .await?,
            sqlx::query_scalar(
                "SELECT COALESCE(MAX(position) + 1, 0) FROM case_documents WHERE case_id = $1",
            )
            .bind(case.as_str())
            .fetch_one(&mut *c)
            .await?,
        ));
        let mut added: Vec<String> = Vec::new();
        for kind in requested {
            if existing.contains(kind) || added.contains(kind) {
                continue;
            }
            on_tx!(self, c => sqlx::query(
                "INSERT INTO case_documents (id, case_id, position, kind, country, issued_on, expires_on, status)
                 VALUES ($1, $2, $3, $4, NULL, NULL, NULL, 'needed')",
            )
            .bind(uuid::Uuid::now_v7().to_string())
            .bind(case.as_str())
            .bind(next + added.len() as i64)
            .bind(kind)
            .execute(&mut *c)
            .await?
            .rows_affected());
            added.push(kind.clone());
        }
        Ok(added)
    }

    async fn insert_notice(
        &mut self,
        case: &CaseId,
        refusal_id: &str,
        notice: NewNotice<'_>,
        hash: &str,
        now_ms: i64,
    ) -> Result<String, StoreError> {
        let id = uuid::Uuid::now_v7().to_string();
        let original_enc = self
            .crypto
            .encrypt(notice.original, &format!("notices.original:{id}"));
        let reading_enc = self.crypto.encrypt(
            notice.reading_json.as_bytes(),
            &format!("notices.reading:{id}"),
        );
        on_tx!(self, c => sqlx::query(
            "INSERT INTO notices (id, case_id, refusal_id, kind, media_type, original_enc, reading_enc, created_ms, original_hash)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(&id)
        .bind(case.as_str())
        .bind(refusal_id)
        .bind(notice.kind)
        .bind(notice.media_type)
        .bind(&original_enc)
        .bind(&reading_enc)
        .bind(now_ms)
        .bind(hash)
        .execute(&mut *c)
        .await?
        .rows_affected());
        Ok(id)
    }

    async fn replace_reading(
        &mut self,
        id: &str,
        refusal_id: &str,
        notice: NewNotice<'_>,
    ) -> Result<(), StoreError> {
        let reading_enc = self.crypto.encrypt(
            notice.reading_json.as_bytes(),
            &format!("notices.reading:{id}"),
        );
        on_tx!(self, c => sqlx::query(
            "UPDATE notices SET kind = $1, reading_enc = $2, refusal_id = $3 WHERE id = $4"
        )
        .bind(notice.kind)
        .bind(&reading_enc)
        .bind(refusal_id)
        .bind(id)
        .execute(&mut *c)
        .await?
        .rows_affected());
        Ok(())
    }

    /// The actor's notices for a case, oldest first, decrypted.
    pub async fn list_notices(
        &mut self,
        actor: &Actor,
        case: &CaseId,
    ) -> Result<Vec<StoredNotice>, StoreError> {
        self.ensure_case(actor, case).await?;
        let sql = format!(
            "SELECT n.id, n.kind, n.media_type, n.original_enc, n.reading_enc, n.created_ms
             FROM notices n JOIN cases c ON c.id = n.case_id
             WHERE n.case_id = $1 AND {}
             ORDER BY n.created_ms, n.id",
            visible("c", 2, actor)
        );
        let rows: Vec<NoticeRow> = on_tx!(self, c => sqlx::query_as(&sql)
        .bind(case.as_str())
        .bind(actor.account_id().as_str())
        .fetch_all(&mut *c)
        .await?);
        rows.into_iter().map(|r| self.decrypt_notice(r)).collect()
    }

    /// One of the actor's notices on a case, decrypted; `None` if the case has no such notice.
    pub async fn notice(
        &mut self,
        actor: &Actor,
        case: &CaseId,
        notice: &str,
    ) -> Result<Option<StoredNotice>, StoreError> {
        self.ensure_case(actor, case).await?;
        let sql = format!(
            "SELECT n.id, n.kind, n.media_type, n.original_enc, n.reading_enc, n.created_ms
             FROM notices n JOIN cases c ON c.id = n.case_id
             WHERE n.case_id = $1 AND {} AND n.id = $3",
            visible("c", 2, actor)
        );
        let row: Option<NoticeRow> = on_tx!(self, c => sqlx::query_as(&sql)
        .bind(case.as_str())
        .bind(actor.account_id().as_str())
        .bind(notice)
        .fetch_optional(&mut *c)
        .await?);
        row.map(|r| self.decrypt_notice(r)).transpose()
    }

    /// The actor's notices for a case, oldest first, without their contents: what a list
    /// shows, with nothing decrypted.
    pub async fn notice_headers(
        &mut self,
        actor: &Actor,
        case: &CaseId,
    ) -> Result<Vec<NoticeHeader>, StoreError> {
        self.ensure_case(actor, case).await?;
        let sql = format!(
            "SELECT n.id, n.kind, n.media_type, n.created_ms
             FROM notices n JOIN cases c ON c.id = n.case_id
             WHERE n.case_id = $1 AND {}
             ORDER BY n.created_ms, n.id",
            visible("c", 2, actor)
        );
        let rows: Vec<(String, String, String, i64)> = on_tx!(self, c => sqlx::query_as(&sql)
        .bind(case.as_str())
        .bind(actor.account_id().as_str())
        .fetch_all(&mut *c)
        .await?);
        Ok(rows
            .into_iter()
            .map(|(id, kind, media_type, created_ms)| NoticeHeader {
                id,
                kind,
                media_type,
                created_ms,
            })
            .collect())
    }

    fn decrypt_notice(&self, r: NoticeRow) -> Result<StoredNotice, StoreError> {
        let original = self
            .crypto
            .decrypt(&r.original_enc, &format!("notices.original:{}", r.id))?;
        let reading = self
            .crypto
            .decrypt(&r.reading_enc, &format!("notices.reading:{}", r.id))?;
        let reading_json = String::from_utf8(reading)
            .map_err(|_| StoreError::Corrupt(format!("notice {}: not UTF-8", r.id)))?;
        Ok(StoredNotice {
            id: r.id,
            kind: r.kind,
            media_type: r.media_type,
            original,
            reading_json,
            created_ms: r.created_ms,
        })
    }
}

impl Store {
    pub async fn apply_notice(
        &self,
        actor: &Actor,
        case: &CaseId,
        refusal: &Refusal,
        notice: NewNotice<'_>,
        now: Timestamp,
    ) -> Result<AppliedNotice, StoreError> {
        in_tx!(self, TxMode::Write, |tx| tx
            .apply_notice(actor, case, refusal, notice, now)
            .await)
    }

    pub async fn latest_refusal(
        &self,
        actor: &Actor,
        case: &CaseId,
    ) -> Result<Option<Refusal>, StoreError> {
        in_tx!(self, TxMode::Read, |tx| tx
            .latest_refusal(actor, case)
            .await)
    }

    pub async fn list_notices(
        &self,
        actor: &Actor,
        case: &CaseId,
    ) -> Result<Vec<StoredNotice>, StoreError> {
        in_tx!(self, TxMode::Read, |tx| tx.list_notices(actor, case).await)
    }

    pub async fn notice(
        &self,
        actor: &Actor,
        case: &CaseId,
        notice: &str,
    ) -> Result<Option<StoredNotice>, StoreError> {
        in_tx!(self, TxMode::Read, |tx| tx
            .notice(actor, case, notice)
            .await)
    }
}
