//! Recording a worker's checks together (a group commit). Most checks only confirm what the
//! case's history already says; for those the whole batch costs three statements (read the
//! monitors and latest readings, insert the attempts, update the monitors) in one
//! transaction, instead of five round trips and a commit each. A check that says anything
//! else (a new reading, a failure, a history to import, a lease lost) goes the one-by-one way
//! of `record_check`, in the same transaction.

use std::collections::HashMap;

use jiff::Timestamp;
use visanav_core::account::CaseId;
use visanav_core::monitor::{MonitorState, Schedule, next_check_at};

use super::{CheckBy, CheckRecord, NewReading, Recorded};
use crate::cases::date_text;
use crate::db::{TxMode, on_tx, values_list};
use crate::{Store, StoreError, Tx, in_tx};

/// One check a worker ran, waiting to be recorded with others in one transaction.
#[derive(Debug, Clone)]
pub struct WorkerCheck {
    pub case_id: CaseId,
    pub record: CheckRecord,
    /// The jitter for its next check, in [0, 1).
    pub jitter: f64,
}

/// What the database holds for one leased check before it is recorded.
#[derive(sqlx::FromRow)]
struct Leased {
    case_id: String,
    source: String,
    lease_owner: Option<String>,
    last_change_ms: Option<i64>,
    issued_ms: Option<i64>,
    latest_status: Option<String>,
    latest_last_updated: Option<String>,
}

/// A check that only confirms the latest reading, ready to be written.
struct Confirmation<'a> {
    check: &'a WorkerCheck,
    reading: &'a NewReading,
    attempt_id: String,
    next_check_ms: Option<i64>,
    issued_ms: Option<i64>,
}

impl Store {
    /// Records checks a worker ran back to back in one transaction. Each check's result is
    /// its own: a lease another worker took over meanwhile drops that check (`LeaseLost`)
    /// and keeps the others. Any other error undoes the lot; the cases stay leased and are
    /// checked again when their leases run out.
    pub async fn record_worker_checks(
        &self,
        owner: &str,
        checks: &[WorkerCheck],
        schedule: &Schedule,
        now: Timestamp,
    ) -> Result<Vec<Result<Recorded, StoreError>>, StoreError> {
        in_tx!(self, TxMode::Write, |tx| tx
            .record_worker_checks(owner, checks, schedule, now)
            .await)
    }
}

