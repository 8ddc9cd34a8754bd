//! The 221(g) window, counted from the first refusal of this application, and, once it has
//! closed unanswered, the reinstatement deadline.

use jiff::civil::Date;

use super::{
    Builder, CountedFrom, Deadline, DeadlineKind, DeadlineState, History,
    RECONSIDERATION_WINDOW_RULE, add_period, reconsideration_deadline,
};
use crate::casefile::Refusal;

/// How the case's refusals fall into one application's window.
struct Window {
    /// The refusal the year is counted from.
    first: Date,
    /// The window's last day, counted from `first`.
    due: Date,
    /// This refusal's own window, were it counted from `r.on`.
    own_due: Date,
    /// Later refusals inside the window (they might restart the count; visanav does not
    /// assume they do).
    later: Vec<Date>,
}

/// What the plan knows about the refusal when it places the window.
pub(super) struct Facts {
    pub documents_requested: bool,
    pub at_uscis: bool,
    pub approaching: Option<u32>,
}

fn window(b: &Builder<'_, '_>, r: &Refusal, history: &History) -> Option<Window> {
    let k = b.k;
    let own_due = reconsideration_deadline(r.on, k)?;
    // An earlier refusal counts only while its own year was still open when this one came;
    // otherwise the later one belongs to a new application.
    let first = history
        .refusals
        .iter()
        .copied()
        .filter(|&d| d < r.on && reconsideration_deadline(d, k).is_some_and(|due| due > r.on))
        .min()
        .unwrap_or(r.on);
    let due = reconsideration_deadline(first, k)?;
    let mut later: Vec<Date> = history
        .refusals
        .iter()
        .copied()
        .chain(std::iter::once(r.on))
        .filter(|&d| d > first && d < due)
        .collect();
    later.sort();
    later.dedup();
    Some(Window {
        first,
        due,
        own_due,
        later,
    })
}

pub(super) fn window_deadlines<'k>(
    b: &mut Builder<'_, 'k>,
    r: &Refusal,
    history: &History,
    facts: &Facts,
) -> Vec<Deadline<'k>> {
    let mut out = Vec::new();
    let Some(rule) = b.rule(RECONSIDERATION_WINDOW_RULE) else {
        return out;
    };
    let Some(w) = window(b, r, history) else {
        return out;
    };
    let state = if !facts.documents_requested {
        // Administrative processing only: nothing for the applicant to send.
        b.fact_state(w.due)
    } else if r.submitted_on.is_some() {
        DeadlineState::Met
    } else {
        b.open_state(w.due, facts.approaching)
    };
    let mut d = b.deadline(DeadlineKind::Reconsideration221g, rule, w.due, state);
    let another = if w.later.is_empty() {
        None
    } else {
        b.rule("221g_window_after_another_refusal")
    };
    d.counted_from = Some(CountedFrom {
        event: if w.later.is_empty() {
            "the refusal"
        } else {
            "the first refusal"
        },
        on: w.first,
        later: w.later.clone(),
        uncertain: another.and_then(|a| a.uncertain.as_deref()),
        sources: another.map(|a| a.sources.as_slice()).unwrap_or(&[]),
    });
    add_notes(b, &mut d, r, &w, facts);
    let closed = d.state == DeadlineState::Passed;
    out.push(d);
    if closed {
        out.extend(reinstatement(b, w, facts.approaching));
    }
    out
}

/// Where the count starts, and what the case's facts mean for the window.
fn add_notes(b: &Builder<'_, '_>, d: &mut Deadline<'_>, r: &Refusal, w: &Window, facts: &Facts) {
    let (first, due) = (w.first, w.due);
    if let Some(&last) = w.later.last() {
        let would = reconsideration_deadline(last, b.k).unwrap_or(w.own_due);
        d.notes.push(format!(
            "Counted from the first refusal, on {first}. A later refusal on {last} would give {would} if the year started again; no source read says it does, so {due}, the earlier date, is the safe one. Ask the post which date it uses."
        ));
    } else {
        d.notes
            .push(format!("Counted from the refusal on {first}."));
    }
    if facts.at_uscis {
        d.notes.push(
            "The petition has gone back to USCIS; while USCIS has the file, the consulate is not waiting for documents from you."
                .to_string(),
        );
    } else if !facts.documents_requested {
        d.notes.push(
            "Nothing was requested from you, so this looks like administrative processing only; \
             posts say the one-year limit does not apply then. Check your refusal letter."
                .to_string(),
        );
    }
    if let Some(s) = r.submitted_on {
        d.notes.push(format!("Documents sent on {s}."));
    }
}

/// After the window closed unanswered: the last day to ask for reinstatement.
fn reinstatement<'k>(
    b: &mut Builder<'_, 'k>,
    w: Window,
    approaching: Option<u32>,
) -> Option<Deadline<'k>> {
    let rule = b.rule("221g_reinstatement_window")?;
    let last_day = add_period(w.first, rule)?;
    let state = b.open_state(last_day, approaching);
    let mut re = b.deadline(DeadlineKind::Reinstatement221g, rule, last_day, state);
    re.counted_from = Some(CountedFrom {
        event: "the first refusal",
        on: w.first,
        later: w.later,
        uncertain: None,
        sources: &[],
    });
    Some(re)
}
