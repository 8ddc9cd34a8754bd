//! Recording one check: the attempt, the reading (only when it says something new), the change
//! event (only between two successful readings), the provider's state and the case's next
//! check, all in the caller's transaction.

use jiff::{SignedDuration, Timestamp};
use serde_json::json;
use visanav_core::account::CaseId;
use visanav_core::monitor::{
    CheckSource, MonitorState, ObservationVia, Reading, Schedule, detect_change, next_check_at,
};

use super::{CheckBy, CheckRecord, NewReading, Recorded};
use crate::cases::{aad, date_text};
use crate::db::{TxMode, on_tx};
use crate::{Store, StoreError, Tx, in_tx};

/// The case's monitor for one source (when it has one) and that source's latest reading,
/// read in one statement: a steady check is three statements, and each is a round trip.
#[derive(sqlx::FromRow)]
struct CheckContext {
    consecutive_failures: Option<i64>,
    failure_notified: Option<bool>,
    last_change_ms: Option<i64>,
    issued_ms: Option<i64>,
    lease_owner: Option<String>,
    latest_status: Option<String>,
    latest_last_updated: Option<String>,
}

struct MonitorRow {
    consecutive_failures: i64,
    failure_notified: bool,
    last_change_ms: Option<i64>,
    issued_ms: Option<i64>,
    lease_owner: Option<String>,
}

