//! Making a request: the consultation row and its claimed time in one transaction, lapsed
//! holds released first; verifying a public request's address, which gives the visitor an
//! account and sends the request to the attorney.

use jiff::Timestamp;
use visanav_core::account::{AccountId, Actor, CaseId};

use super::{ConsultStatus, Intake, blocks};
use crate::access::visible;
use crate::accounts::AccountKind;
use crate::db::{TxMode, on_tx, values_list};
use crate::{Store, StoreError, Tx, in_tx};

/// Who asks.
#[derive(Clone, Copy)]
pub enum Applicant<'a> {
    /// A signed-in person.
    Account(&'a Actor),
    /// A visitor of a firm's booking page: their address, and the hash of the single-use link
    /// that verifies it. The request reaches nobody until it is verified.
    Unverified {
        email: &'a str,
        verify_hash: &'a str,
    },
}

/// A request for a slot the server found free (the database has the last word).
pub struct NewRequest<'a> {
    pub type_id: &'a str,
    pub start: Timestamp,
    pub end: Timestamp,
    /// The time it keeps from other consultations (its buffers included).
    pub occupied_from: Timestamp,
    pub occupied_until: Timestamp,
    pub applicant_zone: &'a str,
    pub attorney_zone: &'a str,
    pub applicant: Applicant<'a>,
    pub case: Option<&'a CaseId>,
    pub intake: &'a Intake,
    /// Until when the request holds its time.
    pub hold_until: Timestamp,
}

/// A public request whose address was just verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedRequest {
    pub consultation_id: String,
    pub account: AccountId,
    /// The address had no account: one was made (no password yet).
    pub new_account: bool,
}

