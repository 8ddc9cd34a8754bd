//! What the store derives from a case and keeps beside it: the case's summary (urgency, next
//! deadline, latest status and since when, legal-help reasons) for a firm's dashboard, its
//! live dates (open deadlines, expiries, renew-by dates) for the reminder sweep, and the
//! keyed hashes of its people's names.
//!
//! All are rewritten by [`Tx::commit`] for every case the transaction wrote, so they change
//! with the case or not at all. The summary comes from a [`Summarizer`] the server and the
//! command line give the store (the plan under their knowledge base); the store knows no
//! knowledge base of its own. A store without one writes a "not summarised yet" row (sorted
//! first on a dashboard, so nothing hides) and the next sweep, which needs a summarizer,
//! computes it (the case's dates wait for it too). Name hashes need only the key, so they are
//! always written.
//!
//! As dates pass, days left shrink and deadlines fall due without any change to the case: the
//! sweep ([`Store::sweep`]) computes summaries again, all of them at server start and with
//! `visanav sweep`, and then each one once its day has ended at its post.

use std::sync::Arc;

use jiff::Timestamp;
use visanav_core::casefile::CaseFile;
use visanav_core::names::name_keys;
use visanav_core::reminders::CaseDate;
use visanav_core::summary::{Summary, summarize, urgency_rank};

use crate::db::{TxMode, on_tx, values_list};
use crate::{Store, StoreError, Tx};

/// The rank of a case not summarised yet: above "now", so it is never overlooked.
pub const PENDING_RANK: i64 = 4;
/// The deadline sort key of a case with no open deadline: after every date.
pub(crate) const NO_DEADLINE_KEY: &str = "9999-12-31";

/// The function behind a [`Summarizer`].
type SummaryFn = dyn Fn(&CaseFile, Timestamp) -> Summary + Send + Sync;

/// Computes a case's summary at an instant: what the store writes beside every case.
#[derive(Clone)]
pub struct Summarizer(Arc<SummaryFn>);

impl std::fmt::Debug for Summarizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Summarizer")
    }
}

impl Summarizer {
    pub fn new(f: impl Fn(&CaseFile, Timestamp) -> Summary + Send + Sync + 'static) -> Summarizer {
        Summarizer(Arc::new(f))
    }

    /// The plan's summary under this knowledge base: what the server and the CLI use.
    pub fn from_knowledge(k: Arc<visanav_core::knowledge::Knowledge>) -> Summarizer {
        Summarizer::new(move |case, now| summarize(case, &k, now))
    }

    fn summarize(&self, case: &CaseFile, now: Timestamp) -> Summary {
        (self.0)(case, now)
    }
}

/// A summary as stored.
struct SummaryRow {
    urgency_rank: i64,
    next_deadline_on: Option<String>,
    next_deadline_title: Option<String>,
    latest_status: Option<String>,
    status_since: Option<String>,
    help_reasons: String,
    computed_for: Option<String>,
    valid_until_ms: Option<i64>,
    computed_ms: Option<i64>,
    /// The live dates; none while not summarised yet.
    dates: Vec<CaseDate>,
}

impl SummaryRow {
    fn of(s: Summary, now: Timestamp) -> Result<SummaryRow, StoreError> {
        Ok(SummaryRow {
            urgency_rank: urgency_rank(s.urgency),
            next_deadline_on: s.next_deadline.as_ref().map(|d| d.due.to_string()),
            next_deadline_title: s.next_deadline.map(|d| d.title),
            status_since: s.latest_status.as_ref().map(|l| l.since.to_string()),
            latest_status: s.latest_status.map(|l| l.status),
            help_reasons: crate::cases::json_list(&s.help_reasons)?,
            computed_for: Some(s.computed_for.to_string()),
            valid_until_ms: Some(s.valid_until.as_millisecond()),
            computed_ms: Some(now.as_millisecond()),
            dates: s.dates,
        })
    }

    /// "Not summarised yet", with the latest status, which needs no knowledge base.
    fn pending(case: &CaseFile) -> SummaryRow {
        let latest = visanav_core::summary::latest_status(&case.status);
        SummaryRow {
            urgency_rank: PENDING_RANK,
            next_deadline_on: None,
            next_deadline_title: None,
            status_since: latest.as_ref().map(|l| l.since.to_string()),
            latest_status: latest.map(|l| l.status),
            help_reasons: "[]".into(),
            computed_for: None,
            valid_until_ms: None,
            computed_ms: None,
            dates: Vec::new(),
        }
    }
}

/// The keyed hash a name key is stored and searched by.
pub(crate) fn name_hash(crypto: &crate::Crypto, key: &str) -> String {
    crypto.keyed_hash("person_name", key)
}

