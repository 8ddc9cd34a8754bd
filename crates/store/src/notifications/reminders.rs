//! Reminders of deadlines and document expiries: which dates are near (from `case_dates`,
//! the live dates the store keeps beside each case's summary, so a sweep reads an index and
//! decrypts nothing), the lead times the case's followers chose, and writing each reminder's
//! event once.
//!
//! The sweep counts days **at the case's post**, where its dates run out, and writes, for
//! each date, the reminder of the smallest lead time its followers chose that the date is
//! within ([`visanav_core::reminders::due_lead`]): a date first seen 10 days ahead gets its
//! 14-day reminder, not every larger one at once. Each (case, date, day, lead time) is
//! written once (`reminders_sent`).

use jiff::{Timestamp, ToSpan, tz::TimeZone};
use serde_json::Value;
use visanav_core::knowledge::Knowledge;
use visanav_core::plan::today_at_post;
use visanav_core::reminders::{CaseDate, DateKind, due_lead, reminder};

use crate::db::{TxMode, on_tx};
use crate::{Store, StoreError, Tx, in_tx};

/// Cases looked at per transaction: one commit for many reminders, and the writer lock
/// (SQLite) held for a short while at a time.
const SWEEP_BATCH: usize = 200;

/// A live date of a case that falls within the sweep's horizon (the largest lead time
/// anyone chose).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ReminderCandidate {
    pub case_id: String,
    pub post: String,
    pub key: String,
    pub kind: String,
    pub subject: String,
    pub due: String,
    pub title: String,
}

impl ReminderCandidate {
    /// The date as the reminders' rules take it; None for a row this version cannot read.
    pub fn date(&self) -> Option<CaseDate> {
        Some(CaseDate {
            key: self.key.clone(),
            kind: DateKind::parse(&self.kind)?,
            subject: self.subject.clone(),
            due: self.due.parse().ok()?,
            title: self.title.clone(),
        })
    }
}

impl Tx<'_> {
    /// Live dates from `from` to `until` (YYYY-MM-DD, inclusive), by case.
    pub async fn reminder_candidates(
        &mut self,
        from: &str,
        until: &str,
    ) -> Result<Vec<ReminderCandidate>, StoreError> {
        let rows = on_tx!(self, c => sqlx::query_as(
            "SELECT d.case_id, c.post, d.key, d.kind, d.subject, d.due_on AS due, d.title
             FROM case_dates d JOIN cases c ON c.id = d.case_id
             WHERE d.due_on >= $1 AND d.due_on <= $2
             ORDER BY d.case_id, d.due_on, d.key",
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

    /// Writes the reminder's event (`kind`) unless this reminder (`key`) was written for the
    /// case before; returns whether it was written now. Both in this transaction.
    pub async fn add_reminder(
        &mut self,
        case_id: &str,
        key: &str,
        kind: &str,
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
        self.insert_event(Some(case_id), kind, payload, now).await?;
        Ok(true)
    }

    /// Writes the reminders due at `now` for these cases' dates (one slice per case).
    async fn remind_cases(
        &mut self,
        knowledge: &Knowledge,
        cases: &[&[ReminderCandidate]],
        now: Timestamp,
    ) -> Result<usize, StoreError> {
        let mut written = 0;
        for dates in cases {
            written += self.remind_case(knowledge, dates, now).await?;
        }
        Ok(written)
    }

    /// Writes the reminders due at `now` for one case's dates (all of the same case);
    /// returns how many.
    async fn remind_case(
        &mut self,
        knowledge: &Knowledge,
        dates: &[ReminderCandidate],
        now: Timestamp,
    ) -> Result<usize, StoreError> {
        let Some(first) = dates.first() else {
            return Ok(0);
        };
        let today = today_at_post(knowledge, &first.post, now);
        let due: Vec<(CaseDate, i64)> = dates
            .iter()
            .filter_map(|c| c.date())
            .filter_map(|d| {
                let days = today.until(d.due).ok()?.get_days();
                (days >= 0).then_some((d, i64::from(days)))
            })
            .collect();
        if due.is_empty() {
            return Ok(0);
        }
        // Once per case, not per date: the followers' choices are the same for each.
        let leads = self.follower_lead_days(&first.case_id).await?;
        let mut written = 0;
        for (date, days) in &due {
            let Some(lead) = due_lead(*days, &leads) else {
                continue;
            };
            let r = reminder(date, *days, lead);
            if self
                .add_reminder(&first.case_id, &r.once_key, r.event_kind, &r.payload, now)
                .await?
            {
                written += 1;
            }
        }
        Ok(written)
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

    /// The reminder sweep: writes the reminders due at `now` (as `deadline_approaching` and
    /// `document_expiring` events), a batch of cases per transaction; returns how many.
    pub async fn sweep_reminders(
        &self,
        knowledge: &Knowledge,
        now: Timestamp,
    ) -> Result<usize, StoreError> {
        let today_utc = now.to_zoned(TimeZone::UTC).date();
        let largest = in_tx!(self, TxMode::Read, |tx| tx.largest_lead_days().await)?;
        // A day of slack either side: the posts' days run ahead of and behind UTC.
        let from = today_utc.checked_sub(1.day()).unwrap_or(today_utc);
        let until = today_utc
            .checked_add((i64::from(largest) + 1).days())
            .unwrap_or(today_utc);
        let candidates = self
            .reminder_candidates(&from.to_string(), &until.to_string())
            .await?;
        let cases: Vec<&[ReminderCandidate]> =
            candidates.chunk_by(|a, b| a.case_id == b.case_id).collect();
        let mut written = 0;
        for batch in cases.chunks(SWEEP_BATCH) {
            let mut tx = self.begin(TxMode::Write).await?;
            match tx.remind_cases(knowledge, batch, now).await {
                Ok(n) => {
                    tx.commit().await?;
                    written += n;
                }
                Err(e) => {
                    tx.rollback().await?;
                    return Err(e);
                }
            }
        }
        Ok(written)
    }
}
