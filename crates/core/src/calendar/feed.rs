//! What a case puts in a calendar feed: its open deadlines and its documents' expiries as
//! all-day events with reminders, and (for callers that have them) consultations as timed
//! events.
//!
//! Which deadlines, and why:
//! - `Met`: left out. It asks nothing more; a calendar client removes the event at its next
//!   refresh, which reads as "done".
//! - `Upcoming`, `DueSoon`, `Running`: in, with reminders.
//! - `Passed` (an action not done in time): kept, marked "Passed", without reminders. An event
//!   that silently vanished from the calendar would read as "dealt with"; kept, it says what
//!   the date meant and points to the case page for what can still be done (the plan then
//!   usually has a new deadline, such as reinstatement, which gets its own event).
//! - `Ended` (a fact that ran out, such as how long the visa was valid): left out. It never
//!   asked for an action, and when it matters the plan has an action deadline for it (entry)
//!   that stays in as `Passed` if it was missed.
//!
//! Documents: an expiry is in while its date is ahead; an expired document stays (marked,
//! without reminders) only while documents still matter to the case (before the visa is
//! issued), for the same reason as a passed deadline. When a document must be renewed before
//! it expires (a passport must have months left), the date to have a new one by is an event
//! of its own, with reminders.
//!
//! No personal data: events name the case by [`case_label`] ("K-1 case, Manila"); every text
//! comes from the knowledge base or the plan's dates.

use jiff::Zoned;

use super::ical::{Event, When};
use crate::NOT_LEGAL_ADVICE;
use crate::casefile::CaseFile;
use crate::knowledge::Knowledge;
use crate::plan::{Deadline, DeadlineKind, DeadlineState, Expiry, ExpiryStatus, Plan, Stage};

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
    let mut events: Vec<Event> = plan
        .deadlines
        .iter()
        .filter_map(|d| deadline_event(d, plan, &label, &url, lead_days))
        .map(|(what, e)| Event {
            uid: links.uid(case_id, &what),
            ..e
        })
        .collect();
    let documents_matter = !matches!(plan.stage, Stage::VisaIssued | Stage::InTheUs);
    for x in &plan.expiries {
        for (what, e) in expiry_events(x, plan, k, documents_matter, &label, &url, lead_days) {
            let mut uid = links.uid(case_id, &what);
            // Two documents of one kind (an old and a new passport) get distinct UIDs.
            let mut n = 2;
            while events.iter().any(|o| o.uid == uid) {
                uid = links.uid(case_id, &format!("{what}-{n}"));
                n += 1;
            }
            events.push(Event { uid, ..e });
        }
    }
    events
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

fn deadline_event(
    d: &Deadline<'_>,
    plan: &Plan<'_>,
    label: &str,
    url: &str,
    lead_days: &[u32],
) -> Option<(String, Event)> {
    let (prefix, when_words, alarms) = match d.state {
        DeadlineState::Met | DeadlineState::Ended => return None,
        DeadlineState::Upcoming | DeadlineState::DueSoon => {
            ("Last day", "This is the last day", lead_days.to_vec())
        }
        DeadlineState::Running => ("Ends", "This is the last day it runs", lead_days.to_vec()),
        DeadlineState::Passed => (
            "Passed",
            "This date has passed: it was the last day",
            vec![],
        ),
    };
    let step = plan
        .next_steps
        .iter()
        .find(|s| !s.done && s.serves.contains(&d.kind))
        .map(|s| format!("What to do: {}", s.step))
        .unwrap_or_else(|| "What to do: open your case in visanav for the next step.".into());
    let uncertain = d.uncertain.map(|u| format!("Not certain: {u}"));
    let event = Event {
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
        alarm_days: alarms,
    };
    Some((kind_name(d.kind), event))
}

fn expiry_events(
    x: &Expiry<'_>,
    plan: &Plan<'_>,
    k: &Knowledge,
    documents_matter: bool,
    label: &str,
    url: &str,
    lead_days: &[u32],
) -> Vec<(String, Event)> {
    let expired = x.status == ExpiryStatus::Expired;
    if expired && !documents_matter {
        return Vec::new();
    }
    let meaning = k
        .rule(x.rule)
        .map(|r| r.consequence.as_deref().unwrap_or(&r.text))
        .map(|m| format!("What it means: {m}"))
        .unwrap_or_default();
    let uncertain = x.uncertain.map(|u| format!("Not certain: {u}"));
    // A renew-by date of today may be today only because the document's usable window has
    // already ended (the plan then says "today"): such an event would move every day, with a
    // new SEQUENCE each time. Only a date still ahead, or one set by a deadline, gets its own
    // event; the expiry's event stays either way.
    let renew = x.renew_by.filter(|r| {
        !expired
            && *r < x.expires_on
            && (*r > plan.today || (x.renew_for.is_some() && *r == plan.today))
    });
    let base = |summary: String, date, first: String, alarms: Vec<u32>| Event {
        uid: String::new(),
        when: When::AllDay(date),
        summary,
        description: paragraphs(&[
            &first,
            &meaning,
            uncertain.as_deref().unwrap_or(""),
            NOT_LEGAL_ADVICE,
            url,
        ]),
        url: Some(url.to_string()),
        alarm_days: alarms,
    };
    let mut out = Vec::new();
    let (summary, first, alarms) = if expired {
        (
            format!("Expired: {} · {label}", x.name),
            format!(
                "{label}: the {} expired on this day; get a new one before it is needed.",
                x.name.to_lowercase()
            ),
            vec![],
        )
    } else {
        (
            format!("{} expires · {label}", x.name),
            format!(
                "{label}: the {} expires on this day.",
                x.name.to_lowercase()
            ),
            lead_days.to_vec(),
        )
    };
    out.push((
        format!("expiry-{}", x.document),
        base(summary, x.expires_on, first, alarms),
    ));
    if let Some(r) = renew {
        out.push((
            format!("renew-{}", x.document),
            base(
                format!("Have a new {} by today · {label}", x.name.to_lowercase()),
                r,
                format!(
                    "{label}: have a new {} by this day; the one you have expires on {}.",
                    x.name.to_lowercase(),
                    x.expires_on
                ),
                lead_days.to_vec(),
            ),
        ));
    }
    out
}

/// The deadline kind's stable name (its serialised form): `221g_reconsideration`.
fn kind_name(kind: DeadlineKind) -> String {
    serde_json::to_value(kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_else(|| format!("{kind:?}"))
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
