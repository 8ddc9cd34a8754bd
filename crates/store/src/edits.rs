//! Changing a case after it was created: replacing its editable content with an edited case
//! file, and moving one checklist item along (needed → gathered → submitted).
//!
//! Status history stays append-only here too: an edit can add readings, never remove one.

use jiff::Timestamp;
use jiff::civil::Date;
use visanav_core::account::{Actor, CaseId};
use visanav_core::casefile::{CaseFile, DocumentStatus, Refusal};

use crate::cases::{LATEST_REFUSAL, RefusalRow, aad, date_text, json_list};
use crate::db::{TxMode, on_tx};
use crate::{Store, StoreError, Tx, in_tx};

/// A checklist item's new state, as the person set it.
#[derive(Clone, PartialEq, Eq)]
pub struct DocumentState {
    pub status: DocumentStatus,
    /// The day it was gathered or submitted; `None` for a needed document.
    pub on: Option<Date>,
    /// Personal; stored encrypted. `None` or empty removes the note.
    pub note: Option<String>,
}

impl std::fmt::Debug for DocumentState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DocumentState")
            .field("status", &self.status)
            .field("on", &self.on)
            .field("note", &self.note.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

impl Tx<'_> {
    /// Replaces the case's identifiers, dates, people, documents and latest refusal episode
    /// with `case`'s (already validated by the caller). Status readings in `case` that the
    /// case does not have yet are appended; none is ever removed. When `case` has no refusal,
    /// the latest episode is removed (its notices stay, no longer linked to it): callers ask
    /// the person first.
    pub async fn update_case(
        &mut self,
        actor: &Actor,
        id: &CaseId,
        case: &CaseFile,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let current = self
            .get_case(actor, id)
            .await?
            .ok_or_else(|| StoreError::CaseNotFound(id.to_string()))?;
        self.touch_case(actor, id, now).await?;
        self.update_case_row(id, case).await?;
        on_tx!(self, c => sqlx::query("DELETE FROM case_documents WHERE case_id = $1")
            .bind(id.as_str())
            .execute(&mut *c)
            .await?
            .rows_affected());
        self.insert_documents(id.as_str(), &case.documents).await?;
        let mut known = current.case.status.clone();
        for obs in &case.status {
            match known.iter().position(|k| k == obs) {
                Some(i) => {
                    known.remove(i);
                }
                None => {
                    self.insert_status(id.as_str(), obs, now.as_millisecond())
                        .await?
                }
            }
        }
        self.replace_latest_refusal(id, case.refusal.as_ref(), now.as_millisecond())
            .await?;
        self.audit(actor, "case_edited", Some(id), "", now).await?;
        tracing::info!(case_id = %id, "case edited");
        Ok(())
    }

    async fn update_case_row(&mut self, id: &CaseId, case: &CaseFile) -> Result<(), StoreError> {
        let pii_enc = self.encrypt_pii(id.as_str(), case)?;
        let passport_hash = case
            .passport_number
            .as_ref()
            .map(|p| self.crypto.keyed_hash("passport_number", p.as_str()));
        on_tx!(self, c => sqlx::query(
            "UPDATE cases SET visa = $1, post = $2, ceac_case_number = $3, ds160_id = $4,
                uscis_receipt = $5, petition_approved_on = $6, interview_on = $7,
                visa_issued_on = $8, entered_us_on = $9, principal_visa_issued_on = $10,
                pii_enc = $11, passport_hash = $12
             WHERE id = $13",
        )
        .bind(case.visa.as_str())
        .bind(&case.post)
        .bind(case.ceac_case_number.as_ref().map(|c| c.as_str().to_string()))
        .bind(case.ds160_id.as_ref().map(|c| c.as_str().to_string()))
        .bind(case.uscis_receipt.as_ref().map(|c| c.as_str().to_string()))
        .bind(date_text(case.petition_approved_on))
        .bind(date_text(case.interview_on))
        .bind(date_text(case.visa_issued_on))
        .bind(date_text(case.entered_us_on))
        .bind(date_text(case.principal_visa_issued_on))
        .bind(&pii_enc)
        .bind(&passport_hash)
        .bind(id.as_str())
        .execute(&mut *c)
        .await?
        .rows_affected());
        Ok(())
    }

    /// The case file describes only the latest refusal episode, so an edit changes that one;
    /// earlier episodes stay on record.
    async fn replace_latest_refusal(
        &mut self,
        id: &CaseId,
        refusal: Option<&Refusal>,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        let latest: Option<RefusalRow> = on_tx!(self, c => sqlx::query_as(LATEST_REFUSAL)
            .bind(id.as_str())
            .fetch_optional(&mut *c)
            .await?);
        match (latest, refusal) {
            (None, None) => {}
            (None, Some(r)) => {
                self.insert_refusal(id.as_str(), r, now_ms).await?;
            }
            (Some(row), None) => {
                on_tx!(self, c => {
                    sqlx::query("UPDATE notices SET refusal_id = NULL WHERE refusal_id = $1")
                        .bind(&row.id)
                        .execute(&mut *c)
                        .await?;
                    sqlx::query("DELETE FROM refusals WHERE id = $1")
                        .bind(&row.id)
                        .execute(&mut *c)
                        .await?;
                });
            }
            (Some(row), Some(r)) => {
                let notes = r.notes.as_ref().map(|n| {
                    self.crypto
                        .encrypt(n.as_bytes(), &aad("refusals", "notes", &row.id))
                });
                on_tx!(self, c => sqlx::query(
                    "UPDATE refusals SET refused_on = $1, sections = $2, requested = $3,
                        submitted_on = $4, notes_enc = $5
                     WHERE id = $6",
                )
                .bind(r.on.to_string())
                .bind(json_list(&r.sections)?)
                .bind(json_list(&r.requested)?)
                .bind(date_text(r.submitted_on))
                .bind(notes)
                .bind(&row.id)
                .execute(&mut *c)
                .await?
                .rows_affected());
            }
        }
        Ok(())
    }

    /// Sets checklist item `index` (its place in the case's document list, from 0) to
    /// `state`. `kind` is the document kind the person saw at that place: if the list changed
    /// meanwhile, nothing is written and [`StoreError::DocumentNotFound`] says so.
    pub async fn set_document_state(
        &mut self,
        actor: &Actor,
        id: &CaseId,
        index: usize,
        kind: &str,
        state: &DocumentState,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        self.touch_case(actor, id, now).await?;
        let rows: Vec<(String, String, String)> = on_tx!(self, c => sqlx::query_as(
            "SELECT id, kind, status FROM case_documents WHERE case_id = $1 ORDER BY position, id"
        )
        .bind(id.as_str())
        .fetch_all(&mut *c)
        .await?);
        let Some((doc_id, _, before)) = rows.get(index).filter(|(_, k, _)| k == kind) else {
            return Err(StoreError::DocumentNotFound {
                index,
                kind: kind.to_string(),
            });
        };
        let note = state
            .note
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(|n| {
                self.crypto
                    .encrypt(n.as_bytes(), &aad("case_documents", "note", doc_id))
            });
        let on = match state.status {
            DocumentStatus::Needed => None,
            _ => state.on,
        };
        on_tx!(self, c => sqlx::query(
            "UPDATE case_documents SET status = $1, status_on = $2, note_enc = $3 WHERE id = $4"
        )
        .bind(state.status.as_str())
        .bind(date_text(on))
        .bind(note)
        .bind(doc_id)
        .execute(&mut *c)
        .await?
        .rows_affected());
        self.audit(actor, "checklist_updated", Some(id), kind, now)
            .await?;
        // The last document needed was just gathered or submitted: the followers hear that
        // the checklist is complete (once: only the change that completes it says so).
        let completes = before == DocumentStatus::Needed.as_str()
            && state.status != DocumentStatus::Needed
            && rows
                .iter()
                .enumerate()
                .all(|(i, (_, _, s))| i == index || s != DocumentStatus::Needed.as_str());
        if completes {
            let submitted = state.status == DocumentStatus::Submitted
                && rows
                    .iter()
                    .enumerate()
                    .all(|(i, (_, _, s))| i == index || s == DocumentStatus::Submitted.as_str());
            self.insert_event(
                Some(id.as_str()),
                "checklist_complete",
                &serde_json::json!({ "documents": rows.len(), "all_submitted": submitted }),
                now,
            )
            .await?;
        }
        Ok(())
    }
}

/// One-transaction wrappers.
impl Store {
    pub async fn update_case(
        &self,
        actor: &Actor,
        id: &CaseId,
        case: &CaseFile,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        in_tx!(self, TxMode::Write, |tx| tx
            .update_case(actor, id, case, now)
            .await)
    }

    pub async fn set_document_state(
        &self,
        actor: &Actor,
        id: &CaseId,
        index: usize,
        kind: &str,
        state: &DocumentState,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        in_tx!(self, TxMode::Write, |tx| tx
            .set_document_state(actor, id, index, kind, state, now)
            .await)
    }
}
