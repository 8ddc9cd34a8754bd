//! Notice drafts: an uploaded notice kept server-side, encrypted, between "read" and "save",
//! so the browser carries only the draft's id instead of a base64 copy of the file. Drafts
//! expire; saving the notice consumes its draft in the same transaction.

use jiff::{SignedDuration, Timestamp};
use visanav_core::account::{Actor, CaseId};

use crate::db::{TxMode, on_tx};
use crate::{Store, StoreError, Tx, in_tx};

/// How long a read notice waits for the person to check and save it.
pub const DRAFT_LIFETIME: SignedDuration = SignedDuration::from_hours(24);

/// A draft's id: random, but only its owner can use it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DraftId(pub String);

/// A notice read but not yet saved.
#[derive(Clone, Copy)]
pub struct NewDraft<'a> {
    pub media_type: &'a str,
    /// The file as received.
    pub original: &'a [u8],
    /// The text read from it (typed, extracted or OCR'd).
    pub text: &'a str,
}

/// A draft, decrypted for its owner.
#[derive(Clone, PartialEq, Eq)]
pub struct NoticeDraft {
    pub id: DraftId,
    pub case_id: CaseId,
    pub media_type: String,
    pub original: Vec<u8>,
    pub text: String,
}

impl std::fmt::Debug for NoticeDraft {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NoticeDraft")
            .field("id", &self.id)
            .field("case_id", &self.case_id)
            .field("media_type", &self.media_type)
            .field("original", &format_args!("<{} bytes>", self.original.len()))
            .field(
                "text",
                &format_args!("<{} chars>", self.text.chars().count()),
            )
            .finish()
    }
}

#[derive(sqlx::FromRow)]
struct DraftRow {
    id: String,
    case_id: String,
    media_type: String,
    original_enc: Vec<u8>,
    text_enc: Vec<u8>,
}

fn aad(column: &str, id: &str) -> String {
    format!("notice_drafts.{column}:{id}")
}

impl Tx<'_> {
    /// Keeps a read notice for the actor's case until `now` + [`DRAFT_LIFETIME`]. Expired
    /// drafts (anyone's: they are unreachable) are removed on the way.
    pub async fn create_draft(
        &mut self,
        actor: &Actor,
        case: &CaseId,
        draft: NewDraft<'_>,
        now: Timestamp,
    ) -> Result<DraftId, StoreError> {
        self.purge_expired_drafts(now).await?;
        self.ensure_case(actor, case).await?;
        let id = uuid::Uuid::now_v7().to_string();
        let original_enc = self.crypto.encrypt(draft.original, &aad("original", &id));
        let text_enc = self
            .crypto
            .encrypt(draft.text.as_bytes(), &aad("text", &id));
        let expires = now.as_millisecond() + DRAFT_LIFETIME.as_millis() as i64;
        on_tx!(self, c => sqlx::query(
            "INSERT INTO notice_drafts (id, owner_id, case_id, media_type, original_enc, text_enc, created_ms, expires_ms)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&id)
        .bind(actor.account_id().as_str())
        .bind(case.as_str())
        .bind(draft.media_type)
        .bind(&original_enc)
        .bind(&text_enc)
        .bind(now.as_millisecond())
        .bind(expires)
        .execute(&mut *c)
        .await?
        .rows_affected());
        Ok(DraftId(id))
    }

    /// The actor's unexpired draft for this case, or [`StoreError::DraftNotFound`].
    pub async fn draft(
        &mut self,
        actor: &Actor,
        case: &CaseId,
        id: &DraftId,
        now: Timestamp,
    ) -> Result<NoticeDraft, StoreError> {
        let row: Option<DraftRow> = on_tx!(self, c => sqlx::query_as(
            "SELECT id, case_id, media_type, original_enc, text_enc FROM notice_drafts
             WHERE id = $1 AND owner_id = $2 AND case_id = $3 AND expires_ms > $4",
        )
        .bind(&id.0)
        .bind(actor.account_id().as_str())
        .bind(case.as_str())
        .bind(now.as_millisecond())
        .fetch_optional(&mut *c)
        .await?);
        let row = row.ok_or(StoreError::DraftNotFound)?;
        let original = self
            .crypto
            .decrypt(&row.original_enc, &aad("original", &row.id))?;
        let text = self.crypto.decrypt(&row.text_enc, &aad("text", &row.id))?;
        Ok(NoticeDraft {
            id: DraftId(row.id.clone()),
            case_id: CaseId::from_stored(row.case_id),
            media_type: row.media_type,
            original,
            text: String::from_utf8(text)
                .map_err(|_| StoreError::Corrupt(format!("draft {}: text is not UTF-8", row.id)))?,
        })
    }

    /// Removes the actor's draft (after it was saved, or when they start over).
    pub async fn delete_draft(&mut self, actor: &Actor, id: &DraftId) -> Result<(), StoreError> {
        on_tx!(self, c => sqlx::query("DELETE FROM notice_drafts WHERE id = $1 AND owner_id = $2")
            .bind(&id.0)
            .bind(actor.account_id().as_str())
            .execute(&mut *c)
            .await?
            .rows_affected());
        Ok(())
    }

    async fn purge_expired_drafts(&mut self, now: Timestamp) -> Result<(), StoreError> {
        on_tx!(self, c => sqlx::query("DELETE FROM notice_drafts WHERE expires_ms <= $1")
            .bind(now.as_millisecond())
            .execute(&mut *c)
            .await?
            .rows_affected());
        Ok(())
    }
}

impl Store {
    pub async fn create_draft(
        &self,
        actor: &Actor,
        case: &CaseId,
        draft: NewDraft<'_>,
        now: Timestamp,
    ) -> Result<DraftId, StoreError> {
        in_tx!(self, TxMode::Write, |tx| tx
            .create_draft(actor, case, draft, now)
            .await)
    }

    pub async fn draft(
        &self,
        actor: &Actor,
        case: &CaseId,
        id: &DraftId,
        now: Timestamp,
    ) -> Result<NoticeDraft, StoreError> {
        in_tx!(self, TxMode::Read, |tx| tx
            .draft(actor, case, id, now)
            .await)
    }
}
