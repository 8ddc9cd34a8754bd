//! Date arithmetic the plan and its callers share: a rule's period added to a date, the
//! 221(g) deadline, and what day it is at a post. One place for each, so the CLI, the pages
//! and the notice flow cannot disagree (near midnight, or on a 29 February).
//!
//! Nothing here reads the clock: callers pass the instant (`now`) they read once at their
//! edge.

use jiff::Timestamp;
use jiff::ToSpan;
use jiff::civil::Date;
use jiff::tz::TimeZone;

use crate::knowledge::{Knowledge, Rule};

/// The rule giving the 221(g) reconsideration window (its period comes from knowledge/).
pub const RECONSIDERATION_WINDOW_RULE: &str = "221g_reconsideration_window";

/// The zone a deadline at an unknown post is judged in, and the name `Deadline::due_at` shows.
pub const FALLBACK_ZONE: &str = "UTC";

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

/// The last day of the 221(g) reconsideration window for a refusal on `refused_on`: the
/// refusal date plus the period of the knowledge rule `221g_reconsideration_window`
/// (clamped at month ends: 2024-02-29 gives 2025-02-28). `None` when the knowledge base
/// lacks the rule or its period.
///
/// This is the window of one refusal. The plan counts a case's window from the first
/// refusal of the application (see `plan`), which is this function applied to that date.
pub fn reconsideration_deadline(refused_on: Date, k: &Knowledge) -> Option<Date> {
    add_period(refused_on, k.rule(RECONSIDERATION_WINDOW_RULE)?)
}

/// The time zone deadlines at `post_code` are judged in: the post's `time_zone`, or UTC when
/// the post is unknown or its zone cannot be found.
///
/// Why UTC and not the machine's zone: the answer must not depend on where visanav happens
/// to run (a server abroad, several instances in different zones, a laptop on a trip), the
/// plan already labels such deadlines "end of day, UTC" (`FALLBACK_ZONE`), and core reads no
/// machine state. Validated case files only name known posts, and the knowledge check
/// rejects unknown zones, so the fallback is reached only with an edited knowledge base or a
/// notice that names no post.
pub fn post_time_zone(k: &Knowledge, post_code: &str) -> TimeZone {
    k.post(post_code)
        .and_then(|p| TimeZone::get(&p.time_zone).ok())
        .unwrap_or(TimeZone::UTC)
}

/// The name of the zone `post_time_zone` uses, for "end of day, Asia/Manila".
pub fn post_zone_name<'k>(k: &'k Knowledge, post_code: &str) -> &'k str {
    k.post(post_code)
        .filter(|p| TimeZone::get(&p.time_zone).is_ok())
        .map(|p| p.time_zone.as_str())
        .unwrap_or(FALLBACK_ZONE)
}

/// The civil date at the post at the instant `now`: deadlines are dates at the post, so
/// "today" is today there. At 2026-03-01T17:30Z it is already 2026-03-02 in Manila and still
/// 2026-03-01 in Hermosillo. Unknown post or zone: the date in UTC (see `post_time_zone`).
pub fn today_at_post(k: &Knowledge, post_code: &str, now: Timestamp) -> Date {
    now.to_zoned(post_time_zone(k, post_code)).date()
}

#[cfg(test)]
mod latest_date_tests {
    use super::*;

    #[test]
    fn the_latest_date_is_fourteen_hours_ahead_of_utc() {
        let at = |t: &str| latest_date_anywhere(t.parse().expect("timestamp")).to_string();
        assert_eq!(at("2026-03-01T09:59:59Z"), "2026-03-01");
        assert_eq!(at("2026-03-01T10:00:00Z"), "2026-03-02");
    }
}

/// The latest civil date anywhere on Earth at `now` (UTC+14, the Line Islands). A date a
/// person wrote down is "in the future" only if it is after this: a refusal dated today in
/// Manila must be accepted by a machine in California, where it is still yesterday.
pub fn latest_date_anywhere(now: Timestamp) -> Date {
    let ahead = jiff::tz::TimeZone::fixed(jiff::tz::offset(14));
    now.to_zoned(ahead).date()
}

pub(super) fn add_days(date: Date, days: u32) -> Option<Date> {
    date.checked_add(i64::from(days).days()).ok()
}

pub(super) fn sub_months(date: Date, months: u32) -> Option<Date> {
    date.checked_sub(i64::from(months).months()).ok()
}

pub(super) fn days_between(from: Date, to: Date) -> i64 {
    // Both dates are within jiff's range, so the span in days always exists.
    to.since(from).map(|s| i64::from(s.get_days())).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        s.parse().expect("date")
    }

    fn rule(years: Option<u32>, months: Option<u32>) -> Rule {
        Rule {
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
        }
    }

    #[test]
    fn periods_clamp_at_month_ends() {
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

    fn knowledge() -> Knowledge {
        Knowledge::embedded().expect("embedded knowledge")
    }

    #[test]
    fn reconsideration_deadline_is_the_rule_period_after_the_refusal() {
        let k = knowledge();
        let rule = k.rule(RECONSIDERATION_WINDOW_RULE).expect("rule");
        assert_eq!(
            reconsideration_deadline(d("2025-03-14"), &k),
            add_period(d("2025-03-14"), rule)
        );
        // One year, clamped at the end of February.
        assert_eq!(
            reconsideration_deadline(d("2024-02-29"), &k),
            Some(d("2025-02-28"))
        );
        assert_eq!(
            reconsideration_deadline(d("2025-03-14"), &Knowledge::default()),
            None
        );
    }

    #[test]
    fn today_is_the_posts_date_near_midnight() {
        let k = knowledge();
        let now: Timestamp = "2026-03-01T17:30:00Z".parse().expect("instant");
        assert_eq!(today_at_post(&k, "MNL", now), d("2026-03-02"));
        assert_eq!(today_at_post(&k, "APA", now), d("2026-03-02"));
        assert_eq!(today_at_post(&k, "HER", now), d("2026-03-01"));
        // A post visanav does not know: UTC, whatever the machine's zone.
        assert_eq!(today_at_post(&k, "ZZZ", now), d("2026-03-01"));
        let late: Timestamp = "2026-03-01T23:59:59Z".parse().expect("instant");
        assert_eq!(today_at_post(&k, "ZZZ", late), d("2026-03-01"));
        assert_eq!(post_zone_name(&k, "MNL"), "Asia/Manila");
        assert_eq!(post_zone_name(&k, "ZZZ"), FALLBACK_ZONE);
    }
}
