//! Turning monitoring on and off, handing due checks to workers, and the per-provider state
//! every worker shares (a block, the rate limit).

use jiff::{SignedDuration, Timestamp};
use visanav_core::account::{Actor, CaseId};
use visanav_core::ids::{CeacCaseNumber, Ds160Id, ReceiptNumber};
use visanav_core::monitor::CheckSource;

use super::CheckTarget;
use crate::db::{Backend, TxMode, on_tx, values_list};
use crate::{Store, StoreError, Tx, in_tx};

#[derive(sqlx::FromRow)]
struct TargetRow {
    id: String,
    visa: String,
    post: String,
    ceac_case_number: Option<String>,
    ds160_id: Option<String>,
    uscis_receipt: Option<String>,
    pii_enc: Vec<u8>,
}

impl Tx<'_> {
    /// Turns monitoring of one source on or off for a case the actor can see. Turning it on
    /// makes the case due at `first_check` unless a check is already planned.
    pub async fn set_monitoring(
        &mut self,
        actor: &Actor,
        id: &CaseId,
        source: CheckSource,
        enabled: bool,
        first_check: Timestamp,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        self.ensure_case(actor, id).await?;
        on_tx!(self, c => sqlx::query(
            "INSERT INTO monitors (case_id, source, enabled, next_check_ms, updated_ms)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (case_id, source) DO UPDATE SET enabled = $3,
                 next_check_ms = CASE WHEN $3 THEN COALESCE(monitors.next_check_ms, $4)
                                      ELSE monitors.next_check_ms END,
                 updated_ms = $5",
        )
        .bind(id.as_str())
        .bind(source.as_str())
        .bind(enabled)
        .bind(first_check.as_millisecond())
        .bind(now.as_millisecond())
        .execute(&mut *c)
        .await?
        .rows_affected());
        Ok(())
    }

    /// Leases up to `limit` checks of the given sources due by `due_by` to `owner` until
    /// `now + lease`, skipping providers under a block. Rows another worker is leasing are
    /// skipped, not waited for (PostgreSQL: `FOR UPDATE SKIP LOCKED`; SQLite has one writer
    /// at a time). A cycle passes its start as `due_by`, so a case checked in the cycle is
    /// not taken again in it, however short its interval.
    pub async fn lease_due(
        &mut self,
        owner: &str,
        sources: &[CheckSource],
        due_by: Timestamp,
        now: Timestamp,
        lease: SignedDuration,
        limit: i64,
    ) -> Result<Vec<CheckTarget>, StoreError> {
        if sources.is_empty() {
            return Ok(Vec::new());
        }
        // The source names are our own constants, not input: safe to write into the SQL.
        let list = sources
            .iter()
            .map(|s| format!("'{}'", s.as_str()))
            .collect::<Vec<_>>()
            .join(", ");
        let skip_locked = match self.backend() {
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let sql = format!(
            "UPDATE monitors SET lease_owner = $1, lease_until_ms = $2
             WHERE (case_id, source) IN (
                 SELECT m.case_id, m.source FROM monitors m
                 WHERE m.enabled AND m.next_check_ms IS NOT NULL AND m.next_check_ms <= $5
                   AND (m.lease_until_ms IS NULL OR m.lease_until_ms <= $3)
                   AND m.source IN ({list})
                   AND NOT EXISTS (SELECT 1 FROM provider_state p
                                   WHERE p.provider = m.source AND p.blocked_until_ms > $3)
                 ORDER BY m.next_check_ms, m.case_id LIMIT $4{skip_locked})
             RETURNING case_id, source"
        );
        let until = now
            .checked_add(lease)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let leased: Vec<(String, String)> = on_tx!(self, c => sqlx::query_as(&sql)
            .bind(owner)
            .bind(until.as_millisecond())
            .bind(now.as_millisecond())
            .bind(limit)
            .bind(due_by.as_millisecond())
            .fetch_all(&mut *c)
            .await?);
        if leased.is_empty() {
            return Ok(Vec::new());
        }
        // Every leased case's identifiers in one statement: a round trip per case would cost
        // more than the rest of the lease.
        let placeholders = values_list(1, leased.len());
        let sql = format!(
            "SELECT id, visa, post, ceac_case_number, ds160_id, uscis_receipt, pii_enc
             FROM cases WHERE id IN {placeholders}"
        );
        let rows: Vec<TargetRow> = on_tx!(self, c => {
            let mut query = sqlx::query_as(&sql);
            for (case_id, _) in &leased {
                query = query.bind(case_id);
            }
            query.fetch_all(&mut *c).await?
        });
        let mut rows: std::collections::HashMap<String, TargetRow> =
            rows.into_iter().map(|row| (row.id.clone(), row)).collect();
        let mut targets = Vec::with_capacity(leased.len());
        for (case_id, source) in leased {
            let source = CheckSource::parse(&source)
                .ok_or_else(|| StoreError::Corrupt(format!("monitor source {source:?}")))?;
            let row = rows.remove(&case_id).ok_or_else(|| {
                StoreError::Corrupt(format!("monitor of a missing case {case_id}"))
            })?;
            targets.push(self.target_from(row, source)?);
        }
        Ok(targets)
    }

    /// The identifiers a check needs, decrypted. Reached only through a lease just taken.
    async fn target(
        &mut self,
        case_id: &str,
        source: CheckSource,
    ) -> Result<CheckTarget, StoreError> {
        let row: TargetRow = on_tx!(self, c => sqlx::query_as(
            "SELECT id, visa, post, ceac_case_number, ds160_id, uscis_receipt, pii_enc
             FROM cases WHERE id = $1",
        )
        .bind(case_id)
        .fetch_one(&mut *c)
        .await?);
        self.target_from(row, source)
    }

    fn target_from(&self, row: TargetRow, source: CheckSource) -> Result<CheckTarget, StoreError> {
        let pii = self.decrypt_pii(&row.id, &row.pii_enc)?;
        let corrupt = |what: &str| StoreError::Corrupt(format!("case {}: {what}", row.id));
        Ok(CheckTarget {
            case_id: CaseId::from_stored(row.id.clone()),
            source,
            visa: row.visa.clone(),
            post: row.post.clone(),
            ceac_case_number: row
                .ceac_case_number
                .as_deref()
                .map(CeacCaseNumber::parse)
                .transpose()
                .map_err(|_| corrupt("case number"))?,
            ds160_id: row
                .ds160_id
                .as_deref()
                .map(Ds160Id::parse)
                .transpose()
                .map_err(|_| corrupt("DS-160 id"))?,
            uscis_receipt: row
                .uscis_receipt
                .as_deref()
                .map(ReceiptNumber::parse)
                .transpose()
                .map_err(|_| corrupt("receipt number"))?,
            passport: pii.passport_number,
            surname: pii.surname,
        })
    }

    /// The identifiers a person's own check ("check now") needs, for a case they can see.
    pub async fn check_target(
        &mut self,
        actor: &Actor,
        id: &CaseId,
        source: CheckSource,
    ) -> Result<CheckTarget, StoreError> {
        self.ensure_case(actor, id).await?;
        self.target(id.as_str(), source).await
    }

    /// Reserves the next request slot of a provider for all workers together: returns when
    /// the request may go (unix ms), `spacing` after the slot reserved before it.
    pub async fn reserve_slot(
        &mut self,
        source: CheckSource,
        now: Timestamp,
        spacing: SignedDuration,
    ) -> Result<i64, StoreError> {
        let greatest = match self.backend() {
            Backend::Postgres => "GREATEST",
            Backend::Sqlite => "MAX",
        };
        let sql = format!(
            "UPDATE provider_state SET next_slot_ms = {greatest}(next_slot_ms, $1) + $2
             WHERE provider = $3 RETURNING next_slot_ms - $2"
        );
        let slot: i64 = on_tx!(self, c => sqlx::query_scalar(&sql)
            .bind(now.as_millisecond())
            .bind(i64::try_from(spacing.as_millis()).unwrap_or(i64::MAX))
            .bind(source.as_str())
            .fetch_one(&mut *c)
            .await?);
        Ok(slot)
    }

    /// Until when the provider is blocked, if it is at `now`.
    pub async fn provider_blocked_until(
        &mut self,
        source: CheckSource,
        now: Timestamp,
    ) -> Result<Option<i64>, StoreError> {
        let until: Option<i64> = on_tx!(self, c => sqlx::query_scalar(
            "SELECT blocked_until_ms FROM provider_state WHERE provider = $1 AND blocked_until_ms > $2",
        )
        .bind(source.as_str())
        .bind(now.as_millisecond())
        .fetch_optional(&mut *c)
        .await?
        .flatten());
        Ok(until)
    }

    /// Gives back a leased check unchecked, due again at `due_ms` (its provider is blocked).
    pub async fn defer_check(
        &mut self,
        owner: &str,
        id: &CaseId,
        source: CheckSource,
        due_ms: i64,
    ) -> Result<(), StoreError> {
        on_tx!(self, c => sqlx::query(
            "UPDATE monitors SET lease_owner = NULL, lease_until_ms = NULL, next_check_ms = $1
             WHERE case_id = $2 AND source = $3 AND lease_owner = $4",
        )
        .bind(due_ms)
        .bind(id.as_str())
        .bind(source.as_str())
        .bind(owner)
        .execute(&mut *c)
        .await?
        .rows_affected());
        Ok(())
    }

    /// Forgets stored answers whose time is up; returns how many.
    pub async fn purge_expired_answers(&mut self, now: Timestamp) -> Result<u64, StoreError> {
        let n = on_tx!(self, c => sqlx::query(
            "UPDATE check_attempts SET raw_enc = NULL, raw_expires_ms = NULL
             WHERE raw_expires_ms IS NOT NULL AND raw_expires_ms <= $1",
        )
        .bind(now.as_millisecond())
        .execute(&mut *c)
        .await?
        .rows_affected());
        Ok(n)
    }

    pub(crate) fn backend(&self) -> Backend {
        match &self.conn {
            crate::db::TxConn::Sqlite(_) => Backend::Sqlite,
            crate::db::TxConn::Pg(_) => Backend::Postgres,
        }
    }
}

