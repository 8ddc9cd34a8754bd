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

use jiff::ToSpan;
use jiff::civil::Date;
use serde::Serialize;

use crate::casefile::{CaseFile, DocumentStatus, VisaClass};
use crate::knowledge::{
    KVisaCoverage, Knowledge, LegalHelpTrigger, Restriction, Rule, StatusSource, Urgency,
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
    /// Case-specific remarks: a cap that applied, an exception to check.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
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
    /// The date by which to have a new one (present unless the status is ok).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub renew_by: Option<Date>,
    pub rule: &'k str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uncertain: Option<&'k str>,
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
            .map(|r| format!("; have a new one by {r}"))
            .unwrap_or_default();
        format!("{}: {state} {}{by}", self.name, self.expires_on)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct NextStep {
    /// Stable id, e.g. `gather:police_certificate`.
    pub id: String,
    pub step: String,
    pub done: bool,
    pub detail: String,
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

/// A policy restriction that covers the beneficiary's nationality.
#[derive(Debug, Clone, Serialize)]
pub struct RestrictionWarning<'k> {
    pub restriction: &'k str,
    pub title: &'k str,
    pub effect: &'k str,
    /// "full" or "partial" coverage of the nationality.
    pub coverage: &'static str,
    pub applies_to_k: KVisaCoverage,
    pub last_verified: &'k str,
    pub sources: &'k [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uncertain: Option<&'k str>,
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
    pub deadlines: Vec<Deadline<'k>>,
    pub expiries: Vec<Expiry<'k>>,
    pub next_steps: Vec<NextStep>,
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
            notes: Vec::new(),
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
    issued_seen: bool,
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
    let mut refused_episodes = 0;
    let mut in_refused = false;
    let mut petition_returned = false;
    let mut issued_seen = false;
    for (_, obs) in ordered {
        let s = Some(obs.status.as_str());
        match obs.source {
            StatusSource::Ceac => {
                let now_refused = s == refused;
                if now_refused && !in_refused {
                    refused_episodes += 1;
                }
                in_refused = now_refused;
                issued_seen |= s == issued;
            }
            StatusSource::Uscis => {
                if returned.contains(&obs.status.as_str()) {
                    petition_returned = true;
                } else if s == reaffirmed {
                    petition_returned = false;
                }
            }
        }
    }
    History {
        refused_episodes,
        petition_returned,
        issued_seen,
    }
}

/// True when `section` is the INA provision `prefix` or one of its subdivisions.
fn cites(sections: &[String], prefix: &str) -> bool {
    sections.iter().any(|s| {
        s.strip_prefix(prefix)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('('))
    })
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
    let visa_issued = case.visa_issued_on.is_some() || history.issued_seen;
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
    } else if let Some(_r) = open_refusal {
        if documents_requested && submitted_on.is_none() {
            Stage::DocumentsRequested
        } else {
            Stage::AdministrativeProcessing
        }
    } else {
        Stage::BeforeInterview
    };

    let approaching = b.trigger("deadline_approaching").and_then(|t| t.days);

    // ---- deadlines -------------------------------------------------------------------
    let mut deadlines = Vec::with_capacity(4);
    if let Some(r) = open_refusal
        && r.sections.iter().any(|s| s == "221(g)")
        && let Some(rule) = b.rule("221g_reconsideration_window")
        && let Some(due) = add_period(r.on, rule)
    {
        let state = if !documents_requested {
            // Administrative processing only: nothing for the applicant to send.
            b.fact_state(due)
        } else if submitted_on.is_some() {
            DeadlineState::Met
        } else {
            b.open_state(due, approaching)
        };
        let mut d = b.deadline(DeadlineKind::Reconsideration221g, rule, due, state);
        if !documents_requested {
            d.notes.push(
                "Nothing was requested from you, so this looks like administrative processing only; \
                 posts say the one-year limit does not apply then. Check your refusal letter."
                    .to_string(),
            );
        }
        if let Some(s) = submitted_on {
            d.notes.push(format!("Documents sent on {s}."));
        }
        deadlines.push(d);
    }

    if let Some(approved) = case.petition_approved_on
        && let Some(rule) = b.rule("i129f_validity")
        && let Some(due) = add_period(approved, rule)
    {
        let state = if visa_issued || case.interview_on.is_some_and(|i| i <= due) {
            DeadlineState::Met
        } else {
            b.open_state(due, approaching)
        };
        let mut d = b.deadline(DeadlineKind::PetitionValidity, rule, due, state);
        if let Some(interview) = case.interview_on
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
        d.notes = notes;
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

    // ---- expiries ----------------------------------------------------------------------
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
        let renew_by = match status {
            ExpiryStatus::Ok => None,
            ExpiryStatus::Expired => Some(today),
            ExpiryStatus::Expiring => Some(usable_until.max(today)),
        };
        expiries.push(Expiry {
            document: &entry.id,
            name: &entry.name,
            expires_on,
            basis,
            status,
            renew_by,
            rule: validity.map(|v| v.rule.as_str()).unwrap_or(""),
            uncertain: entry.uncertain.as_deref(),
        });
    }
    expiries.sort_by_key(|e| e.expires_on);

    // ---- policy restrictions -----------------------------------------------------------
    let nationality = case
        .beneficiary
        .as_ref()
        .and_then(|p| p.nationality.as_deref());
    let mut warnings = Vec::new();
    if let Some(nat) = nationality {
        for r in &k.restrictions {
            if r.applies_to_k == KVisaCoverage::No || !in_force(r, today) {
                continue;
            }
            let coverage = if r.countries.iter().any(|c| c == nat) {
                "full"
            } else if r.partial_countries.iter().any(|c| c == nat) {
                "partial"
            } else {
                continue;
            };
            warnings.push(RestrictionWarning {
                restriction: &r.id,
                title: &r.title,
                effect: &r.effect,
                coverage,
                applies_to_k: r.applies_to_k,
                last_verified: &r.last_verified,
                sources: &r.sources,
                uncertain: r.uncertain.as_deref(),
            });
        }
    }

    // ---- legal help --------------------------------------------------------------------
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
    if !warnings.is_empty() {
        raise(policy);
    }
    let sections: &[String] = refusal.map(|r| r.sections.as_slice()).unwrap_or(&[]);
    let t = b.trigger("misrepresentation");
    if cites(sections, "212(a)(6)(C)") {
        raise(t);
    }
    let t = b.trigger("criminal_grounds");
    if cites(sections, "212(a)(2)") {
        raise(t);
    }
    let t = b.trigger("prior_overstay");
    if cites(sections, "212(a)(9)") {
        raise(t);
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
    // nothing was asked for.
    let ap_since = open_refusal.and_then(|r| {
        if documents_requested {
            r.submitted_on
        } else {
            Some(r.on)
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
    if deadlines.iter().any(|d| {
        d.kind == DeadlineKind::Reconsideration221g
            && matches!(d.state, DeadlineState::DueSoon | DeadlineState::Passed)
    }) {
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
    let legal_help = LegalHelp {
        recommended: urgency > Urgency::None,
        urgency,
        reasons,
    };

    // ---- next steps --------------------------------------------------------------------
    let next_steps = steps(
        &mut b,
        stage,
        open_refusal.is_some(),
        &deadlines,
        &warnings,
        ap_since,
    );

    Plan {
        today,
        stage,
        warnings,
        deadlines,
        expiries,
        next_steps,
        legal_help,
        gaps: b.gaps,
        disclaimer: crate::NOT_LEGAL_ADVICE,
    }
}

fn in_force(r: &Restriction, today: Date) -> bool {
    let started = crate::date::parse_date(&r.effective_on).is_ok_and(|d| d <= today);
    let ended = r
        .ends_on
        .as_deref()
        .and_then(|e| crate::date::parse_date(e).ok())
        .is_some_and(|d| d < today);
    started && !ended
}

fn document_name<'k>(k: &'k Knowledge, id: &'k str) -> &'k str {
    k.document(id).map(|d| d.name.as_str()).unwrap_or(id)
}

fn steps(
    b: &mut Builder<'_, '_>,
    stage: Stage,
    has_open_refusal: bool,
    deadlines: &[Deadline<'_>],
    warnings: &[RestrictionWarning<'_>],
    ap_since: Option<Date>,
) -> Vec<NextStep> {
    let case = b.case;
    let k = b.k;
    let mut out = Vec::new();
    let step = |id: &str, step: String, done: bool, detail: String| NextStep {
        id: id.to_string(),
        step,
        done,
        detail,
    };

    if let Some(w) = warnings.first() {
        out.push(step(
            "policy_restriction",
            "Talk to an immigration attorney before sending anything".to_string(),
            false,
            format!("{}: {}", w.title, w.effect),
        ));
    }

    let due_221g = deadlines
        .iter()
        .find(|d| d.kind == DeadlineKind::Reconsideration221g);
    if let (true, Some(r)) = (has_open_refusal, case.refusal.as_ref()) {
        out.push(step(
            "understand_refusal",
            "Understand why the visa was refused".to_string(),
            !r.sections.is_empty(),
            format!(
                "Refused on {} under {}. Read the letter the officer gave you; `visanav status explain refused` explains what this means.",
                r.on,
                r.sections.join(", ")
            ),
        ));
        let submitted = r.submitted_on.is_some();
        for id in &r.requested {
            let doc = case.documents.iter().find(|d| &d.kind == id);
            let have = submitted || doc.is_some_and(|d| d.status != DocumentStatus::Needed);
            let country = doc
                .and_then(|d| d.country.as_deref())
                .and_then(|c| k.country(c))
                .map(|c| format!(" ({})", c.name));
            let description = k.document(id).map(|d| d.description.as_str()).unwrap_or("");
            out.push(step(
                &format!("gather:{id}"),
                format!(
                    "Gather: {}{}",
                    document_name(k, id),
                    country.unwrap_or_default()
                ),
                have,
                description.to_string(),
            ));
        }
        if !r.requested.is_empty() {
            let procedure = k.post(&case.post).and_then(|p| p.procedure.as_ref());
            let detail = match procedure {
                Some(p) => {
                    let mut d = format!("How this post takes documents: {}", p.channel);
                    if let Some(c) = &p.courier {
                        d.push_str(&format!(" Courier: {c}."));
                    }
                    if !p.include.is_empty() {
                        d.push_str(&format!(" Include: {}.", p.include.join("; ")));
                    }
                    d.push_str(" The instructions on your own refusal letter come first.");
                    d
                }
                None => "Follow the submission instructions on your refusal letter; visanav has no researched procedure for this post yet.".to_string(),
            };
            out.push(step(
                "follow_post_instructions",
                "Follow the post's submission instructions".to_string(),
                submitted,
                detail,
            ));
            let when = due_221g
                .map(|d| format!("Send everything by {} ({}).", d.due, d.due_at))
                .unwrap_or_else(|| "Send everything as soon as you can.".to_string());
            out.push(step(
                "submit_documents",
                "Send the requested documents before the deadline".to_string(),
                submitted,
                when,
            ));
        }
        let inquiry = b.rule("administrative_processing_inquiry_wait");
        let typical = b.rule("administrative_processing_typical");
        let mut detail =
            "Check the CEAC status page every week or two and record what it shows; the case keeps the history."
                .to_string();
        if let (Some(since), Some(t)) = (ap_since, typical)
            && let Some(d) = add_period(since, t)
        {
            detail.push_str(&format!(
                " Most administrative processing ends within {} days, around {d}.",
                t.days.unwrap_or(0)
            ));
        }
        if let (Some(since), Some(w)) = (ap_since, inquiry)
            && let Some(d) = add_period(since, w)
        {
            detail.push_str(&format!(
                " If nothing has changed by {d}, you can ask the post about the case."
            ));
        }
        out.push(step(
            "monitor_status",
            "Watch the case status".to_string(),
            false,
            detail,
        ));
    } else if stage == Stage::BeforeInterview {
        let petition = deadlines
            .iter()
            .find(|d| d.kind == DeadlineKind::PetitionValidity);
        let detail = match petition {
            Some(d) if !d.notes.is_empty() => d.notes.join(" "),
            Some(d) => format!("The approved petition is valid until {}.", d.due),
            None => "Gather the documents on the post's interview checklist.".to_string(),
        };
        out.push(step(
            "prepare_interview",
            "Prepare for the interview".to_string(),
            case.interview_on.is_some_and(|i| i < b.today),
            detail,
        ));
    }

    if stage == Stage::PetitionReturned {
        out.push(step(
            "petition_returned",
            "Talk to an attorney about the petition returned to USCIS".to_string(),
            false,
            "The consulate sent the petition back to USCIS for review; the reply window to a notice of intent to revoke is short.".to_string(),
        ));
    }

    if let Some(entry) = deadlines.iter().find(|d| d.kind == DeadlineKind::Entry) {
        out.push(step(
            "enter_us",
            "Travel to the United States before the visa expires".to_string(),
            entry.state == DeadlineState::Met,
            format!("Enter by {} ({}).", entry.due, entry.due_at),
        ));
    }
    if let Some(m) = deadlines
        .iter()
        .find(|d| d.kind == DeadlineKind::Marriage90Days)
    {
        out.push(step(
            "marry_within_90_days",
            "Marry your petitioner within 90 days of entry".to_string(),
            false,
            format!("Marry by {}. {}", m.due, m.consequence),
        ));
    }
    if let Some(f) = deadlines
        .iter()
        .find(|d| d.kind == DeadlineKind::K2FollowToJoin)
    {
        out.push(step(
            "k2_follow_to_join",
            "Apply for the K-2 visa within the follow-to-join window".to_string(),
            f.state == DeadlineState::Met,
            format!("The K-2 visa must be issued by {}.", f.due),
        ));
    }
    // Documents the user tracks as still needed, beyond what the refusal asked for.
    let requested: &[String] = case
        .refusal
        .as_ref()
        .filter(|_| has_open_refusal)
        .map(|r| r.requested.as_slice())
        .unwrap_or(&[]);
    for d in &case.documents {
        if d.status == DocumentStatus::Needed
            && !requested.contains(&d.kind)
            && !out.iter().any(|s| s.id == format!("gather:{}", d.kind))
        {
            out.push(step(
                &format!("gather:{}", d.kind),
                format!("Gather: {}", document_name(k, &d.kind)),
                false,
                k.document(&d.kind)
                    .map(|x| x.description.clone())
                    .unwrap_or_default(),
            ));
        }
    }
    out
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
