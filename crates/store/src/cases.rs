//! Cases: the case row (identifiers, dates, encrypted personal data), its append-only status
//! history, its refusal episodes and its documents.

use std::fmt;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use visanav_core::casefile::{
    CaseDocument, CaseFile, DocumentStatus, Person, Refusal, StatusObservation, VisaClass,
};
use visanav_core::ids::{CeacCaseNumber, Ds160Id, PassportNumber, ReceiptNumber};
use visanav_core::knowledge::StatusSource;

use crate::db::on_pool;
use crate::{Store, StoreError};

/// A case id: a UUIDv7, shown in its hyphenated form.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CaseId(pub String);

impl fmt::Display for CaseId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A case as stored, with its personal data decrypted for its owner.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredCase {
    pub id: CaseId,
    pub owner: String,
    pub created_ms: i64,
    pub updated_ms: i64,
    pub case: CaseFile,
}

/// One line of a case list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CaseSummary {
    pub id: CaseId,
    pub visa: String,
    pub post: String,
    pub ceac_case_number: Option<String>,
    /// Decrypted for the owner; absent when the case file named nobody.
    pub beneficiary: Option<String>,
    pub latest_status: Option<String>,
    pub latest_status_on: Option<String>,
    pub created_ms: i64,
}

/// The personal data of a case, stored as one encrypted JSON document.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Pii {
    passport_number: Option<PassportNumber>,
    surname: Option<String>,
    beneficiary: Option<Person>,
    petitioner: Option<Person>,
}

fn aad(table: &str, column: &str, id: &str) -> String {
    format!("{table}.{column}:{id}")
}

fn date_text(d: Option<Date>) -> Option<String> {
    d.map(|d| d.to_string())
}

fn parse_stored_date(field: &str, text: Option<String>) -> Result<Option<Date>, StoreError> {
    text.map(|t| {
        t.parse::<Date>()
            .map_err(|_| StoreError::Corrupt(format!("{field} holds {t:?}, not a date")))
    })
    .transpose()
}

type CaseRow = (
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Vec<u8>,
    i64,
    i64,
    Option<String>,
);
type StatusRow = (String, String, Option<String>, String);
type RefusalRow = (
    String,
    String,
    String,
    String,
    Option<String>,
    Option<Vec<u8>>,
);
type DocumentRow = (
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
);

