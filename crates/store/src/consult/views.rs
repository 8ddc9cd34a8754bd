//! Reading consultations: one for the side that may see it, the lists for applicants,
//! attorneys and operators, the time attorneys have held, and the conflict check.

use jiff::Timestamp;
use visanav_core::account::{AccountId, Actor, CaseId};
use visanav_core::names::name_words;

use super::{ConsultStatus, Intake, Review, Side};
use crate::access::visible;
use crate::db::{TxMode, on_tx};
use crate::derived::name_hash;
use crate::{Store, StoreError, Tx, in_tx};

/// A consultation as its applicant or attorney sees it (intake and message decrypted).
#[derive(Clone, PartialEq, Eq)]
pub struct Consultation {
    pub id: String,
    pub firm_id: String,
    pub firm_name: String,
    pub attorney_id: AccountId,
    pub attorney_name: String,
    pub type_id: String,
    pub type_name: String,
    pub minutes: u32,
    pub price_text: String,
    pub location: String,
    pub applicant_id: Option<AccountId>,
    pub case_id: Option<CaseId>,
    pub start: Timestamp,
    pub end: Timestamp,
    pub applicant_zone: String,
    pub attorney_zone: String,
    pub status: ConsultStatus,
    pub hold_until: Option<Timestamp>,
    pub review: Option<Review>,
    pub proposals: Vec<Timestamp>,
    pub message: Option<String>,
    pub cancelled_by: Option<String>,
    pub sequence: i64,
    pub created: Timestamp,
    pub intake: Intake,
}

impl std::fmt::Debug for Consultation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Consultation")
            .field("id", &self.id)
            .field("status", &self.status)
            .field("start", &self.start)
            .finish_non_exhaustive()
    }
}

/// A line of the operator's list: no personal data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsultationRow {
    pub id: String,
    pub firm_name: String,
    pub attorney_name: String,
    pub type_name: String,
    pub start: Timestamp,
    pub attorney_zone: String,
    pub status: ConsultStatus,
    pub hold_until: Option<Timestamp>,
    pub created: Timestamp,
}

/// A case of the firm whose people's names match a name in the request.
#[derive(Clone, PartialEq, Eq)]
pub struct ConflictHit {
    pub case_id: CaseId,
    /// Which name of the request matched: "applicant" or "petitioner".
    pub matched: &'static str,
    /// The names of the people in that case.
    pub names: Vec<String>,
}

impl std::fmt::Debug for ConflictHit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConflictHit")
            .field("case_id", &self.case_id)
            .field("matched", &self.matched)
            .finish_non_exhaustive()
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct FullRow {
    id: String,
    firm_id: String,
    firm_name: String,
    attorney_id: String,
    attorney_name: String,
    type_id: String,
    type_name: String,
    minutes: i64,
    price_text: String,
    location: String,
    applicant_id: Option<String>,
    case_id: Option<String>,
    start_ms: i64,
    end_ms: i64,
    applicant_zone: String,
    attorney_zone: String,
    status: String,
    hold_until_ms: Option<i64>,
    review: Option<String>,
    proposals: Option<String>,
    message_enc: Option<Vec<u8>>,
    cancelled_by: Option<String>,
    sequence: i64,
    created_ms: i64,
    intake_enc: Vec<u8>,
}

const FULL: &str = "SELECT k.id, k.firm_id, f.name AS firm_name, k.attorney_id,
        COALESCE(s.display_name, 'Attorney') AS attorney_name, k.type_id, t.name AS type_name,
        t.minutes, t.price_text, t.location, k.applicant_id, k.case_id, k.start_ms, k.end_ms,
        k.applicant_zone, k.attorney_zone, k.status, k.hold_until_ms, k.review, k.proposals,
        k.message_enc, k.cancelled_by, k.sequence, k.created_ms, k.intake_enc
    FROM consultations k
    JOIN firms f ON f.id = k.firm_id
    JOIN consult_types t ON t.id = k.type_id
    LEFT JOIN consult_settings s ON s.firm_id = k.firm_id AND s.account_id = k.attorney_id";