impl Tx<'_> {
    /// Records a check of `case_id` and plans the next one. See the module comment.
    pub async fn record_check(
        &mut self,
        by: CheckBy<'_>,
        case_id: &CaseId,
        record: &CheckRecord,
        schedule: &Schedule,
        jitter: f64,
        now: Timestamp,
    ) -> Result<Recorded, StoreError> {
        let (monitor, latest) = self.check_context(case_id, record.source).await?;
        match by {
            CheckBy::Worker(owner) => {
                if monitor.as_ref().and_then(|m| m.lease_owner.as_deref()) != Some(owner) {
                    return Err(StoreError::LeaseLost(case_id.to_string()));
                }
            }
            CheckBy::Person(actor) => self.ensure_case(actor, case_id).await?,
        }
        let attempt_id = uuid::Uuid::now_v7().to_string();
        let mut recorded = Recorded {
            attempt_id: attempt_id.clone(),
            change: None,
            stored_reading: false,
            next_check_ms: None,
            told_failing: false,
            provider_blocked: false,
        };
        let mut state = MonitorState {
            last_change_at: monitor
                .as_ref()
                .and_then(|m| m.last_change_ms)
                .and_then(|ms| Timestamp::from_millisecond(ms).ok()),
            issued_at: monitor
                .as_ref()
                .and_then(|m| m.issued_ms)
                .and_then(|ms| Timestamp::from_millisecond(ms).ok()),
            consecutive_failures: monitor.as_ref().map_or(0, |m| {
                u32::try_from(m.consecutive_failures).unwrap_or(u32::MAX)
            }),
        };
        let mut notified = monitor.as_ref().is_some_and(|m| m.failure_notified);
        let mut resume_at = None;
        match &record.outcome {
            Ok(reading) => {
                let (stored, change) = self
                    .add_reading(case_id, record, latest, reading, &attempt_id, now)
                    .await?;
                self.import_history(case_id, record, reading, &attempt_id, now)
                    .await?;
                recorded.stored_reading = stored;
                if let Some(change) = &change {
                    state.last_change_at = Some(now);
                    self.insert_event(
                        Some(case_id.as_str()),
                        change.kind(),
                        &json!({
                            "source": record.source.as_str(),
                            "via": record.via.as_str(),
                            "change": change,
                            "last_updated": date_text(reading.last_updated),
                            "observed_on": reading.observed_on.to_string(),
                            "attempt_id": attempt_id,
                        }),
                        now,
                    )
                    .await?;
                }
                if reading.issued && state.issued_at.is_none() {
                    state.issued_at = Some(now);
                }
                if !reading.issued {
                    state.issued_at = None;
                }
                state.consecutive_failures = 0;
                notified = false;
                recorded.change = change;
            }
            // A page a person checked in their own browser and handed over (assisted) that
            // holds no reading says nothing about visanav's own checks: their browser's
            // block is not the server's, and their typo is not a failing monitor. The
            // attempt is kept (below) so they and their attorney can see it; no counter,
            // no block, no "checks keep failing" notice, no change to the schedule.
            Err(_) if record.via == ObservationVia::Assisted => {}
            Err(error) if error.is_provider_incident() => {
                let (until, started) = self.block_provider(record.source, schedule, now).await?;
                recorded.provider_blocked = started;
                resume_at = Some(until);
            }
            Err(error) => {
                state.consecutive_failures = state.consecutive_failures.saturating_add(1);
                if state.consecutive_failures >= schedule.failures_before_notice && !notified {
                    notified = true;
                    recorded.told_failing = true;
                    self.insert_event(
                        Some(case_id.as_str()),
                        "checks_failing",
                        &json!({
                            "source": record.source.as_str(),
                            "failures": state.consecutive_failures,
                            "error": error.code(),
                        }),
                        now,
                    )
                    .await?;
                }
            }
        }
        // The answer is kept when it says something: a reading added to the history (the
        // page it came from) or a failure (what went wrong). An answer that only confirms the
        // latest reading adds nothing an attorney would need, and would fill the database:
        // 10,000 cases checked twice a day are 160 MB a day of pages.
        let keep_answer = recorded.stored_reading || record.outcome.is_err();
        self.insert_attempt(
            case_id,
            record,
            &attempt_id,
            &by,
            recorded.change.is_some(),
            keep_answer,
        )
        .await?;
        let assisted_failure = record.via == ObservationVia::Assisted && record.outcome.is_err();
        if monitor.is_some() && !assisted_failure {
            let next = match resume_at {
                // After a block: when it ends, spread over a fraction of the pause.
                Some(until) => Timestamp::from_millisecond(until).ok().and_then(|t| {
                    t.checked_add(SignedDuration::from_secs_f64(
                        schedule.blocked_pause.as_secs_f64() * schedule.jitter * jitter,
                    ))
                    .ok()
                }),
                None => next_check_at(schedule, record.source, &state, now, jitter),
            };
            recorded.next_check_ms = next.map(|t| t.as_millisecond());
            self.update_monitor(
                case_id,
                record.source,
                &state,
                notified,
                recorded.next_check_ms,
                now,
            )
            .await?;
        }
        Ok(recorded)
    }

    async fn check_context(
        &mut self,
        case_id: &CaseId,
        source: CheckSource,
    ) -> Result<(Option<MonitorRow>, Option<Reading>), StoreError> {
        let row: CheckContext = on_tx!(self, c => sqlx::query_as(
            "SELECT m.consecutive_failures, m.failure_notified, m.last_change_ms, m.issued_ms,
                    m.lease_owner, o.status AS latest_status, o.last_updated AS latest_last_updated
             FROM (SELECT 1 AS one) AS one
             LEFT JOIN monitors m ON m.case_id = $1 AND m.source = $2
             LEFT JOIN (SELECT status, last_updated FROM status_observations
                        WHERE case_id = $1 AND source = $2
                        ORDER BY observed_on DESC, recorded_ms DESC, id DESC LIMIT 1) AS o
                    ON 1 = 1",
        )
        .bind(case_id.as_str())
        .bind(source.as_str())
        .fetch_one(&mut *c)
        .await?);
        let latest = row.latest_status.map(|status| Reading {
            status,
            last_updated: row.latest_last_updated.and_then(|d| d.parse().ok()),
        });
        let monitor = row.consecutive_failures.map(|failures| MonitorRow {
            consecutive_failures: failures,
            failure_notified: row.failure_notified.unwrap_or(false),
            last_change_ms: row.last_change_ms,
            issued_ms: row.issued_ms,
            lease_owner: row.lease_owner,
        });
        Ok((monitor, latest))
    }

    /// Adds the reading to the history when it says something the latest reading of that
    /// source does not; returns whether it did, and the change (for the event).
    async fn add_reading(
        &mut self,
        case_id: &CaseId,
        record: &CheckRecord,
        previous: Option<Reading>,
        reading: &NewReading,
        attempt_id: &str,
        now: Timestamp,
    ) -> Result<(bool, Option<visanav_core::monitor::Change>), StoreError> {
        let new = Reading {
            status: reading.status.clone(),
            last_updated: reading.last_updated,
        };
        let change = detect_change(previous.as_ref(), &new);
        let says_more = previous.as_ref() != Some(&new);
        if !says_more {
            return Ok((false, change));
        }
        on_tx!(self, c => sqlx::query(
            "INSERT INTO status_observations
                 (id, case_id, observed_on, status, last_updated, source, recorded_ms, via, attempt_id)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(uuid::Uuid::now_v7().to_string())
        .bind(case_id.as_str())
        .bind(reading.observed_on.to_string())
        .bind(&reading.status)
        .bind(date_text(reading.last_updated))
        .bind(record.source.as_str())
        .bind(now.as_millisecond())
        .bind(record.via.as_str())
        .bind(attempt_id)
        .execute(&mut *c)
        .await?
        .rows_affected());
        // The case changed: its summary (latest status, since when) is rewritten at commit.
        on_tx!(self, c => sqlx::query("UPDATE cases SET updated_ms = $1 WHERE id = $2")
            .bind(now.as_millisecond())
            .bind(case_id.as_str())
            .execute(&mut *c)
            .await?
            .rows_affected());
        self.mark_touched(case_id.as_str(), now);
        Ok((true, change))
    }

    /// Adds the steps the source lists that are not stored yet (the same step is read again
    /// at every check).
    async fn import_history(
        &mut self,
        case_id: &CaseId,
        record: &CheckRecord,
        reading: &NewReading,
        attempt_id: &str,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        for step in &reading.history {
            on_tx!(self, c => sqlx::query(
                "INSERT INTO history_steps (case_id, source, done_on, text, attempt_id, recorded_ms)
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
            )
            .bind(case_id.as_str())
            .bind(record.source.as_str())
            .bind(step.on.to_string())
            .bind(&step.text)
            .bind(attempt_id)
            .bind(now.as_millisecond())
            .execute(&mut *c)
            .await?
            .rows_affected());
        }
        Ok(())
    }

    pub(super) async fn insert_attempt(
        &mut self,
        case_id: &CaseId,
        record: &CheckRecord,
        attempt_id: &str,
        by: &CheckBy<'_>,
        changed: bool,
        keep_answer: bool,
    ) -> Result<(), StoreError> {
        let raw = record.raw.as_ref().filter(|_| keep_answer).map(|raw| {
            self.crypto
                .encrypt(raw.as_bytes(), &aad("check_attempts", "raw", attempt_id))
        });
        let (worker, requested_by) = match by {
            CheckBy::Worker(owner) => (Some(owner.to_string()), None),
            CheckBy::Person(actor) => (None, Some(actor.account_id().as_str().to_string())),
        };
        let reading = record.outcome.as_ref().ok();
        let expires = raw.as_ref().map(|_| record.keep_raw_until.as_millisecond());
        on_tx!(self, c => sqlx::query(
            "INSERT INTO check_attempts (id, case_id, source, via, started_ms, duration_ms, ok,
                 error, detail, status, last_updated, changed, worker, requested_by, raw_enc,
                 raw_expires_ms)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
        )
        .bind(attempt_id)
        .bind(case_id.as_str())
        .bind(record.source.as_str())
        .bind(record.via.as_str())
        .bind(record.started.as_millisecond())
        .bind(record.duration_ms)
        .bind(reading.is_some())
        .bind(record.error_code())
        .bind(record.detail.as_deref())
        .bind(reading.map(|r| r.status.as_str()))
        .bind(reading.and_then(|r| date_text(r.last_updated)))
        .bind(changed)
        .bind(worker)
        .bind(requested_by)
        .bind(raw)
        .bind(expires)
        .execute(&mut *c)
        .await?
        .rows_affected());
        Ok(())
    }

    /// Starts (or continues) a block of the provider: returns until when, and whether this
    /// check started it (then one event says so; later checks during the block add nothing).
    async fn block_provider(
        &mut self,
        source: CheckSource,
        schedule: &Schedule,
        now: Timestamp,
    ) -> Result<(i64, bool), StoreError> {
        if let Some(until) = self.provider_blocked_until(source, now).await? {
            return Ok((until, false));
        }
        let until = now
            .checked_add(schedule.blocked_pause)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?
            .as_millisecond();
        on_tx!(self, c => sqlx::query(
            "UPDATE provider_state SET blocked_since_ms = $1, blocked_until_ms = $2 WHERE provider = $3",
        )
        .bind(now.as_millisecond())
        .bind(until)
        .bind(source.as_str())
        .execute(&mut *c)
        .await?
        .rows_affected());
        self.insert_event(
            None,
            "provider_blocked",
            &json!({ "source": source.as_str(), "until_ms": until }),
            now,
        )
        .await?;
        tracing::warn!(
            provider = source.as_str(),
            until_ms = until,
            "provider blocked: checks paused"
        );
        Ok((until, true))
    }

    async fn update_monitor(
        &mut self,
        case_id: &CaseId,
        source: CheckSource,
        state: &MonitorState,
        notified: bool,
        next_check_ms: Option<i64>,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        on_tx!(self, c => sqlx::query(
            "UPDATE monitors SET next_check_ms = $1, lease_owner = NULL, lease_until_ms = NULL,
                 consecutive_failures = $2, failure_notified = $3, last_attempt_ms = $4,
                 last_change_ms = $5, issued_ms = $6, updated_ms = $4
             WHERE case_id = $7 AND source = $8",
        )
        .bind(next_check_ms)
        .bind(i64::from(state.consecutive_failures))
        .bind(notified)
        .bind(now.as_millisecond())
        .bind(state.last_change_at.map(|t| t.as_millisecond()))
        .bind(state.issued_at.map(|t| t.as_millisecond()))
        .bind(case_id.as_str())
        .bind(source.as_str())
        .execute(&mut *c)
        .await?
        .rows_affected());
        Ok(())
    }

    /// Writes an event to the outbox, in this transaction.
    pub(crate) async fn insert_event(
        &mut self,
        case_id: Option<&str>,
        kind: &str,
        payload: &serde_json::Value,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        on_tx!(self, c => sqlx::query(
            "INSERT INTO events (id, case_id, kind, payload, created_ms) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(uuid::Uuid::now_v7().to_string())
        .bind(case_id)
        .bind(kind)
        .bind(payload.to_string())
        .bind(now.as_millisecond())
        .execute(&mut *c)
        .await?
        .rows_affected());
        Ok(())
    }
}

impl Store {
    pub async fn record_check(
        &self,
        by: CheckBy<'_>,
        case_id: &CaseId,
        record: &CheckRecord,
        schedule: &Schedule,
        jitter: f64,
        now: Timestamp,
    ) -> Result<Recorded, StoreError> {
        in_tx!(self, TxMode::Write, |tx| tx
            .record_check(by, case_id, record, schedule, jitter, now)
            .await)
    }
}
