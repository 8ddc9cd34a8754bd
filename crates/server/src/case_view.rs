//! What the case page and the printable checklist show, built from the case and its plan:
//! plain values for the templates, each fact with its sources in the order worth reading.

use visanav_core::casefile::{CaseDocument, CaseFile, DocumentStatus, StatusObservation};
use visanav_core::knowledge::{Knowledge, Post, StatusSource, Urgency};
use visanav_core::monitor::ObservationVia;
use visanav_core::plan::{Deadline, DeadlineState, ExpiryStatus, Plan};
use visanav_store::TimelineEntry;

/// A fact's sources, most relevant first, shown on demand.
pub struct Sources {
    pub all: Vec<String>,
}

impl Sources {
    pub fn is_empty(&self) -> bool {
        self.all.is_empty()
    }
}

/// The host of a URL ("travel.state.gov"), or "" when it has none.
fn host(url: &str) -> &str {
    url.split_once("://").map_or("", |(_, rest)| {
        rest.split(['/', '?', '#']).next().unwrap_or("")
    })
}

fn is_embassy_site(host: &str) -> bool {
    host.contains("usembassy.gov") || host.contains("usconsulate.gov") || host.contains("usembassy")
}

/// Orders sources so a person reads the relevant one first: the post's own site, then general
/// sources (the State Department, USCIS, the law), and another country's embassy last.
pub fn sources(list: &[String], post: Option<&Post>) -> Sources {
    let post_hosts: Vec<&str> = post
        .map(|p| {
            p.sources
                .iter()
                .map(|s| host(s))
                .filter(|h| is_embassy_site(h))
                .collect()
        })
        .unwrap_or_default();
    let rank = |url: &String| {
        let h = host(url);
        if post_hosts.contains(&h) {
            0
        } else if !is_embassy_site(h) {
            1
        } else {
            2
        }
    };
    let mut all: Vec<String> = list.to_vec();
    all.sort_by_key(rank); // stable: the knowledge base's order within a rank
    Sources { all }
}

/// A badge: its class (colour) and its word, so urgency never rests on colour alone.
pub struct Badge {
    pub class: &'static str,
    pub word: String,
}

fn badge(class: &'static str, word: impl Into<String>) -> Badge {
    Badge {
        class,
        word: word.into(),
    }
}

pub struct DeadlineView {
    pub title: String,
    pub due: String,
    pub badge: Badge,
    pub notes: Vec<String>,
    pub consequence: Option<(String, String)>,
    pub uncertain: Option<String>,
    pub due_at: String,
    pub sources: Sources,
}

pub fn deadline(d: &Deadline<'_>, post: Option<&Post>) -> DeadlineView {
    let days = d.days_left;
    let in_days = match days {
        0 => "today".to_string(),
        1 => "tomorrow".to_string(),
        n => format!("{n} days left"),
    };
    let badge = match d.state {
        DeadlineState::Met => badge("badge-done", "Done"),
        DeadlineState::Ended => badge("badge-info", "Ended"),
        DeadlineState::Passed => badge("badge-urgent", format!("Passed {} days ago", -days)),
        DeadlineState::DueSoon => badge("badge-urgent", format!("Due soon: {in_days}")),
        DeadlineState::Upcoming | DeadlineState::Running if days <= 30 => {
            badge("badge-soon", in_days)
        }
        DeadlineState::Upcoming | DeadlineState::Running => badge("badge-ok", in_days),
    };
    let consequence = match d.state {
        DeadlineState::Passed => Some(("Now that it has passed", d.consequence)),
        DeadlineState::DueSoon | DeadlineState::Upcoming => {
            Some(("If it is missed", d.consequence))
        }
        _ => None,
    }
    .filter(|(_, c)| !c.is_empty())
    .map(|(l, c)| (l.to_string(), c.to_string()));
    let uncertain = d
        .counted_from
        .as_ref()
        .and_then(|c| c.uncertain)
        .or(d.uncertain)
        .map(str::to_string);
    DeadlineView {
        title: d.title.to_string(),
        due: d.due.to_string(),
        badge,
        notes: d.notes.clone(),
        consequence,
        uncertain,
        due_at: d.due_at.clone(),
        sources: sources(d.sources, post),
    }
}