impl Store {
    /// Stores a validated case file as a new case owned by `owner`, all in one transaction.
    pub async fn create_case(&self, owner: &str, case: &CaseFile) -> Result<CaseId, StoreError> {
        let id = uuid::Uuid::now_v7().to_string();
        let now = jiff::Timestamp::now().as_millisecond();
        let pii = Pii {
            passport_number: case.passport_number.clone(),
            surname: case.surname.clone(),
            beneficiary: case.beneficiary.clone(),
            petitioner: case.petitioner.clone(),
        };
        let pii_json = serde_json::to_vec(&pii).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let pii_enc = self.crypto.encrypt(&pii_json, &aad("cases", "pii", &id));
        let passport_hash = case
            .passport_number
            .as_ref()
            .map(|p| self.crypto.keyed_hash("passport_number", p.as_str()));
        let refusal = case.refusal.as_ref().map(|r| {
            let rid = uuid::Uuid::now_v7().to_string();
            let notes = r.notes.as_ref().map(|n| {
                self.crypto
                    .encrypt(n.as_bytes(), &aad("refusals", "notes", &rid))
            });
            (rid, r, notes)
        });

        on_pool!(&self.db, p => {
            let mut tx = p.begin().await?;
            sqlx::query(
                "INSERT INTO cases (id, owner_id, visa, post, ceac_case_number, ds160_id, uscis_receipt,
                    petition_approved_on, interview_on, visa_issued_on, entered_us_on, pii_enc,
                    passport_hash, created_ms, updated_ms, principal_visa_issued_on)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14, $15)",
            )
            .bind(&id)
            .bind(owner)
            .bind(case.visa.as_str())
            .bind(&case.post)
            .bind(case.ceac_case_number.as_ref().map(|c| c.as_str().to_string()))
            .bind(case.ds160_id.as_ref().map(|c| c.as_str().to_string()))
            .bind(case.uscis_receipt.as_ref().map(|c| c.as_str().to_string()))
            .bind(date_text(case.petition_approved_on))
            .bind(date_text(case.interview_on))
            .bind(date_text(case.visa_issued_on))
            .bind(date_text(case.entered_us_on))
            .bind(&pii_enc)
            .bind(&passport_hash)
            .bind(now)
            .bind(date_text(case.principal_visa_issued_on))
            .execute(&mut *tx)
            .await?;
            for obs in &case.status {
                insert_status(&mut *tx, &id, obs, now).await?;
            }
            if let Some((rid, r, notes)) = &refusal {
                sqlx::query(
                    "INSERT INTO refusals (id, case_id, refused_on, sections, requested, submitted_on, notes_enc, created_ms)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(rid)
                .bind(&id)
                .bind(r.on.to_string())
                .bind(serde_json::to_string(&r.sections).unwrap_or_default())
                .bind(serde_json::to_string(&r.requested).unwrap_or_default())
                .bind(date_text(r.submitted_on))
                .bind(notes)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
            for (position, d) in case.documents.iter().enumerate() {
                sqlx::query(
                    "INSERT INTO case_documents (id, case_id, position, kind, country, issued_on, expires_on, status)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(uuid::Uuid::now_v7().to_string())
                .bind(&id)
                .bind(position as i64)
                .bind(&d.kind)
                .bind(&d.country)
                .bind(date_text(d.issued_on))
                .bind(date_text(d.expires_on))
                .bind(d.status.as_str())
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
        });
        tracing::info!(case_id = %id, "case created");
        Ok(CaseId(id))
    }

    /// Records a new status reading. History is append-only: nothing is ever updated.
    pub async fn append_status(
        &self,
        owner: &str,
        id: &CaseId,
        obs: &StatusObservation,
    ) -> Result<(), StoreError> {
        let now = jiff::Timestamp::now().as_millisecond();
        on_pool!(&self.db, p => {
            let mut tx = p.begin().await?;
            let touched = sqlx::query("UPDATE cases SET updated_ms = $1 WHERE id = $2 AND owner_id = $3")
                .bind(now)
                .bind(&id.0)
                .bind(owner)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if touched == 0 {
                // Roll back now: a dropped transaction would keep SQLite's write lock until
                // its pooled connection is next used, blocking every other writer.
                tx.rollback().await?;
                return Err(StoreError::CaseNotFound(id.0.clone()));
            }
            insert_status(&mut *tx, &id.0, obs, now).await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// Turns what a user typed (a full id or a unique prefix of at least 4 characters) into a
    /// case id among the owner's cases.
    pub async fn resolve_case(&self, owner: &str, query: &str) -> Result<CaseId, StoreError> {
        let q = query.trim().to_ascii_lowercase();
        let valid = q.len() >= 4 && q.chars().all(|c| c.is_ascii_hexdigit() || c == '-');
        if !valid {
            return Err(StoreError::CaseNotFound(query.to_string()));
        }
        let pattern = format!("{q}%");
        let ids: Vec<String> = on_pool!(&self.db, p => sqlx::query_scalar(
            "SELECT id FROM cases WHERE owner_id = $1 AND id LIKE $2 ORDER BY id LIMIT 2"
        )
        .bind(owner)
        .bind(&pattern)
        .fetch_all(p)
        .await?);
        match ids.as_slice() {
            [one] => Ok(CaseId(one.clone())),
            [] => Err(StoreError::CaseNotFound(query.to_string())),
            _ => {
                let count: i64 = on_pool!(&self.db, p => sqlx::query_scalar(
                    "SELECT COUNT(*) FROM cases WHERE owner_id = $1 AND id LIKE $2"
                )
                .bind(owner)
                .bind(&pattern)
                .fetch_one(p)
                .await?);
                Err(StoreError::AmbiguousCase {
                    query: query.to_string(),
                    count: count as usize,
                })
            }
        }
    }

    /// Loads a case with everything in it, or `None` if the owner has no such case.
    pub async fn get_case(
        &self,
        owner: &str,
        id: &CaseId,
    ) -> Result<Option<StoredCase>, StoreError> {
        let row: Option<CaseRow> = on_pool!(&self.db, p => sqlx::query_as(
            "SELECT id, owner_id, visa, post, ceac_case_number, ds160_id, uscis_receipt,
                    petition_approved_on, interview_on, visa_issued_on, entered_us_on, pii_enc,
                    created_ms, updated_ms, principal_visa_issued_on
             FROM cases WHERE id = $1 AND owner_id = $2"
        )
        .bind(&id.0)
        .bind(owner)
        .fetch_optional(p)
        .await?);
        let Some(row) = row else { return Ok(None) };
        let statuses: Vec<StatusRow> = on_pool!(&self.db, p => sqlx::query_as(
            "SELECT observed_on, status, last_updated, source FROM status_observations
             WHERE case_id = $1 ORDER BY observed_on, recorded_ms, id"
        )
        .bind(&id.0)
        .fetch_all(p)
        .await?);
        // The latest refusal episode is the one the case file describes.
        let refusal: Option<RefusalRow> = on_pool!(&self.db, p => sqlx::query_as(
            "SELECT id, refused_on, sections, requested, submitted_on, notes_enc FROM refusals
             WHERE case_id = $1 ORDER BY refused_on DESC, id DESC LIMIT 1"
        )
        .bind(&id.0)
        .fetch_optional(p)
        .await?);
        let documents: Vec<DocumentRow> = on_pool!(&self.db, p => sqlx::query_as(
            "SELECT kind, country, issued_on, expires_on, status FROM case_documents
             WHERE case_id = $1 ORDER BY position"
        )
        .bind(&id.0)
        .fetch_all(p)
        .await?);
        self.assemble(row, statuses, refusal, documents).map(Some)
    }

    fn assemble(
        &self,
        row: CaseRow,
        statuses: Vec<StatusRow>,
        refusal: Option<RefusalRow>,
        documents: Vec<DocumentRow>,
    ) -> Result<StoredCase, StoreError> {
        let (
            id,
            owner,
            visa,
            post,
            ceac,
            ds160,
            receipt,
            approved,
            interview,
            issued,
            entered,
            pii_enc,
            created_ms,
            updated_ms,
            principal_issued,
        ) = row;
        let corrupt =
            |what: &str, e: String| StoreError::Corrupt(format!("case {id}: {what}: {e}"));
        let pii_json = self.crypto.decrypt(&pii_enc, &aad("cases", "pii", &id))?;
        let pii: Pii = serde_json::from_slice(&pii_json)
            .map_err(|e| corrupt("personal data", e.to_string()))?;

        let mut status = Vec::with_capacity(statuses.len());
        for (on, name, last_updated, source) in statuses {
            status.push(StatusObservation {
                on: parse_stored_date("observed_on", Some(on))?
                    .ok_or_else(|| corrupt("status", "no date".into()))?,
                status: name,
                last_updated: parse_stored_date("last_updated", last_updated)?,
                source: StatusSource::parse(&source)
                    .ok_or_else(|| corrupt("status source", source.clone()))?,
            });
        }
        let refusal = match refusal {
            None => None,
            Some((rid, on, sections, requested, submitted_on, notes_enc)) => {
                let notes = match notes_enc {
                    None => None,
                    Some(ct) => {
                        let bytes = self.crypto.decrypt(&ct, &aad("refusals", "notes", &rid))?;
                        Some(
                            String::from_utf8(bytes)
                                .map_err(|e| corrupt("refusal notes", e.to_string()))?,
                        )
                    }
                };
                Some(Refusal {
                    on: parse_stored_date("refused_on", Some(on))?
                        .ok_or_else(|| corrupt("refusal", "no date".into()))?,
                    sections: serde_json::from_str(&sections)
                        .map_err(|e| corrupt("refusal sections", e.to_string()))?,
                    requested: serde_json::from_str(&requested)
                        .map_err(|e| corrupt("refusal requests", e.to_string()))?,
                    submitted_on: parse_stored_date("submitted_on", submitted_on)?,
                    notes,
                })
            }
        };
        let mut docs = Vec::with_capacity(documents.len());
        for (kind, country, issued_on, expires_on, st) in documents {
            docs.push(CaseDocument {
                kind,
                country,
                issued_on: parse_stored_date("issued_on", issued_on)?,
                expires_on: parse_stored_date("expires_on", expires_on)?,
                status: DocumentStatus::parse(&st).map_err(|e| corrupt("document status", e))?,
            });
        }
        let case = CaseFile {
            visa: VisaClass::parse(&visa).map_err(|e| corrupt("visa", e))?,
            post,
            ceac_case_number: ceac
                .map(|c| CeacCaseNumber::parse(&c))
                .transpose()
                .map_err(|e| corrupt("case number", e))?,
            ds160_id: ds160
                .map(|c| Ds160Id::parse(&c))
                .transpose()
                .map_err(|e| corrupt("DS-160 id", e))?,
            uscis_receipt: receipt
                .map(|c| ReceiptNumber::parse(&c))
                .transpose()
                .map_err(|e| corrupt("receipt", e))?,
            passport_number: pii.passport_number,
            surname: pii.surname,
            petition_approved_on: parse_stored_date("petition_approved_on", approved)?,
            interview_on: parse_stored_date("interview_on", interview)?,
            visa_issued_on: parse_stored_date("visa_issued_on", issued)?,
            entered_us_on: parse_stored_date("entered_us_on", entered)?,
            principal_visa_issued_on: parse_stored_date(
                "principal_visa_issued_on",
                principal_issued,
            )?,
            beneficiary: pii.beneficiary,
            petitioner: pii.petitioner,
            status,
            refusal,
            documents: docs,
        };
        Ok(StoredCase {
            id: CaseId(id),
            owner,
            created_ms,
            updated_ms,
            case,
        })
    }

    /// The owner's cases, oldest first.
    pub async fn list_cases(&self, owner: &str) -> Result<Vec<CaseSummary>, StoreError> {
        type Row = (String, String, String, Option<String>, Vec<u8>, i64);
        let rows: Vec<Row> = on_pool!(&self.db, p => sqlx::query_as(
            "SELECT id, visa, post, ceac_case_number, pii_enc, created_ms FROM cases
             WHERE owner_id = $1 ORDER BY created_ms, id"
        )
        .bind(owner)
        .fetch_all(p)
        .await?);
        // Latest status per case, in one query rather than one per case.
        let latest: Vec<(String, String, String)> = on_pool!(&self.db, p => sqlx::query_as(
            "SELECT s.case_id, s.status, s.observed_on FROM status_observations s
             JOIN cases c ON c.id = s.case_id
             WHERE c.owner_id = $1
             ORDER BY s.case_id, s.observed_on, s.recorded_ms, s.id"
        )
        .bind(owner)
        .fetch_all(p)
        .await?);
        let mut latest_by_case = std::collections::HashMap::new();
        for (case_id, status, on) in latest {
            latest_by_case.insert(case_id, (status, on));
        }
        let mut out = Vec::with_capacity(rows.len());
        for (id, visa, post, ceac, pii_enc, created_ms) in rows {
            let pii_json = self.crypto.decrypt(&pii_enc, &aad("cases", "pii", &id))?;
            let pii: Pii = serde_json::from_slice(&pii_json)
                .map_err(|e| StoreError::Corrupt(format!("case {id}: personal data: {e}")))?;
            let beneficiary = pii
                .beneficiary
                .map(|b| b.display_name())
                .filter(|n| !n.is_empty());
            let (latest_status, latest_status_on) = match latest_by_case.remove(&id) {
                Some((s, on)) => (Some(s), Some(on)),
                None => (None, None),
            };
            out.push(CaseSummary {
                id: CaseId(id),
                visa,
                post,
                ceac_case_number: ceac,
                beneficiary,
                latest_status,
                latest_status_on,
                created_ms,
            });
        }
        Ok(out)
    }

    /// Finds the owner's cases whose beneficiary has this passport number, via the keyed hash.
    pub async fn find_by_passport(
        &self,
        owner: &str,
        passport: &PassportNumber,
    ) -> Result<Vec<CaseId>, StoreError> {
        let hash = self.crypto.keyed_hash("passport_number", passport.as_str());
        let ids: Vec<String> = on_pool!(&self.db, p => sqlx::query_scalar(
            "SELECT id FROM cases WHERE owner_id = $1 AND passport_hash = $2 ORDER BY id"
        )
        .bind(owner)
        .bind(&hash)
        .fetch_all(p)
        .await?);
        Ok(ids.into_iter().map(CaseId).collect())
    }

    /// Deletes a case and everything recorded about it. Returns false if the owner has no
    /// such case.
    pub async fn delete_case(&self, owner: &str, id: &CaseId) -> Result<bool, StoreError> {
        let deleted = on_pool!(&self.db, p => {
            let mut tx = p.begin().await?;
            // Children first: not every SQLite connection is guaranteed to enforce cascades.
            let owned: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM cases WHERE id = $1 AND owner_id = $2")
                .bind(&id.0)
                .bind(owner)
                .fetch_one(&mut *tx)
                .await?;
            if owned == 0 {
                // Roll back now: a dropped transaction would keep SQLite's write lock until
                // its pooled connection is next used, blocking every other writer.
                tx.rollback().await?;
                return Ok(false);
            }
            for table in ["notices", "status_observations", "refusals", "case_documents"] {
                sqlx::query(&format!("DELETE FROM {table} WHERE case_id = $1"))
                    .bind(&id.0)
                    .execute(&mut *tx)
                    .await?;
            }
            let n = sqlx::query("DELETE FROM cases WHERE id = $1 AND owner_id = $2")
                .bind(&id.0)
                .bind(owner)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            tx.commit().await?;
            n
        });
        if deleted > 0 {
            tracing::info!(case_id = %id, "case deleted");
        }
        Ok(deleted > 0)
    }
}

async fn insert_status<'c, E>(
    executor: E,
    case_id: &str,
    obs: &StatusObservation,
    now: i64,
) -> Result<(), StoreError>
where
    E: sqlx::Executor<'c>,
    for<'q> <E::Database as sqlx::Database>::Arguments<'q>: sqlx::IntoArguments<'q, E::Database>,
    for<'q> String: sqlx::Encode<'q, E::Database> + sqlx::Type<E::Database>,
    for<'q> Option<String>: sqlx::Encode<'q, E::Database> + sqlx::Type<E::Database>,
    for<'q> i64: sqlx::Encode<'q, E::Database> + sqlx::Type<E::Database>,
{
    sqlx::query(
        "INSERT INTO status_observations (id, case_id, observed_on, status, last_updated, source, recorded_ms)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(uuid::Uuid::now_v7().to_string())
    .bind(case_id.to_string())
    .bind(obs.on.to_string())
    .bind(obs.status.clone())
    .bind(date_text(obs.last_updated))
    .bind(obs.source.as_str().to_string())
    .bind(now)
    .execute(executor)
    .await?;
    Ok(())
}
