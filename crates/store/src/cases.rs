//! Cases: the case row (identifiers, dates, encrypted personal data), its append-only status
//! history, its refusal episodes and its documents.
//!
//! Each operation is a [`Tx`] method taking the actor and the time from its caller; the
//! [`Store`] methods at the end run one operation in a transaction of its own.

use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use visanav_core::account::{AccountId, Actor, CaseId};
use visanav_core::casefile::{CaseDocument, CaseFile, Person, Refusal, StatusObservation};
use visanav_core::ids::{CeacCaseNumber, PassportNumber};

use crate::access::visible;
use crate::db::{TxMode, on_tx};
use crate::{Store, StoreError, Tx, in_tx};

mod read;

/// A case as stored, with its personal data decrypted for its owner.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredCase {
    pub id: CaseId,
    pub owner: AccountId,
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

/// What to do when a new case has the case number of one the actor already has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DuplicatePolicy {
    /// Refuse with [`StoreError::DuplicateCase`] (the default: importing twice is a mistake).
    Refuse,
    /// Store a second case anyway.
    Allow,
}

/// The personal data of a case, stored as one encrypted JSON document.
#[derive(Default, Serialize, Deserialize)]
pub(crate) struct Pii {
    pub(crate) passport_number: Option<PassportNumber>,
    pub(crate) surname: Option<String>,
    pub(crate) beneficiary: Option<Person>,
    pub(crate) petitioner: Option<Person>,
}

pub(crate) fn aad(table: &str, column: &str, id: &str) -> String {
    format!("{table}.{column}:{id}")
}

pub(crate) fn date_text(d: Option<Date>) -> Option<String> {
    d.map(|d| d.to_string())
}

#[derive(sqlx::FromRow)]
pub(crate) struct RefusalRow {
    pub(crate) id: String,
    pub(crate) refused_on: String,
    sections: String,
    requested: String,
    submitted_on: Option<String>,
    notes_enc: Option<Vec<u8>>,
}

#[derive(sqlx::FromRow)]
struct SummaryRow {
    id: String,
    visa: String,
    post: String,
    ceac_case_number: Option<String>,
    pii_enc: Vec<u8>,
    created_ms: i64,
}

#[derive(sqlx::FromRow)]
struct LatestStatusRow {
    case_id: String,
    status: String,
    observed_on: String,
}

/// The latest refusal episode of a case: the one the case file describes.
pub(crate) const LATEST_REFUSAL: &str =
    "SELECT id, refused_on, sections, requested, submitted_on, notes_enc
     FROM refusals WHERE case_id = $1 ORDER BY refused_on DESC, id DESC LIMIT 1";