/// One line of the 221(g) checklist or the documents list.
pub struct DocumentView {
    /// Its place in the case's document list (the checklist form names it).
    pub index: usize,
    pub kind: String,
    pub name: String,
    pub description: String,
    pub country: String,
    pub issued_on: String,
    pub expires_on: String,
    pub status: &'static str,
    pub badge: Badge,
    pub status_on: String,
    pub note: String,
    /// Asked for in the latest refusal.
    pub requested: bool,
}

pub fn document(k: &Knowledge, index: usize, d: &CaseDocument, requested: bool) -> DocumentView {
    let entry = k.document(&d.kind);
    let badge = match d.status {
        DocumentStatus::Needed if requested => badge("badge-urgent", "Needed"),
        DocumentStatus::Needed => badge("badge-soon", "Needed"),
        DocumentStatus::Gathered => badge("badge-ok", "Gathered"),
        DocumentStatus::Submitted => badge("badge-done", "Submitted"),
    };
    let country = d
        .country
        .as_deref()
        .map(|c| k.country(c).map_or(c.to_string(), |x| x.name.clone()))
        .unwrap_or_default();
    DocumentView {
        index,
        kind: d.kind.clone(),
        name: entry.map_or(d.kind.clone(), |e| e.name.clone()),
        description: entry.map(|e| e.description.clone()).unwrap_or_default(),
        country,
        issued_on: d.issued_on.map(|x| x.to_string()).unwrap_or_default(),
        expires_on: d.expires_on.map(|x| x.to_string()).unwrap_or_default(),
        status: d.status.as_str(),
        badge,
        status_on: d.status_on.map(|x| x.to_string()).unwrap_or_default(),
        note: d.note.clone().unwrap_or_default(),
        requested,
    }
}

/// The case's documents split into the 221(g) checklist (what the latest refusal asked for)
/// and the rest.
pub fn documents(k: &Knowledge, c: &CaseFile) -> (Vec<DocumentView>, Vec<DocumentView>) {
    let requested: &[String] = c.refusal.as_ref().map_or(&[], |r| &r.requested);
    c.documents
        .iter()
        .enumerate()
        .map(|(i, d)| document(k, i, d, requested.contains(&d.kind)))
        .partition(|d| d.requested)
}

/// The latest status with what it means.
pub struct StatusView {
    pub name: String,
    pub slug: String,
    pub source: &'static str,
    pub seen_on: String,
    /// The date of the first reading of this status in the current run of it.
    pub since: String,
    pub meaning: String,
    pub sources: Sources,
}

fn source_name(s: StatusSource) -> &'static str {
    match s {
        StatusSource::Ceac => "CEAC",
        StatusSource::Uscis => "USCIS",
    }
}

pub fn latest_status(k: &Knowledge, c: &CaseFile, post: Option<&Post>) -> Option<StatusView> {
    let latest = c.latest_status()?;
    let mut ordered: Vec<&StatusObservation> = c.status.iter().collect();
    ordered.sort_by_key(|o| o.on);
    let since = ordered
        .iter()
        .rev()
        .take_while(|o| o.status == latest.status && o.source == latest.source)
        .last()
        .map_or(latest.on, |o| o.on);
    let entry = k.find_status(&latest.status, Some(latest.source));
    Some(StatusView {
        name: latest.status.clone(),
        slug: entry.map(|s| s.slug.clone()).unwrap_or_default(),
        source: source_name(latest.source),
        seen_on: latest.on.to_string(),
        since: since.to_string(),
        meaning: entry.map(|s| s.meaning.clone()).unwrap_or_default(),
        sources: sources(entry.map_or(&[], |s| &s.sources), post),
    })
}

/// One row of the status timeline, newest first, with where the reading came from.
pub struct HistoryRow {
    pub on: String,
    pub source: &'static str,
    pub status: String,
    pub slug: String,
    pub last_updated: String,
    /// "checked by visanav on CEAC", "entered by hand", …
    pub via: &'static str,
    /// The check the reading came from (its answer may still be kept).
    pub attempt: Option<String>,
}

/// The status history as the store keeps it (oldest first), newest first.
pub fn history(k: &Knowledge, timeline: &[TimelineEntry]) -> Vec<HistoryRow> {
    timeline
        .iter()
        .rev()
        .map(|o| {
            let source = match o.source.as_str() {
                "uscis" => StatusSource::Uscis,
                _ => StatusSource::Ceac,
            };
            HistoryRow {
                on: o.observed_on.clone(),
                source: source_name(source),
                status: o.status.clone(),
                slug: k
                    .find_status(&o.status, Some(source))
                    .map(|s| s.slug.clone())
                    .unwrap_or_default(),
                last_updated: o.last_updated.clone().unwrap_or_default(),
                via: ObservationVia::parse(&o.via).unwrap_or_default().describe(),
                attempt: o.attempt_id.clone(),
            }
        })
        .collect()
}

