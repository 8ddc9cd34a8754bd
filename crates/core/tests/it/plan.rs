//! Plan scenarios (each a situation real applicants are in) and property tests.

use jiff::civil::Date;
use proptest::prelude::*;
use visanav_core::casefile::{
    CaseDocument, CaseFile, DocumentStatus, Format, Refusal, StatusObservation, VisaClass,
};
use visanav_core::knowledge::{KVisaHandling, Knowledge, Restricts, StatusSource, Urgency};
use visanav_core::plan::{DeadlineKind, DeadlineState, ExpiryStatus, Plan, Stage, plan};

fn k() -> &'static Knowledge {
    static K: std::sync::OnceLock<Knowledge> = std::sync::OnceLock::new();
    K.get_or_init(|| Knowledge::embedded().expect("knowledge"))
}

fn d(s: &str) -> Date {
    s.parse().expect("date")
}

fn case(toml: &str, today: &str) -> CaseFile {
    CaseFile::parse(toml, Format::Toml, k(), d(today)).unwrap_or_else(|e| panic!("{e}"))
}

fn deadline<'a>(p: &'a Plan<'_>, kind: DeadlineKind) -> &'a visanav_core::plan::Deadline<'a> {
    p.deadlines
        .iter()
        .find(|x| x.kind == kind)
        .unwrap_or_else(|| panic!("no {kind:?} deadline in {:#?}", p.deadlines))
}

fn triggers<'k>(p: &Plan<'k>) -> Vec<&'k str> {
    p.legal_help.reasons.iter().map(|r| r.trigger).collect()
}

fn step<'a, 'k>(p: &'a Plan<'k>, id: &str) -> &'a visanav_core::plan::NextStep<'k> {
    p.next_steps
        .iter()
        .find(|s| s.id == id)
        .unwrap_or_else(|| panic!("no step {id} in {:#?}", p.next_steps))
}

const FRESH_221G: &str = r#"
visa = "K-1"
post = "MNL"
petition_approved_on = 2025-03-14
interview_on = 2025-06-02
[beneficiary]
nationality = "PH"
[[status]]
on = 2025-06-02
status = "Refused"
[refusal]
on = 2025-06-02
requested = ["police_certificate"]
[[documents]]
kind = "police_certificate"
country = "PH"
status = "needed"
"#;

#[test]
fn fresh_221g_with_missing_police_certificate() {
    let p = plan(&case(FRESH_221G, "2025-06-10"), k(), d("2025-06-10"));
    assert_eq!(p.stage, Stage::DocumentsRequested);
    let w = deadline(&p, DeadlineKind::Reconsideration221g);
    assert_eq!(w.due, d("2026-06-02"), "refusal + one year");
    assert_eq!(w.state, DeadlineState::Upcoming);
    assert_eq!(w.due_at, "end of day, Asia/Manila");
    assert!(!w.sources.is_empty() && !w.consequence.is_empty());
    assert_eq!(
        deadline(&p, DeadlineKind::PetitionValidity).state,
        DeadlineState::Met,
        "interviewed within 4 months"
    );
    let ids: Vec<&str> = p.next_steps.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "understand_refusal",
            "gather:police_certificate",
            "follow_post_instructions",
            "submit_documents",
            "monitor_status"
        ],
        "the process, in order"
    );
    assert!(step(&p, "understand_refusal").done);
    assert!(!step(&p, "gather:police_certificate").done);
    assert!(
        step(&p, "gather:police_certificate")
            .step
            .contains("Philippines")
    );
    let manila = k()
        .post("MNL")
        .and_then(|p| p.procedure.as_ref())
        .expect("MNL");
    let follow = &step(&p, "follow_post_instructions").detail;
    assert!(
        follow.contains("LBC"),
        "Manila's procedure is filled in: {follow}"
    );
    assert!(
        follow.contains(&format!("as of {}", manila.as_of)),
        "the step says how fresh the procedure is: {follow}"
    );
    assert!(step(&p, "submit_documents").detail.contains("2026-06-02"));
    assert_eq!(
        p.legal_help.urgency,
        Urgency::None,
        "a plain document request needs no lawyer: {:?}",
        triggers(&p)
    );
    assert!(!p.legal_help.recommended);
    assert!(p.disclaimer.contains("not legal advice"));
}

#[test]
fn administrative_processing_only() {
    let toml = r#"
visa = "K-1"
post = "HCM"
interview_on = 2025-09-10
[[status]]
on = 2025-09-10
status = "Refused"
[refusal]
on = 2025-09-10
"#;
    let early = plan(&case(toml, "2025-10-01"), k(), d("2025-10-01"));
    assert_eq!(early.stage, Stage::AdministrativeProcessing);
    let w = deadline(&early, DeadlineKind::Reconsideration221g);
    assert_eq!(w.state, DeadlineState::Running, "no action is owed");
    assert!(
        w.notes.iter().any(|n| n.contains("does not apply")),
        "{:?}",
        w.notes
    );
    assert!(!early.next_steps.iter().any(|s| s.id == "submit_documents"));
    let monitor = step(&early, "monitor_status");
    assert!(
        monitor.detail.contains("2025-11-09"),
        "60 days after the refusal: {}",
        monitor.detail
    );
    assert!(
        monitor.detail.contains("2026-03-09"),
        "180 days after the refusal: {}",
        monitor.detail
    );
    assert_eq!(early.legal_help.urgency, Urgency::None);
    // Seven months later, the wait is long enough to consider a lawyer; past a year, sooner.
    let later = plan(&case(toml, "2026-04-15"), k(), d("2026-04-15"));
    assert_eq!(triggers(&later), ["long_administrative_processing"]);
    assert_eq!(later.legal_help.urgency, Urgency::Consider);
    let much_later = plan(&case(toml, "2026-10-01"), k(), d("2026-10-01"));
    assert_eq!(
        triggers(&much_later),
        ["long_administrative_processing_severe"]
    );
    assert_eq!(much_later.legal_help.urgency, Urgency::Soon);
}

