use super::*;
use crate::calendar::ical::{Calendar, Stamp, write_calendar};
use crate::casefile::Format;
use crate::plan::{DeadlineKind, kind_name, plan};

const EXAMPLE: &str = include_str!("../../../../examples/k1-manila-221g.toml");

const LINKS: FeedLinks<'static> = FeedLinks {
    base_url: "https://visa.example.org/",
    uid_domain: "visa.example.org",
};

/// Everything personal in the example case file.
const PERSONAL: &[&str] = &[
    "Maria",
    "Santos",
    "SANTOS",
    "Whitfield",
    "Daniel",
    "MNL2025512345",
    "P1234567A",
    "AA00B7QPGN",
    "IOE0912345678",
    "1996-04-12",
    "Officer kept",
];

fn example(k: &Knowledge) -> CaseFile {
    CaseFile::parse(
        EXAMPLE,
        Format::Toml,
        k,
        "2025-07-01".parse().expect("date"),
    )
    .expect("example validates")
}

fn events_on(today: &str) -> (Vec<Event>, Vec<(DeadlineKind, DeadlineState)>) {
    let k = Knowledge::embedded().expect("knowledge");
    let case = example(&k);
    let p = plan(&case, &k, today.parse().expect("date"));
    let states = p.deadlines.iter().map(|d| (d.kind, d.state)).collect();
    (
        case_events("c1", &case, &p, &k, &LINKS, DEFAULT_LEAD_DAYS),
        states,
    )
}

#[test]
fn the_label_names_visa_and_post_only() {
    let k = Knowledge::embedded().expect("knowledge");
    assert_eq!(case_label(&example(&k), &k), "K-1 case, Manila");
}

#[test]
fn open_deadlines_become_all_day_events_with_reminders() {
    let (events, states) = events_on("2025-07-01");
    let open = states
        .iter()
        .filter(|(_, s)| {
            matches!(
                s,
                DeadlineState::Upcoming | DeadlineState::DueSoon | DeadlineState::Running
            )
        })
        .count();
    assert!(open > 0, "the example has open deadlines: {states:?}");
    let reconsideration = events
        .iter()
        .find(|e| e.uid == "221g_reconsideration.c1@visa.example.org")
        .expect("the 221(g) window is in the feed");
    assert_eq!(
        reconsideration.when,
        When::AllDay("2026-06-02".parse().expect("date"))
    );
    assert!(reconsideration.summary.starts_with("Last day: "));
    assert!(reconsideration.summary.ends_with(" · K-1 case, Manila"));
    assert_eq!(reconsideration.alarm_days, DEFAULT_LEAD_DAYS);
    assert!(
        reconsideration
            .description
            .contains(crate::NOT_LEGAL_ADVICE)
    );
    assert!(reconsideration.description.contains("What it means: "));
    assert!(reconsideration.description.contains("What to do: "));
    assert!(
        reconsideration
            .description
            .contains("https://visa.example.org/cases/c1")
    );
    assert_eq!(
        reconsideration.url.as_deref(),
        Some("https://visa.example.org/cases/c1")
    );
    let uids: std::collections::HashSet<_> = events.iter().map(|e| &e.uid).collect();
    assert_eq!(uids.len(), events.len(), "UIDs are unique");
}

#[test]
fn passed_deadlines_stay_without_reminders_and_met_or_ended_ones_leave() {
    let (events, states) = events_on("2026-07-01");
    assert!(
        states.contains(&(DeadlineKind::Reconsideration221g, DeadlineState::Passed)),
        "{states:?}"
    );
    let passed = events
        .iter()
        .find(|e| e.uid.starts_with("221g_reconsideration."))
        .expect("a passed deadline stays");
    assert!(passed.summary.starts_with("Passed: "));
    assert!(passed.alarm_days.is_empty());
    for (kind, state) in states {
        if matches!(state, DeadlineState::Met | DeadlineState::Ended) {
            let name = kind_name(kind);
            assert!(
                !events
                    .iter()
                    .any(|e| e.uid.starts_with(&format!("{name}."))),
                "{name} is {state:?} and must not be in the feed"
            );
        }
    }
}

