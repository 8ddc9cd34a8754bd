//! The plan: from the facts of a case to what the person must do, by when, and whether they
//! need an attorney.
//!
//! Pure and deterministic: `plan(case, knowledge, today)` reads no clock and does no I/O, and
//! every period it computes comes from a rule or trigger in the knowledge base (no legal
//! number lives here). The plan borrows its texts from the knowledge base, so building one
//! allocates little: it runs for every case on every dashboard load and reminder sweep.
//!
//! Date conventions, documented for users in docs/plan.md:
//! - Deadlines are civil dates at the post; a deadline is met if the action happens on or
//!   before that date, in the post's time zone (`due_at` names the zone).
//! - Adding months or years clamps to the end of a shorter month: a refusal on 2024-02-29
//!   plus one year is due 2025-02-28; 2025-01-31 plus one month is 2025-02-28.
//! - Every date a step tells someone to act by is the earliest open deadline among those the
//!   step serves, and the step names it (`NextStep::by`); once one of them has passed, the step
//!   says so instead of giving a date.

mod dated;
mod dates;
mod deadlines;
mod expiries;
mod legal_help;
mod restrictions;
mod steps;
mod today;
mod window;

pub use dated::{DatedItem, DatedWhat, dated_items, kind_name};
pub use dates::{
    FALLBACK_ZONE, RECONSIDERATION_WINDOW_RULE, add_period, latest_date_anywhere, post_time_zone,
    post_zone_name, reconsideration_deadline, today_at_post,
};
use dates::{add_days, days_between, sub_months};
pub use today::Today;

use jiff::civil::Date;
use serde::Serialize;

use crate::casefile::{CaseFile, Refusal};
use crate::knowledge::{
    KVisaCoverage, Knowledge, LegalHelpTrigger, Restricts, Rule, StatusSource, Urgency,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum DeadlineKind {
    #[serde(rename = "221g_reconsideration")]
    Reconsideration221g,
    #[serde(rename = "petition_validity")]
    PetitionValidity,
    #[serde(rename = "visa_validity")]
    VisaValidity,
    #[serde(rename = "entry")]
    Entry,
    #[serde(rename = "marriage_90_days")]
    Marriage90Days,
    #[serde(rename = "k2_follow_to_join")]
    K2FollowToJoin,
    /// After the 221(g) window closed unanswered: the last day to ask for reinstatement.
    #[serde(rename = "221g_reinstatement")]
    Reinstatement221g,
}

/// Where a deadline stands on `today`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeadlineState {
    /// What the deadline asks for has been done.
    Met,
    /// Still open, and more than the warning period away.
    Upcoming,
    /// Still open and within the warning period (trigger `deadline_approaching`).
    DueSoon,
    /// Still open and past.
    Passed,
    /// A fact, not an action (how long the visa is valid) that is still running.
    Running,
    /// A fact whose date has gone by.
    Ended,
}

#[derive(Debug, Clone, Serialize)]
pub struct Deadline<'k> {
    pub kind: DeadlineKind,
    pub title: &'k str,
    pub due: Date,
    /// "end of day, Asia/Manila": when exactly the date runs out.
    pub due_at: String,
    /// Days from `today` to `due` (negative once passed).
    pub days_left: i64,
    pub state: DeadlineState,
    pub consequence: &'k str,
    /// The rule the date comes from.
    pub rule: &'k str,
    pub sources: &'k [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uncertain: Option<&'k str>,
    /// Case-specific remarks: a cap that applied, an exception to check, what the case's post
    /// says (remarks for other posts are never shown).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// The event the period runs from, when more than one date could be meant.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub counted_from: Option<CountedFrom<'k>>,
}

/// Which event a period is counted from, and the later events it is not counted from.
#[derive(Debug, Clone, Serialize)]
pub struct CountedFrom<'k> {
    /// "the refusal" or "the first refusal".
    pub event: &'static str,
    pub on: Date,
    /// Later events (a second refusal) that might restart the count; visanav does not assume
    /// they do, so the date above is the earlier, safe one.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub later: Vec<Date>,
    /// Why the choice is uncertain (present when `later` is not empty).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uncertain: Option<&'k str>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    pub sources: &'k [String],
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ExpiryStatus {
    Ok,
    /// Still valid today, but not long enough to see the case through.
    Expiring,
    Expired,
}