#[test]
fn petition_returned_to_uscis() {
    let toml = r#"
visa = "K-1"
post = "GUZ"
petition_approved_on = 2025-01-10
interview_on = 2025-04-01
[[status]]
on = 2025-04-01
status = "Refused"
[[status]]
on = 2025-08-15
status = "Department of State Sent Case to USCIS For Review"
source = "uscis"
[refusal]
on = 2025-04-01
"#;
    let p = plan(&case(toml, "2025-09-01"), k(), d("2025-09-01"));
    assert_eq!(p.stage, Stage::PetitionReturned);
    assert_eq!(p.legal_help.urgency, Urgency::Now);
    assert_eq!(triggers(&p)[0], "petition_returned");
    assert!(p.next_steps.iter().any(|s| s.id == "petition_returned"));
    // Reaffirmed by USCIS: back to the consulate, the alarm clears.
    let reaffirmed = format!(
        "{toml}[[status]]\non = 2025-11-01\nstatus = \"Case Approval Was Reaffirmed And Mailed Back To Department Of State\"\nsource = \"uscis\"\n"
    );
    let p = plan(&case(&reaffirmed, "2025-11-05"), k(), d("2025-11-05"));
    assert!(!triggers(&p).contains(&"petition_returned"));
}

#[test]
fn medical_expiring_during_administrative_processing() {
    let toml = r#"
visa = "K-1"
post = "BGT"
interview_on = 2025-05-05
[refusal]
on = 2025-05-05
requested = ["relationship_evidence"]
submitted_on = 2025-06-01
[[documents]]
kind = "medical_exam"
issued_on = 2025-01-20
status = "submitted"
[[documents]]
kind = "police_certificate"
issued_on = 2024-03-01
status = "submitted"
"#;
    let p = plan(&case(toml, "2025-06-10"), k(), d("2025-06-10"));
    assert_eq!(p.stage, Stage::AdministrativeProcessing);
    assert_eq!(
        deadline(&p, DeadlineKind::Reconsideration221g).state,
        DeadlineState::Met
    );
    let med = p
        .expiries
        .iter()
        .find(|e| e.document == "medical_exam")
        .expect("medical expiry");
    assert_eq!(
        med.expires_on,
        d("2025-07-20"),
        "six months from the exam, from the catalogue's rule"
    );
    assert_eq!(med.basis, "rule");
    assert_eq!(
        med.status,
        ExpiryStatus::Expiring,
        "expires before AP plausibly ends (submitted + 60 days)"
    );
    assert_eq!(med.renew_by, Some(d("2025-07-20")));
    let police = p
        .expiries
        .iter()
        .find(|e| e.document == "police_certificate")
        .expect("police expiry");
    assert_eq!(police.status, ExpiryStatus::Ok);
    assert!(triggers(&p).contains(&"expiring_document"));
    assert!(
        triggers(&p).contains(&"relationship_evidence_requested")
            && !triggers(&p).contains(&"relationship_doubted"),
        "a first request for relationship evidence suggests considering a lawyer, no more: {:?}",
        triggers(&p)
    );
    assert!(
        step(&p, "gather:relationship_evidence").done,
        "submitted on 2025-06-01"
    );
}

#[test]
fn deadline_in_20_days_with_documents_missing() {
    let p = plan(&case(FRESH_221G, "2026-05-13"), k(), d("2026-05-13"));
    let w = deadline(&p, DeadlineKind::Reconsideration221g);
    assert_eq!(w.days_left, 20);
    assert_eq!(w.state, DeadlineState::DueSoon);
    assert!(triggers(&p).contains(&"deadline_approaching"));
    assert_eq!(p.legal_help.urgency, Urgency::Soon);
    // A day after the window: passed, and flagged as passed (not as "closing").
    let late = plan(&case(FRESH_221G, "2026-06-03"), k(), d("2026-06-03"));
    assert_eq!(
        deadline(&late, DeadlineKind::Reconsideration221g).state,
        DeadlineState::Passed
    );
    assert!(triggers(&late).contains(&"deadline_passed"));
    assert!(!triggers(&late).contains(&"deadline_approaching"));
}

