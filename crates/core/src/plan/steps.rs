//! Next steps: what to do, in order, each with the date to act by and its main source.
//!
//! A step's date is always the earliest open deadline among those it serves, and the step's
//! text names that deadline; once one of them has passed, the step says so and gives what can
//! still be done instead of a date in the past.

use super::{
    Builder, Deadline, DeadlineKind, DeadlineState, LegalHelp, NextStep, RestrictionWarning,
    SUBMIT_SERVES, Stage, Target, add_period, target,
};
use crate::casefile::{DocumentStatus, Refusal};
use crate::knowledge::{SubmissionProcedure, Urgency};

pub(super) struct Input<'a, 'k> {
    pub stage: Stage,
    pub open_refusal: Option<&'a Refusal>,
    pub deadlines: &'a [Deadline<'k>],
    pub warnings: &'a [RestrictionWarning<'k>],
    pub legal_help: &'a LegalHelp<'k>,
    pub ap_since: Option<jiff::civil::Date>,
}

fn step<'k>(id: &str, step: impl Into<String>, done: bool, detail: String) -> NextStep<'k> {
    NextStep {
        id: id.to_string(),
        step: step.into(),
        done,
        detail,
        by: None,
        serves: Vec::new(),
        sources: &[],
    }
}

/// The kinds in `serves` that the plan has, for the step's `serves` field.
fn present(deadlines: &[Deadline<'_>], serves: &[DeadlineKind]) -> Vec<DeadlineKind> {
    serves
        .iter()
        .copied()
        .filter(|k| deadlines.iter().any(|d| d.kind == *k))
        .collect()
}

/// "Send everything by 2026-03-01 (end of day, Asia/Manila): ..." naming the deadline that
/// sets the date and the later ones it also covers.
fn by_sentence(
    verb: &str,
    d: &Deadline<'_>,
    deadlines: &[Deadline<'_>],
    serves: &[DeadlineKind],
) -> String {
    let mut s = format!(
        "{verb} by {} ({}). That date comes from: {}.",
        d.due, d.due_at, d.title
    );
    for other in deadlines
        .iter()
        .filter(|o| serves.contains(&o.kind) && o.kind != d.kind && o.due > d.due)
        .filter(|o| matches!(o.state, DeadlineState::Upcoming | DeadlineState::DueSoon))
    {
        s.push_str(&format!(
            " It comes before the other deadline this serves, {} ({}), so it is the date to keep.",
            other.title, other.due
        ));
    }
    s
}

fn passed_sentence(d: &Deadline<'_>) -> String {
    format!(
        "The deadline passed on {} ({}). {}",
        d.due, d.title, d.consequence
    )
}

pub(super) fn steps<'k>(b: &mut Builder<'_, 'k>, input: &Input<'_, 'k>) -> Vec<NextStep<'k>> {
    let mut out = attorney_first(b, input);
    if let Some(r) = input.open_refusal {
        refusal_steps(b, input, r, &mut out);
    } else if input.stage == Stage::BeforeInterview {
        out.push(prepare_interview(b, input));
    }
    after_issuance(input, &mut out);
    still_needed(b, input, &mut out);
    out
}

/// An attorney first, when it cannot wait: a restriction that stops the visa, a petition
/// sent back, or any reason to talk to one now.
fn attorney_first<'k>(b: &Builder<'_, 'k>, input: &Input<'_, 'k>) -> Vec<NextStep<'k>> {
    let k = b.k;
    let mut out = Vec::new();
    if let Some(w) = input.warnings.iter().find(|w| w.stops_visa_or_entry()) {
        let mut s = step(
            "policy_restriction",
            "Talk to an immigration attorney before sending anything",
            false,
            format!("{}: {} {}", w.title, w.why, w.effect),
        );
        s.sources = w.sources;
        out.push(s);
    }
    if input.stage == Stage::PetitionReturned {
        let rule = k.rule("petition_at_uscis");
        let mut s = step(
            "petition_returned",
            "Talk to an attorney about the petition returned to USCIS",
            false,
            "The consulate sent the petition back to USCIS for review; the reply window to a notice of intent to revoke is short.".to_string(),
        );
        s.sources = k
            .trigger("petition_returned")
            .map(|t| t.sources.as_slice())
            .or(rule.map(|r| r.sources.as_slice()))
            .unwrap_or(&[]);
        out.push(s);
    }
    if out.is_empty() && input.legal_help.urgency == Urgency::Now {
        let now: Vec<_> = input
            .legal_help
            .reasons
            .iter()
            .filter(|r| r.urgency == Urgency::Now)
            .collect();
        let titles: Vec<&str> = now.iter().map(|r| r.title).collect();
        let mut s = step(
            "talk_to_attorney",
            "Talk to an immigration attorney now",
            false,
            format!(
                "{}. See \"Do you need a lawyer?\" below; do this before spending money on documents or fees.",
                titles.join("; ")
            ),
        );
        s.sources = now.first().map(|r| r.sources).unwrap_or(&[]);
        out.push(s);
    }
    out
}

/// Before the interview: prepare for it, within the petition's validity.
fn prepare_interview<'k>(b: &Builder<'_, 'k>, input: &Input<'_, 'k>) -> NextStep<'k> {
    let (case, k) = (b.case, b.k);
    let deadlines = input.deadlines;
    let petition = deadlines
        .iter()
        .find(|d| d.kind == DeadlineKind::PetitionValidity);
    let detail = match petition {
        Some(d) if !d.notes.is_empty() => d.notes.join(" "),
        Some(d) => format!("The approved petition is valid until {}.", d.due),
        None => "Gather the documents on the post's interview checklist.".to_string(),
    };
    let mut s = step(
        "prepare_interview",
        "Prepare for the interview",
        case.interview_on.is_some_and(|i| i < b.today),
        detail,
    );
    s.sources = petition.map(|d| d.sources).unwrap_or_else(|| {
        k.rule("i129f_validity")
            .map(|r| r.sources.as_slice())
            .unwrap_or(&[])
    });
    s
}

/// After issuance: enter in time, marry within 90 days, a K-2 child follows to join.
fn after_issuance<'k>(input: &Input<'_, 'k>, out: &mut Vec<NextStep<'k>>) {
    let deadlines = input.deadlines;
    for (kind, id, title) in [
        (
            DeadlineKind::Entry,
            "enter_us",
            "Travel to the United States before the visa expires",
        ),
        (
            DeadlineKind::Marriage90Days,
            "marry_within_90_days",
            "Marry your petitioner within 90 days of entry",
        ),
        (
            DeadlineKind::K2FollowToJoin,
            "k2_follow_to_join",
            "Apply for the K-2 visa within the follow-to-join window",
        ),
    ] {
        let Some(d) = deadlines.iter().find(|d| d.kind == kind) else {
            continue;
        };
        let done = d.state == DeadlineState::Met;
        let mut s = step(id, title, done, String::new());
        s.serves = vec![kind];
        s.sources = d.sources;
        match target(deadlines, &[kind]) {
            Target::Passed(p) => {
                s.detail = match kind {
                    DeadlineKind::Marriage90Days => format!(
                        "The 90 days ended on {}. If you married by then, go on with the green-card application. If not: {}",
                        p.due, p.consequence
                    ),
                    _ => passed_sentence(p),
                };
            }
            t => {
                s.by = t.act_by().filter(|_| !done);
                s.detail = match kind {
                    DeadlineKind::Entry => format!("Enter by {} ({}).", d.due, d.due_at),
                    DeadlineKind::Marriage90Days => {
                        format!("Marry by {}. {}", d.due, d.consequence)
                    }
                    _ => format!("The K-2 visa must be issued by {}.", d.due),
                };
            }
        }
        out.push(s);
    }
}

/// Documents the user tracks as still needed, beyond what the refusal asked for.
fn still_needed<'k>(b: &Builder<'_, 'k>, input: &Input<'_, 'k>, out: &mut Vec<NextStep<'k>>) {
    let (case, k) = (b.case, b.k);
    let requested: &[String] = input
        .open_refusal
        .map(|r| r.requested.as_slice())
        .unwrap_or(&[]);
    for d in &case.documents {
        if d.status == DocumentStatus::Needed
            && !requested.contains(&d.kind)
            && !out.iter().any(|s| s.id == format!("gather:{}", d.kind))
        {
            let entry = k.document(&d.kind);
            let mut s = step(
                &format!("gather:{}", d.kind),
                format!("Gather: {}", k.document_name(&d.kind)),
                false,
                entry.map(|x| x.description.clone()).unwrap_or_default(),
            );
            s.sources = entry.map(|x| x.sources.as_slice()).unwrap_or(&[]);
            out.push(s);
        }
    }
}

