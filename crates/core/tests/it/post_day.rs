//! "Today" comes from one instant, read once by the caller, and is the date at the post:
//! deadlines due today, the last day of the warning period, and midnight far from UTC.

use jiff::Timestamp;
use jiff::civil::Date;
use visanav_core::casefile::{CaseFile, Format};
use visanav_core::knowledge::Knowledge;
use visanav_core::plan::{
    DeadlineKind, DeadlineState, Plan, plan, reconsideration_deadline, today_at_post,
};

fn k() -> &'static Knowledge {
    static K: std::sync::OnceLock<Knowledge> = std::sync::OnceLock::new();
    K.get_or_init(|| Knowledge::embedded().expect("knowledge"))
}

fn d(s: &str) -> Date {
    s.parse().expect("date")
}

fn at(s: &str) -> Timestamp {
    s.parse().expect("instant")
}

/// A refusal at `post` on `refused`, documents asked for and not yet sent.
fn refused_at(post: &str, refused: &str) -> CaseFile {
    let toml = format!(
        "visa = \"K-1\"\npost = \"{post}\"\n[refusal]\non = {refused}\nrequested = [\"police_certificate\"]\n"
    );
    CaseFile::parse(&toml, Format::Toml, k(), d("2026-12-31")).unwrap_or_else(|e| panic!("{e}"))
}

/// The plan as the CLI and the pages build it: today at the case's post, from `now`.
fn plan_at<'k>(case: &CaseFile, now: Timestamp) -> Plan<'k> {
    plan(case, k(), today_at_post(k(), &case.post, now))
}

fn window(p: &Plan<'_>) -> (i64, DeadlineState, Date) {
    let w = p
        .deadlines
        .iter()
        .find(|x| x.kind == DeadlineKind::Reconsideration221g)
        .unwrap_or_else(|| panic!("no 221(g) window in {:#?}", p.deadlines));
    (w.days_left, w.state, w.due)
}

fn warning_days() -> i64 {
    let t = k().trigger("deadline_approaching").expect("trigger");
    i64::from(t.days.expect("days"))
}

#[test]
fn a_deadline_due_today_is_still_open() {
    let case = refused_at("MNL", "2025-03-02");
    let due = reconsideration_deadline(d("2025-03-02"), k()).expect("deadline");
    assert_eq!(due, d("2026-03-02"));
    // 2026-03-02 09:00 in Manila.
    let p = plan_at(&case, at("2026-03-02T01:00:00Z"));
    assert_eq!(p.today, d("2026-03-02"));
    assert_eq!(window(&p), (0, DeadlineState::DueSoon, due));
    // One minute after midnight in Manila the next day, it has passed.
    let p = plan_at(&case, at("2026-03-02T16:01:00Z"));
    assert_eq!(window(&p), (-1, DeadlineState::Passed, due));
}

#[test]
fn the_warning_starts_on_its_last_day_and_not_before() {
    let case = refused_at("MNL", "2025-03-02");
    let due = d("2026-03-02");
    let days = warning_days();
    let first_warning = due.checked_sub(jiff::Span::new().days(days)).expect("date");
    let day_before = first_warning.yesterday().expect("date");
    // Noon in Manila on each day.
    let noon = |date: Date| {
        date.at(12, 0, 0, 0)
            .in_tz("Asia/Manila")
            .expect("zoned")
            .timestamp()
    };
    let p = plan_at(&case, noon(first_warning));
    assert_eq!(window(&p), (days, DeadlineState::DueSoon, due));
    assert!(
        p.legal_help
            .reasons
            .iter()
            .any(|r| r.trigger == "deadline_approaching")
    );
    let p = plan_at(&case, noon(day_before));
    assert_eq!(window(&p), (days + 1, DeadlineState::Upcoming, due));
    assert!(
        !p.legal_help
            .reasons
            .iter()
            .any(|r| r.trigger == "deadline_approaching")
    );
}

#[test]
fn near_midnight_the_day_count_is_the_posts() {
    // 2026-03-01T17:30Z: already 2026-03-02 (01:30) in Manila, still 2026-03-01 (10:30) in
    // Hermosillo. The same refusal date gives each post its own count.
    let now = at("2026-03-01T17:30:00Z");
    let manila = plan_at(&refused_at("MNL", "2025-03-02"), now);
    let hermosillo = plan_at(&refused_at("HER", "2025-03-02"), now);
    assert_eq!(manila.today, d("2026-03-02"));
    assert_eq!(hermosillo.today, d("2026-03-01"));
    assert_eq!(window(&manila).0, 0, "due today in Manila");
    assert_eq!(window(&hermosillo).0, 1, "due tomorrow in Hermosillo");
    assert_eq!(
        manila.deadlines[0].due_at, "end of day, Asia/Manila",
        "the zone is named"
    );
    // A window that ended on 2026-03-01 has passed in Manila, not yet in Hermosillo.
    let manila = plan_at(&refused_at("MNL", "2025-03-01"), now);
    let hermosillo = plan_at(&refused_at("HER", "2025-03-01"), now);
    assert_eq!(window(&manila).1, DeadlineState::Passed);
    assert_eq!(
        window(&hermosillo),
        (0, DeadlineState::DueSoon, d("2026-03-01"))
    );
}