#[test]
fn document_expiries_are_events() {
    let (events, _) = events_on("2025-07-01");
    let passport = events
        .iter()
        .find(|e| e.uid == "expiry-passport.c1@visa.example.org")
        .expect("passport expiry");
    assert_eq!(
        passport.when,
        When::AllDay("2031-07-31".parse().expect("date"))
    );
    assert!(
        passport.summary.starts_with("Passport expires"),
        "{}",
        passport.summary
    );
    assert!(!passport.alarm_days.is_empty());
}

#[test]
fn the_feed_holds_no_personal_data() {
    for today in ["2025-07-01", "2026-07-01"] {
        let (events, _) = events_on(today);
        let stamped: Vec<_> = events
            .into_iter()
            .map(|e| {
                (
                    e,
                    Stamp {
                        sequence: 0,
                        last_modified: None,
                    },
                )
            })
            .collect();
        let text = write_calendar(
            &Calendar {
                prodid: "-//visanav//EN",
                name: "visanav",
            },
            &stamped,
            "2026-01-01T00:00:00Z".parse().expect("ts"),
        );
        let unfolded = text.replace("\r\n ", "");
        for p in PERSONAL {
            assert!(!unfolded.contains(p), "{p} is in the feed on {today}");
        }
    }
}

#[test]
fn a_consultation_is_a_timed_event_in_its_zone() {
    let start = "2027-01-15T10:00"
        .parse::<jiff::civil::DateTime>()
        .expect("dt")
        .in_tz("America/New_York")
        .expect("tz");
    let end = start.checked_add(jiff::ToSpan::minutes(45)).expect("end");
    let e = consultation_event(
        &ConsultationInfo {
            id: "k7",
            start: start.clone(),
            end,
            title: "Consultation with Ana Reyes (Reyes Law)",
            place: "https://meet.example/reyes",
            url: "https://visa.example.org/consultations/k7".into(),
        },
        &LINKS,
        DEFAULT_LEAD_DAYS,
    );
    assert_eq!(e.uid, "consultation.k7@visa.example.org");
    assert!(e.description.contains("Where: https://meet.example/reyes"));
    assert!(
        matches!(e.when, When::Timed { ref start, .. } if start.time_zone().iana_name() == Some("America/New_York"))
    );
    assert!(
        e.description
            .contains("10:00 on 2027-01-15 (America/New_York)")
    );
    assert_eq!(e.alarm_days, vec![1]);
}

#[test]
fn a_passport_too_close_to_expiry_gets_a_renew_by_event_that_does_not_move_daily() {
    let k = Knowledge::embedded().expect("knowledge");
    let text = EXAMPLE.replace("expires_on = 2031-07-31", "expires_on = 2026-01-20");
    let case = CaseFile::parse(&text, Format::Toml, &k, "2025-07-01".parse().expect("date"))
        .expect("valid");
    let uids_on = |today: &str| -> Vec<(String, When)> {
        let p = plan(&case, &k, today.parse().expect("date"));
        case_events("c1", &case, &p, &k, &LINKS, DEFAULT_LEAD_DAYS)
            .into_iter()
            .filter(|e| e.uid.contains("passport"))
            .map(|e| (e.uid, e.when))
            .collect()
    };
    // Well ahead: the usable end (months before expiry) is an event of its own.
    let ahead = uids_on("2025-07-01");
    assert!(
        ahead.iter().any(|(u, _)| u.starts_with("renew-passport.")),
        "{ahead:?}"
    );
    // Once the usable end has passed, no renew-by event follows "today" day after day.
    let late_a = uids_on("2026-01-10");
    let late_b = uids_on("2026-01-11");
    assert_eq!(
        late_a, late_b,
        "the passport's events do not move from day to day"
    );
    assert!(
        late_a
            .iter()
            .any(|(u, _)| u.starts_with("expiry-passport."))
    );
}

#[test]
fn a_document_event_says_what_its_validity_means() {
    let k = Knowledge::embedded().expect("knowledge");
    let case = CaseFile::parse(
        EXAMPLE,
        Format::Toml,
        &k,
        "2025-07-01".parse().expect("date"),
    )
    .expect("valid");
    let p = plan(&case, &k, "2025-07-01".parse().expect("date"));
    let events = case_events("c1", &case, &p, &k, &LINKS, DEFAULT_LEAD_DAYS);
    let passport = events
        .iter()
        .find(|e| e.uid.starts_with("expiry-passport."))
        .expect("the passport's expiry");
    assert!(
        passport
            .description
            .contains("What it means: The passport should be valid"),
        "{}",
        passport.description
    );
}