fn refusal_steps<'k>(
    b: &mut Builder<'_, 'k>,
    input: &Input<'_, 'k>,
    r: &Refusal,
    out: &mut Vec<NextStep<'k>>,
) {
    let deadlines = input.deadlines;
    let window_sources =
        b.k.rule(super::RECONSIDERATION_WINDOW_RULE)
            .map(|w| w.sources.as_slice())
            .unwrap_or(&[]);
    let mut s = step(
        "understand_refusal",
        "Understand why the visa was refused",
        !r.sections.is_empty(),
        format!(
            "Refused on {} under {}. Read the letter the officer gave you; `visanav status explain refused` explains what this means.",
            r.on,
            r.sections.join(", ")
        ),
    );
    s.sources = window_sources;
    out.push(s);

    let submitted = r.submitted_on.is_some();
    let send = if submitted || r.requested.is_empty() {
        Target::None
    } else {
        target(deadlines, SUBMIT_SERVES)
    };
    gather_requested(b, input, r, send, out);

    let window_passed = deadlines
        .iter()
        .find(|d| d.kind == DeadlineKind::Reconsideration221g && d.state == DeadlineState::Passed);
    if !r.requested.is_empty() {
        match window_passed {
            Some(p) if !submitted => {
                window_closed(b, deadlines, p, out);
            }
            _ => send_steps(b, input, r, send, window_sources, out),
        }
    }

    out.push(monitor(b, input));
}