fn ts(ms: i64) -> Timestamp {
    Timestamp::from_millisecond(ms).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// The SQL condition for the side's access, the actor bound at `$param`: the applicant; or
/// the attorney or the firm's owner, with a second factor.
pub(super) fn side_condition(actor: &Actor, side: Side, param: usize) -> String {
    match side {
        Side::Applicant => format!("k.applicant_id = ${param}"),
        Side::Attorney if actor.has_second_factor() => format!(
            "(k.attorney_id = ${param} OR EXISTS (SELECT 1 FROM firm_members m
                WHERE m.firm_id = k.firm_id AND m.account_id = ${param} AND m.role = 'owner'))"
        ),
        Side::Attorney => "1 = 0".to_string(),
    }
}

impl Tx<'_> {
    pub(super) fn full(&self, r: FullRow) -> Result<Consultation, StoreError> {
        let intake = self
            .crypto
            .decrypt(&r.intake_enc, &format!("consultations.intake:{}", r.id))?;
        let intake: Intake = serde_json::from_slice(&intake)
            .map_err(|_| StoreError::Corrupt(format!("consultation {}: intake", r.id)))?;
        let message = match &r.message_enc {
            Some(enc) => Some(
                String::from_utf8(
                    self.crypto
                        .decrypt(enc, &format!("consultations.message:{}", r.id))?,
                )
                .map_err(|_| StoreError::Corrupt(format!("consultation {}: message", r.id)))?,
            ),
            None => None,
        };
        let proposals: Vec<i64> = r
            .proposals
            .as_deref()
            .and_then(|p| serde_json::from_str(p).ok())
            .unwrap_or_default();
        Ok(Consultation {
            firm_id: r.firm_id,
            firm_name: r.firm_name,
            attorney_id: AccountId::from_stored(r.attorney_id),
            attorney_name: r.attorney_name,
            type_id: r.type_id,
            type_name: r.type_name,
            minutes: u32::try_from(r.minutes).unwrap_or(0),
            price_text: r.price_text,
            location: r.location,
            applicant_id: r.applicant_id.map(AccountId::from_stored),
            case_id: r.case_id.map(CaseId::from_stored),
            start: ts(r.start_ms),
            end: ts(r.end_ms),
            applicant_zone: r.applicant_zone,
            attorney_zone: r.attorney_zone,
            status: ConsultStatus::parse(&r.status).unwrap_or(ConsultStatus::Expired),
            hold_until: r.hold_until_ms.map(ts),
            review: r
                .review
                .as_deref()
                .and_then(|x| serde_json::from_str(x).ok()),
            proposals: proposals.into_iter().map(ts).collect(),
            message,
            cancelled_by: r.cancelled_by,
            sequence: r.sequence,
            created: ts(r.created_ms),
            intake,
            id: r.id,
        })
    }

    /// One consultation, for the side that may see it.
    pub async fn consultation(
        &mut self,
        actor: &Actor,
        side: Side,
        id: &str,
    ) -> Result<Consultation, StoreError> {
        let sql = format!(
            "{FULL} WHERE k.id = $1 AND {}",
            side_condition(actor, side, 2)
        );
        let row: Option<FullRow> = on_tx!(self, c => sqlx::query_as(&sql)
            .bind(id)
            .bind(actor.account_id().as_str())
            .fetch_optional(&mut *c)
            .await?);
        self.full(row.ok_or(StoreError::ConsultationNotFound)?)
    }

    /// One consultation whoever asks: for the events written inside this store.
    pub(super) async fn consultation_unchecked(
        &mut self,
        id: &str,
    ) -> Result<Consultation, StoreError> {
        let sql = format!("{FULL} WHERE k.id = $1");
        let row: Option<FullRow> = on_tx!(self, c => sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(&mut *c)
            .await?);
        self.full(row.ok_or(StoreError::ConsultationNotFound)?)
    }

    /// The actor's consultations as `side`: open ones first (soonest first), then the rest,
    /// latest first. At most 200.
    pub async fn consultations(
        &mut self,
        actor: &Actor,
        side: Side,
    ) -> Result<Vec<Consultation>, StoreError> {
        let sql = format!(
            "{FULL} WHERE {} AND k.status <> 'unverified'
             ORDER BY CASE WHEN k.status IN ('pending', 'proposed', 'confirmed') THEN 0 ELSE 1 END,
                CASE WHEN k.status IN ('pending', 'proposed', 'confirmed') THEN k.start_ms ELSE -k.start_ms END,
                k.id
             LIMIT 200",
            side_condition(actor, side, 1)
        );
        let rows: Vec<FullRow> = on_tx!(self, c => sqlx::query_as(&sql)
            .bind(actor.account_id().as_str())
            .fetch_all(&mut *c)
            .await?);
        rows.into_iter().map(|r| self.full(r)).collect()
    }

    /// Every consultation on the instance, newest first, without personal data: for
    /// operators (`visanav consult list`).
    pub async fn all_consultations(
        &mut self,
        limit: i64,
    ) -> Result<Vec<ConsultationRow>, StoreError> {
        #[derive(sqlx::FromRow)]
        struct Row {
            id: String,
            firm_name: String,
            attorney_name: String,
            type_name: String,
            start_ms: i64,
            attorney_zone: String,
            status: String,
            hold_until_ms: Option<i64>,
            created_ms: i64,
        }
        let rows: Vec<Row> = on_tx!(self, c => sqlx::query_as(
            "SELECT k.id, f.name AS firm_name, COALESCE(s.display_name, 'Attorney') AS attorney_name,
                t.name AS type_name, k.start_ms, k.attorney_zone, k.status, k.hold_until_ms,
                k.created_ms
             FROM consultations k
             JOIN firms f ON f.id = k.firm_id
             JOIN consult_types t ON t.id = k.type_id
             LEFT JOIN consult_settings s ON s.firm_id = k.firm_id AND s.account_id = k.attorney_id
             ORDER BY k.created_ms DESC, k.id DESC LIMIT $1"
        )
        .bind(limit)
        .fetch_all(&mut *c)
        .await?);
        Ok(rows
            .into_iter()
            .map(|r| ConsultationRow {
                id: r.id,
                firm_name: r.firm_name,
                attorney_name: r.attorney_name,
                type_name: r.type_name,
                start: ts(r.start_ms),
                attorney_zone: r.attorney_zone,
                status: ConsultStatus::parse(&r.status).unwrap_or(ConsultStatus::Expired),
                hold_until: r.hold_until_ms.map(ts),
                created: ts(r.created_ms),
            })
            .collect())
    }

    /// The time each of these attorneys has held from `from` on (confirmed consultations and
    /// requests whose hold stands): (attorney, start, end, occupied from, occupied until).
    pub async fn held_times(
        &mut self,
        attorneys: &[&AccountId],
        now: Timestamp,
    ) -> Result<Vec<HeldTime>, StoreError> {
        if attorneys.is_empty() {
            return Ok(Vec::new());
        }
        let list = (2..attorneys.len() + 2)
            .map(|i| format!("${i}"))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "SELECT attorney_id, start_ms, end_ms, occupied_from_ms, occupied_until_ms
             FROM consultations
             WHERE attorney_id IN ({list}) AND occupied_until_ms > $1
               AND (status = 'confirmed'
                    OR (status IN ('unverified', 'pending') AND hold_until_ms > $1))
             ORDER BY attorney_id, occupied_from_ms"
        );
        let rows: Vec<(String, i64, i64, i64, i64)> = on_tx!(self, c => {
            let mut q = sqlx::query_as(&sql).bind(now.as_millisecond());
            for a in attorneys {
                q = q.bind(a.as_str());
            }
            q.fetch_all(&mut *c).await?
        });
        Ok(rows
            .into_iter()
            .map(|(a, s, e, of, ou)| HeldTime {
                attorney: AccountId::from_stored(a),
                start: ts(s),
                end: ts(e),
                occupied_from: ts(of),
                occupied_until: ts(ou),
            })
            .collect())
    }

    /// The conflict check for a request, for its attorney: the firm's cases (those shared with
    /// it) where every word of the applicant's or the petitioner's name is a word of one of
    /// the case's names, compared by keyed hash (nothing decrypts the firm's cases to look;
    /// only the matches are read, to show their names). The request's own case is left out.
    pub async fn conflict_check(
        &mut self,
        actor: &Actor,
        id: &str,
    ) -> Result<Vec<ConflictHit>, StoreError> {
        let k = self.consultation(actor, Side::Attorney, id).await?;
        let mut hits: Vec<ConflictHit> = Vec::new();
        let names = [
            ("applicant", Some(k.intake.applicant_name.as_str())),
            ("petitioner", k.intake.petitioner_name.as_deref()),
        ];
        for (role, name) in names {
            let Some(name) = name else { continue };
            let mut words = name_words(name);
            words.sort();
            words.dedup();
            if words.is_empty() {
                continue;
            }
            for case in self.cases_matching(&k.firm_id, &words).await? {
                if k.case_id.as_ref().is_some_and(|own| own.as_str() == case) {
                    continue;
                }
                if hits.iter().any(|h| h.case_id.as_str() == case) {
                    continue;
                }
                if let Some(names) = self.case_names_for(actor, &case).await? {
                    hits.push(ConflictHit {
                        case_id: CaseId::from_stored(case),
                        matched: role,
                        names,
                    });
                }
            }
        }
        Ok(hits)
    }

    async fn cases_matching(
        &mut self,
        firm: &str,
        words: &[String],
    ) -> Result<Vec<String>, StoreError> {
        let list = (3..words.len() + 3)
            .map(|i| format!("${i}"))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "SELECT h.case_id FROM case_name_hashes h
             JOIN case_shares s ON s.case_id = h.case_id AND s.grantee_firm = $1 AND s.status = 'active'
             WHERE h.name_hash IN ({list})
             GROUP BY h.case_id HAVING COUNT(DISTINCT h.name_hash) = $2
             ORDER BY h.case_id LIMIT 20"
        );
        let hashes: Vec<String> = words.iter().map(|w| name_hash(self.crypto, w)).collect();
        let found: Vec<String> = on_tx!(self, c => {
            let mut q = sqlx::query_scalar(&sql)
                .bind(firm)
                .bind(i64::try_from(hashes.len()).unwrap_or(i64::MAX));
            for h in &hashes {
                q = q.bind(h);
            }
            q.fetch_all(&mut *c).await?
        });
        Ok(found)
    }

    /// The display names of a case's people, if the actor may see the case.
    async fn case_names_for(
        &mut self,
        actor: &Actor,
        case: &str,
    ) -> Result<Option<Vec<String>>, StoreError> {
        let sql = format!(
            "SELECT c.pii_enc FROM cases c WHERE c.id = $1 AND {}",
            visible("c", 2, actor)
        );
        let enc: Option<Vec<u8>> = on_tx!(self, c => sqlx::query_scalar(&sql)
            .bind(case)
            .bind(actor.account_id().as_str())
            .fetch_optional(&mut *c)
            .await?);
        let Some(enc) = enc else { return Ok(None) };
        let pii = self.decrypt_pii(case, &enc)?;
        Ok(Some(
            [pii.beneficiary, pii.petitioner]
                .into_iter()
                .flatten()
                .map(|p| p.display_name())
                .filter(|n| !n.is_empty())
                .collect(),
        ))
    }
}

/// Time an attorney has held.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldTime {
    pub attorney: AccountId,
    pub start: Timestamp,
    pub end: Timestamp,
    pub occupied_from: Timestamp,
    pub occupied_until: Timestamp,
}

impl Store {
    pub async fn consultation(
        &self,
        actor: &Actor,
        side: Side,
        id: &str,
    ) -> Result<Consultation, StoreError> {
        in_tx!(self, TxMode::Read, |tx| tx
            .consultation(actor, side, id)
            .await)
    }

    pub async fn consultations(
        &self,
        actor: &Actor,
        side: Side,
    ) -> Result<Vec<Consultation>, StoreError> {
        in_tx!(self, TxMode::Read, |tx| tx.consultations(actor, side).await)
    }

    pub async fn all_consultations(&self, limit: i64) -> Result<Vec<ConsultationRow>, StoreError> {
        in_tx!(self, TxMode::Read, |tx| tx.all_consultations(limit).await)
    }

    pub async fn held_times(
        &self,
        attorneys: &[&AccountId],
        now: Timestamp,
    ) -> Result<Vec<HeldTime>, StoreError> {
        in_tx!(self, TxMode::Read, |tx| tx.held_times(attorneys, now).await)
    }
}