impl Store {
    pub async fn set_monitoring(
        &self,
        actor: &Actor,
        id: &CaseId,
        source: CheckSource,
        enabled: bool,
        first_check: Timestamp,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        in_tx!(self, TxMode::Write, |tx| tx
            .set_monitoring(actor, id, source, enabled, first_check, now)
            .await)
    }

    pub async fn lease_due(
        &self,
        owner: &str,
        sources: &[CheckSource],
        due_by: Timestamp,
        now: Timestamp,
        lease: SignedDuration,
        limit: i64,
    ) -> Result<Vec<CheckTarget>, StoreError> {
        in_tx!(self, TxMode::Write, |tx| tx
            .lease_due(owner, sources, due_by, now, lease, limit)
            .await)
    }

    pub async fn reserve_slot(
        &self,
        source: CheckSource,
        now: Timestamp,
        spacing: SignedDuration,
    ) -> Result<i64, StoreError> {
        in_tx!(self, TxMode::Write, |tx| tx
            .reserve_slot(source, now, spacing)
            .await)
    }

    pub async fn provider_blocked_until(
        &self,
        source: CheckSource,
        now: Timestamp,
    ) -> Result<Option<i64>, StoreError> {
        in_tx!(self, TxMode::Read, |tx| tx
            .provider_blocked_until(source, now)
            .await)
    }

    pub async fn defer_check(
        &self,
        owner: &str,
        id: &CaseId,
        source: CheckSource,
        due_ms: i64,
    ) -> Result<(), StoreError> {
        in_tx!(self, TxMode::Write, |tx| tx
            .defer_check(owner, id, source, due_ms)
            .await)
    }

    pub async fn purge_expired_answers(&self, now: Timestamp) -> Result<u64, StoreError> {
        in_tx!(self, TxMode::Write, |tx| tx
            .purge_expired_answers(now)
            .await)
    }
}