impl Tx<'_> {
    async fn record_worker_checks(
        &mut self,
        owner: &str,
        checks: &[WorkerCheck],
        schedule: &Schedule,
        now: Timestamp,
    ) -> Result<Vec<Result<Recorded, StoreError>>, StoreError> {
        let leased = self.leased(checks).await?;
        let mut results = Vec::with_capacity(checks.len());
        let mut confirmations = Vec::new();
        for check in checks {
            let key = (
                check.case_id.as_str().to_string(),
                check.record.source.as_str().to_string(),
            );
            if let Some(c) = confirmation(owner, check, leased.get(&key), schedule, now) {
                results.push(Ok(Recorded {
                    attempt_id: c.attempt_id.clone(),
                    change: None,
                    stored_reading: false,
                    next_check_ms: c.next_check_ms,
                    told_failing: false,
                    provider_blocked: false,
                }));
                confirmations.push(c);
                continue;
            }
            let recorded = self
                .record_check(
                    CheckBy::Worker(owner),
                    &check.case_id,
                    &check.record,
                    schedule,
                    check.jitter,
                    now,
                )
                .await;
            match recorded {
                // Found before anything is written: the transaction goes on.
                Err(StoreError::LeaseLost(case)) => results.push(Err(StoreError::LeaseLost(case))),
                Err(e) => return Err(e),
                Ok(r) => results.push(Ok(r)),
            }
        }
        self.insert_confirmations(owner, &confirmations).await?;
        self.update_confirmed_monitors(&confirmations, now).await?;
        Ok(results)
    }

    /// The monitor and the latest reading of each check's case and source, in one statement.
    async fn leased(
        &mut self,
        checks: &[WorkerCheck],
    ) -> Result<HashMap<(String, String), Leased>, StoreError> {
        if checks.is_empty() {
            return Ok(HashMap::new());
        }
        let latest = |column: &str| {
            format!(
                "(SELECT o.{column} FROM status_observations o
                  WHERE o.case_id = m.case_id AND o.source = m.source
                  ORDER BY o.observed_on DESC, o.recorded_ms DESC, o.id DESC LIMIT 1)"
            )
        };
        let sql = format!(
            "SELECT m.case_id, m.source, m.lease_owner, m.last_change_ms, m.issued_ms,
                    {} AS latest_status, {} AS latest_last_updated
             FROM monitors m WHERE m.case_id IN {}",
            latest("status"),
            latest("last_updated"),
            values_list(1, checks.len()),
        );
        let rows: Vec<Leased> = on_tx!(self, c => {
            let mut query = sqlx::query_as(&sql);
            for check in checks {
                query = query.bind(check.case_id.as_str());
            }
            query.fetch_all(&mut *c).await?
        });
        Ok(rows
            .into_iter()
            .map(|row| ((row.case_id.clone(), row.source.clone()), row))
            .collect())
    }

    /// The attempts of the confirmations, in one statement. No answer is kept: it would say
    /// what the history already says.
    async fn insert_confirmations(
        &mut self,
        owner: &str,
        confirmations: &[Confirmation<'_>],
    ) -> Result<(), StoreError> {
        if confirmations.is_empty() {
            return Ok(());
        }
        let sql = format!(
            "INSERT INTO check_attempts (id, case_id, source, via, started_ms, duration_ms, ok,
                 detail, status, last_updated, changed, worker)
             VALUES {}",
            values_list(confirmations.len(), 12)
        );
        on_tx!(self, c => {
            let mut query = sqlx::query(&sql);
            for confirmed in confirmations {
                let record = &confirmed.check.record;
                query = query
                    .bind(confirmed.attempt_id.as_str())
                    .bind(confirmed.check.case_id.as_str())
                    .bind(record.source.as_str())
                    .bind(record.via.as_str())
                    .bind(record.started.as_millisecond())
                    .bind(record.duration_ms)
                    .bind(true)
                    .bind(record.detail.as_deref())
                    .bind(confirmed.reading.status.as_str())
                    .bind(date_text(confirmed.reading.last_updated))
                    .bind(false)
                    .bind(owner);
            }
            query.execute(&mut *c).await?.rows_affected()
        });
        Ok(())
    }

    /// Releases the confirmed checks' leases and plans their next checks, in one statement.
    async fn update_confirmed_monitors(
        &mut self,
        confirmations: &[Confirmation<'_>],
        now: Timestamp,
    ) -> Result<(), StoreError> {
        if confirmations.is_empty() {
            return Ok(());
        }
        // VALUES columns are named column1, column2… on both databases.
        let now_param = confirmations.len() * 4 + 1;
        let sql = format!(
            "UPDATE monitors SET next_check_ms = v.column3, issued_ms = v.column4,
                 lease_owner = NULL, lease_until_ms = NULL, consecutive_failures = 0,
                 failure_notified = FALSE, last_attempt_ms = ${now_param},
                 updated_ms = ${now_param}
             FROM (VALUES {}) AS v
             WHERE monitors.case_id = v.column1 AND monitors.source = v.column2",
            values_list(confirmations.len(), 4)
        );
        on_tx!(self, c => {
            let mut query = sqlx::query(&sql);
            for confirmed in confirmations {
                query = query
                    .bind(confirmed.check.case_id.as_str())
                    .bind(confirmed.check.record.source.as_str())
                    .bind(confirmed.next_check_ms)
                    .bind(confirmed.issued_ms);
            }
            query.bind(now.as_millisecond()).execute(&mut *c).await?.rows_affected()
        });
        Ok(())
    }
}

/// The confirmation a check is, when it is one: a successful reading equal to the latest one
/// of its source, with no history to import, for a case this worker still leases.
fn confirmation<'a>(
    owner: &str,
    check: &'a WorkerCheck,
    leased: Option<&Leased>,
    schedule: &Schedule,
    now: Timestamp,
) -> Option<Confirmation<'a>> {
    let leased = leased?;
    let reading = check.record.outcome.as_ref().ok()?;
    let same = leased.lease_owner.as_deref() == Some(owner)
        && reading.history.is_empty()
        && leased.latest_status.as_deref() == Some(reading.status.as_str())
        && leased.latest_last_updated.as_deref() == date_text(reading.last_updated).as_deref();
    if !same {
        return None;
    }
    let at = |ms: Option<i64>| ms.and_then(|ms| Timestamp::from_millisecond(ms).ok());
    // As `record_check` does for a success: failures forgotten, "issued since" kept or set.
    let state = MonitorState {
        last_change_at: at(leased.last_change_ms),
        issued_at: reading.issued.then(|| at(leased.issued_ms).unwrap_or(now)),
        consecutive_failures: 0,
    };
    let next = next_check_at(schedule, check.record.source, &state, now, check.jitter);
    Some(Confirmation {
        check,
        reading,
        attempt_id: uuid::Uuid::now_v7().to_string(),
        next_check_ms: next.map(|t| t.as_millisecond()),
        issued_ms: state.issued_at.map(|t| t.as_millisecond()),
    })
}
