//! What a case puts in a calendar feed: its open deadlines and its documents' expiries as
//! all-day events with reminders, and (for callers that have them) consultations as timed
//! events.
//!
//! Which dates are in, and which get alarms, is [`dated_items`]'s to say (the reminder sweep
//! asks it too, so a date with alarms here is a date people are reminded of): open
//! deadlines with alarms, passed ones kept without (marked "Passed"), met and ended ones
//! left out; expiries while ahead with alarms, expired documents kept without alarms while
//! documents still matter; and the date to have a new document by, with alarms.
//!
//! No personal data: events name the case by [`case_label`] ("K-1 case, Manila"); every text
//! comes from the knowledge base or the plan's dates.

use jiff::Zoned;
use jiff::civil::Date;

use super::ical::{Event, When};
use crate::NOT_LEGAL_ADVICE;
use crate::casefile::CaseFile;
use crate::knowledge::Knowledge;
use crate::plan::{
    DatedItem, DatedWhat, Deadline, DeadlineState, Expiry, ExpiryStatus, Plan, dated_items,
};

/// Reminder lead times when a person has chosen none, in days before the date.
pub const DEFAULT_LEAD_DAYS: &[u32] = &[90, 30, 14, 7, 1];

/// Where a feed's links point and the domain its UIDs are on (the instance's host, so two
/// visanav instances never share a UID).
#[derive(Debug, Clone, Copy)]
pub struct FeedLinks<'a> {
    /// The instance's public URL, without a trailing slash: `https://visa.example.org`.
    pub base_url: &'a str,
    /// The host part: `visa.example.org`.
    pub uid_domain: &'a str,
}

impl FeedLinks<'_> {
    pub fn case_url(&self, case_id: &str) -> String {
        format!("{}/cases/{case_id}", self.base_url.trim_end_matches('/'))
    }

    /// `221g_reconsideration.0190…@visa.example.org`: the same for the same case and date
    /// kind on every serving, so clients update the event instead of adding another.
    pub fn uid(&self, case_id: &str, what: &str) -> String {
        format!("{what}.{case_id}@{}", self.uid_domain)
    }
}

/// A name for the case that identifies nobody: its visa and post, "K-1 case, Manila".
pub fn case_label(case: &CaseFile, k: &Knowledge) -> String {
    let post = k
        .post(&case.post)
        .map(|p| p.name.as_str())
        .unwrap_or(case.post.as_str());
    format!("{} case, {post}", case.visa.as_str())
}

/// The events of one case, from its plan (made for `today` at its post). `lead_days` are the
/// person's reminder lead times ([`DEFAULT_LEAD_DAYS`] if they chose none).
pub fn case_events(
    case_id: &str,
    case: &CaseFile,
    plan: &Plan<'_>,
    k: &Knowledge,
    links: &FeedLinks<'_>,
    lead_days: &[u32],
) -> Vec<Event> {
    let label = case_label(case, k);
    let url = links.case_url(case_id);
    dated_items(plan)
        .iter()
        .map(|item| {
            let alarms = if item.live {
                lead_days.to_vec()
            } else {
                Vec::new()
            };
            Event {
                uid: links.uid(case_id, &item.key),
                alarm_days: alarms,
                ..item_event(item, plan, &label, &url)
            }
        })
        .collect()
}

/// The event of one dated item (its UID and alarms are the caller's).
fn item_event(item: &DatedItem<'_, '_>, plan: &Plan<'_>, label: &str, url: &str) -> Event {
    match item.what {
        DatedWhat::Deadline(d) => deadline_event(d, plan, label, url),
        DatedWhat::Expiry(x) => expiry_event(x, label, url),
        DatedWhat::RenewBy(x) => renew_event(x, item.on, label, url),
    }
}

/// A consultation as the calendars show it.
#[derive(Debug, Clone)]
pub struct ConsultationInfo<'a> {
    /// The consultation's id: its UID stays the same across reschedules (SEQUENCE goes up).
    pub id: &'a str,
    /// In the zone the reader sees it in (the applicant's or the attorney's).
    pub start: Zoned,
    pub end: Zoned,
    /// "Consultation with Ana Reyes (Reyes Law)" or "Consultation: K-1 case, Manila".
    pub title: &'a str,
    /// A video link, "Phone call" or an address.
    pub place: &'a str,
    /// The consultation's page for the reader.
    pub url: String,
}

