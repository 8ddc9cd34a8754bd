//! Whether the case needs an attorney, how urgently, and why: each reason is a legal-help
//! trigger from the knowledge base that the case's facts raise.

use jiff::civil::Date;

use super::{
    Builder, Deadline, DeadlineKind, DeadlineState, Expiry, ExpiryStatus, HelpReason, History,
    LegalHelp, RestrictionWarning, Stage, Target, cites, days_between,
};
use crate::casefile::Refusal;
use crate::knowledge::{LegalHelpTrigger, Urgency};

pub(super) struct Input<'a, 'k> {
    pub warnings: &'a [RestrictionWarning<'k>],
    pub open_refusal: Option<&'a Refusal>,
    pub history: &'a History,
    pub stage: Stage,
    pub deadlines: &'a [Deadline<'k>],
    pub expiries: &'a [Expiry<'k>],
    pub send: Target<'a, 'k>,
}

/// The reasons raised so far, each trigger once, in the order raised.
#[derive(Default)]
struct Reasons<'k>(Vec<HelpReason<'k>>);

impl<'k> Reasons<'k> {
    fn raise(&mut self, t: Option<&'k LegalHelpTrigger>) {
        if let Some(t) = t
            && !self.0.iter().any(|r| r.trigger == t.id)
        {
            self.0.push(HelpReason {
                trigger: &t.id,
                title: &t.title,
                urgency: t.urgency,
                reason: &t.reason,
                sources: &t.sources,
                uncertain: t.uncertain.as_deref(),
            });
        }
    }
}

pub(super) fn legal_help<'k>(b: &mut Builder<'_, 'k>, input: &Input<'_, 'k>) -> LegalHelp<'k> {
    let mut reasons = Reasons::default();
    policy_and_grounds(b, input, &mut reasons);
    relationship(b, input, &mut reasons);
    long_processing(b, input, &mut reasons);
    dates_and_repeats(b, input, &mut reasons);
    let mut reasons = reasons.0;
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

/// Policy restrictions, grounds of inadmissibility cited, a petition sent back.
fn policy_and_grounds<'k>(b: &mut Builder<'_, 'k>, input: &Input<'_, 'k>, out: &mut Reasons<'k>) {
    let policy = b.trigger("policy_restriction");
    if input.warnings.iter().any(|w| w.stops_visa_or_entry()) {
        out.raise(policy);
    }
    if input.warnings.iter().any(|w| !w.stops_visa_or_entry()) {
        let t = b.trigger("uscis_benefit_hold");
        out.raise(t);
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
            out.raise(t);
        }
    }
    let t = b.trigger("petition_returned");
    if input.history.petition_returned {
        out.raise(t);
    }
    let t = b.trigger("public_charge");
    if cites(sections, "212(a)(4)") {
        out.raise(t);
    }
}

/// A request for relationship evidence is common and often cured by sending it; asked
/// again after a second refusal, it points to real doubt.
fn relationship<'k>(b: &mut Builder<'_, 'k>, input: &Input<'_, 'k>, out: &mut Reasons<'k>) {
    let asked_relationship = input.open_refusal.is_some_and(|r| {
        r.requested
            .iter()
            .any(|d| d == "relationship_evidence" || d == "meeting_evidence")
    });
    let doubted = b.trigger("relationship_doubted");
    let asked = b.trigger("relationship_evidence_requested");
    if asked_relationship && input.history.refused_episodes >= 2 {
        out.raise(doubted);
    } else if asked_relationship {
        out.raise(asked);
    }
}

/// Administrative processing counts from the last submission, or from the refusal when
/// nothing was asked for. It does not run while the petition is back at USCIS.
fn long_processing<'k>(b: &mut Builder<'_, 'k>, input: &Input<'_, 'k>, out: &mut Reasons<'k>) {
    let ap_since: Option<Date> = input
        .open_refusal
        .filter(|_| input.stage != Stage::PetitionReturned)
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
        let waited = days_between(since, b.today);
        let reached = |t: Option<&LegalHelpTrigger>| {
            t.and_then(|t| t.days)
                .is_some_and(|d| waited >= i64::from(d))
        };
        if reached(severe) {
            out.raise(severe);
        } else if reached(long) {
            out.raise(long);
        }
    }
}

/// A send-by date close or passed, documents expiring, a second refusal.
fn dates_and_repeats<'k>(b: &mut Builder<'_, 'k>, input: &Input<'_, 'k>, out: &mut Reasons<'k>) {
    let t = b.trigger("deadline_approaching");
    if let Target::Open(d) = input.send
        && d.state == DeadlineState::DueSoon
    {
        out.raise(t);
    }
    if input.deadlines.iter().any(|d| {
        matches!(
            d.kind,
            DeadlineKind::Reconsideration221g | DeadlineKind::K2FollowToJoin
        ) && d.state == DeadlineState::Passed
    }) {
        let t = b.trigger("deadline_passed");
        out.raise(t);
    }
    let t = b.trigger("expiring_document");
    if input.expiries.iter().any(|e| {
        e.status != ExpiryStatus::Ok && matches!(e.document, "medical_exam" | "police_certificate")
    }) {
        out.raise(t);
    }
    let t = b.trigger("repeated_221g");
    if input.history.refused_episodes >= 2 {
        out.raise(t);
    }
}