#[test]
fn issued_visa_not_yet_used() {
    let toml = r#"
visa = "K-1"
post = "BNK"
interview_on = 2025-08-01
visa_issued_on = 2025-08-20
[[documents]]
kind = "medical_exam"
issued_on = 2025-06-10
status = "submitted"
"#;
    let p = plan(&case(toml, "2025-09-01"), k(), d("2025-09-01"));
    assert_eq!(p.stage, Stage::VisaIssued);
    let v = deadline(&p, DeadlineKind::VisaValidity);
    assert_eq!(
        v.due,
        d("2025-12-10"),
        "capped by the medical exam, not issuance + 6 months"
    );
    assert!(v.notes.iter().any(|n| n.contains("medical")));
    let entry = deadline(&p, DeadlineKind::Entry);
    assert_eq!(entry.due, d("2025-12-10"));
    assert_eq!(entry.state, DeadlineState::Upcoming);
    assert!(!step(&p, "enter_us").done);
    assert!(
        p.expiries
            .iter()
            .all(|e| e.status != ExpiryStatus::Expiring),
        "nothing to renew once issued"
    );
}

#[test]
fn entered_with_the_90_days_running() {
    let toml = r#"
visa = "K-1"
post = "SDO"
visa_issued_on = 2025-07-01
entered_us_on = 2025-08-15
"#;
    let p = plan(&case(toml, "2025-09-01"), k(), d("2025-09-01"));
    assert_eq!(p.stage, Stage::InTheUs);
    let m = deadline(&p, DeadlineKind::Marriage90Days);
    assert_eq!(m.due, d("2025-11-13"), "90 days after entry");
    assert_eq!(m.state, DeadlineState::Upcoming);
    assert_eq!(deadline(&p, DeadlineKind::Entry).state, DeadlineState::Met);
    assert!(
        step(&p, "marry_within_90_days")
            .detail
            .contains("2025-11-13")
    );
}

#[test]
fn k2_follow_to_join() {
    let toml = r#"
visa = "K-2"
post = "MNL"
principal_visa_issued_on = 2025-03-01
"#;
    let p = plan(&case(toml, "2025-04-01"), k(), d("2025-04-01"));
    let f = deadline(&p, DeadlineKind::K2FollowToJoin);
    assert_eq!(f.due, d("2026-03-01"));
    assert!(p.next_steps.iter().any(|s| s.id == "k2_follow_to_join"));
}

#[test]
fn leap_day_refusal_window_ends_on_february_28() {
    let toml = FRESH_221G
        .replace("2025-06-02", "2024-02-29")
        .replace("2025-03-14", "2024-01-10");
    let p = plan(&case(&toml, "2024-03-01"), k(), d("2024-03-01"));
    assert_eq!(
        deadline(&p, DeadlineKind::Reconsideration221g).due,
        d("2025-02-28")
    );
}

#[test]
fn nationality_under_a_restriction_is_warned_first() {
    let k = k();
    let Some(r) = k.restrictions.iter().find(|r| {
        r.applies_to_k != visanav_core::knowledge::KVisaCoverage::No && !r.countries.is_empty()
    }) else {
        panic!("the knowledge base should hold at least one restriction covering K visas");
    };
    let nat = &r.countries[0];
    let toml = FRESH_221G.replace("nationality = \"PH\"", &format!("nationality = \"{nat}\""));
    let today = r
        .effective_on
        .parse::<Date>()
        .expect("date")
        .max(d("2025-06-10"));
    let p = plan(&case(&toml, &today.to_string()), k, today);
    assert!(!p.warnings.is_empty());
    assert_eq!(
        p.next_steps[0].id, "policy_restriction",
        "sending documents is not enough"
    );
    assert_eq!(triggers(&p)[0], "policy_restriction");
    assert_eq!(p.legal_help.urgency, Urgency::Now);
}

#[test]
fn misrepresentation_and_repeated_refusals_are_flagged() {
    let toml = r#"
visa = "K-1"
post = "LGS"
interview_on = 2025-02-01
[[status]]
on = 2025-02-01
status = "Refused"
[[status]]
on = 2025-03-01
status = "Administrative Processing"
[[status]]
on = 2025-05-01
status = "Refused"
[refusal]
on = 2025-02-01
sections = ["221(g)", "212(a)(6)(C)(i)"]
"#;
    let p = plan(&case(toml, "2025-05-02"), k(), d("2025-05-02"));
    let t = triggers(&p);
    assert_eq!(t[0], "misrepresentation");
    assert!(t.contains(&"repeated_221g"), "{t:?}");
    let asked_again = toml.replace(
        "sections = [\"221(g)\", \"212(a)(6)(C)(i)\"]",
        "requested = [\"relationship_evidence\"]",
    );
    let p = plan(&case(&asked_again, "2025-05-02"), k(), d("2025-05-02"));
    let t = triggers(&p);
    assert!(
        t.contains(&"relationship_doubted") && !t.contains(&"relationship_evidence_requested"),
        "{t:?}"
    );
    assert_eq!(p.legal_help.urgency, Urgency::Soon);
}

