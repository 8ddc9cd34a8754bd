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

mod restrictions;
mod steps;

use jiff::ToSpan;
use jiff::civil::Date;
use serde::Serialize;

use crate::casefile::{CaseFile, VisaClass};
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

/// Adds a rule's period (years, months, days) to a date; `None` if the rule has no period or
/// the result is out of range.
pub fn add_period(date: Date, rule: &Rule) -> Option<Date> {
    period_of(rule.years, rule.months, rule.days).and_then(|span| date.checked_add(span).ok())
}

fn period_of(years: Option<u32>, months: Option<u32>, days: Option<u32>) -> Option<jiff::Span> {
    if years.is_none() && months.is_none() && days.is_none() {
        return None;
    }
    let span = jiff::Span::new()
        .try_years(i64::from(years.unwrap_or(0)))
        .ok()?
        .try_months(i64::from(months.unwrap_or(0)))
        .ok()?
        .try_days(i64::from(days.unwrap_or(0)))
        .ok()?;
    Some(span)
}

fn add_days(date: Date, days: u32) -> Option<Date> {
    date.checked_add(i64::from(days).days()).ok()
}

fn sub_months(date: Date, months: u32) -> Option<Date> {
    date.checked_sub(i64::from(months).months()).ok()
}

fn days_between(from: Date, to: Date) -> i64 {
    // Both dates are within jiff's range, so the span in days always exists.
    to.since(from).map(|s| i64::from(s.get_days())).unwrap_or(0)
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

/// The 221(g) window, counted from the first refusal of this application, and, once it has
/// closed unanswered, the reinstatement deadline.
fn window_deadlines<'k>(
    b: &mut Builder<'_, 'k>,
    r: &crate::casefile::Refusal,
    history: &History,
    documents_requested: bool,
    at_uscis: bool,
    approaching: Option<u32>,
) -> Vec<Deadline<'k>> {
    let mut out = Vec::new();
    let Some(rule) = b.rule("221g_reconsideration_window") else {
        return out;
    };
    let Some(own_due) = add_period(r.on, rule) else {
        return out;
    };
    // An earlier refusal counts only while its own year was still open when this one came;
    // otherwise the later one belongs to a new application.
    let first = history
        .refusals
        .iter()
        .copied()
        .filter(|&d| d < r.on && add_period(d, rule).is_some_and(|due| due > r.on))
        .min()
        .unwrap_or(r.on);
    let Some(due) = add_period(first, rule) else {
        return out;
    };
    let mut later: Vec<Date> = history
        .refusals
        .iter()
        .copied()
        .chain(std::iter::once(r.on))
        .filter(|&d| d > first && d < due)
        .collect();
    later.sort();
    later.dedup();

    let state = if !documents_requested {
        // Administrative processing only: nothing for the applicant to send.
        b.fact_state(due)
    } else if r.submitted_on.is_some() {
        DeadlineState::Met
    } else {
        b.open_state(due, approaching)
    };
    let mut d = b.deadline(DeadlineKind::Reconsideration221g, rule, due, state);
    let another = if later.is_empty() {
        None
    } else {
        b.rule("221g_window_after_another_refusal")
    };
    d.counted_from = Some(CountedFrom {
        event: if later.is_empty() {
            "the refusal"
        } else {
            "the first refusal"
        },
        on: first,
        later: later.clone(),
        uncertain: another.and_then(|a| a.uncertain.as_deref()),
        sources: another.map(|a| a.sources.as_slice()).unwrap_or(&[]),
    });
    if let Some(&last) = later.last() {
        let would = add_period(last, rule).unwrap_or(own_due);
        d.notes.push(format!(
            "Counted from the first refusal, on {first}. A later refusal on {last} would give {would} if the year started again; no source read says it does, so {due}, the earlier date, is the safe one. Ask the post which date it uses."
        ));
    } else {
        d.notes
            .push(format!("Counted from the refusal on {first}."));
    }
    if at_uscis {
        d.notes.push(
            "The petition has gone back to USCIS; while USCIS has the file, the consulate is not waiting for documents from you."
                .to_string(),
        );
    } else if !documents_requested {
        d.notes.push(
            "Nothing was requested from you, so this looks like administrative processing only; \
             posts say the one-year limit does not apply then. Check your refusal letter."
                .to_string(),
        );
    }
    if let Some(s) = r.submitted_on {
        d.notes.push(format!("Documents sent on {s}."));
    }
    let closed = d.state == DeadlineState::Passed;
    out.push(d);

    if closed
        && let Some(rule) = b.rule("221g_reinstatement_window")
        && let Some(last_day) = add_period(first, rule)
    {
        let state = b.open_state(last_day, approaching);
        let mut re = b.deadline(DeadlineKind::Reinstatement221g, rule, last_day, state);
        re.counted_from = Some(CountedFrom {
            event: "the first refusal",
            on: first,
            later,
            uncertain: None,
            sources: &[],
        });
        out.push(re);
    }
    out
}

