//! Deadline reminders: which cases have their next deadline near (from the dashboard's
//! summaries, so a sweep reads an index, not every case), the lead times their followers
//! chose, and writing a reminder's event once.

use jiff::Timestamp;
use serde_json::Value;

use crate::db::{TxMode, on_tx};
use crate::{Store, StoreError, Tx, in_tx};

/// A case whose next open deadline falls on or before the sweep's horizon.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ReminderCandidate {
    pub case_id: String,
    pub post: String,
    pub due: String,
    pub title: String,
}

impl Tx<'_> {
    /// Cases whose next deadline is from `from` to `until` (YYYY-MM-DD, inclusive).
    pub async fn reminder_candidates(
        &mut self,
        from: &str,
        until: &str,
    ) -> Result<Vec<ReminderCandidate>, StoreError> {
        let rows = on_tx!(self, c => sqlx::query_as(
            "SELECT s.case_id, c.post, s.next_deadline_on AS due, s.next_deadline_title AS title
             FROM case_summaries s JOIN cases c ON c.id = s.case_id
             WHERE s.deadline_key >= $1 AND s.deadline_key <= $2
               AND s.next_deadline_on IS NOT NULL AND s.next_deadline_title IS NOT NULL
             ORDER BY s.deadline_key, s.case_id",
        )
        .bind(from)
        .bind(until)
        .fetch_all(&mut *c)
        .await?);
        Ok(rows)
    }

    /// Every lead time (days) the case's followers chose, largest first.
    pub async fn follower_lead_days(&mut self, case_id: &str) -> Result<Vec<u32>, StoreError> {
        let mut all = Vec::new();
        for person in self.recipient_ids(case_id).await? {
            all.extend(self.prefs_of(&person).await?.lead_days);
        }
        all.sort_unstable_by(|a, b| b.cmp(a));
        all.dedup();
        Ok(all)
    }

    /// Writes the reminder's event unless this reminder (`key`) was written for the case
    /// before; returns whether it was written now. Both in this transaction.
    pub async fn add_reminder(
        &mut self,
        case_id: &str,
        key: &str,
        payload: &Value,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let added = on_tx!(self, c => sqlx::query(
            "INSERT INTO reminders_sent (case_id, reminder, created_ms) VALUES ($1, $2, $3)
             ON CONFLICT DO NOTHING",
        )
        .bind(case_id)
        .bind(key)
        .bind(now.as_millisecond())
        .execute(&mut *c)
        .await?
        .rows_affected());
        if added == 0 {
            return Ok(false);
        }
        self.insert_event(Some(case_id), "deadline_approaching", payload, now)
            .await?;
        Ok(true)
    }
}

impl Store {
    pub async fn reminder_candidates(
        &self,
        from: &str,
        until: &str,
    ) -> Result<Vec<ReminderCandidate>, StoreError> {
        in_tx!(self, TxMode::Read, |tx| tx
            .reminder_candidates(from, until)
            .await)
    }
}
