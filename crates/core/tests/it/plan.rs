//! Plan scenarios (each a situation real applicants are in) and property tests.

use jiff::civil::Date;
use proptest::prelude::*;
use visanav_core::casefile::{
    CaseDocument, CaseFile, DocumentStatus, Format, Refusal, StatusObservation, VisaClass,
};
use visanav_core::knowledge::{Knowledge, StatusSource, Urgency};
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

fn step<'a>(p: &'a Plan<'_>, id: &str) -> &'a visanav_core::plan::NextStep {
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
    // A day after the window: passed, and still flagged.
    let late = plan(&case(FRESH_221G, "2026-06-03"), k(), d("2026-06-03"));
    assert_eq!(
        deadline(&late, DeadlineKind::Reconsideration221g).state,
        DeadlineState::Passed
    );
    assert!(triggers(&late).contains(&"deadline_approaching"));
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

// ---- properties ----------------------------------------------------------------------------

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
        prop::sample::select(vec!["MNL", "HCM", "MEX", "LND", "XXX"]),
        prop::sample::select(vec![None, Some("PH"), Some("IR"), Some("US")]),
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
            };
            let event = event.expect("a deadline exists only when its event does");
            prop_assert!(dl.due >= event, "{:?} due {} before its event {}", dl.kind, dl.due, event);
        }
        prop_assert_eq!(p.legal_help.recommended, !p.legal_help.reasons.is_empty());
        let max = p.legal_help.reasons.iter().map(|r| r.urgency).max().unwrap_or(Urgency::None);
        prop_assert_eq!(p.legal_help.urgency, max);
    }

    /// Having something in hand never gives the person more to do.
    #[test]
    fn adding_a_submitted_document_never_adds_a_step(c in case_strategy(), extra in doc_strategy(), today in date_strategy()) {
        let before = plan(&c, k(), today).next_steps;
        let mut more = c.clone();
        more.documents.push(CaseDocument { status: DocumentStatus::Submitted, ..extra });
        let after = plan(&more, k(), today).next_steps;
        let open = |s: &[visanav_core::plan::NextStep]| s.iter().filter(|x| !x.done).count();
        prop_assert!(after.len() <= before.len(), "{} steps became {}", before.len(), after.len());
        prop_assert!(open(&after) <= open(&before));
    }
}