/// Builds the plan for a case on `today`.
pub fn plan<'k>(case: &CaseFile, k: &'k Knowledge, today: Date) -> Plan<'k> {
    let post = k.post(&case.post);
    let zone = post.map(|p| p.time_zone.as_str()).unwrap_or("UTC");
    let mut b = Builder {
        case,
        k,
        today,
        zone,
        gaps: Vec::new(),
    };
    let history = read_history(case, k);

    let refusal = case.refusal.as_ref();
    let visa_issued = case.visa_issued_on.is_some() || history.issued_seen.is_some();
    // A refusal that issuance has overcome no longer drives the plan.
    let open_refusal =
        refusal.filter(|r| !visa_issued || case.visa_issued_on.is_some_and(|d| d < r.on));
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
    let at_uscis = stage == Stage::PetitionReturned;

    let approaching = b.trigger("deadline_approaching").and_then(|t| t.days);

    // ---- deadlines -------------------------------------------------------------------
    let mut deadlines = Vec::with_capacity(4);
    if let Some(r) = open_refusal
        && r.sections.iter().any(|s| s == "221(g)")
    {
        let w = window_deadlines(
            &mut b,
            r,
            &history,
            documents_requested,
            at_uscis,
            approaching,
        );
        deadlines.extend(w);
    }

    if let Some(approved) = case.petition_approved_on
        && let Some(rule) = b.rule("i129f_validity")
        && let Some(due) = add_period(approved, rule)
    {
        // A petition back at USCIS is not "met" by an earlier interview: its validity can run
        // out while USCIS holds it.
        let state = if at_uscis {
            b.open_state(due, approaching)
        } else if visa_issued || case.interview_on.is_some_and(|i| i <= due) {
            DeadlineState::Met
        } else {
            b.open_state(due, approaching)
        };
        let mut d = b.deadline(DeadlineKind::PetitionValidity, rule, due, state);
        if at_uscis {
            d.notes.push(if due < today {
                format!(
                    "The petition's validity ended on {due} while the file was back at USCIS: it must be reaffirmed by USCIS and revalidated by the consulate, or a new I-129F filed."
                )
            } else {
                format!("The petition's validity ends on {due}, and it can run out while USCIS holds the file.")
            });
        } else if let Some(interview) = case.interview_on
            && interview > due
            && !visa_issued
        {
            d.notes.push(format!(
                "The interview ({interview}) is after the petition's validity ends ({due}): the consular officer \
                 must revalidate it, and some posts ask for a letter of continued intent to marry."
            ));
        }
        deadlines.push(d);
    }

    let medical = case.documents.iter().find(|d| d.kind == "medical_exam");
    let medical_expiry = medical.and_then(|m| {
        m.expires_on.or_else(|| {
            let months = k.document("medical_exam")?.validity.as_ref()?.months?;
            m.issued_on?.checked_add(i64::from(months).months()).ok()
        })
    });
    let mut visa_end = None;
    if let Some(issued) = case.visa_issued_on
        && let Some(rule) = b.rule("k1_visa_validity")
        && let Some(mut due) = add_period(issued, rule)
    {
        let mut notes = Vec::new();
        // A medical that expired before issuance is inconsistent data; never cap below issuance.
        if let Some(m) = medical_expiry
            && m < due
            && m >= issued
        {
            notes.push(format!(
                "Cut short to {m} because the medical exam expires then."
            ));
            due = m;
        }
        visa_end = Some(due);
        let mut d = b.deadline(DeadlineKind::VisaValidity, rule, due, b.fact_state(due));
        d.notes.splice(0..0, notes);
        deadlines.push(d);
        if case.entered_us_on.is_none()
            && let Some(rule) = b.rule("entry_before_visa_expiry")
        {
            let state = b.open_state(due, approaching);
            deadlines.push(b.deadline(DeadlineKind::Entry, rule, due, state));
        }
    }
    if case.entered_us_on.is_some() && case.visa_issued_on.is_some() {
        // Entered: the entry deadline was met.
        if let (Some(rule), Some(due)) = (b.rule("entry_before_visa_expiry"), visa_end) {
            deadlines.push(b.deadline(DeadlineKind::Entry, rule, due, DeadlineState::Met));
        }
    }

    if case.visa == VisaClass::K1
        && let Some(entered) = case.entered_us_on
        && let Some(rule) = b.rule("marriage_90_days")
        && let Some(due) = add_period(entered, rule)
    {
        let state = b.open_state(due, approaching);
        deadlines.push(b.deadline(DeadlineKind::Marriage90Days, rule, due, state));
    }

    if case.visa == VisaClass::K2
        && let Some(principal) = case.principal_visa_issued_on
        && let Some(rule) = b.rule("k2_follow_to_join")
        && let Some(due) = add_period(principal, rule)
    {
        let state = if visa_issued {
            DeadlineState::Met
        } else {
            b.open_state(due, approaching)
        };
        deadlines.push(b.deadline(DeadlineKind::K2FollowToJoin, rule, due, state));
    }
    deadlines.sort_by_key(|d| d.due);
    let send = if documents_requested && submitted_on.is_none() {
        target(&deadlines, SUBMIT_SERVES)
    } else {
        Target::None
    };

    // ---- expiries ----------------------------------------------------------------------
    let expiries = expiries(&mut b, stage, submitted_on, open_refusal, send);

    // ---- policy restrictions -----------------------------------------------------------
    let nationality = case
        .beneficiary
        .as_ref()
        .and_then(|p| p.nationality.as_deref());
    let phase = if case.entered_us_on.is_some() {
        restrictions::Phase::Entered
    } else if stage == Stage::VisaIssued {
        restrictions::Phase::Issued {
            on: case.visa_issued_on.or(history.issued_seen),
        }
    } else {
        restrictions::Phase::NotIssued {
            petition_at_uscis: at_uscis
                || (stage == Stage::BeforeInterview
                    && case.petition_approved_on.is_none()
                    && case.interview_on.is_none()),
        }
    };
    let checked = restrictions::check(k, nationality, phase, today);

    // ---- legal help --------------------------------------------------------------------
    let legal_help = legal_help(
        &mut b,
        &checked.warnings,
        open_refusal,
        &history,
        stage,
        &deadlines,
        &expiries,
        send,
    );
    let ap_since = open_refusal.and_then(|r| {
        if documents_requested {
            r.submitted_on
        } else {
            Some(r.on)
        }
    });

    // ---- next steps --------------------------------------------------------------------
    let next_steps = steps::steps(
        &mut b,
        &steps::Input {
            stage,
            open_refusal,
            deadlines: &deadlines,
            warnings: &checked.warnings,
            legal_help: &legal_help,
            ap_since,
        },
    );

    Plan {
        today,
        stage,
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

/// The rule that states a document's validity, for its post-specific remarks.
fn validity_rule(document: &str) -> Option<&'static str> {
    match document {
        "medical_exam" => Some("medical_exam_validity"),
        "police_certificate" => Some("police_certificate_validity"),
        "passport" => Some("passport_validity"),
        _ => None,
    }
}