#[derive(Debug, Clone, Serialize)]
pub struct Expiry<'k> {
    /// Document id from the catalogue.
    pub document: &'k str,
    pub name: &'k str,
    pub expires_on: Date,
    /// `stated` when the case file gives the date; `rule` when it comes from the
    /// document's validity rule and its issue date.
    pub basis: &'static str,
    pub status: ExpiryStatus,
    /// The date by which to have a new one (present unless the status is ok): the last usable
    /// day, or an earlier deadline the document is needed for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub renew_by: Option<Date>,
    /// The deadline that set `renew_by`, when it is earlier than the document's own end.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub renew_for: Option<DeadlineKind>,
    pub rule: &'k str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uncertain: Option<&'k str>,
    /// What the case's post says about this document.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<&'k str>,
    /// The document catalogue's sources.
    pub sources: &'k [String],
}

impl Expiry<'_> {
    /// One line for people: "Medical exam: expires 2025-07-20; have a new one by 2025-07-20".
    pub fn summary(&self) -> String {
        let state = if self.status == ExpiryStatus::Expired {
            "expired"
        } else {
            "expires"
        };
        let by = self
            .renew_by
            .map(|r| {
                if self.renew_for.is_some() {
                    format!("; have a new one by {r}, in time to send it")
                } else {
                    format!("; have a new one by {r}")
                }
            })
            .unwrap_or_default();
        format!("{}: {state} {}{by}", self.name, self.expires_on)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct NextStep<'k> {
    /// Stable id, e.g. `gather:police_certificate`.
    pub id: String,
    pub step: String,
    pub done: bool,
    pub detail: String,
    /// The date to act by: the earliest open deadline among those in `serves`. Absent when the
    /// step is done, serves no deadline, or one of them has already passed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by: Option<ActBy>,
    /// The deadlines this step works toward (those present in the plan).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub serves: Vec<DeadlineKind>,
    /// Where the advice comes from, the main source first.
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    pub sources: &'k [String],
}

/// A date to act by and the deadline it comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ActBy {
    pub date: Date,
    pub due_at: String,
    pub deadline: DeadlineKind,
}

#[derive(Debug, Clone, Serialize)]
pub struct HelpReason<'k> {
    pub trigger: &'k str,
    pub title: &'k str,
    pub urgency: Urgency,
    pub reason: &'k str,
    pub sources: &'k [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uncertain: Option<&'k str>,
}

#[derive(Debug, Clone, Serialize)]
pub struct LegalHelp<'k> {
    pub recommended: bool,
    pub urgency: Urgency,
    pub reasons: Vec<HelpReason<'k>>,
}

/// A policy restriction that covers the beneficiary's nationality, is in force, and stops
/// something that still lies ahead for this case.
#[derive(Debug, Clone, Serialize)]
pub struct RestrictionWarning<'k> {
    pub restriction: &'k str,
    pub title: &'k str,
    pub effect: &'k str,
    /// "full" or "partial" coverage of the nationality.
    pub coverage: &'static str,
    pub applies_to_k: KVisaCoverage,
    /// What it stops.
    pub restricts: &'k [Restricts],
    pub effective_on: &'k str,
    /// Why it reaches this case at its stage, in words.
    pub why: String,
    pub last_verified: &'k str,
    pub sources: &'k [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uncertain: Option<&'k str>,
}

impl RestrictionWarning<'_> {
    /// True when it stops the visa or the journey (not only decisions at USCIS).
    pub fn stops_visa_or_entry(&self) -> bool {
        self.restricts
            .iter()
            .any(|r| matches!(r, Restricts::VisaIssuance | Restricts::Entry))
    }
}

/// A restriction that covers the nationality but does not reach this case, and why.
#[derive(Debug, Clone, Serialize)]
pub struct SetAside<'k> {
    pub restriction: &'k str,
    pub title: &'k str,
    pub why: String,
    pub sources: &'k [String],
}

