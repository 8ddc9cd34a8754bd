//! The reminder sweep: for each case whose next deadline is near, the reminder of the
//! smallest lead time its followers chose that the deadline is within, written once as a
//! `deadline_approaching` event. Days are counted at the case's post, where the deadline
//! runs out. A deadline first seen 10 days ahead gets its 14-day reminder, not every larger
//! one at once.

use jiff::{Timestamp, ToSpan, tz::TimeZone};
use serde_json::json;
use visanav_core::knowledge::Knowledge;
use visanav_store::{Store, StoreError};

/// The longest lead time a person can choose.
const MAX_LEAD_DAYS: i64 = 365;

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
    let mut written = 0;
    for c in store
        .reminder_candidates(&from.to_string(), &until.to_string())
        .await?
    {
        let Ok(due) = c.due.parse::<jiff::civil::Date>() else {
            continue;
        };
        let zone = knowledge
            .post(&c.post)
            .and_then(|p| TimeZone::get(&p.time_zone).ok())
            .unwrap_or(TimeZone::UTC);
        let today = now.to_zoned(zone).date();
        let Ok(days) = today.until(due).map(|s| i64::from(s.get_days())) else {
            continue;
        };
        if days < 0 {
            continue;
        }
        let leads = store.follower_lead_days(&c.case_id).await?;
        let Some(lead) = leads
            .iter()
            .copied()
            .filter(|l| i64::from(*l) >= days)
            .min()
        else {
            continue;
        };
        let key = format!("{}|{}|{lead}", c.title, c.due);
        let payload = json!({
            "title": c.title,
            "due": c.due,
            "days_left": days,
            "lead_days": lead,
        });
        if store.add_reminder(&c.case_id, &key, &payload, now).await? {
            written += 1;
        }
    }
    Ok(written)
}