pub struct StepView {
    pub step: String,
    pub done: bool,
    pub detail: String,
    pub by: String,
    pub sources: Sources,
}

pub fn steps(p: &Plan<'_>, post: Option<&Post>) -> Vec<StepView> {
    p.next_steps
        .iter()
        .map(|s| StepView {
            step: s.step.clone(),
            done: s.done,
            detail: s.detail.clone(),
            by: s
                .by
                .as_ref()
                .map(|b| b.date.to_string())
                .unwrap_or_default(),
            sources: sources(s.sources, post),
        })
        .collect()
}

pub struct ReasonView {
    pub title: String,
    pub reason: String,
    pub uncertain: Option<String>,
    pub sources: Sources,
}

pub struct LegalHelpView {
    pub badge: Badge,
    pub summary: &'static str,
    pub reasons: Vec<ReasonView>,
    /// The plan recommends legal help: offer to book a consultation.
    pub book: bool,
    /// Soon or now: the booking button is the page's primary action.
    pub urgent: bool,
}

pub fn legal_help(p: &Plan<'_>, post: Option<&Post>) -> LegalHelpView {
    let lh = &p.legal_help;
    let b = match lh.urgency {
        Urgency::Now => badge("badge-urgent", "Talk to a lawyer now"),
        Urgency::Soon => badge("badge-soon", "Talk to a lawyer soon"),
        Urgency::Consider => badge("badge-info", "Worth considering"),
        Urgency::None => badge("badge-ok", "Not needed now"),
    };
    LegalHelpView {
        badge: b,
        summary: lh.urgency.label(),
        book: lh.urgency != Urgency::None,
        urgent: matches!(lh.urgency, Urgency::Soon | Urgency::Now),
        reasons: lh
            .reasons
            .iter()
            .map(|r| ReasonView {
                title: r.title.to_string(),
                reason: r.reason.to_string(),
                uncertain: r.uncertain.map(str::to_string),
                sources: sources(r.sources, post),
            })
            .collect(),
    }
}

pub struct WarningView {
    pub title: String,
    pub why: String,
    pub effect: String,
    pub uncertain: Option<String>,
    pub last_verified: String,
    pub sources: Sources,
}

pub fn warnings(p: &Plan<'_>, post: Option<&Post>) -> Vec<WarningView> {
    p.warnings
        .iter()
        .map(|w| WarningView {
            title: w.title.to_string(),
            why: w.why.clone(),
            effect: w.effect.to_string(),
            uncertain: w.uncertain.map(str::to_string),
            last_verified: w.last_verified.to_string(),
            sources: sources(w.sources, post),
        })
        .collect()
}

pub struct RenewalView {
    pub text: String,
    pub notes: Vec<String>,
    pub sources: Sources,
}

pub fn renewals(p: &Plan<'_>, post: Option<&Post>) -> Vec<RenewalView> {
    p.expiries
        .iter()
        .filter(|e| e.status != ExpiryStatus::Ok)
        .map(|e| RenewalView {
            text: e.summary(),
            notes: e.notes.iter().map(|n| n.to_string()).collect(),
            sources: sources(e.sources, post),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn general_sources_come_before_another_countrys_embassy() {
        let list = vec![
            "https://ph.usembassy.gov/visas/".to_string(),
            "https://travel.state.gov/k1".to_string(),
            "https://mx.usembassy.gov/221g/".to_string(),
        ];
        let k = Knowledge::embedded().expect("knowledge");
        // The post's own embassy first, then general sources, other embassies last.
        let s = sources(&list, k.post("CDJ"));
        assert_eq!(
            s.all,
            [
                "https://mx.usembassy.gov/221g/",
                "https://travel.state.gov/k1",
                "https://ph.usembassy.gov/visas/"
            ]
        );
        assert_eq!(
            sources(&list, k.post("MNL")).all[0],
            "https://ph.usembassy.gov/visas/"
        );
        assert_eq!(
            sources(&list, k.post("BGT")).all[0],
            "https://travel.state.gov/k1"
        );
        assert_eq!(sources(&list, None).all[0], "https://travel.state.gov/k1");
        assert_eq!(host("https://travel.state.gov/k1?x"), "travel.state.gov");
    }
}