/// Where the case stands, in one word, for dashboards and sorting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    BeforeInterview,
    DocumentsRequested,
    AdministrativeProcessing,
    PetitionReturned,
    VisaIssued,
    InTheUs,
}

impl Stage {
    /// Where the case stands, in words.
    pub fn label(self) -> &'static str {
        match self {
            Stage::BeforeInterview => "before the interview",
            Stage::DocumentsRequested => "refused under 221(g), documents requested",
            Stage::AdministrativeProcessing => "refused under 221(g), in administrative processing",
            Stage::PetitionReturned => "petition returned to USCIS",
            Stage::VisaIssued => "visa issued",
            Stage::InTheUs => "in the United States",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Plan<'k> {
    pub today: Date,
    pub stage: Stage,
    /// Policy restrictions come first: when one applies, sending documents is not enough.
    pub warnings: Vec<RestrictionWarning<'k>>,
    /// Restrictions on the nationality that do not reach the case (issued before, already
    /// entered, not yet in force), with the reason.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub set_aside: Vec<SetAside<'k>>,
    pub deadlines: Vec<Deadline<'k>>,
    pub expiries: Vec<Expiry<'k>>,
    pub next_steps: Vec<NextStep<'k>>,
    pub legal_help: LegalHelp<'k>,
    /// Knowledge the plan needed but could not find (an edited knowledge directory).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub gaps: Vec<String>,
    pub disclaimer: &'static str,
}

struct Builder<'a, 'k> {
    case: &'a CaseFile,
    k: &'k Knowledge,
    today: Date,
    zone: &'k str,
    gaps: Vec<String>,
}

impl<'k> Builder<'_, 'k> {
    fn rule(&mut self, id: &str) -> Option<&'k Rule> {
        let r = self.k.rule(id);
        if r.is_none() {
            self.gaps
                .push(format!("rule {id} is missing from the knowledge base"));
        }
        r
    }

    fn trigger(&mut self, id: &str) -> Option<&'k LegalHelpTrigger> {
        let t = self.k.trigger(id);
        if t.is_none() {
            self.gaps.push(format!(
                "legal-help trigger {id} is missing from the knowledge base"
            ));
        }
        t
    }

    fn deadline(
        &self,
        kind: DeadlineKind,
        rule: &'k Rule,
        due: Date,
        state: DeadlineState,
    ) -> Deadline<'k> {
        let notes = rule
            .notes_for(&self.case.post)
            .into_iter()
            .map(str::to_string)
            .collect();
        Deadline {
            kind,
            title: &rule.title,
            due,
            due_at: format!("end of day, {}", self.zone),
            days_left: days_between(self.today, due),
            state,
            consequence: rule.consequence.as_deref().unwrap_or(&rule.text),
            rule: &rule.id,
            sources: &rule.sources,
            uncertain: rule.uncertain.as_deref(),
            notes,
            counted_from: None,
        }
    }

    /// Open (not met) deadline state from the date and the warning period.
    fn open_state(&self, due: Date, warn_days: Option<u32>) -> DeadlineState {
        if due < self.today {
            DeadlineState::Passed
        } else if warn_days.is_some_and(|w| days_between(self.today, due) <= i64::from(w)) {
            DeadlineState::DueSoon
        } else {
            DeadlineState::Upcoming
        }
    }

    fn fact_state(&self, due: Date) -> DeadlineState {
        if due < self.today {
            DeadlineState::Ended
        } else {
            DeadlineState::Running
        }
    }
}

/// Facts about the status history the plan needs.
struct History {
    refused_episodes: usize,
    petition_returned: bool,
    /// The first day CEAC showed "Issued": the visa was issued on or before it.
    issued_seen: Option<Date>,
    /// The days each spell of "Refused" began, since the last "Issued".
    refusals: Vec<Date>,
}