#[test]
fn json_shape_matches_the_documented_interface() {
    let p = plan(&case(FRESH_221G, "2025-06-10"), k(), d("2025-06-10"));
    let v = serde_json::to_value(&p).expect("json");
    let dl = &v["deadlines"][0];
    for key in ["kind", "due", "consequence", "sources"] {
        assert!(dl.get(key).is_some(), "deadline has {key}: {dl}");
    }
    assert!(
        v["deadlines"]
            .as_array()
            .expect("array")
            .iter()
            .any(|d| d["kind"] == "221g_reconsideration")
    );
    for key in ["step", "done", "detail"] {
        assert!(v["next_steps"][0].get(key).is_some());
    }
    for key in ["recommended", "urgency", "reasons"] {
        assert!(v["legal_help"].get(key).is_some());
    }
    assert!(
        v["disclaimer"]
            .as_str()
            .is_some_and(|s| s.contains("not legal advice"))
    );
    let m = plan(
        &case(
            FRESH_221G
                .replace(
                    "status = \"needed\"",
                    "issued_on = 2025-01-01\nstatus = \"gathered\"",
                )
                .as_str(),
            "2027-06-10",
        ),
        k(),
        d("2027-06-10"),
    );
    let e = &serde_json::to_value(&m).expect("json")["expiries"][0];
    for key in ["document", "expires_on", "status", "renew_by"] {
        assert!(e.get(key).is_some(), "expiry has {key}: {e}");
    }
}

// ---- class 1: restrictions look at dates, what they stop, and the stage ------------------

/// Nigeria is under the immigrant-visa pause (from 2026-01-21, issuance only), the partial
/// suspension of Proclamation 10998 (from 2026-01-01) and a USCIS hold. A K-1 visa issued
/// before the pause, with 18 days left to travel, is reached by none of them.
const ISSUED_BEFORE_PAUSE: &str = r#"
visa = "K-1"
post = "LGS"
interview_on = 2026-01-12
visa_issued_on = 2026-01-15
[beneficiary]
nationality = "NG"
[[documents]]
kind = "medical_exam"
issued_on = 2025-11-20
status = "submitted"
"#;

#[test]
fn visa_issued_before_an_issuance_pause_is_not_told_to_stop() {
    let p = plan(
        &case(ISSUED_BEFORE_PAUSE, "2026-05-02"),
        k(),
        d("2026-05-02"),
    );
    assert_eq!(p.stage, Stage::VisaIssued);
    assert!(p.warnings.is_empty(), "{:#?}", p.warnings);
    let pause = p
        .set_aside
        .iter()
        .find(|s| s.restriction == "iv-pause-75-countries-2026")
        .expect("the pause is checked and set aside");
    assert!(pause.why.contains("already issued"), "{}", pause.why);
    assert!(p.legal_help.urgency < Urgency::Now, "{:?}", triggers(&p));
    assert!(!p.next_steps.iter().any(|s| s.id == "policy_restriction"));
    let entry = deadline(&p, DeadlineKind::Entry);
    assert_eq!(entry.days_left, 18);
    let enter = step(&p, "enter_us");
    assert_eq!(enter.by.as_ref().map(|b| b.date), Some(d("2026-05-20")));
    assert_eq!(
        p.next_steps[0].id, "enter_us",
        "travelling is the first thing to do"
    );
}

#[test]
fn proclamation_spares_visas_issued_before_it_but_stops_new_ones() {
    let before = ISSUED_BEFORE_PAUSE
        .replace("\"NG\"", "\"IR\"")
        .replace("2026-01-12", "2025-12-10")
        .replace("2026-01-15", "2025-12-20");
    let p = plan(&case(&before, "2026-02-01"), k(), d("2026-02-01"));
    assert!(p.warnings.is_empty(), "{:#?}", p.warnings);
    assert!(
        p.set_aside
            .iter()
            .any(|s| s.restriction == "pp10998-full" && s.why.contains("before it took effect")),
        "{:#?}",
        p.set_aside
    );
    // Not issued yet: the same nationality is stopped.
    let waiting = FRESH_221G.replace("\"PH\"", "\"IR\"");
    let p = plan(&case(&waiting, "2026-02-01"), k(), d("2026-02-01"));
    assert!(p.warnings.iter().any(|w| w.restriction == "pp10998-full"));
    assert_eq!(p.next_steps[0].id, "policy_restriction");
    // Before the proclamation took effect, it is only announced.
    let p = plan(&case(&waiting, "2025-12-20"), k(), d("2025-12-20"));
    assert!(!p.warnings.iter().any(|w| w.restriction == "pp10998-full"));
    assert!(
        p.set_aside.iter().any(
            |s| s.restriction == "pp10998-full" && s.why.contains("takes effect on 2026-01-01")
        )
    );
}

#[test]
fn after_entry_only_a_uscis_hold_reaches_the_case() {
    let toml = r#"
visa = "K-1"
post = "ABU"
visa_issued_on = 2025-11-01
entered_us_on = 2026-02-10
[beneficiary]
nationality = "IR"
"#;
    let p = plan(&case(toml, "2026-03-01"), k(), d("2026-03-01"));
    assert!(!p.warnings.is_empty());
    assert!(
        p.warnings.iter().all(|w| !w.stops_visa_or_entry()),
        "issuance and entry are behind this person: {:#?}",
        p.warnings
    );
    assert!(triggers(&p).contains(&"uscis_benefit_hold"));
    assert!(!triggers(&p).contains(&"policy_restriction"));
    assert_eq!(p.legal_help.urgency, Urgency::Soon);
}

// ---- class 2: a send-by date is the earliest deadline it serves ---------------------------

const K2_REFUSED: &str = r#"
visa = "K-2"
post = "MNL"
principal_visa_issued_on = 2025-03-01
interview_on = 2025-09-10
[[status]]
on = 2025-09-10
status = "Refused"
[refusal]
on = 2025-09-10
requested = ["birth_certificate"]
"#;