/// One step per requested document: gather it, by the send-by date.
fn gather_requested<'k>(
    b: &Builder<'_, 'k>,
    input: &Input<'_, 'k>,
    r: &Refusal,
    send: Target<'_, 'k>,
    out: &mut Vec<NextStep<'k>>,
) {
    let (case, k) = (b.case, b.k);
    let submitted = r.submitted_on.is_some();
    let serves = present(input.deadlines, SUBMIT_SERVES);
    for id in &r.requested {
        let doc = case.documents.iter().find(|d| &d.kind == id);
        let have = submitted || doc.is_some_and(|d| d.status != DocumentStatus::Needed);
        let country = doc
            .and_then(|d| d.country.as_deref())
            .and_then(|c| k.country(c))
            .map(|c| format!(" ({})", c.name));
        let entry = k.document(id);
        let mut s = step(
            &format!("gather:{id}"),
            format!(
                "Gather: {}{}",
                k.document_name(id),
                country.unwrap_or_default()
            ),
            have,
            entry.map(|d| d.description.clone()).unwrap_or_default(),
        );
        s.serves = serves.clone();
        s.by = send.act_by().filter(|_| !have);
        s.sources = entry.map(|d| d.sources.as_slice()).unwrap_or(&[]);
        out.push(s);
    }
}

/// How the post takes documents, from visanav's notes, or the letter's own instructions.
fn procedure_detail(procedure: Option<&SubmissionProcedure>) -> String {
    match procedure {
        Some(p) => {
            let mut d = format!(
                "How this post takes documents (visanav's notes as of {}): {}",
                p.as_of, p.channel
            );
            if !d.ends_with('.') {
                d.push('.');
            }
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
    }
}

/// While the window is open (or the documents are sent): follow the post's instructions and
/// send everything by the date.
fn send_steps<'k>(
    b: &Builder<'_, 'k>,
    input: &Input<'_, 'k>,
    r: &Refusal,
    send: Target<'_, 'k>,
    window_sources: &'k [String],
    out: &mut Vec<NextStep<'k>>,
) {
    let deadlines = input.deadlines;
    let submitted = r.submitted_on.is_some();
    let procedure = b.k.post(&b.case.post).and_then(|p| p.procedure.as_ref());
    let mut s = step(
        "follow_post_instructions",
        "Follow the post's submission instructions",
        submitted,
        procedure_detail(procedure),
    );
    s.sources = procedure
        .map(|p| p.source_urls.as_slice())
        .unwrap_or(window_sources);
    out.push(s);

    let detail = match send {
        Target::Open(d) => by_sentence("Send everything", d, deadlines, SUBMIT_SERVES),
        Target::Passed(p) => passed_sentence(p),
        Target::None if submitted => format!(
            "Sent on {}.",
            r.submitted_on.map(|d| d.to_string()).unwrap_or_default()
        ),
        Target::None => "Send everything as soon as you can.".to_string(),
    };
    let mut s = step(
        "submit_documents",
        "Send the requested documents before the deadline",
        submitted,
        detail,
    );
    s.serves = present(deadlines, SUBMIT_SERVES);
    s.by = send.act_by();
    s.sources = match send {
        Target::Open(d) | Target::Passed(d) => d.sources,
        Target::None => window_sources,
    };
    out.push(s);
}