fn read_history(case: &CaseFile, k: &Knowledge) -> History {
    let name = |slug: &str| k.status_by_slug(slug).map(|s| s.name.as_str());
    let refused = name("ceac-refused");
    let issued = name("ceac-issued");
    let returned: Vec<&str> = [
        "uscis-department-of-state-sent-case-to-uscis-for-review",
        "uscis-intent-to-revoke-notice-was-sent",
        "uscis-case-approval-was-revoked",
        "uscis-case-was-automatically-revoked",
    ]
    .iter()
    .filter_map(|s| name(s))
    .collect();
    let reaffirmed =
        name("uscis-case-approval-was-reaffirmed-and-mailed-back-to-department-of-state");

    let mut ordered: Vec<_> = case.status.iter().enumerate().collect();
    ordered.sort_by_key(|(i, s)| (s.on, *i));
    let mut h = History {
        refused_episodes: 0,
        petition_returned: false,
        issued_seen: None,
        refusals: Vec::new(),
    };
    let mut in_refused = false;
    for (_, obs) in ordered {
        let s = Some(obs.status.as_str());
        match obs.source {
            StatusSource::Ceac => {
                let now_refused = s == refused;
                if now_refused && !in_refused {
                    h.refused_episodes += 1;
                    h.refusals.push(obs.on);
                }
                in_refused = now_refused;
                if s == issued {
                    h.issued_seen.get_or_insert(obs.on);
                    h.refusals.clear();
                }
            }
            StatusSource::Uscis => {
                if returned.contains(&obs.status.as_str()) {
                    h.petition_returned = true;
                } else if s == reaffirmed {
                    h.petition_returned = false;
                }
            }
        }
    }
    h
}

/// True when `section` is the INA provision `prefix` or one of its subdivisions.
fn cites(sections: &[String], prefix: &str) -> bool {
    sections.iter().any(|s| {
        s.strip_prefix(prefix)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('('))
    })
}

/// The deadlines that sending the requested documents serves: the 221(g) window and, for a
/// K-2 child, the date by which the visa must be issued.
const SUBMIT_SERVES: &[DeadlineKind] = &[
    DeadlineKind::Reconsideration221g,
    DeadlineKind::K2FollowToJoin,
];

/// Where the deadlines a step serves stand.
#[derive(Debug, Clone, Copy)]
enum Target<'a, 'k> {
    /// The earliest one still open: act by its date.
    Open(&'a Deadline<'k>),
    /// One of them has passed (the earliest such).
    Passed(&'a Deadline<'k>),
    /// None is open (all met, ended, or absent).
    None,
}

fn target<'a, 'k>(deadlines: &'a [Deadline<'k>], serves: &[DeadlineKind]) -> Target<'a, 'k> {
    let served = || deadlines.iter().filter(|d| serves.contains(&d.kind));
    if let Some(p) = served()
        .filter(|d| d.state == DeadlineState::Passed)
        .min_by_key(|d| d.due)
    {
        return Target::Passed(p);
    }
    match served()
        .filter(|d| matches!(d.state, DeadlineState::Upcoming | DeadlineState::DueSoon))
        .min_by_key(|d| d.due)
    {
        Some(d) => Target::Open(d),
        None => Target::None,
    }
}

impl Target<'_, '_> {
    fn act_by(&self) -> Option<ActBy> {
        match self {
            Target::Open(d) => Some(ActBy {
                date: d.due,
                due_at: d.due_at.clone(),
                deadline: d.kind,
            }),
            _ => None,
        }
    }
}

/// Where the case stands, read once from its facts and history.
struct Situation<'a> {
    history: History,
    visa_issued: bool,
    /// The refusal still driving the plan (issuance has not overcome it).
    open_refusal: Option<&'a Refusal>,
    documents_requested: bool,
    submitted_on: Option<Date>,
    stage: Stage,
}