/// Every name the case's people are known by: beneficiary, petitioner, and the surname on
/// the passport.
fn case_names(case: &CaseFile) -> Vec<String> {
    let mut names: Vec<String> = [&case.beneficiary, &case.petitioner]
        .into_iter()
        .flatten()
        .map(|p| p.display_name())
        .collect();
    names.extend(case.surname.clone());
    names
}

impl Tx<'_> {
    /// Rewrites the summary and name hashes of one case from what it holds now (called by
    /// [`Tx::commit`]). A case deleted in this transaction has nothing left to derive.
    pub(crate) async fn refresh_derived(
        &mut self,
        case_id: &str,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let Some(stored) = self.load_case_unchecked(case_id).await? else {
            return Ok(());
        };
        let case = &stored.case;
        self.write_name_hashes(case_id, case).await?;
        let row = match self.summarizer {
            Some(s) => SummaryRow::of(s.summarize(case, now), now)?,
            None => SummaryRow::pending(case),
        };
        self.tell_when_help_is_recommended(case_id, &row, now)
            .await?;
        self.write_dates(case_id, &row.dates).await?;
        self.write_summary(case_id, &row).await
    }

    /// Replaces the case's dates with these.
    async fn write_dates(&mut self, case_id: &str, dates: &[CaseDate]) -> Result<(), StoreError> {
        const COLUMNS: usize = 6;
        on_tx!(self, c => sqlx::query("DELETE FROM case_dates WHERE case_id = $1")
            .bind(case_id)
            .execute(&mut *c)
            .await?
            .rows_affected());
        if dates.is_empty() {
            return Ok(());
        }
        let sql = format!(
            "INSERT INTO case_dates (case_id, key, kind, subject, due_on, title) VALUES {}",
            values_list(dates.len(), COLUMNS)
        );
        on_tx!(self, c => {
            let mut q = sqlx::query(&sql);
            for d in dates {
                q = q
                    .bind(case_id)
                    .bind(&d.key)
                    .bind(d.kind.as_str())
                    .bind(&d.subject)
                    .bind(d.due.to_string())
                    .bind(&d.title);
            }
            q.execute(&mut *c).await?.rows_affected()
        });
        Ok(())
    }

    /// Writes a `legal_help_recommended` event (in this transaction, like every event) when
    /// the case's legal-help urgency rises to "soon" or "now" from a lower one that was
    /// known: the people who follow the case hear that it is time to talk to an attorney,
    /// once per rise, not at every change of the case.
    async fn tell_when_help_is_recommended(
        &mut self,
        case_id: &str,
        row: &SummaryRow,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        const SOON: i64 = 2;
        const NOW: i64 = 3;
        if !(SOON..=NOW).contains(&row.urgency_rank) {
            return Ok(());
        }
        let before: Option<i64> = on_tx!(self, c => sqlx::query_scalar(
            "SELECT urgency_rank FROM case_summaries WHERE case_id = $1",
        )
        .bind(case_id)
        .fetch_optional(&mut *c)
        .await?);
        // Unknown before (no summary yet, or "not summarised yet", rank 4): the case page
        // says so; no event for what was never lower.
        let Some(before) = before.filter(|b| *b < SOON) else {
            return Ok(());
        };
        let reasons: serde_json::Value =
            serde_json::from_str(&row.help_reasons).unwrap_or(serde_json::Value::Null);
        let payload = serde_json::json!({
            "urgency": if row.urgency_rank == NOW { "now" } else { "soon" },
            "was": before,
            "reasons": reasons,
        });
        self.insert_event(Some(case_id), "legal_help_recommended", &payload, now)
            .await
    }

    async fn write_name_hashes(
        &mut self,
        case_id: &str,
        case: &CaseFile,
    ) -> Result<(), StoreError> {
        let mut hashes: Vec<String> = case_names(case)
            .iter()
            .flat_map(|n| name_keys(n))
            .map(|k| name_hash(self.crypto, &k))
            .collect();
        hashes.sort();
        hashes.dedup();
        on_tx!(self, c => {
            sqlx::query("DELETE FROM case_name_hashes WHERE case_id = $1")
                .bind(case_id)
                .execute(&mut *c)
                .await?;
            for h in &hashes {
                sqlx::query("INSERT INTO case_name_hashes (case_id, name_hash) VALUES ($1, $2)")
                    .bind(case_id)
                    .bind(h)
                    .execute(&mut *c)
                    .await?;
            }
        });
        Ok(())
    }

    async fn write_summary(&mut self, case_id: &str, r: &SummaryRow) -> Result<(), StoreError> {
        let deadline_key = r
            .next_deadline_on
            .clone()
            .unwrap_or_else(|| NO_DEADLINE_KEY.to_string());
        let since_key = r.status_since.clone().unwrap_or_default();
        on_tx!(self, c => sqlx::query(
            "INSERT INTO case_summaries (case_id, urgency_rank, next_deadline_on, next_deadline_title,
                deadline_key, latest_status, status_since, since_key, help_reasons, computed_for,
                valid_until_ms, computed_ms)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
             ON CONFLICT (case_id) DO UPDATE SET urgency_rank = excluded.urgency_rank,
                next_deadline_on = excluded.next_deadline_on,
                next_deadline_title = excluded.next_deadline_title,
                deadline_key = excluded.deadline_key, latest_status = excluded.latest_status,
                status_since = excluded.status_since, since_key = excluded.since_key,
                help_reasons = excluded.help_reasons, computed_for = excluded.computed_for,
                valid_until_ms = excluded.valid_until_ms, computed_ms = excluded.computed_ms",
        )
        .bind(case_id)
        .bind(r.urgency_rank)
        .bind(&r.next_deadline_on)
        .bind(&r.next_deadline_title)
        .bind(&deadline_key)
        .bind(&r.latest_status)
        .bind(&r.status_since)
        .bind(&since_key)
        .bind(&r.help_reasons)
        .bind(&r.computed_for)
        .bind(r.valid_until_ms)
        .bind(r.computed_ms)
        .execute(&mut *c)
        .await?
        .rows_affected());
        Ok(())
    }
}

