//! What pages, the API and the command line read about monitoring: a case's monitors, its
//! attempts and the answers kept with them, its timeline's sources, its events; and the
//! short-lived captcha challenges of the manual strategy.

use jiff::Timestamp;
use serde::Serialize;
use visanav_core::account::{Actor, CaseId};
use visanav_core::monitor::{CheckError, CheckSource, ObservationVia};

use crate::cases::aad;
use crate::db::{TxMode, on_tx};
use crate::{Store, StoreError, Tx, in_tx};

/// One watched source of a case.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct MonitorView {
    pub source: String,
    pub enabled: bool,
    pub next_check_ms: Option<i64>,
    pub consecutive_failures: i64,
    pub last_attempt_ms: Option<i64>,
    pub last_change_ms: Option<i64>,
}

impl MonitorView {
    pub fn source(&self) -> Option<CheckSource> {
        CheckSource::parse(&self.source)
    }
}

/// One check as the timeline of checks shows it (the answer itself is read separately).
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct AttemptView {
    pub id: String,
    pub source: String,
    pub via: String,
    pub started_ms: i64,
    pub duration_ms: i64,
    pub ok: bool,
    pub error: Option<String>,
    pub detail: Option<String>,
    pub status: Option<String>,
    pub last_updated: Option<String>,
    pub changed: bool,
    pub has_answer: bool,
}

impl AttemptView {
    pub fn error(&self) -> Option<CheckError> {
        self.error.as_deref().and_then(CheckError::parse)
    }

    pub fn via(&self) -> ObservationVia {
        ObservationVia::parse(&self.via).unwrap_or_default()
    }
}

/// Where one reading of the status history came from.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct TimelineEntry {
    pub observed_on: String,
    pub status: String,
    pub last_updated: Option<String>,
    pub source: String,
    pub via: String,
    pub attempt_id: Option<String>,
    pub recorded_ms: i64,
}

/// An event of the outbox.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct EventRow {
    pub id: String,
    pub case_id: Option<String>,
    pub kind: String,
    pub payload: String,
    pub created_ms: i64,
}

const ATTEMPT_COLUMNS: &str = "id, source, via, started_ms, duration_ms, ok, error, detail, status,
    last_updated, changed, raw_enc IS NOT NULL AS has_answer";

