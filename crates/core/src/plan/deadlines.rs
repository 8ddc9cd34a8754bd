//! The case's deadlines: the 221(g) window (see `window`), the petition's and the visa's
//! validity, entry, marriage within 90 days and a K-2 child's follow-to-join date.

use jiff::ToSpan;
use jiff::civil::Date;

use super::window::{self, window_deadlines};
use super::{Builder, Deadline, DeadlineKind, DeadlineState, Situation, add_period};
use crate::casefile::VisaClass;

/// Every deadline of the case, earliest first.
pub(super) fn deadlines<'k>(b: &mut Builder<'_, 'k>, sit: &Situation<'_>) -> Vec<Deadline<'k>> {
    let approaching = b.trigger("deadline_approaching").and_then(|t| t.days);
    let mut out = Vec::with_capacity(4);
    if let Some(r) = sit.open_refusal
        && r.sections.iter().any(|s| s == "221(g)")
    {
        let facts = window::Facts {
            documents_requested: sit.documents_requested,
            at_uscis: sit.at_uscis(),
            approaching,
        };
        out.extend(window_deadlines(b, r, &sit.history, &facts));
    }
    out.extend(petition_validity(b, sit, approaching));
    out.extend(visa_and_entry(b, approaching));
    out.extend(after_issuance(b, sit, approaching));
    out.sort_by_key(|d| d.due);
    out
}

/// How long the approved I-129F stays valid, and what that means at the case's stage.
fn petition_validity<'k>(
    b: &mut Builder<'_, 'k>,
    sit: &Situation<'_>,
    approaching: Option<u32>,
) -> Option<Deadline<'k>> {
    let case = b.case;
    let approved = case.petition_approved_on?;
    let rule = b.rule("i129f_validity")?;
    let due = add_period(approved, rule)?;
    let at_uscis = sit.at_uscis();
    // A petition back at USCIS is not "met" by an earlier interview: its validity can run
    // out while USCIS holds it.
    let state = if at_uscis {
        b.open_state(due, approaching)
    } else if sit.visa_issued || case.interview_on.is_some_and(|i| i <= due) {
        DeadlineState::Met
    } else {
        b.open_state(due, approaching)
    };
    let mut d = b.deadline(DeadlineKind::PetitionValidity, rule, due, state);
    if at_uscis {
        d.notes.push(if due < b.today {
            format!(
                "The petition's validity ended on {due} while the file was back at USCIS: it must be reaffirmed by USCIS and revalidated by the consulate, or a new I-129F filed."
            )
        } else {
            format!("The petition's validity ends on {due}, and it can run out while USCIS holds the file.")
        });
    } else if let Some(interview) = case.interview_on
        && interview > due
        && !sit.visa_issued
    {
        d.notes.push(format!(
            "The interview ({interview}) is after the petition's validity ends ({due}): the consular officer \
             must revalidate it, and some posts ask for a letter of continued intent to marry."
        ));
    }
    Some(d)
}

/// The medical exam's end, stated or from its validity rule.
fn medical_expiry(b: &Builder<'_, '_>) -> Option<Date> {
    let m = b.case.documents.iter().find(|d| d.kind == "medical_exam")?;
    m.expires_on.or_else(|| {
        let months = b.k.document("medical_exam")?.validity.as_ref()?.months?;
        m.issued_on?.checked_add(i64::from(months).months()).ok()
    })
}

/// The visa's validity (cut short by the medical exam) and the entry deadline it sets.
fn visa_and_entry<'k>(b: &mut Builder<'_, 'k>, approaching: Option<u32>) -> Vec<Deadline<'k>> {
    let case = b.case;
    let mut out = Vec::new();
    let mut visa_end = None;
    if let Some(issued) = case.visa_issued_on
        && let Some(rule) = b.rule("k1_visa_validity")
        && let Some(mut due) = add_period(issued, rule)
    {
        let mut notes = Vec::new();
        // A medical that expired before issuance is inconsistent data; never cap below issuance.
        if let Some(m) = medical_expiry(b)
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
        out.push(d);
        if case.entered_us_on.is_none()
            && let Some(rule) = b.rule("entry_before_visa_expiry")
        {
            let state = b.open_state(due, approaching);
            out.push(b.deadline(DeadlineKind::Entry, rule, due, state));
        }
    }
    if case.entered_us_on.is_some() && case.visa_issued_on.is_some() {
        // Entered: the entry deadline was met.
        if let (Some(rule), Some(due)) = (b.rule("entry_before_visa_expiry"), visa_end) {
            out.push(b.deadline(DeadlineKind::Entry, rule, due, DeadlineState::Met));
        }
    }
    out
}

/// Marriage within 90 days of a K-1's entry; a K-2 child's date to follow to join.
fn after_issuance<'k>(
    b: &mut Builder<'_, 'k>,
    sit: &Situation<'_>,
    approaching: Option<u32>,
) -> Vec<Deadline<'k>> {
    let case = b.case;
    let mut out = Vec::new();
    if case.visa == VisaClass::K1
        && let Some(entered) = case.entered_us_on
        && let Some(rule) = b.rule("marriage_90_days")
        && let Some(due) = add_period(entered, rule)
    {
        let state = b.open_state(due, approaching);
        out.push(b.deadline(DeadlineKind::Marriage90Days, rule, due, state));
    }
    if case.visa == VisaClass::K2
        && let Some(principal) = case.principal_visa_issued_on
        && let Some(rule) = b.rule("k2_follow_to_join")
        && let Some(due) = add_period(principal, rule)
    {
        let state = if sit.visa_issued {
            DeadlineState::Met
        } else {
            b.open_state(due, approaching)
        };
        out.push(b.deadline(DeadlineKind::K2FollowToJoin, rule, due, state));
    }
    out
}