/// Which summaries a sweep computes again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sweep {
    /// Every case (at server start: the knowledge base may have changed with the program).
    All,
    /// Cases whose day has ended at their post since they were summarised, and cases not
    /// summarised yet.
    Stale,
}

/// How many cases one sweep transaction takes: SQLite has one writer at a time, so a batch
/// keeps others waiting for at most a fraction of a second.
const SWEEP_BATCH: i64 = 200;

impl Store {
    /// Computes summaries (and name hashes) again at `now`, in batches of its own
    /// transactions; returns how many cases it refreshed. Needs a summarizer.
    pub async fn sweep(&self, which: Sweep, now: Timestamp) -> Result<usize, StoreError> {
        if self.summarizer.is_none() {
            return Err(StoreError::NoSummarizer);
        }
        let mut after = String::new();
        let mut refreshed = 0;
        loop {
            let mut tx = self.begin(TxMode::Write).await?;
            let ids = tx.sweep_batch(which, &after, now).await;
            let ids = match ids {
                Ok(ids) if !ids.is_empty() => ids,
                other => {
                    tx.rollback().await?;
                    other?;
                    break;
                }
            };
            tx.lock_cases(&ids).await?;
            for id in &ids {
                tx.mark_touched(id, now);
            }
            refreshed += ids.len();
            after = ids.last().cloned().unwrap_or_default();
            tx.commit().await?;
        }
        if refreshed > 0 {
            tracing::info!(cases = refreshed, ?which, "summaries refreshed");
        }
        Ok(refreshed)
    }
}

impl Tx<'_> {
    /// Locks the rows of these cases (sorted ids) until the transaction ends, as a change to
    /// them would. Without it, a change committed between the sweep reading a case and
    /// writing its summary would be overwritten by a summary of the case before the change;
    /// with it, the change waits for the sweep, or the sweep for the change, and reads it.
    /// (SQLite has one writer at a time anyway; PostgreSQL locks the rows.)
    async fn lock_cases(&mut self, sorted_ids: &[String]) -> Result<(), StoreError> {
        let (Some(first), Some(last)) = (sorted_ids.first(), sorted_ids.last()) else {
            return Ok(());
        };
        on_tx!(self, c => sqlx::query(
            "UPDATE cases SET updated_ms = updated_ms WHERE id >= $1 AND id <= $2"
        )
        .bind(first)
        .bind(last)
        .execute(&mut *c)
        .await?
        .rows_affected());
        Ok(())
    }

    /// The next case ids after `after` (in id order) that the sweep should refresh.
    async fn sweep_batch(
        &mut self,
        which: Sweep,
        after: &str,
        now: Timestamp,
    ) -> Result<Vec<String>, StoreError> {
        // Every case has a summary row (written with the case, or by migration 0007 for
        // older ones), so the summaries table lists every case.
        let stale = match which {
            Sweep::All => "",
            Sweep::Stale => " AND (valid_until_ms IS NULL OR valid_until_ms <= $3)",
        };
        let sql = format!(
            "SELECT case_id FROM case_summaries WHERE case_id > $1{stale} ORDER BY case_id LIMIT $2"
        );
        let ids: Vec<String> = on_tx!(self, c => {
            let q = sqlx::query_scalar(&sql).bind(after).bind(SWEEP_BATCH);
            let q = if which == Sweep::Stale { q.bind(now.as_millisecond()) } else { q };
            q.fetch_all(&mut *c).await?
        });
        Ok(ids)
    }
}
