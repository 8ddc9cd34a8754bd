//! Applying a read 221(g) notice to a case: the refusal episode and its checklist are created
//! or updated, and the original notice is kept, encrypted, in the same transaction.

use serde::Serialize;
use visanav_core::casefile::Refusal;

use crate::cases::CaseId;
use crate::db::on_pool;
use crate::{Store, StoreError};

/// A notice to keep with a case.
#[derive(Debug, Clone, Copy)]
pub struct NewNotice<'a> {
    /// The reader's classification (`documents_requested`, `administrative_processing`, ...).
    pub kind: &'a str,
    /// `text/plain`, `application/pdf`, `image/png`, ...
    pub media_type: &'a str,
    /// The file as received.
    pub original: &'a [u8],
    /// The reading as the user confirmed it (JSON).
    pub reading_json: &'a str,
}

/// What applying a notice changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AppliedNotice {
    pub notice_id: String,
    /// True when a new refusal episode was started; false when the current one was updated.
    pub new_episode: bool,
    /// Document ids added to the case's checklist as `needed`.
    pub documents_added: Vec<String>,
}

/// A stored notice, decrypted for its owner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredNotice {
    pub id: String,
    pub kind: String,
    pub media_type: String,
    pub original: Vec<u8>,
    pub reading_json: String,
    pub created_ms: i64,
}

impl Store {
    /// Records a refusal read from a notice. If the case's latest refusal episode has the same
    /// date, it is updated (sections and requested documents replaced by `refusal`'s; its
    /// submission date and notes kept); otherwise a new episode starts. Every requested
    /// document not yet on the case's checklist is added as `needed`.
    pub async fn apply_notice(
        &self,
        owner: &str,
        case: &CaseId,
        refusal: &Refusal,
        notice: NewNotice<'_>,
    ) -> Result<AppliedNotice, StoreError> {
        let now = jiff::Timestamp::now().as_millisecond();
        let notice_id = uuid::Uuid::now_v7().to_string();
        let original_enc = self
            .crypto
            .encrypt(notice.original, &format!("notices.original:{notice_id}"));
        let reading_enc = self.crypto.encrypt(
            notice.reading_json.as_bytes(),
            &format!("notices.reading:{notice_id}"),
        );
        let sections = serde_json::to_string(&refusal.sections)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let requested = serde_json::to_string(&refusal.requested)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let refused_on = refusal.on.to_string();

        let applied = on_pool!(&self.db, p => {
            let mut tx = p.begin().await?;
            let owned = sqlx::query("UPDATE cases SET updated_ms = $1 WHERE id = $2 AND owner_id = $3")
                .bind(now)
                .bind(&case.0)
                .bind(owner)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if owned == 0 {
                // Roll back now: a dropped transaction would keep SQLite's write lock until
                // its pooled connection is next used, blocking every other writer.
                tx.rollback().await?;
                return Err(StoreError::CaseNotFound(case.0.clone()));
            }
            let latest: Option<(String, String)> = sqlx::query_as(
                "SELECT id, refused_on FROM refusals WHERE case_id = $1 ORDER BY refused_on DESC, id DESC LIMIT 1",
            )
            .bind(&case.0)
            .fetch_optional(&mut *tx)
            .await?;
            let (refusal_id, new_episode) = match latest {
                Some((id, on)) if on == refused_on => {
                    sqlx::query("UPDATE refusals SET sections = $1, requested = $2 WHERE id = $3")
                        .bind(&sections)
                        .bind(&requested)
                        .bind(&id)
                        .execute(&mut *tx)
                        .await?;
                    (id, false)
                }
                _ => {
                    let id = uuid::Uuid::now_v7().to_string();
                    sqlx::query(
                        "INSERT INTO refusals (id, case_id, refused_on, sections, requested, submitted_on, notes_enc, created_ms)
                         VALUES ($1, $2, $3, $4, $5, NULL, NULL, $6)",
                    )
                    .bind(&id)
                    .bind(&case.0)
                    .bind(&refused_on)
                    .bind(&sections)
                    .bind(&requested)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                    (id, true)
                }
            };
            let existing: Vec<String> = sqlx::query_scalar("SELECT kind FROM case_documents WHERE case_id = $1")
                .bind(&case.0)
                .fetch_all(&mut *tx)
                .await?;
            let next: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(position) + 1, 0) FROM case_documents WHERE case_id = $1")
                .bind(&case.0)
                .fetch_one(&mut *tx)
                .await?;
            let mut documents_added = Vec::new();
            for kind in &refusal.requested {
                if existing.contains(kind) || documents_added.contains(kind) {
                    continue;
                }
                sqlx::query(
                    "INSERT INTO case_documents (id, case_id, position, kind, country, issued_on, expires_on, status)
                     VALUES ($1, $2, $3, $4, NULL, NULL, NULL, 'needed')",
                )
                .bind(uuid::Uuid::now_v7().to_string())
                .bind(&case.0)
                .bind(next + documents_added.len() as i64)
                .bind(kind)
                .execute(&mut *tx)
                .await?;
                documents_added.push(kind.clone());
            }
            sqlx::query(
                "INSERT INTO notices (id, case_id, refusal_id, kind, media_type, original_enc, reading_enc, created_ms)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(&notice_id)
            .bind(&case.0)
            .bind(&refusal_id)
            .bind(notice.kind)
            .bind(notice.media_type)
            .bind(&original_enc)
            .bind(&reading_enc)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            AppliedNotice { notice_id: notice_id.clone(), new_episode, documents_added }
        });
        tracing::info!(case_id = %case, notice_id = %applied.notice_id, "notice applied");
        Ok(applied)
    }

    /// The owner's notices for a case, oldest first, decrypted.
    pub async fn list_notices(
        &self,
        owner: &str,
        case: &CaseId,
    ) -> Result<Vec<StoredNotice>, StoreError> {
        type Row = (String, String, String, Vec<u8>, Vec<u8>, i64);
        let rows: Vec<Row> = on_pool!(&self.db, p => sqlx::query_as(
            "SELECT n.id, n.kind, n.media_type, n.original_enc, n.reading_enc, n.created_ms
             FROM notices n JOIN cases c ON c.id = n.case_id
             WHERE n.case_id = $1 AND c.owner_id = $2
             ORDER BY n.created_ms, n.id"
        )
        .bind(&case.0)
        .bind(owner)
        .fetch_all(p)
        .await?);
        rows.into_iter()
            .map(
                |(id, kind, media_type, original_enc, reading_enc, created_ms)| {
                    let original = self
                        .crypto
                        .decrypt(&original_enc, &format!("notices.original:{id}"))?;
                    let reading = self
                        .crypto
                        .decrypt(&reading_enc, &format!("notices.reading:{id}"))?;
                    let reading_json = String::from_utf8(reading)
                        .map_err(|e| StoreError::Corrupt(format!("notice {id}: {e}")))?;
                    Ok(StoredNotice {
                        id,
                        kind,
                        media_type,
                        original,
                        reading_json,
                        created_ms,
                    })
                },
            )
            .collect()
    }
}