/// A consultation as a timed event in the reader's zone (TZID + VTIMEZONE), for the feeds
/// and the emailed invitations: both use the same UID, so a calendar holding the feed and
/// the invitation shows it once.
pub fn consultation_event(
    c: &ConsultationInfo<'_>,
    links: &FeedLinks<'_>,
    lead_days: &[u32],
) -> Event {
    Event {
        uid: format!("consultation.{}@{}", c.id, links.uid_domain),
        summary: c.title.to_string(),
        description: paragraphs(&[
            &format!(
                "{}, at {} ({}).",
                c.title,
                c.start.strftime("%H:%M on %Y-%m-%d"),
                c.start.time_zone().iana_name().unwrap_or("UTC")
            ),
            &format!("Where: {}", c.place),
            "Have the refusal letter and the questions ready; the page has both.",
            NOT_LEGAL_ADVICE,
            &c.url,
        ]),
        when: When::Timed {
            start: c.start.clone(),
            end: c.end.clone(),
        },
        url: Some(c.url.clone()),
        alarm_days: lead_days.iter().copied().filter(|d| *d <= 1).collect(),
    }
}

fn deadline_event(d: &Deadline<'_>, plan: &Plan<'_>, label: &str, url: &str) -> Event {
    let (prefix, when_words) = match d.state {
        DeadlineState::Running => ("Ends", "This is the last day it runs"),
        DeadlineState::Passed => ("Passed", "This date has passed: it was the last day"),
        _ => ("Last day", "This is the last day"),
    };
    let step = plan
        .next_steps
        .iter()
        .find(|s| !s.done && s.serves.contains(&d.kind))
        .map(|s| format!("What to do: {}", s.step))
        .unwrap_or_else(|| "What to do: open your case in visanav for the next step.".into());
    let uncertain = d.uncertain.map(|u| format!("Not certain: {u}"));
    Event {
        uid: String::new(),
        when: When::AllDay(d.due),
        summary: format!("{prefix}: {} · {label}", d.title),
        description: paragraphs(&[
            &format!("{label}: {}.", d.title.trim_end_matches('.')),
            &format!("{when_words} ({}).", d.due_at),
            &format!("What it means: {}", d.consequence),
            &step,
            uncertain.as_deref().unwrap_or(""),
            NOT_LEGAL_ADVICE,
            url,
        ]),
        url: Some(url.to_string()),
        alarm_days: Vec::new(),
    }
}

/// An expiry's event: "Passport expires", or "Expired: Passport" for one kept after it.
fn expiry_event(x: &Expiry<'_>, label: &str, url: &str) -> Event {
    let name = x.name.to_lowercase();
    let (summary, first) = if x.status == ExpiryStatus::Expired {
        (
            format!("Expired: {} · {label}", x.name),
            format!("{label}: the {name} expired on this day; get a new one before it is needed."),
        )
    } else {
        (
            format!("{} expires · {label}", x.name),
            format!("{label}: the {name} expires on this day."),
        )
    };
    document_event(x, summary, x.expires_on, first, url)
}

/// The day to have a new document by.
fn renew_event(x: &Expiry<'_>, on: Date, label: &str, url: &str) -> Event {
    let name = x.name.to_lowercase();
    document_event(
        x,
        format!("Have a new {name} by today · {label}"),
        on,
        format!(
            "{label}: have a new {name} by this day; the one you have expires on {}.",
            x.expires_on
        ),
        url,
    )
}

fn document_event(x: &Expiry<'_>, summary: String, on: Date, first: String, url: &str) -> Event {
    // `rule` is the document's validity rule in plain words (the catalogue's text), not a
    // rule id.
    let meaning = if x.rule.is_empty() {
        String::new()
    } else {
        format!("What it means: {}", x.rule)
    };
    let uncertain = x.uncertain.map(|u| format!("Not certain: {u}"));
    Event {
        uid: String::new(),
        when: When::AllDay(on),
        summary,
        description: paragraphs(&[
            &first,
            &meaning,
            uncertain.as_deref().unwrap_or(""),
            NOT_LEGAL_ADVICE,
            url,
        ]),
        url: Some(url.to_string()),
        alarm_days: Vec::new(),
    }
}

/// Non-empty parts, one paragraph each.
fn paragraphs(parts: &[&str]) -> String {
    parts
        .iter()
        .map(|p| p.trim())
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n")
}

#[cfg(test)]
#[path = "feed_tests.rs"]
mod tests;