/// The one-year window closed with the documents unsent: say so, and what can still be done.
fn window_closed<'k>(
    b: &mut Builder<'_, 'k>,
    deadlines: &[Deadline<'k>],
    closed: &Deadline<'k>,
    out: &mut Vec<NextStep<'k>>,
) {
    let after = b.rule("221g_after_window_closed");
    let serves = [
        DeadlineKind::Reinstatement221g,
        DeadlineKind::K2FollowToJoin,
    ];
    let t = target(deadlines, &serves);
    let mut detail = format!(
        "The window to send what the 221(g) letter asked for closed on {}, and the documents were not sent. {}",
        closed.due,
        after.map(|a| a.text.as_str()).unwrap_or(closed.consequence)
    );
    match t {
        Target::Open(d) => detail.push_str(&format!(
            " {}: ask for it by {} ({}).",
            d.title, d.due, d.due_at
        )),
        Target::Passed(p) => detail.push_str(&format!(" {}", passed_sentence(p))),
        Target::None => {}
    }
    let mut s = step(
        "window_closed",
        format!(
            "The one-year window closed on {}: decide what to do next",
            closed.due
        ),
        false,
        detail,
    );
    s.serves = present(deadlines, &serves);
    s.by = t.act_by();
    s.sources = after
        .map(|a| a.sources.as_slice())
        .unwrap_or(closed.sources);
    out.push(s);
}

/// Watching the status: at the consulate, with the administrative-processing dates; at USCIS,
/// without them.
fn monitor<'k>(b: &mut Builder<'_, 'k>, input: &Input<'_, 'k>) -> NextStep<'k> {
    if input.stage == Stage::PetitionReturned {
        let rule = b.rule("petition_at_uscis");
        let mut s = step(
            "monitor_status",
            "Watch the USCIS case status",
            false,
            rule.map(|r| r.text.clone()).unwrap_or_else(|| {
                "Watch the USCIS case status and the mail for a notice from USCIS.".to_string()
            }),
        );
        s.sources = rule.map(|r| r.sources.as_slice()).unwrap_or(&[]);
        return s;
    }
    let inquiry = b.rule("administrative_processing_inquiry_wait");
    let typical = b.rule("administrative_processing_typical");
    let mut detail =
        "Check the CEAC status page every week or two and record what it shows; the case keeps the history."
            .to_string();
    if let (Some(since), Some(t)) = (input.ap_since, typical)
        && let Some(d) = add_period(since, t)
    {
        detail.push_str(&format!(
            " Most administrative processing ends within {} days, around {d}.",
            t.days.unwrap_or(0)
        ));
    }
    if let (Some(since), Some(w)) = (input.ap_since, inquiry)
        && let Some(d) = add_period(since, w)
    {
        detail.push_str(&format!(
            " If nothing has changed by {d}, you can ask the post about the case."
        ));
    }
    for rule in [typical, inquiry].into_iter().flatten() {
        for n in rule.notes_for(&b.case.post) {
            detail.push(' ');
            detail.push_str(n);
        }
    }
    let mut s = step("monitor_status", "Watch the case status", false, detail);
    s.sources = typical.map(|r| r.sources.as_slice()).unwrap_or(&[]);
    s
}