impl<'a> Situation<'a> {
    fn read(case: &'a CaseFile, k: &Knowledge) -> Situation<'a> {
        let history = read_history(case, k);
        let visa_issued = case.visa_issued_on.is_some() || history.issued_seen.is_some();
        // A refusal that issuance has overcome no longer drives the plan.
        let open_refusal = case
            .refusal
            .as_ref()
            .filter(|r| !visa_issued || case.visa_issued_on.is_some_and(|d| d < r.on));
        let documents_requested = open_refusal.is_some_and(|r| !r.requested.is_empty());
        let submitted_on = open_refusal.and_then(|r| r.submitted_on);
        let stage = if case.entered_us_on.is_some() {
            Stage::InTheUs
        } else if visa_issued && open_refusal.is_none() {
            Stage::VisaIssued
        } else if history.petition_returned {
            Stage::PetitionReturned
        } else if open_refusal.is_some() {
            if documents_requested && submitted_on.is_none() {
                Stage::DocumentsRequested
            } else {
                Stage::AdministrativeProcessing
            }
        } else {
            Stage::BeforeInterview
        };
        Situation {
            history,
            visa_issued,
            open_refusal,
            documents_requested,
            submitted_on,
            stage,
        }
    }

    fn at_uscis(&self) -> bool {
        self.stage == Stage::PetitionReturned
    }

    /// The case's stage as the policy restrictions see it.
    fn restriction_phase(&self, case: &CaseFile) -> restrictions::Phase {
        if case.entered_us_on.is_some() {
            restrictions::Phase::Entered
        } else if self.stage == Stage::VisaIssued {
            restrictions::Phase::Issued {
                on: case.visa_issued_on.or(self.history.issued_seen),
            }
        } else {
            restrictions::Phase::NotIssued {
                petition_at_uscis: self.at_uscis()
                    || (self.stage == Stage::BeforeInterview
                        && case.petition_approved_on.is_none()
                        && case.interview_on.is_none()),
            }
        }
    }

    /// Administrative processing counts, for the next steps, from the last submission, or
    /// from the refusal when nothing was asked for.
    fn ap_since(&self) -> Option<Date> {
        self.open_refusal.and_then(|r| {
            if self.documents_requested {
                r.submitted_on
            } else {
                Some(r.on)
            }
        })
    }
}

/// Builds the plan for a case on `today`.
pub fn plan<'k>(case: &CaseFile, k: &'k Knowledge, today: Date) -> Plan<'k> {
    let mut b = Builder {
        case,
        k,
        today,
        zone: post_zone_name(k, &case.post),
        gaps: Vec::new(),
    };
    let sit = Situation::read(case, k);
    let deadlines = deadlines::deadlines(&mut b, &sit);
    let send = if sit.documents_requested && sit.submitted_on.is_none() {
        target(&deadlines, SUBMIT_SERVES)
    } else {
        Target::None
    };
    let expiries = expiries::expiries(&mut b, sit.stage, sit.submitted_on, sit.open_refusal, send);
    let nationality = case
        .beneficiary
        .as_ref()
        .and_then(|p| p.nationality.as_deref());
    let checked = restrictions::check(k, nationality, sit.restriction_phase(case), today);
    let legal_help = legal_help::legal_help(
        &mut b,
        &legal_help::Input {
            warnings: &checked.warnings,
            open_refusal: sit.open_refusal,
            history: &sit.history,
            stage: sit.stage,
            deadlines: &deadlines,
            expiries: &expiries,
            send,
        },
    );
    let next_steps = steps::steps(
        &mut b,
        &steps::Input {
            stage: sit.stage,
            open_refusal: sit.open_refusal,
            deadlines: &deadlines,
            warnings: &checked.warnings,
            legal_help: &legal_help,
            ap_since: sit.ap_since(),
        },
    );
    Plan {
        today,
        stage: sit.stage,
        warnings: checked.warnings,
        set_aside: checked.set_aside,
        deadlines,
        expiries,
        next_steps,
        legal_help,
        gaps: b.gaps,
        disclaimer: crate::NOT_LEGAL_ADVICE,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn section_citations() {
        let s = vec!["212(a)(6)(C)(i)".to_string(), "221(g)".to_string()];
        assert!(cites(&s, "212(a)(6)(C)"));
        assert!(!cites(&s, "212(a)(6)(C)(ii)"));
        assert!(!cites(&s, "212(a)(4)"));
        assert!(!cites(&["212(a)(42)".to_string()], "212(a)(4)"));
    }
}