#[test]
fn k2_documents_are_due_by_the_follow_to_join_date() {
    let p = plan(&case(K2_REFUSED, "2025-10-01"), k(), d("2025-10-01"));
    assert_eq!(
        deadline(&p, DeadlineKind::Reconsideration221g).due,
        d("2026-09-10")
    );
    let submit = step(&p, "submit_documents");
    let by = submit.by.as_ref().expect("a send-by date");
    assert_eq!(
        by.date,
        d("2026-03-01"),
        "the K-2 visa must be issued by then"
    );
    assert_eq!(by.deadline, DeadlineKind::K2FollowToJoin);
    assert!(
        submit.detail.contains("Send everything by 2026-03-01")
            && !submit.detail.contains("Send everything by 2026-09-10"),
        "{}",
        submit.detail
    );
    assert!(
        submit.detail.contains("K-2"),
        "names the deadline: {}",
        submit.detail
    );
    assert_eq!(
        step(&p, "gather:birth_certificate")
            .by
            .as_ref()
            .map(|b| b.date),
        Some(d("2026-03-01"))
    );
    // Within the warning period of the K-2 date (long before the 221(g) year ends).
    let soon = plan(&case(K2_REFUSED, "2026-02-01"), k(), d("2026-02-01"));
    assert!(
        triggers(&soon).contains(&"deadline_approaching"),
        "{:?}",
        triggers(&soon)
    );
    // Past the K-2 date: no send-by date in the past; the year is over for the child.
    let late = plan(&case(K2_REFUSED, "2026-03-05"), k(), d("2026-03-05"));
    let submit = step(&late, "submit_documents");
    assert!(submit.by.is_none());
    assert!(
        submit.detail.contains("passed on 2026-03-01"),
        "{}",
        submit.detail
    );
    assert!(triggers(&late).contains(&"deadline_passed"));
}

// ---- class 3: after the window closes, say so and what can still be done ------------------

#[test]
fn window_closed_says_so_and_what_can_still_be_done() {
    let p = plan(&case(FRESH_221G, "2026-07-01"), k(), d("2026-07-01"));
    assert_eq!(
        deadline(&p, DeadlineKind::Reconsideration221g).state,
        DeadlineState::Passed
    );
    assert!(
        !p.next_steps.iter().any(|s| s.id == "submit_documents"),
        "no 'send everything by' a date in the past"
    );
    for s in &p.next_steps {
        assert!(!s.detail.contains("Send everything by"), "{}", s.detail);
        if let Some(by) = &s.by {
            assert!(by.date >= p.today, "{} by {}", s.id, by.date);
        }
    }
    let closed = step(&p, "window_closed");
    assert!(
        closed.step.contains("closed on 2026-06-02"),
        "{}",
        closed.step
    );
    for option in ["Ask the post", "Reinstatement", "Refile"] {
        assert!(
            closed.detail.contains(option),
            "{option}: {}",
            closed.detail
        );
    }
    let re = deadline(&p, DeadlineKind::Reinstatement221g);
    assert_eq!(re.due, d("2027-06-02"), "two years after the refusal");
    assert_eq!(
        closed.by.as_ref().map(|b| (b.date, b.deadline)),
        Some((d("2027-06-02"), DeadlineKind::Reinstatement221g))
    );
    assert_eq!(p.legal_help.urgency, Urgency::Now);
    assert_eq!(triggers(&p)[0], "deadline_passed");
    assert!(!triggers(&p).contains(&"deadline_approaching"));
    assert_eq!(p.next_steps[0].id, "talk_to_attorney");
}

// ---- class 4: a second refusal does not restart the count silently -----------------------

#[test]
fn second_refusal_counts_from_the_first_and_says_so() {
    let toml = r#"
visa = "K-1"
post = "HCM"
interview_on = 2025-06-02
[[status]]
on = 2025-06-02
status = "Refused"
[[status]]
on = 2025-08-01
status = "Administrative Processing"
[[status]]
on = 2025-10-15
status = "Refused"
[refusal]
on = 2025-10-15
requested = ["relationship_evidence"]
"#;
    let p = plan(&case(toml, "2025-11-01"), k(), d("2025-11-01"));
    let w = deadline(&p, DeadlineKind::Reconsideration221g);
    assert_eq!(
        w.due,
        d("2026-06-02"),
        "from the first refusal, the safe date"
    );
    let from = w.counted_from.as_ref().expect("counted_from");
    assert_eq!(from.on, d("2025-06-02"));
    assert_eq!(from.event, "the first refusal");
    assert_eq!(from.later, [d("2025-10-15")]);
    assert!(from.uncertain.is_some() && !from.sources.is_empty());
    assert!(
        w.notes
            .iter()
            .any(|n| n.contains("2025-06-02") && n.contains("2026-10-15")),
        "shows both dates: {:?}",
        w.notes
    );
    assert_eq!(
        step(&p, "submit_documents").by.as_ref().map(|b| b.date),
        Some(d("2026-06-02"))
    );
    // A refusal whose year had already run out belongs to an earlier application.
    let old = toml
        .replace(
            "on = 2025-06-02\nstatus = \"Refused\"",
            "on = 2023-01-10\nstatus = \"Refused\"",
        )
        .replace("interview_on = 2025-06-02", "interview_on = 2023-01-10");
    let p = plan(&case(&old, "2025-11-01"), k(), d("2025-11-01"));
    let w = deadline(&p, DeadlineKind::Reconsideration221g);
    assert_eq!(w.due, d("2026-10-15"));
    assert_eq!(
        w.counted_from.as_ref().map(|c| c.event),
        Some("the refusal")
    );
}

