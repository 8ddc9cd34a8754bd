//! The reminder sweep: for each case whose next deadline is near, the reminder of the
//! smallest lead time its followers chose that the deadline is within, written once as a
//! `deadline_approaching` event. Days are counted at the case's post, where the deadline
//! runs out. A deadline first seen 10 days ahead gets its 14-day reminder, not every larger
//! one at once.

use jiff::{Timestamp, ToSpan, tz::TimeZone};
use serde_json::json;
use visanav_core::knowledge::Knowledge;
use visanav_store::{ReminderCandidate, Store, StoreError, Tx, TxMode};

/// The longest lead time a person can choose.
const MAX_LEAD_DAYS: i64 = 365;

/// Cases looked at per transaction.
const SWEEP_BATCH: usize = 200;

/// The reminder a case is due at `now`, if any: its key (written once) and its event.
async fn reminder_of(
    tx: &mut Tx<'_>,
    knowledge: &Knowledge,
    c: &ReminderCandidate,
    now: Timestamp,
) -> Result<Option<(String, serde_json::Value)>, StoreError> {
    let Ok(due) = c.due.parse::<jiff::civil::Date>() else {
        return Ok(None);
    };
    let zone = knowledge
        .post(&c.post)
        .and_then(|p| TimeZone::get(&p.time_zone).ok())
        .unwrap_or(TimeZone::UTC);
    let today = now.to_zoned(zone).date();
    let Ok(days) = today.until(due).map(|s| i64::from(s.get_days())) else {
        return Ok(None);
    };
    if days < 0 {
        return Ok(None);
    }
    let leads = tx.follower_lead_days(&c.case_id).await?;
    let Some(lead) = leads
        .iter()
        .copied()
        .filter(|l| i64::from(*l) >= days)
        .min()
    else {
        return Ok(None);
    };
    let key = format!("{}|{}|{lead}", c.title, c.due);
    let payload = json!({
        "title": c.title,
        "due": c.due,
        "days_left": days,
        "lead_days": lead,
    });
    Ok(Some((key, payload)))
}

/// Writes the reminders due at `now`; returns how many.
pub async fn sweep(
    store: &Store,
    knowledge: &Knowledge,
    now: Timestamp,
) -> Result<usize, StoreError> {
    let today_utc = now.to_zoned(TimeZone::UTC).date();
    // A day of slack either side: the posts' days run ahead of and behind UTC.
    let from = today_utc.checked_sub(1.day()).unwrap_or(today_utc);
    let until = today_utc
        .checked_add((MAX_LEAD_DAYS + 1).days())
        .unwrap_or(today_utc);
    let candidates = store
        .reminder_candidates(&from.to_string(), &until.to_string())
        .await?;
    let mut written = 0;
    // A batch of cases per transaction: one commit for many reminders, and the writer lock
    // (SQLite) held for a short while at a time.
    for batch in candidates.chunks(SWEEP_BATCH) {
        let mut tx = store.begin(TxMode::Write).await?;
        match write_batch(&mut tx, knowledge, batch, now).await {
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

async fn write_batch(
    tx: &mut Tx<'_>,
    knowledge: &Knowledge,
    batch: &[ReminderCandidate],
    now: Timestamp,
) -> Result<usize, StoreError> {
    let mut written = 0;
    for c in batch {
        let Some((key, payload)) = reminder_of(tx, knowledge, c, now).await? else {
            continue;
        };
        if tx.add_reminder(&c.case_id, &key, &payload, now).await? {
            written += 1;
        }
    }
    Ok(written)
}