fn expiries<'k>(
    b: &mut Builder<'_, 'k>,
    stage: Stage,
    submitted_on: Option<Date>,
    open_refusal: Option<&crate::casefile::Refusal>,
    send: Target<'_, 'k>,
) -> Vec<Expiry<'k>> {
    let (case, k, today) = (b.case, b.k, b.today);
    // A case in processing is resolved, at the earliest, the typical AP time after the last
    // submission (or after today, if nothing has been sent yet).
    let typical_ap = b
        .rule("administrative_processing_typical")
        .and_then(|r| r.days);
    let horizon = typical_ap
        .and_then(|d| add_days(submitted_on.unwrap_or(today).max(today), d))
        .unwrap_or(today);
    // Once the visa is issued, the documents have done their job.
    let still_relevant = !matches!(stage, Stage::InTheUs | Stage::VisaIssued);
    let requested: &[String] = open_refusal.map(|r| r.requested.as_slice()).unwrap_or(&[]);
    let mut expiries = Vec::new();
    for doc in &case.documents {
        let Some(entry) = k.document(&doc.kind) else {
            continue;
        };
        let validity = entry.validity.as_ref();
        let (expires_on, basis) = match (
            doc.expires_on,
            doc.issued_on,
            validity.and_then(|v| v.months),
        ) {
            (Some(e), _, _) => (e, "stated"),
            (None, Some(issued), Some(months)) => {
                match issued.checked_add(i64::from(months).months()) {
                    Ok(e) => (e, "rule"),
                    Err(_) => continue,
                }
            }
            _ => continue,
        };
        // A passport must still have months left after travel: the usable end is earlier.
        let usable_until = match validity.and_then(|v| v.min_remaining_months) {
            Some(m) => sub_months(expires_on, m).unwrap_or(expires_on),
            None => expires_on,
        };

        let status = if expires_on < today {
            ExpiryStatus::Expired
        } else if still_relevant && usable_until <= horizon {
            ExpiryStatus::Expiring
        } else {
            ExpiryStatus::Ok
        };
        let mut renew_by = match status {
            ExpiryStatus::Ok => None,
            ExpiryStatus::Expired => Some(today),
            ExpiryStatus::Expiring => Some(usable_until.max(today)),
        };
        // A requested document must reach the post by the send-by date, not merely be valid.
        let mut renew_for = None;
        if let (Some(r), Some(by)) = (renew_by, send.act_by())
            && requested.contains(&doc.kind)
            && by.date < r
        {
            renew_by = Some(by.date);
            renew_for = Some(by.deadline);
        }
        let notes = validity_rule(&entry.id)
            .and_then(|id| k.rule(id))
            .map(|r| r.notes_for(&case.post))
            .unwrap_or_default();
        expiries.push(Expiry {
            document: &entry.id,
            name: &entry.name,
            expires_on,
            basis,
            status,
            renew_by,
            renew_for,
            rule: validity.map(|v| v.rule.as_str()).unwrap_or(""),
            uncertain: entry.uncertain.as_deref(),
            notes,
            sources: &entry.sources,
        });
    }
    expiries.sort_by_key(|e| e.expires_on);
    expiries
}