impl Tx<'_> {
    pub async fn monitors(
        &mut self,
        actor: &Actor,
        id: &CaseId,
    ) -> Result<Vec<MonitorView>, StoreError> {
        self.ensure_case(actor, id).await?;
        let rows = on_tx!(self, c => sqlx::query_as(
            "SELECT source, enabled, next_check_ms, consecutive_failures, last_attempt_ms, last_change_ms
             FROM monitors WHERE case_id = $1 ORDER BY source",
        )
        .bind(id.as_str())
        .fetch_all(&mut *c)
        .await?);
        Ok(rows)
    }

    /// The latest checks of a case, newest first.
    pub async fn attempts(
        &mut self,
        actor: &Actor,
        id: &CaseId,
        limit: i64,
    ) -> Result<Vec<AttemptView>, StoreError> {
        self.ensure_case(actor, id).await?;
        let sql = format!(
            "SELECT {ATTEMPT_COLUMNS} FROM check_attempts WHERE case_id = $1
             ORDER BY started_ms DESC, id DESC LIMIT $2"
        );
        let rows = on_tx!(self, c => sqlx::query_as(&sql)
            .bind(id.as_str())
            .bind(limit)
            .fetch_all(&mut *c)
            .await?);
        Ok(rows)
    }

    /// What the source answered in one check, while it is kept.
    pub async fn attempt_answer(
        &mut self,
        actor: &Actor,
        id: &CaseId,
        attempt_id: &str,
    ) -> Result<Option<(AttemptView, String)>, StoreError> {
        self.ensure_case(actor, id).await?;
        let sql =
            format!("SELECT {ATTEMPT_COLUMNS} FROM check_attempts WHERE case_id = $1 AND id = $2");
        let row: Option<AttemptView> = on_tx!(self, c => sqlx::query_as(&sql)
            .bind(id.as_str())
            .bind(attempt_id)
            .fetch_optional(&mut *c)
            .await?);
        let Some(row) = row else { return Ok(None) };
        let raw: Option<Vec<u8>> = on_tx!(self, c => sqlx::query_scalar(
            "SELECT raw_enc FROM check_attempts WHERE id = $1",
        )
        .bind(attempt_id)
        .fetch_one(&mut *c)
        .await?);
        let Some(raw) = raw else { return Ok(None) };
        let text = self
            .crypto
            .decrypt(&raw, &aad("check_attempts", "raw", attempt_id))?;
        Ok(Some((row, String::from_utf8_lossy(&text).into_owned())))
    }

    /// The status history with where each reading came from, oldest first.
    pub async fn timeline(
        &mut self,
        actor: &Actor,
        id: &CaseId,
    ) -> Result<Vec<TimelineEntry>, StoreError> {
        self.ensure_case(actor, id).await?;
        let rows = on_tx!(self, c => sqlx::query_as(
            "SELECT observed_on, status, last_updated, source, via, attempt_id, recorded_ms
             FROM status_observations WHERE case_id = $1 ORDER BY observed_on, recorded_ms, id",
        )
        .bind(id.as_str())
        .fetch_all(&mut *c)
        .await?);
        Ok(rows)
    }

    /// The steps a source listed as done, oldest first: (source, day, text).
    pub async fn history_steps(
        &mut self,
        actor: &Actor,
        id: &CaseId,
    ) -> Result<Vec<(String, String, String)>, StoreError> {
        self.ensure_case(actor, id).await?;
        let rows = on_tx!(self, c => sqlx::query_as(
            "SELECT source, done_on, text FROM history_steps WHERE case_id = $1
             ORDER BY done_on, recorded_ms, text",
        )
        .bind(id.as_str())
        .fetch_all(&mut *c)
        .await?);
        Ok(rows)
    }

    pub async fn case_events(
        &mut self,
        actor: &Actor,
        id: &CaseId,
    ) -> Result<Vec<EventRow>, StoreError> {
        self.ensure_case(actor, id).await?;
        let rows = on_tx!(self, c => sqlx::query_as(
            "SELECT id, case_id, kind, payload, created_ms FROM events WHERE case_id = $1
             ORDER BY created_ms, id",
        )
        .bind(id.as_str())
        .fetch_all(&mut *c)
        .await?);
        Ok(rows)
    }

    /// Every event after `after_ms`, for the operator (`visanav events`) and the dispatcher.
    /// Payloads hold no personal data.
    pub async fn events_since(&mut self, after_ms: i64) -> Result<Vec<EventRow>, StoreError> {
        let rows = on_tx!(self, c => sqlx::query_as(
            "SELECT id, case_id, kind, payload, created_ms FROM events WHERE created_ms > $1
             ORDER BY created_ms, id",
        )
        .bind(after_ms)
        .fetch_all(&mut *c)
        .await?);
        Ok(rows)
    }

    /// How many checks this account asked visanav to run since `since` ("check now" rate
    /// limit). Pages the person checked themselves and handed over (assisted) cost visanav no
    /// request to the source, so they do not count.
    pub async fn checks_requested_since(
        &mut self,
        actor: &Actor,
        since: Timestamp,
    ) -> Result<i64, StoreError> {
        let n = on_tx!(self, c => sqlx::query_scalar(
            "SELECT COUNT(*) FROM check_attempts
             WHERE requested_by = $1 AND started_ms >= $2 AND via <> 'assisted'",
        )
        .bind(actor.account_id().as_str())
        .bind(since.as_millisecond())
        .fetch_one(&mut *c)
        .await?);
        Ok(n)
    }

    /// Keeps a captcha challenge (encrypted) for the person who asked, until `expires`.
    pub async fn save_challenge(
        &mut self,
        actor: &Actor,
        id: &CaseId,
        state: &[u8],
        expires: Timestamp,
    ) -> Result<String, StoreError> {
        self.ensure_case(actor, id).await?;
        let challenge_id = uuid::Uuid::now_v7().to_string();
        let enc = self
            .crypto
            .encrypt(state, &aad("captcha_challenges", "state", &challenge_id));
        on_tx!(self, c => sqlx::query(
            "INSERT INTO captcha_challenges (id, case_id, account_id, state_enc, expires_ms)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&challenge_id)
        .bind(id.as_str())
        .bind(actor.account_id().as_str())
        .bind(enc)
        .bind(expires.as_millisecond())
        .execute(&mut *c)
        .await?
        .rows_affected());
        Ok(challenge_id)
    }

    /// Reads a challenge of this person and case while it is valid (it stays until taken).
    pub async fn challenge(
        &mut self,
        actor: &Actor,
        id: &CaseId,
        challenge_id: &str,
        now: Timestamp,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        self.ensure_case(actor, id).await?;
        let enc: Option<Vec<u8>> = on_tx!(self, c => sqlx::query_scalar(
            "SELECT state_enc FROM captcha_challenges
             WHERE id = $1 AND case_id = $2 AND account_id = $3 AND expires_ms > $4",
        )
        .bind(challenge_id)
        .bind(id.as_str())
        .bind(actor.account_id().as_str())
        .bind(now.as_millisecond())
        .fetch_optional(&mut *c)
        .await?);
        enc.map(|enc| {
            self.crypto
                .decrypt(&enc, &aad("captcha_challenges", "state", challenge_id))
                .map_err(StoreError::from)
        })
        .transpose()
    }

    /// Takes a challenge (it can be answered once), and forgets challenges a day after they
    /// expired (until then an unanswered one still counts towards its person's "check now"
    /// limit, see [`Tx::check_requests_since`]).
    pub async fn take_challenge(
        &mut self,
        actor: &Actor,
        id: &CaseId,
        challenge_id: &str,
        now: Timestamp,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        let state = self.challenge(actor, id, challenge_id, now).await?;
        let forget_before = now
            .checked_sub(super::person::CHALLENGES_COUNTED_FOR)
            .unwrap_or(now);
        on_tx!(self, c => sqlx::query(
            "DELETE FROM captcha_challenges WHERE id = $1 OR expires_ms <= $2",
        )
        .bind(challenge_id)
        .bind(forget_before.as_millisecond())
        .execute(&mut *c)
        .await?
        .rows_affected());
        Ok(state)
    }
}

