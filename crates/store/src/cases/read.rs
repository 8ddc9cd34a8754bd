//! Reading a case back: its row, status history, latest refusal and documents, decrypted and
//! checked into a `CaseFile` (a stored value that does not parse is damage, reported without
//! the value).

use jiff::civil::Date;
use visanav_core::account::{AccountId, Actor, CaseId};
use visanav_core::casefile::{
    CaseDocument, CaseFile, DocumentStatus, Refusal, StatusObservation, VisaClass,
};
use visanav_core::ids::{CeacCaseNumber, Ds160Id, ReceiptNumber};
use visanav_core::knowledge::StatusSource;

use super::{LATEST_REFUSAL, RefusalRow, StoredCase, aad};
use crate::access::visible;
use crate::db::on_tx;
use crate::{StoreError, Tx};

fn parse_stored_date(field: &str, text: Option<String>) -> Result<Option<Date>, StoreError> {
    text.map(|t| {
        t.parse::<Date>()
            .map_err(|_| StoreError::Corrupt(format!("{field} holds a value that is not a date")))
    })
    .transpose()
}

#[derive(sqlx::FromRow)]
struct CaseRow {
    id: String,
    owner_id: String,
    visa: String,
    post: String,
    ceac_case_number: Option<String>,
    ds160_id: Option<String>,
    uscis_receipt: Option<String>,
    petition_approved_on: Option<String>,
    interview_on: Option<String>,
    visa_issued_on: Option<String>,
    entered_us_on: Option<String>,
    pii_enc: Vec<u8>,
    created_ms: i64,
    updated_ms: i64,
    principal_visa_issued_on: Option<String>,
}

const CASE_COLUMNS: &str = "id, owner_id, visa, post, ceac_case_number, ds160_id, uscis_receipt,
    petition_approved_on, interview_on, visa_issued_on, entered_us_on, pii_enc,
    created_ms, updated_ms, principal_visa_issued_on";

#[derive(sqlx::FromRow)]
struct StatusRow {
    observed_on: String,
    status: String,
    last_updated: Option<String>,
    source: String,
}

#[derive(sqlx::FromRow)]
struct DocumentRow {
    id: String,
    kind: String,
    country: Option<String>,
    issued_on: Option<String>,
    expires_on: Option<String>,
    status: String,
    status_on: Option<String>,
    note_enc: Option<Vec<u8>>,
}