// ---- class 5: a petition back at USCIS ----------------------------------------------------

#[test]
fn petition_at_uscis_puts_the_attorney_first_and_drops_consular_advice() {
    let toml = r#"
visa = "K-1"
post = "GUZ"
petition_approved_on = 2025-01-10
interview_on = 2025-04-01
[[status]]
on = 2025-04-01
status = "Refused"
[[status]]
on = 2025-08-15
status = "Department of State Sent Case to USCIS For Review"
source = "uscis"
[refusal]
on = 2025-04-01
"#;
    // Eight months after the refusal: long enough for the consular waits to have triggered.
    let p = plan(&case(toml, "2025-12-01"), k(), d("2025-12-01"));
    assert_eq!(p.legal_help.urgency, Urgency::Now);
    assert_eq!(p.next_steps[0].id, "petition_returned");
    let monitor = step(&p, "monitor_status");
    assert!(
        !monitor.detail.contains("administrative processing ends")
            && !monitor.detail.contains("ask the post"),
        "{}",
        monitor.detail
    );
    assert!(monitor.detail.contains("USCIS"), "{}", monitor.detail);
    assert!(
        !triggers(&p)
            .iter()
            .any(|t| t.starts_with("long_administrative")),
        "{:?}",
        triggers(&p)
    );
    let validity = deadline(&p, DeadlineKind::PetitionValidity);
    assert_eq!(
        validity.state,
        DeadlineState::Passed,
        "lapsed at USCIS, not met"
    );
    assert!(
        validity.notes.iter().any(|n| n.contains("USCIS")),
        "{:?}",
        validity.notes
    );
}

// ---- class 6: what people read ------------------------------------------------------------

#[test]
fn post_remarks_show_only_at_their_post() {
    let toml = r#"
visa = "K-1"
post = "POST"
interview_on = 2025-08-01
visa_issued_on = 2025-08-20
"#;
    // What people read: consequences, notes and step details (the `uncertain` texts may say
    // which post a source is, as provenance).
    let at = |post: &str| {
        let p = plan(
            &case(&toml.replace("POST", post), "2025-09-01"),
            k(),
            d("2025-09-01"),
        );
        let mut shown = String::new();
        for d in &p.deadlines {
            shown.push_str(d.consequence);
            shown.push_str(&d.notes.join(" "));
        }
        for s in &p.next_steps {
            shown.push_str(&s.detail);
        }
        shown
    };
    assert!(at("LND").contains("London asks"), "London's own remark");
    let manila = at("MNL");
    assert!(!manila.contains("London"), "{manila}");
}

// ---- properties ----------------------------------------------------------------------------

/// City names of the posts that interview K applicants, other than `post`'s, leaving out names
/// that are also country names (Singapore, Kuwait City).
fn other_k_posts(post: &str) -> Vec<&'static str> {
    let k = k();
    k.posts
        .iter()
        .filter(|p| p.code != post && p.k_visas == KVisaHandling::Processed)
        .map(|p| p.name.as_str())
        .filter(|n| {
            !k.countries
                .iter()
                .any(|c| n.contains(c.name.as_str()) || c.name.contains(n))
        })
        .collect()
}