impl Store {
    pub async fn history_steps(
        &self,
        actor: &Actor,
        id: &CaseId,
    ) -> Result<Vec<(String, String, String)>, StoreError> {
        in_tx!(self, TxMode::Read, |tx| tx.history_steps(actor, id).await)
    }

    pub async fn monitors(
        &self,
        actor: &Actor,
        id: &CaseId,
    ) -> Result<Vec<MonitorView>, StoreError> {
        in_tx!(self, TxMode::Read, |tx| tx.monitors(actor, id).await)
    }

    pub async fn attempts(
        &self,
        actor: &Actor,
        id: &CaseId,
        limit: i64,
    ) -> Result<Vec<AttemptView>, StoreError> {
        in_tx!(self, TxMode::Read, |tx| tx.attempts(actor, id, limit).await)
    }

    pub async fn attempt_answer(
        &self,
        actor: &Actor,
        id: &CaseId,
        attempt_id: &str,
    ) -> Result<Option<(AttemptView, String)>, StoreError> {
        in_tx!(self, TxMode::Read, |tx| tx
            .attempt_answer(actor, id, attempt_id)
            .await)
    }

    pub async fn timeline(
        &self,
        actor: &Actor,
        id: &CaseId,
    ) -> Result<Vec<TimelineEntry>, StoreError> {
        in_tx!(self, TxMode::Read, |tx| tx.timeline(actor, id).await)
    }

    pub async fn case_events(
        &self,
        actor: &Actor,
        id: &CaseId,
    ) -> Result<Vec<EventRow>, StoreError> {
        in_tx!(self, TxMode::Read, |tx| tx.case_events(actor, id).await)
    }

    pub async fn events_since(&self, after_ms: i64) -> Result<Vec<EventRow>, StoreError> {
        in_tx!(self, TxMode::Read, |tx| tx.events_since(after_ms).await)
    }

    pub async fn checks_requested_since(
        &self,
        actor: &Actor,
        since: Timestamp,
    ) -> Result<i64, StoreError> {
        in_tx!(self, TxMode::Read, |tx| tx
            .checks_requested_since(actor, since)
            .await)
    }

    pub async fn save_challenge(
        &self,
        actor: &Actor,
        id: &CaseId,
        state: &[u8],
        expires: Timestamp,
    ) -> Result<String, StoreError> {
        in_tx!(self, TxMode::Write, |tx| tx
            .save_challenge(actor, id, state, expires)
            .await)
    }

    pub async fn challenge(
        &self,
        actor: &Actor,
        id: &CaseId,
        challenge_id: &str,
        now: Timestamp,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        in_tx!(self, TxMode::Read, |tx| tx
            .challenge(actor, id, challenge_id, now)
            .await)
    }

    pub async fn take_challenge(
        &self,
        actor: &Actor,
        id: &CaseId,
        challenge_id: &str,
        now: Timestamp,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        in_tx!(self, TxMode::Write, |tx| tx
            .take_challenge(actor, id, challenge_id, now)
            .await)
    }
}