impl Tx<'_> {
    /// Loads a case with everything in it, or `None` if the actor has no such case.
    pub async fn get_case(
        &mut self,
        actor: &Actor,
        id: &CaseId,
    ) -> Result<Option<StoredCase>, StoreError> {
        let sql = format!(
            "SELECT {CASE_COLUMNS} FROM cases c WHERE c.id = $1 AND {}",
            visible("c", 2, actor)
        );
        let row: Option<CaseRow> = on_tx!(self, c => sqlx::query_as(&sql)
            .bind(id.as_str())
            .bind(actor.account_id().as_str())
            .fetch_optional(&mut *c)
            .await?);
        match row {
            Some(row) => self.with_parts(row).await.map(Some),
            None => Ok(None),
        }
    }

    /// Loads a case with no access check. Only for what the store derives from a case by
    /// itself: the summary of a case this transaction already reached through the access
    /// rule, and the sweep that refreshes every summary. Never for a caller's request.
    pub(crate) async fn load_case_unchecked(
        &mut self,
        id: &str,
    ) -> Result<Option<StoredCase>, StoreError> {
        let sql = format!("SELECT {CASE_COLUMNS} FROM cases c WHERE c.id = $1");
        let row: Option<CaseRow> = on_tx!(self, c => sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(&mut *c)
            .await?);
        match row {
            Some(row) => self.with_parts(row).await.map(Some),
            None => Ok(None),
        }
    }

    /// The case row with its status history, latest refusal and documents.
    async fn with_parts(&mut self, row: CaseRow) -> Result<StoredCase, StoreError> {
        let id = row.id.clone();
        let (statuses, refusal, documents): (Vec<StatusRow>, Option<RefusalRow>, Vec<DocumentRow>) = on_tx!(self, c => (
            sqlx::query_as(
                "SELECT observed_on, status, last_updated, source FROM status_observations
                 WHERE case_id = $1 ORDER BY observed_on, recorded_ms, id",
            )
            .bind(&id)
            .fetch_all(&mut *c)
            .await?,
            sqlx::query_as(LATEST_REFUSAL)
                .bind(&id)
                .fetch_optional(&mut *c)
                .await?,
            sqlx::query_as(
                "SELECT id, kind, country, issued_on, expires_on, status, status_on, note_enc
                 FROM case_documents WHERE case_id = $1 ORDER BY position, id",
            )
            .bind(&id)
            .fetch_all(&mut *c)
            .await?,
        ));
        self.assemble(row, statuses, refusal, documents)
    }

    fn assemble(
        &self,
        row: CaseRow,
        statuses: Vec<StatusRow>,
        refusal: Option<RefusalRow>,
        documents: Vec<DocumentRow>,
    ) -> Result<StoredCase, StoreError> {
        let id = row.id.clone();
        let corrupt =
            |what: &str, e: String| StoreError::Corrupt(format!("case {id}: {what}: {e}"));
        let pii = self.decrypt_pii(&row.id, &row.pii_enc)?;
        let status = statuses
            .into_iter()
            .map(|s| {
                Ok(StatusObservation {
                    on: parse_stored_date("observed_on", Some(s.observed_on))?
                        .ok_or_else(|| corrupt("status", "no date".into()))?,
                    status: s.status,
                    last_updated: parse_stored_date("last_updated", s.last_updated)?,
                    source: StatusSource::parse(&s.source)
                        .ok_or_else(|| corrupt("status source", s.source.clone()))?,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        let refusal = refusal.map(|r| self.refusal_of(&id, r)).transpose()?;
        let documents = documents
            .into_iter()
            .map(|d| {
                let note = match d.note_enc {
                    None => None,
                    Some(ct) => {
                        let bytes = self
                            .crypto
                            .decrypt(&ct, &aad("case_documents", "note", &d.id))?;
                        Some(
                            String::from_utf8(bytes)
                                .map_err(|_| corrupt("document note", "not UTF-8".into()))?,
                        )
                    }
                };
                Ok(CaseDocument {
                    kind: d.kind,
                    country: d.country,
                    issued_on: parse_stored_date("issued_on", d.issued_on)?,
                    expires_on: parse_stored_date("expires_on", d.expires_on)?,
                    status: DocumentStatus::parse(&d.status)
                        .map_err(|e| corrupt("document status", e))?,
                    status_on: parse_stored_date("status_on", d.status_on)?,
                    note,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        // Identifiers were validated before they were stored; a failure here is damage, and
        // the message leaves the value out.
        let bad_id = |what: &'static str| move |_| corrupt(what, "not valid".into());
        let case = CaseFile {
            visa: VisaClass::parse(&row.visa).map_err(|e| corrupt("visa", e))?,
            post: row.post,
            ceac_case_number: row
                .ceac_case_number
                .map(|c| CeacCaseNumber::parse(&c))
                .transpose()
                .map_err(bad_id("case number"))?,
            ds160_id: row
                .ds160_id
                .map(|c| Ds160Id::parse(&c))
                .transpose()
                .map_err(bad_id("DS-160 id"))?,
            uscis_receipt: row
                .uscis_receipt
                .map(|c| ReceiptNumber::parse(&c))
                .transpose()
                .map_err(bad_id("receipt"))?,
            passport_number: pii.passport_number,
            surname: pii.surname,
            petition_approved_on: parse_stored_date(
                "petition_approved_on",
                row.petition_approved_on,
            )?,
            interview_on: parse_stored_date("interview_on", row.interview_on)?,
            visa_issued_on: parse_stored_date("visa_issued_on", row.visa_issued_on)?,
            entered_us_on: parse_stored_date("entered_us_on", row.entered_us_on)?,
            principal_visa_issued_on: parse_stored_date(
                "principal_visa_issued_on",
                row.principal_visa_issued_on,
            )?,
            beneficiary: pii.beneficiary,
            petitioner: pii.petitioner,
            status,
            refusal,
            documents,
        };
        Ok(StoredCase {
            id: CaseId::from_stored(row.id),
            owner: AccountId::from_stored(row.owner_id),
            created_ms: row.created_ms,
            updated_ms: row.updated_ms,
            case,
        })
    }

    pub(crate) fn refusal_of(&self, case_id: &str, r: RefusalRow) -> Result<Refusal, StoreError> {
        let corrupt =
            |what: &str, e: String| StoreError::Corrupt(format!("case {case_id}: {what}: {e}"));
        let notes = match r.notes_enc {
            None => None,
            Some(ct) => {
                let bytes = self.crypto.decrypt(&ct, &aad("refusals", "notes", &r.id))?;
                Some(
                    String::from_utf8(bytes)
                        .map_err(|_| corrupt("refusal notes", "not UTF-8".into()))?,
                )
            }
        };
        Ok(Refusal {
            on: parse_stored_date("refused_on", Some(r.refused_on))?
                .ok_or_else(|| corrupt("refusal", "no date".into()))?,
            sections: serde_json::from_str(&r.sections)
                .map_err(|e| corrupt("refusal sections", e.to_string()))?,
            requested: serde_json::from_str(&r.requested)
                .map_err(|e| corrupt("refusal requests", e.to_string()))?,
            submitted_on: parse_stored_date("submitted_on", r.submitted_on)?,
            notes,
        })
    }
}