impl Tx<'_> {
    /// Stores a request and claims its time. [`StoreError::SlotTaken`] when any of its time is
    /// held already; [`StoreError::NotBookable`] when the type or its attorney no longer
    /// takes requests; [`StoreError::CaseNotFound`] for a case the applicant cannot see.
    pub async fn request_consultation(
        &mut self,
        req: &NewRequest<'_>,
        now: Timestamp,
    ) -> Result<String, StoreError> {
        let Some((offer, ty)) = self.bookable_type(req.type_id).await? else {
            return Err(StoreError::NotBookable);
        };
        if let (Applicant::Account(actor), Some(case)) = (req.applicant, req.case) {
            self.require_visible_case(actor, case).await?;
        }
        self.release_lapsed(Some(offer.attorney_id.as_str()), now)
            .await?;
        let id = uuid::Uuid::now_v7().to_string();
        let (status, applicant, email_enc, email_hash, verify_hash) = match req.applicant {
            Applicant::Account(actor) => (
                ConsultStatus::Pending,
                Some(actor.account_id().as_str().to_string()),
                None,
                None,
                None,
            ),
            Applicant::Unverified { email, verify_hash } => (
                ConsultStatus::Unverified,
                None,
                Some(self.crypto.encrypt(
                    crate::normalise_email(email).as_bytes(),
                    &format!("consultations.email:{id}"),
                )),
                Some(self.email_hash(email)),
                Some(verify_hash.to_string()),
            ),
        };
        let intake = serde_json::to_vec(req.intake)
            .map_err(|e| StoreError::Corrupt(format!("intake: {e}")))?;
        let intake_enc = self
            .crypto
            .encrypt(&intake, &format!("consultations.intake:{id}"));
        let ms = now.as_millisecond();
        on_tx!(self, c => sqlx::query(
            "INSERT INTO consultations (id, firm_id, attorney_id, type_id, applicant_id, case_id,
                email_enc, email_hash, verify_hash, start_ms, end_ms, occupied_from_ms,
                occupied_until_ms, applicant_zone, attorney_zone, status, hold_until_ms,
                intake_enc, sequence, created_ms, updated_ms)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17,
                $18, 0, $19, $19)"
        )
        .bind(&id)
        .bind(&offer.firm_id)
        .bind(offer.attorney_id.as_str())
        .bind(&ty.id)
        .bind(&applicant)
        .bind(req.case.map(CaseId::as_str))
        .bind(&email_enc)
        .bind(&email_hash)
        .bind(&verify_hash)
        .bind(req.start.as_millisecond())
        .bind(req.end.as_millisecond())
        .bind(req.occupied_from.as_millisecond())
        .bind(req.occupied_until.as_millisecond())
        .bind(req.applicant_zone)
        .bind(req.attorney_zone)
        .bind(status.as_str())
        .bind(req.hold_until.as_millisecond())
        .bind(&intake_enc)
        .bind(ms)
        .execute(&mut *c)
        .await?
        .rows_affected());
        self.claim(
            &id,
            offer.attorney_id.as_str(),
            req.occupied_from.as_millisecond(),
            req.occupied_until.as_millisecond(),
        )
        .await?;
        if status == ConsultStatus::Pending {
            self.consultation_event(&id, "consultation_requested", now)
                .await?;
        }
        Ok(id)
    }

    async fn require_visible_case(
        &mut self,
        actor: &Actor,
        case: &CaseId,
    ) -> Result<(), StoreError> {
        let sql = format!(
            "SELECT c.id FROM cases c WHERE c.id = $1 AND {}",
            visible("c", 2, actor)
        );
        let found: Option<String> = on_tx!(self, c => sqlx::query_scalar(&sql)
            .bind(case.as_str())
            .bind(actor.account_id().as_str())
            .fetch_optional(&mut *c)
            .await?);
        match found {
            Some(_) => Ok(()),
            None => Err(StoreError::CaseNotFound(case.as_str().to_string())),
        }
    }

    /// Claims the attorney's blocks of `[from_ms, until_ms)` for the consultation, in one
    /// statement. A block already claimed is [`StoreError::SlotTaken`].
    pub(super) async fn claim(
        &mut self,
        consultation: &str,
        attorney: &str,
        from_ms: i64,
        until_ms: i64,
    ) -> Result<(), StoreError> {
        let range = blocks(from_ms, until_ms);
        let n = usize::try_from(range.end - range.start).unwrap_or(0);
        if n == 0 {
            return Ok(());
        }
        let sql = format!(
            "INSERT INTO consult_claims (attorney_id, block, consultation_id) VALUES {}",
            values_list(n, 3)
        );
        let result = on_tx!(self, c => {
            let mut q = sqlx::query(&sql);
            for block in range {
                q = q.bind(attorney).bind(block).bind(consultation);
            }
            q.execute(&mut *c).await.map(|r| r.rows_affected())
        });
        match result {
            Ok(_) => Ok(()),
            Err(e) => match StoreError::from(e) {
                StoreError::Conflict { .. } => Err(StoreError::SlotTaken),
                other => Err(other),
            },
        }
    }

    pub(super) async fn unclaim(&mut self, consultation: &str) -> Result<(), StoreError> {
        on_tx!(self, c => sqlx::query("DELETE FROM consult_claims WHERE consultation_id = $1")
            .bind(consultation)
            .execute(&mut *c)
            .await?
            .rows_affected());
        Ok(())
    }

    /// Verifies a public request's address from its link (the token's hash): the visitor's
    /// account (made now when the address has none), the request pending and holding its
    /// time until `hold_until` (or its start, if sooner), the attorney told. `None`: no such unverified request, or it
    /// lapsed.
    pub async fn verify_consultation_request(
        &mut self,
        verify_hash: &str,
        hold_until: Timestamp,
        now: Timestamp,
    ) -> Result<Option<VerifiedRequest>, StoreError> {
        self.release_lapsed(None, now).await?;
        let row: Option<(String, Option<Vec<u8>>)> = on_tx!(self, c => sqlx::query_as(
            "SELECT id, email_enc FROM consultations WHERE verify_hash = $1 AND status = 'unverified'"
        )
        .bind(verify_hash)
        .fetch_optional(&mut *c)
        .await?);
        let Some((id, Some(email_enc))) = row else {
            return Ok(None);
        };
        let email = String::from_utf8(
            self.crypto
                .decrypt(&email_enc, &format!("consultations.email:{id}"))?,
        )
        .map_err(|_| StoreError::Corrupt(format!("consultation {id}: email is not UTF-8")))?;
        let (account, new_account) = match self.credentials(&email).await? {
            Some(found) => (found.account.id, false),
            None => (
                self.create_account(&email, None, AccountKind::Person, now)
                    .await?,
                true,
            ),
        };
        // Following the link proved the address is theirs.
        self.mark_email_verified(&account, now).await?;
        on_tx!(self, c => sqlx::query(
            "UPDATE consultations SET applicant_id = $1, status = 'pending',
                hold_until_ms = CASE WHEN $2 < start_ms THEN $2 ELSE start_ms END,
                verify_hash = NULL, email_enc = NULL, updated_ms = $3
             WHERE id = $4 AND status = 'unverified'"
        )
        .bind(account.as_str())
        .bind(hold_until.as_millisecond())
        .bind(now.as_millisecond())
        .bind(&id)
        .execute(&mut *c)
        .await?
        .rows_affected());
        self.audit_account(&account, None, "consultation_verified", &id, now)
            .await?;
        self.consultation_event(&id, "consultation_requested", now)
            .await?;
        Ok(Some(VerifiedRequest {
            consultation_id: id,
            account,
            new_account,
        }))
    }

    /// How many public requests an address made since `since` (a limit against abuse).
    pub async fn public_requests_since(
        &mut self,
        email: &str,
        since: Timestamp,
    ) -> Result<i64, StoreError> {
        let hash = self.email_hash(email);
        let n: i64 = on_tx!(self, c => sqlx::query_scalar(
            "SELECT COUNT(*) FROM consultations WHERE email_hash = $1 AND created_ms >= $2"
        )
        .bind(&hash)
        .bind(since.as_millisecond())
        .fetch_one(&mut *c)
        .await?);
        Ok(n)
    }
}

impl Store {
    pub async fn request_consultation(
        &self,
        req: &NewRequest<'_>,
        now: Timestamp,
    ) -> Result<String, StoreError> {
        in_tx!(self, TxMode::Write, |tx| tx
            .request_consultation(req, now)
            .await)
    }
}
