//! Reminders of a case's dates: which dates (the plan's live dated items, which the store
//! keeps beside the case's summary), which lead time is due on a day, and the event a
//! reminder is written as. Pure: the caller passes the day.
//!
//! Nothing personal: a date is a knowledge-base title or document name, an id from the
//! knowledge base (deadline kind, document) and a day.

use jiff::civil::Date;
use serde_json::{Value, json};

use crate::plan::{DatedWhat, Plan, dated_items, kind_name};

/// What a dated item of the plan is, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateKind {
    /// The last day of a deadline.
    Deadline,
    /// The day a document expires.
    Expiry,
    /// The day to have a new document by.
    RenewBy,
}

impl DateKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DateKind::Deadline => "deadline",
            DateKind::Expiry => "expiry",
            DateKind::RenewBy => "renew_by",
        }
    }

    pub fn parse(s: &str) -> Option<DateKind> {
        match s {
            "deadline" => Some(DateKind::Deadline),
            "expiry" => Some(DateKind::Expiry),
            "renew_by" => Some(DateKind::RenewBy),
            _ => None,
        }
    }

    /// The event a reminder of this date is written as.
    pub fn event_kind(self) -> &'static str {
        match self {
            DateKind::Deadline => "deadline_approaching",
            DateKind::Expiry | DateKind::RenewBy => "document_expiring",
        }
    }
}

/// The event kinds a reminder is written as: they go only to the people who chose the
/// reminder's lead time.
pub const REMINDER_EVENT_KINDS: &[&str] = &["deadline_approaching", "document_expiring"];

/// A date of the case a reminder can be about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseDate {
    /// Unique within the case ([`crate::plan::DatedItem::key`]).
    pub key: String,
    pub kind: DateKind,
    /// The knowledge-base id it is about: the deadline kind (`221g_reconsideration`) or the
    /// document (`passport`).
    pub subject: String,
    pub due: Date,
    /// The deadline's title, or the document's name ("Passport").
    pub title: String,
}

/// The case's live dates: what the calendar feed gives alarms to, and so what people are
/// reminded of.
pub fn case_dates(plan: &Plan<'_>) -> Vec<CaseDate> {
    dated_items(plan)
        .into_iter()
        .filter(|item| item.live)
        .map(|item| {
            let (kind, subject, title) = match item.what {
                DatedWhat::Deadline(d) => (DateKind::Deadline, kind_name(d.kind), d.title),
                DatedWhat::Expiry(x) => (DateKind::Expiry, x.document.to_string(), x.name),
                DatedWhat::RenewBy(x) => (DateKind::RenewBy, x.document.to_string(), x.name),
            };
            CaseDate {
                key: item.key,
                kind,
                subject,
                due: item.on,
                title: title.to_string(),
            }
        })
        .collect()
}

/// The lead time whose reminder is due with `days_left` to go: the smallest of `leads` the
/// date is within. A date first seen 10 days ahead gets its 14-day reminder, not every
/// larger one at once. None once the day has passed.
pub fn due_lead(days_left: i64, leads: &[u32]) -> Option<u32> {
    if days_left < 0 {
        return None;
    }
    leads
        .iter()
        .copied()
        .filter(|l| i64::from(*l) >= days_left)
        .min()
}

/// A reminder to write: its key (written once per case), its event kind and payload.
#[derive(Debug, Clone, PartialEq)]
pub struct Reminder {
    pub once_key: String,
    pub event_kind: &'static str,
    pub payload: Value,
}

/// The reminder of `date` at lead time `lead`, `days_left` days before it.
pub fn reminder(date: &CaseDate, days_left: i64, lead: u32) -> Reminder {
    let once_key = match date.kind {
        // Deadline reminders were keyed by title before dates had keys; keeping that keeps
        // reminders sent before an upgrade from being sent again.
        DateKind::Deadline => format!("{}|{}|{lead}", date.title, date.due),
        DateKind::Expiry | DateKind::RenewBy => format!("{}|{}|{lead}", date.key, date.due),
    };
    Reminder {
        once_key,
        event_kind: date.kind.event_kind(),
        payload: json!({
            "kind": date.kind.as_str(),
            "subject": date.subject,
            "title": date.title,
            "due": date.due.to_string(),
            "days_left": days_left,
            "lead_days": lead,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::casefile::{CaseFile, Format};
    use crate::knowledge::Knowledge;
    use crate::plan::plan;

    #[test]
    fn the_due_lead_is_the_smallest_the_date_is_within() {
        let leads = [90, 30, 14, 7, 1];
        assert_eq!(due_lead(100, &leads), None);
        assert_eq!(due_lead(90, &leads), Some(90));
        assert_eq!(due_lead(10, &leads), Some(14));
        assert_eq!(due_lead(1, &leads), Some(1));
        assert_eq!(due_lead(0, &leads), Some(1), "the day itself");
        assert_eq!(due_lead(-1, &leads), None, "passed");
        assert_eq!(due_lead(3, &[]), None);
    }

    #[test]
    fn live_dates_are_the_open_deadlines_and_documents_ahead() {
        let k = Knowledge::embedded().expect("knowledge");
        let today = "2025-06-10".parse().expect("date");
        let case = CaseFile::parse(
            include_str!("../../../examples/k1-manila-221g.toml"),
            Format::Toml,
            &k,
            today,
        )
        .expect("example");
        let p = plan(&case, &k, today);
        let dates = case_dates(&p);
        let keys: Vec<(&str, DateKind)> = dates.iter().map(|d| (d.key.as_str(), d.kind)).collect();
        // The petition's validity is met (the interview was held), so it is not there.
        assert_eq!(
            keys,
            [
                ("221g_reconsideration", DateKind::Deadline),
                ("expiry-medical_exam", DateKind::Expiry),
                ("expiry-passport", DateKind::Expiry),
            ]
        );
        let passport = &dates[2];
        assert_eq!(passport.subject, "passport");
        assert_eq!(passport.title, "Passport");
        assert_eq!(passport.due.to_string(), "2031-07-31");
        let r = reminder(passport, 30, 30);
        assert_eq!(r.event_kind, "document_expiring");
        assert_eq!(r.once_key, "expiry-passport|2031-07-31|30");
        let deadline = reminder(&dates[0], 7, 7);
        assert_eq!(deadline.event_kind, "deadline_approaching");
        assert_eq!(
            deadline.once_key,
            format!("{}|{}|7", dates[0].title, dates[0].due)
        );
    }
}