/// True when `text` names `city` as a word.
fn names(text: &str, city: &str) -> bool {
    text.match_indices(city).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + city.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

fn date_strategy() -> impl Strategy<Value = Date> {
    // 2015-01-01 .. about 2031: wide enough to cover every ordering of events.
    (0i64..6000).prop_map(|n| {
        d("2015-01-01")
            .checked_add(jiff::Span::new().days(n))
            .expect("in range")
    })
}

fn opt_date() -> impl Strategy<Value = Option<Date>> {
    prop::option::of(date_strategy())
}

const KINDS: &[&str] = &[
    "passport",
    "medical_exam",
    "police_certificate",
    "relationship_evidence",
    "i134_support",
    "birth_certificate",
];
const STATUSES: &[(&str, StatusSource)] = &[
    ("Refused", StatusSource::Ceac),
    ("Administrative Processing", StatusSource::Ceac),
    ("Issued", StatusSource::Ceac),
    ("Ready", StatusSource::Ceac),
    (
        "Department of State Sent Case to USCIS For Review",
        StatusSource::Uscis,
    ),
    ("Case Was Approved", StatusSource::Uscis),
];

fn doc_strategy() -> impl Strategy<Value = CaseDocument> {
    (0..KINDS.len(), opt_date(), opt_date(), 0..3usize).prop_map(|(k, issued_on, expires_on, s)| {
        CaseDocument {
            kind: KINDS[k].to_string(),
            country: None,
            issued_on,
            expires_on,
            status: [
                DocumentStatus::Needed,
                DocumentStatus::Gathered,
                DocumentStatus::Submitted,
            ][s],
            status_on: None,
            note: None,
        }
    })
}

fn case_strategy() -> impl Strategy<Value = CaseFile> {
    let refusal = prop::option::of((
        date_strategy(),
        prop::collection::vec(0..KINDS.len(), 0..4),
        opt_date(),
        prop::sample::select(vec![
            "221(g)",
            "212(a)(4)",
            "212(a)(6)(C)(i)",
            "212(a)(9)(B)",
        ]),
    ))
    .prop_map(|r| {
        r.map(|(on, req, submitted_on, extra)| Refusal {
            on,
            sections: vec!["221(g)".into(), extra.into()],
            requested: req.into_iter().map(|i| KINDS[i].to_string()).collect(),
            submitted_on,
            notes: None,
        })
    });
    let statuses =
        prop::collection::vec((date_strategy(), 0..STATUSES.len()), 0..5).prop_map(|v| {
            v.into_iter()
                .map(|(on, i)| StatusObservation {
                    on,
                    status: STATUSES[i].0.into(),
                    last_updated: None,
                    source: STATUSES[i].1,
                })
                .collect::<Vec<_>>()
        });
    (
        prop::bool::ANY,
        (opt_date(), opt_date(), opt_date(), opt_date(), opt_date()),
        refusal,
        prop::collection::vec(doc_strategy(), 0..5),
        statuses,
        prop::sample::select(vec!["MNL", "HCM", "MEX", "LND", "GUZ", "BMB", "BGT", "XXX"]),
        prop::sample::select(vec![None, Some("PH"), Some("IR"), Some("NG"), Some("US")]),
    )
        .prop_map(
            |(
                k2,
                (approved, interview, issued, entered, principal),
                refusal,
                documents,
                status,
                post,
                nat,
            )| CaseFile {
                visa: if k2 { VisaClass::K2 } else { VisaClass::K1 },
                post: post.into(),
                ceac_case_number: None,
                ds160_id: None,
                uscis_receipt: None,
                passport_number: None,
                surname: None,
                petition_approved_on: approved,
                interview_on: interview,
                visa_issued_on: issued,
                entered_us_on: entered,
                principal_visa_issued_on: principal,
                beneficiary: nat.map(|n| visanav_core::casefile::Person {
                    nationality: Some(n.into()),
                    ..Default::default()
                }),
                petitioner: None,
                status,
                refusal,
                documents,
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    /// Any combination of dates, even ones validation would refuse, yields a plan.
    #[test]
    fn never_panics_and_deadlines_follow_their_events(c in case_strategy(), today in date_strategy()) {
        let p = plan(&c, k(), today);
        for dl in &p.deadlines {
            let event = match dl.kind {
                DeadlineKind::Reconsideration221g => c.refusal.as_ref().map(|r| r.on),
                DeadlineKind::PetitionValidity => c.petition_approved_on,
                DeadlineKind::VisaValidity | DeadlineKind::Entry => c.visa_issued_on,
                DeadlineKind::Marriage90Days => c.entered_us_on,
                DeadlineKind::K2FollowToJoin => c.principal_visa_issued_on,
                DeadlineKind::Reinstatement221g => c.refusal.as_ref().map(|r| r.on),
            };
            let event = event.expect("a deadline exists only when its event does");
            prop_assert!(dl.due >= event, "{:?} due {} before its event {}", dl.kind, dl.due, event);
        }
        prop_assert_eq!(p.legal_help.recommended, !p.legal_help.reasons.is_empty());
        let max = p.legal_help.reasons.iter().map(|r| r.urgency).max().unwrap_or(Urgency::None);
        prop_assert_eq!(p.legal_help.urgency, max);
    }

    /// Class 2 and 3: a step's date to act by is the earliest open deadline among those it
    /// serves, names that deadline, and is never in the past; once one has passed, no date.
    #[test]
    fn every_act_by_date_is_the_earliest_deadline_it_serves(c in case_strategy(), today in date_strategy()) {
        let p = plan(&c, k(), today);
        for s in p.next_steps.iter().filter(|s| !s.done) {
            let serves: &[DeadlineKind] = match s.id.as_str() {
                "submit_documents" => &[DeadlineKind::Reconsideration221g, DeadlineKind::K2FollowToJoin],
                id if id.starts_with("gather:") && c.refusal.as_ref().is_some_and(|r| r.requested.iter().any(|x| format!("gather:{x}") == id)) =>
                    &[DeadlineKind::Reconsideration221g, DeadlineKind::K2FollowToJoin],
                "window_closed" => &[DeadlineKind::Reinstatement221g, DeadlineKind::K2FollowToJoin],
                "enter_us" => &[DeadlineKind::Entry],
                "marry_within_90_days" => &[DeadlineKind::Marriage90Days],
                "k2_follow_to_join" => &[DeadlineKind::K2FollowToJoin],
                _ => {
                    prop_assert!(s.by.is_none(), "{} has a date but serves nothing", s.id);
                    continue;
                }
            };
            let served: Vec<_> = p.deadlines.iter().filter(|d| serves.contains(&d.kind)).collect();
            let passed = served.iter().any(|d| d.state == DeadlineState::Passed);
            let open = served
                .iter()
                .filter(|d| matches!(d.state, DeadlineState::Upcoming | DeadlineState::DueSoon))
                .min_by_key(|d| d.due);
            match (&s.by, passed, open) {
                (Some(by), false, Some(first)) => {
                    prop_assert_eq!(by.date, first.due, "{}", s.id);
                    prop_assert_eq!(by.deadline, first.kind, "{}", s.id);
                    prop_assert!(by.date >= today, "{} by {} before {}", s.id, by.date, today);
                }
                (None, true, _) | (None, _, None) => {}
                (by, passed, open) => prop_assert!(false, "{}: by {:?}, passed {}, open {:?}", s.id, by, passed, open.map(|d| d.due)),
            }
            // The words say the same date.
            for (i, _) in s.detail.match_indices(" by ") {
                let rest = &s.detail[i + 4..];
                if let Some(date) = rest.get(..10).and_then(|t| t.parse::<Date>().ok()) {
                    prop_assert_eq!(Some(date), s.by.as_ref().map(|b| b.date), "{}: {}", s.id, s.detail);
                }
            }
        }
        // A requested document that must be renewed is renewed in time to be sent.
        if let Some(submit) = p.next_steps.iter().find(|s| s.id == "submit_documents")
            && let Some(by) = &submit.by
        {
            for e in &p.expiries {
                let requested = c.refusal.as_ref().is_some_and(|r| r.requested.iter().any(|x| x == e.document));
                if requested && let Some(r) = e.renew_by {
                    prop_assert!(r <= by.date, "{} renew by {} after send-by {}", e.document, r, by.date);
                }
            }
        }
    }

    /// Class 1: a warning only for a restriction in force that stops something still ahead.
    #[test]
    fn restriction_warnings_fit_the_stage_and_dates(c in case_strategy(), today in date_strategy()) {
        let p = plan(&c, k(), today);
        for w in &p.warnings {
            let r = k().restrictions.iter().find(|r| r.id == w.restriction).expect("known");
            prop_assert!(r.effective_on.parse::<Date>().expect("date") <= today);
            let stops = |x: Restricts| r.restricts.contains(&x);
            match p.stage {
                Stage::InTheUs => prop_assert!(
                    stops(Restricts::UscisBenefits),
                    "{} stops nothing ahead of someone already admitted", r.id
                ),
                Stage::VisaIssued => prop_assert!(
                    stops(Restricts::Entry),
                    "{} stops no entry, yet warns a case whose visa is issued", r.id
                ),
                _ => {}
            }
        }
    }

    /// Class 5: when an attorney is needed now, that is the first step.
    #[test]
    fn urgent_legal_help_comes_first(c in case_strategy(), today in date_strategy()) {
        let p = plan(&c, k(), today);
        if p.legal_help.urgency == Urgency::Now {
            let first = p.next_steps.first().map(|s| s.id.as_str());
            prop_assert!(
                matches!(first, Some("policy_restriction" | "petition_returned" | "talk_to_attorney")),
                "first step {:?} with {:?}", first, p.legal_help.reasons.iter().map(|r| r.trigger).collect::<Vec<_>>()
            );
        }
    }

    /// Class 6: every item people read has its main source, and nothing written for one post
    /// shows at another.
    #[test]
    fn every_item_has_a_source_and_no_other_posts_remarks(c in case_strategy(), today in date_strategy()) {
        let p = plan(&c, k(), today);
        for d in &p.deadlines {
            prop_assert!(!d.sources.is_empty(), "{:?}", d.kind);
        }
        for s in &p.next_steps {
            prop_assert!(!s.sources.is_empty(), "step {}", s.id);
        }
        for r in &p.legal_help.reasons {
            prop_assert!(!r.sources.is_empty(), "{}", r.trigger);
        }
        for w in &p.warnings {
            prop_assert!(!w.sources.is_empty(), "{}", w.restriction);
        }
        for e in &p.expiries {
            prop_assert!(!e.sources.is_empty(), "{}", e.document);
        }
        let mut shown: Vec<&str> = Vec::new();
        for d in &p.deadlines {
            shown.extend([d.title, d.consequence]);
            shown.extend(d.notes.iter().map(String::as_str));
        }
        for s in &p.next_steps {
            shown.extend([s.step.as_str(), s.detail.as_str()]);
        }
        for r in &p.legal_help.reasons {
            shown.extend([r.title, r.reason]);
        }
        for w in &p.warnings {
            shown.extend([w.title, w.effect, w.why.as_str()]);
        }
        for e in &p.expiries {
            shown.extend(e.notes.iter().copied());
        }
        for other in other_k_posts(&c.post) {
            for text in &shown {
                prop_assert!(!names(text, other), "{other:?} named at {}: {text}", c.post);
            }
        }
    }

    /// Having something in hand never gives the person more to do.
    #[test]
    fn adding_a_submitted_document_never_adds_a_step(c in case_strategy(), extra in doc_strategy(), today in date_strategy()) {
        let before = plan(&c, k(), today).next_steps;
        let mut more = c.clone();
        more.documents.push(CaseDocument { status: DocumentStatus::Submitted, ..extra });
        let after = plan(&more, k(), today).next_steps;
        let open = |s: &[visanav_core::plan::NextStep<'_>]| s.iter().filter(|x| !x.done).count();
        prop_assert!(after.len() <= before.len(), "{} steps became {}", before.len(), after.len());
        prop_assert!(open(&after) <= open(&before));
    }
}