#[allow(clippy::too_many_arguments)]
fn legal_help<'k>(
    b: &mut Builder<'_, 'k>,
    warnings: &[RestrictionWarning<'k>],
    open_refusal: Option<&crate::casefile::Refusal>,
    history: &History,
    stage: Stage,
    deadlines: &[Deadline<'k>],
    expiries: &[Expiry<'k>],
    send: Target<'_, 'k>,
) -> LegalHelp<'k> {
    let today = b.today;
    let mut reasons: Vec<HelpReason<'k>> = Vec::new();
    let mut raise = |t: Option<&'k LegalHelpTrigger>| {
        if let Some(t) = t
            && !reasons.iter().any(|r| r.trigger == t.id)
        {
            reasons.push(HelpReason {
                trigger: &t.id,
                title: &t.title,
                urgency: t.urgency,
                reason: &t.reason,
                sources: &t.sources,
                uncertain: t.uncertain.as_deref(),
            });
        }
    };
    let policy = b.trigger("policy_restriction");
    if warnings.iter().any(|w| w.stops_visa_or_entry()) {
        raise(policy);
    }
    if warnings.iter().any(|w| !w.stops_visa_or_entry()) {
        let t = b.trigger("uscis_benefit_hold");
        raise(t);
    }
    let sections: &[String] = b
        .case
        .refusal
        .as_ref()
        .map(|r| r.sections.as_slice())
        .unwrap_or(&[]);
    for (id, section) in [
        ("misrepresentation", "212(a)(6)(C)"),
        ("criminal_grounds", "212(a)(2)"),
        ("prior_overstay", "212(a)(9)"),
    ] {
        let t = b.trigger(id);
        if cites(sections, section) {
            raise(t);
        }
    }
    let t = b.trigger("petition_returned");
    if history.petition_returned {
        raise(t);
    }
    let t = b.trigger("public_charge");
    if cites(sections, "212(a)(4)") {
        raise(t);
    }
    // A request for relationship evidence is common and often cured by sending it; asked
    // again after a second refusal, it points to real doubt.
    let asked_relationship = open_refusal.is_some_and(|r| {
        r.requested
            .iter()
            .any(|d| d == "relationship_evidence" || d == "meeting_evidence")
    });
    let doubted = b.trigger("relationship_doubted");
    let asked = b.trigger("relationship_evidence_requested");
    if asked_relationship && history.refused_episodes >= 2 {
        raise(doubted);
    } else if asked_relationship {
        raise(asked);
    }
    // Administrative processing counts from the last submission, or from the refusal when
    // nothing was asked for. It does not run while the petition is back at USCIS.
    let ap_since = open_refusal
        .filter(|_| stage != Stage::PetitionReturned)
        .and_then(|r| {
            if r.requested.is_empty() {
                Some(r.on)
            } else {
                r.submitted_on
            }
        });
    let severe = b.trigger("long_administrative_processing_severe");
    let long = b.trigger("long_administrative_processing");
    if let Some(since) = ap_since {
        let waited = days_between(since, today);
        if severe
            .and_then(|t| t.days)
            .is_some_and(|d| waited >= i64::from(d))
        {
            raise(severe);
        } else if long
            .and_then(|t| t.days)
            .is_some_and(|d| waited >= i64::from(d))
        {
            raise(long);
        }
    }
    let t = b.trigger("deadline_approaching");
    if let Target::Open(d) = send
        && d.state == DeadlineState::DueSoon
    {
        raise(t);
    }
    if deadlines.iter().any(|d| {
        matches!(
            d.kind,
            DeadlineKind::Reconsideration221g | DeadlineKind::K2FollowToJoin
        ) && d.state == DeadlineState::Passed
    }) {
        let t = b.trigger("deadline_passed");
        raise(t);
    }
    let t = b.trigger("expiring_document");
    if expiries.iter().any(|e| {
        e.status != ExpiryStatus::Ok && matches!(e.document, "medical_exam" | "police_certificate")
    }) {
        raise(t);
    }
    let t = b.trigger("repeated_221g");
    if history.refused_episodes >= 2 {
        raise(t);
    }
    // Most urgent first; the policy warning stays first among equals.
    reasons.sort_by_key(|r| std::cmp::Reverse(r.urgency));
    let urgency = reasons
        .iter()
        .map(|r| r.urgency)
        .max()
        .unwrap_or(Urgency::None);
    LegalHelp {
        recommended: urgency > Urgency::None,
        urgency,
        reasons,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_clamp_at_month_ends() {
        let rule = |years, months| Rule {
            id: "t".into(),
            title: "t".into(),
            text: "t".into(),
            days: None,
            months,
            years,
            consequence: None,
            exceptions: vec![],
            post_notes: vec![],
            sources: vec![],
            as_of: "2026-01-01".into(),
            uncertain: None,
        };
        let d = |s: &str| s.parse::<Date>().expect("date");
        assert_eq!(
            add_period(d("2024-02-29"), &rule(Some(1), None)),
            Some(d("2025-02-28"))
        );
        assert_eq!(
            add_period(d("2025-01-31"), &rule(None, Some(1))),
            Some(d("2025-02-28"))
        );
        assert_eq!(
            add_period(d("2023-10-31"), &rule(None, Some(4))),
            Some(d("2024-02-29"))
        );
        assert_eq!(add_period(d("2025-01-01"), &rule(None, None)), None);
    }

    #[test]
    fn section_citations() {
        let s = vec!["212(a)(6)(C)(i)".to_string(), "221(g)".to_string()];
        assert!(cites(&s, "212(a)(6)(C)"));
        assert!(!cites(&s, "212(a)(6)(C)(ii)"));
        assert!(!cites(&s, "212(a)(4)"));
        assert!(!cites(&["212(a)(42)".to_string()], "212(a)(4)"));
    }
}