impl Tx<'_> {
    pub(crate) fn encrypt_pii(&self, id: &str, case: &CaseFile) -> Result<Vec<u8>, StoreError> {
        let pii = Pii {
            passport_number: case.passport_number.clone(),
            surname: case.surname.clone(),
            beneficiary: case.beneficiary.clone(),
            petitioner: case.petitioner.clone(),
        };
        // serde_json's messages can quote values: keep only the category.
        let json = serde_json::to_vec(&pii)
            .map_err(|e| StoreError::Corrupt(format!("personal data: {:?}", e.classify())))?;
        Ok(self.crypto.encrypt(&json, &aad("cases", "pii", id)))
    }

    pub(crate) fn decrypt_pii(&self, id: &str, pii_enc: &[u8]) -> Result<Pii, StoreError> {
        let json = self.crypto.decrypt(pii_enc, &aad("cases", "pii", id))?;
        serde_json::from_slice(&json).map_err(|e| {
            StoreError::Corrupt(format!("case {id}: personal data ({:?})", e.classify()))
        })
    }

    /// Stores a validated case file as a new case owned by the actor.
    pub async fn create_case(
        &mut self,
        actor: &Actor,
        case: &CaseFile,
        now: Timestamp,
        duplicates: DuplicatePolicy,
    ) -> Result<CaseId, StoreError> {
        let owner = actor.account_id().as_str();
        if let (DuplicatePolicy::Refuse, Some(number)) = (duplicates, &case.ceac_case_number) {
            let existing: Option<String> = on_tx!(self, c => sqlx::query_scalar(
                "SELECT id FROM cases WHERE owner_id = $1 AND ceac_case_number = $2 ORDER BY id LIMIT 1"
            )
            .bind(owner)
            .bind(number.as_str())
            .fetch_optional(&mut *c)
            .await?);
            if let Some(existing) = existing {
                return Err(StoreError::DuplicateCase {
                    case_number: number.to_string(),
                    existing: CaseId::from_stored(existing),
                });
            }
        }
        let id = uuid::Uuid::now_v7().to_string();
        let now = now.as_millisecond();
        let pii_enc = self.encrypt_pii(&id, case)?;
        let passport_hash = case
            .passport_number
            .as_ref()
            .map(|p| self.crypto.keyed_hash("passport_number", p.as_str()));
        on_tx!(self, c => {
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
            .execute(&mut *c)
            .await?;
        });
        self.insert_documents(&id, &case.documents).await?;
        for obs in &case.status {
            self.insert_status(&id, obs, now).await?;
        }
        if let Some(r) = &case.refusal {
            self.insert_refusal(&id, r, now).await?;
        }
        self.mark_touched(&id, Timestamp::from_millisecond(now).unwrap_or_default());
        let case_id = CaseId::from_stored(id);
        self.audit(
            actor,
            "case_created",
            Some(&case_id),
            "",
            Timestamp::from_millisecond(now).unwrap_or_default(),
        )
        .await?;
        tracing::info!(case_id = %case_id, "case created");
        Ok(case_id)
    }

    /// Writes a case's documents in list order (positions 0, 1, 2, ...), notes encrypted.
    pub(crate) async fn insert_documents(
        &mut self,
        case_id: &str,
        documents: &[CaseDocument],
    ) -> Result<(), StoreError> {
        for (position, d) in documents.iter().enumerate() {
            let doc_id = uuid::Uuid::now_v7().to_string();
            let note = d.note.as_ref().map(|n| {
                self.crypto
                    .encrypt(n.as_bytes(), &aad("case_documents", "note", &doc_id))
            });
            on_tx!(self, c => sqlx::query(
                "INSERT INTO case_documents (id, case_id, position, kind, country, issued_on, expires_on, status, status_on, note_enc)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(&doc_id)
            .bind(case_id)
            .bind(position as i64)
            .bind(&d.kind)
            .bind(&d.country)
            .bind(date_text(d.issued_on))
            .bind(date_text(d.expires_on))
            .bind(d.status.as_str())
            .bind(date_text(d.status_on))
            .bind(note)
            .execute(&mut *c)
            .await?
            .rows_affected());
        }
        Ok(())
    }

    /// Appends one status reading (history is append-only).
    pub(crate) async fn insert_status(
        &mut self,
        case_id: &str,
        obs: &StatusObservation,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        on_tx!(self, c => sqlx::query(
            "INSERT INTO status_observations (id, case_id, observed_on, status, last_updated, source, recorded_ms)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(uuid::Uuid::now_v7().to_string())
        .bind(case_id)
        .bind(obs.on.to_string())
        .bind(&obs.status)
        .bind(date_text(obs.last_updated))
        .bind(obs.source.as_str())
        .bind(now_ms)
        .execute(&mut *c)
        .await?
        .rows_affected());
        Ok(())
    }

    /// Starts a refusal episode (with its notes, encrypted). Returns its id.
    pub(crate) async fn insert_refusal(
        &mut self,
        case_id: &str,
        r: &Refusal,
        now_ms: i64,
    ) -> Result<String, StoreError> {
        let rid = uuid::Uuid::now_v7().to_string();
        let notes = r.notes.as_ref().map(|n| {
            self.crypto
                .encrypt(n.as_bytes(), &aad("refusals", "notes", &rid))
        });
        let sections = json_list(&r.sections)?;
        let requested = json_list(&r.requested)?;
        on_tx!(self, c => sqlx::query(
            "INSERT INTO refusals (id, case_id, refused_on, sections, requested, submitted_on, notes_enc, created_ms)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&rid)
        .bind(case_id)
        .bind(r.on.to_string())
        .bind(sections)
        .bind(requested)
        .bind(date_text(r.submitted_on))
        .bind(notes)
        .bind(now_ms)
        .execute(&mut *c)
        .await?
        .rows_affected());
        Ok(rid)
    }

    /// Marks the actor's case as changed at `now`; [`StoreError::CaseNotFound`] if the actor
    /// has no such case. Every write to a case's children starts here: it is the ownership
    /// check, and it is how the transaction learns to rewrite the case's summary and name
    /// hashes before it commits (see [`Tx::commit`]). A new write path must call it.
    pub(crate) async fn touch_case(
        &mut self,
        actor: &Actor,
        id: &CaseId,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let sql = format!(
            "UPDATE cases SET updated_ms = $1 WHERE id = $2 AND {}",
            visible("cases", 3, actor)
        );
        let touched = on_tx!(self, c => sqlx::query(&sql)
        .bind(now.as_millisecond())
        .bind(id.as_str())
        .bind(actor.account_id().as_str())
        .execute(&mut *c)
        .await?
        .rows_affected());
        if touched == 0 {
            return Err(StoreError::CaseNotFound(id.to_string()));
        }
        self.mark_touched(id.as_str(), now);
        Ok(())
    }

    /// [`StoreError::CaseNotFound`] unless the actor has this case (for reads of children).
    pub(crate) async fn ensure_case(
        &mut self,
        actor: &Actor,
        id: &CaseId,
    ) -> Result<(), StoreError> {
        let sql = format!(
            "SELECT COUNT(*) FROM cases c WHERE c.id = $1 AND {}",
            visible("c", 2, actor)
        );
        let seen: i64 = on_tx!(self, c => sqlx::query_scalar(&sql)
        .bind(id.as_str())
        .bind(actor.account_id().as_str())
        .fetch_one(&mut *c)
        .await?);
        if seen == 0 {
            return Err(StoreError::CaseNotFound(id.to_string()));
        }
        Ok(())
    }

    /// Records a new status reading. History is append-only: nothing is ever updated.
    pub async fn append_status(
        &mut self,
        actor: &Actor,
        id: &CaseId,
        obs: &StatusObservation,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        self.touch_case(actor, id, now).await?;
        self.insert_status(id.as_str(), obs, now.as_millisecond())
            .await
    }

    /// Turns what a person typed into one of the actor's case ids: a full id, a unique
    /// prefix of at least 4 characters (the short id is one), or the CEAC case number.
    pub async fn resolve_case(&mut self, actor: &Actor, query: &str) -> Result<CaseId, StoreError> {
        let owner = actor.account_id().as_str();
        if let Ok(number) = CeacCaseNumber::parse(query) {
            let sql = format!(
                "SELECT c.id FROM cases c WHERE {} AND c.ceac_case_number = $2 ORDER BY c.id",
                visible("c", 1, actor)
            );
            let ids: Vec<String> = on_tx!(self, c => sqlx::query_scalar(&sql)
            .bind(owner)
            .bind(number.as_str())
            .fetch_all(&mut *c)
            .await?);
            match ids.len() {
                0 => {} // maybe an id prefix that happens to look like a case number
                1 => return Ok(CaseId::from_stored(ids[0].clone())),
                count => {
                    return Err(StoreError::AmbiguousCase {
                        query: query.to_string(),
                        count,
                    });
                }
            }
        }
        let q = query.trim().to_ascii_lowercase();
        // A whole id (what every link carries) by equality: PostgreSQL cannot use the primary
        // key for `LIKE 'prefix%'` outside the C collation and would read every case.
        if q.len() == 36 && uuid::Uuid::parse_str(&q).is_ok() {
            let sql = format!(
                "SELECT c.id FROM cases c WHERE {} AND c.id = $2",
                visible("c", 1, actor)
            );
            let found: Option<String> = on_tx!(self, c => sqlx::query_scalar(&sql)
            .bind(owner)
            .bind(&q)
            .fetch_optional(&mut *c)
            .await?);
            return found
                .map(CaseId::from_stored)
                .ok_or_else(|| StoreError::CaseNotFound(query.to_string()));
        }
        let valid = q.len() >= 4 && q.chars().all(|c| c.is_ascii_hexdigit() || c == '-');
        if !valid {
            return Err(StoreError::CaseNotFound(query.to_string()));
        }
        let pattern = format!("{q}%");
        let sql = format!(
            "SELECT c.id FROM cases c WHERE {} AND c.id LIKE $2 ORDER BY c.id",
            visible("c", 1, actor)
        );
        let ids: Vec<String> = on_tx!(self, c => sqlx::query_scalar(&sql)
        .bind(owner)
        .bind(&pattern)
        .fetch_all(&mut *c)
        .await?);
        match ids.as_slice() {
            [one] => Ok(CaseId::from_stored(one.clone())),
            [] => Err(StoreError::CaseNotFound(query.to_string())),
            many => Err(StoreError::AmbiguousCase {
                query: query.to_string(),
                count: many.len(),
            }),
        }
    }

    /// The actor's cases, oldest first.
    pub async fn list_cases(&mut self, actor: &Actor) -> Result<Vec<CaseSummary>, StoreError> {
        let owner = actor.account_id().as_str();
        let (rows, latest): (Vec<SummaryRow>, Vec<LatestStatusRow>) = on_tx!(self, c => (
            sqlx::query_as(&format!(
                "SELECT c.id, c.visa, c.post, c.ceac_case_number, c.pii_enc, c.created_ms
                 FROM cases c WHERE {} ORDER BY c.created_ms, c.id",
                visible("c", 1, actor)
            ))
            .bind(owner)
            .fetch_all(&mut *c)
            .await?,
            // Latest status per case, in one query rather than one per case.
            sqlx::query_as(&format!(
                "SELECT o.case_id, o.status, o.observed_on FROM status_observations o
                 JOIN cases c ON c.id = o.case_id
                 WHERE {}
                 ORDER BY o.case_id, o.observed_on, o.recorded_ms, o.id",
                visible("c", 1, actor)
            ))
            .bind(owner)
            .fetch_all(&mut *c)
            .await?,
        ));
        let mut latest_by_case = std::collections::HashMap::new();
        for l in latest {
            latest_by_case.insert(l.case_id, (l.status, l.observed_on));
        }
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let pii = self.decrypt_pii(&row.id, &row.pii_enc)?;
            let beneficiary = pii
                .beneficiary
                .map(|b| b.display_name())
                .filter(|n| !n.is_empty());
            let (latest_status, latest_status_on) = latest_by_case
                .remove(&row.id)
                .map_or((None, None), |(s, on)| (Some(s), Some(on)));
            out.push(CaseSummary {
                id: CaseId::from_stored(row.id),
                visa: row.visa,
                post: row.post,
                ceac_case_number: row.ceac_case_number,
                beneficiary,
                latest_status,
                latest_status_on,
                created_ms: row.created_ms,
            });
        }
        Ok(out)
    }

    /// Finds the actor's cases whose beneficiary has this passport number, via the keyed hash.
    pub async fn find_by_passport(
        &mut self,
        actor: &Actor,
        passport: &PassportNumber,
    ) -> Result<Vec<CaseId>, StoreError> {
        let hash = self.crypto.keyed_hash("passport_number", passport.as_str());
        let sql = format!(
            "SELECT c.id FROM cases c WHERE {} AND c.passport_hash = $2 ORDER BY c.id",
            visible("c", 1, actor)
        );
        let ids: Vec<String> = on_tx!(self, c => sqlx::query_scalar(&sql)
        .bind(actor.account_id().as_str())
        .bind(&hash)
        .fetch_all(&mut *c)
        .await?);
        Ok(ids.into_iter().map(CaseId::from_stored).collect())
    }

    /// Deletes a case and everything recorded about it (its notices and their encrypted
    /// originals, its drafts too). Returns false if the actor has no such case.
    pub async fn delete_case(
        &mut self,
        actor: &Actor,
        id: &CaseId,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let owner = actor.account_id().as_str();
        let owned: i64 = on_tx!(self, c => sqlx::query_scalar(
            "SELECT COUNT(*) FROM cases WHERE id = $1 AND owner_id = $2"
        )
        .bind(id.as_str())
        .bind(owner)
        .fetch_one(&mut *c)
        .await?);
        if owned == 0 {
            return Ok(false);
        }
        on_tx!(self, c => {
            // Children first: not every SQLite connection is guaranteed to enforce cascades.
            for table in [
                "notices", "notice_drafts", "status_observations", "refusals", "case_documents",
                "case_summaries", "case_dates", "case_name_hashes", "case_assignments",
                "calendar_feeds", "calendar_event_versions",
            ] {
                sqlx::query(&format!("DELETE FROM {table} WHERE case_id = $1"))
                    .bind(id.as_str())
                    .execute(&mut *c)
                    .await?;
            }
            sqlx::query("DELETE FROM cases WHERE id = $1 AND owner_id = $2")
                .bind(id.as_str())
                .bind(owner)
                .execute(&mut *c)
                .await?;
        });
        self.audit(actor, "case_deleted", Some(id), "", now).await?;
        tracing::info!(case_id = %id, "case deleted");
        Ok(true)
    }
}

pub(crate) fn json_list(items: &[String]) -> Result<String, StoreError> {
    serde_json::to_string(items).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// One-transaction wrappers for callers that make a single change.
impl Store {
    pub async fn create_case(
        &self,
        actor: &Actor,
        case: &CaseFile,
        now: Timestamp,
        duplicates: DuplicatePolicy,
    ) -> Result<CaseId, StoreError> {
        in_tx!(self, TxMode::Write, |tx| tx
            .create_case(actor, case, now, duplicates)
            .await)
    }

    pub async fn append_status(
        &self,
        actor: &Actor,
        id: &CaseId,
        obs: &StatusObservation,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        in_tx!(self, TxMode::Write, |tx| tx
            .append_status(actor, id, obs, now)
            .await)
    }

    pub async fn resolve_case(&self, actor: &Actor, query: &str) -> Result<CaseId, StoreError> {
        in_tx!(self, TxMode::Read, |tx| tx.resolve_case(actor, query).await)
    }

    /// Loads a case in one read transaction, so its parts are from one moment.
    pub async fn get_case(
        &self,
        actor: &Actor,
        id: &CaseId,
    ) -> Result<Option<StoredCase>, StoreError> {
        in_tx!(self, TxMode::Read, |tx| tx.get_case(actor, id).await)
    }

    /// Resolves what a person typed and loads that case: [`StoreError::CaseNotFound`] when
    /// the actor has none that matches.
    pub async fn find_case(&self, actor: &Actor, query: &str) -> Result<StoredCase, StoreError> {
        in_tx!(self, TxMode::Read, |tx| {
            match tx.resolve_case(actor, query).await {
                Ok(id) => tx
                    .get_case(actor, &id)
                    .await?
                    .ok_or_else(|| StoreError::CaseNotFound(query.to_string())),
                Err(e) => Err(e),
            }
        })
    }

    pub async fn list_cases(&self, actor: &Actor) -> Result<Vec<CaseSummary>, StoreError> {
        in_tx!(self, TxMode::Read, |tx| tx.list_cases(actor).await)
    }

    pub async fn find_by_passport(
        &self,
        actor: &Actor,
        passport: &PassportNumber,
    ) -> Result<Vec<CaseId>, StoreError> {
        in_tx!(self, TxMode::Read, |tx| tx
            .find_by_passport(actor, passport)
            .await)
    }

    pub async fn delete_case(
        &self,
        actor: &Actor,
        id: &CaseId,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        in_tx!(self, TxMode::Write, |tx| tx
            .delete_case(actor, id, now)
            .await)
    }
}
