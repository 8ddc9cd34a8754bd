//! A case in one line, for a firm's dashboard: how urgently it needs an attorney, its next open
//! deadline, its latest status and since when, and the legal-help reasons. Derived from the
//! plan, so the dashboard and the case page can never disagree; the store keeps one per case
//! so a dashboard of 10,000 cases sorts in SQL instead of planning every case per request.
//!
//! Pure: the caller passes `now`, and "today" is today at the case's post, as in the plan.

use jiff::Timestamp;
use jiff::civil::Date;

use crate::casefile::{CaseFile, StatusObservation};
use crate::knowledge::{Knowledge, Urgency};
use crate::plan::{DeadlineState, plan, post_time_zone, today_at_post};
use crate::reminders::{CaseDate, case_dates};

/// What a dashboard shows and sorts by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// The day at the post this summary is true for.
    pub computed_for: Date,
    /// When that day ends at the post: from then on days left and deadline states may have
    /// moved, and the summary must be computed again.
    pub valid_until: Timestamp,
    /// The plan's legal-help urgency.
    pub urgency: Urgency,
    /// The open deadline due soonest (today or later), if any.
    pub next_deadline: Option<NextDeadline>,
    /// The latest status reading, and the date of the reading where it last changed.
    pub latest_status: Option<LatestStatus>,
    /// Titles of the legal-help reasons, most urgent first.
    pub help_reasons: Vec<String>,
    /// Every live date (open deadlines, expiries ahead, renew-by dates): what reminders are
    /// about, kept beside the summary so the reminder sweep reads an index.
    pub dates: Vec<CaseDate>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NextDeadline {
    pub due: Date,
    pub title: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LatestStatus {
    pub status: String,
    /// The first reading of the latest run of this status: how long it has stood.
    pub since: Date,
}

/// The case's summary at `now`.
pub fn summarize(case: &CaseFile, k: &Knowledge, now: Timestamp) -> Summary {
    let today = today_at_post(k, &case.post, now);
    let p = plan(case, k, today);
    let next_deadline = p
        .deadlines
        .iter()
        .filter(|d| matches!(d.state, DeadlineState::Upcoming | DeadlineState::DueSoon))
        .min_by_key(|d| d.due)
        .map(|d| NextDeadline {
            due: d.due,
            title: d.title.to_string(),
        });
    Summary {
        computed_for: today,
        valid_until: end_of_day(k, &case.post, today, now),
        urgency: p.legal_help.urgency,
        next_deadline,
        latest_status: latest_status(&case.status),
        help_reasons: p
            .legal_help
            .reasons
            .iter()
            .map(|r| r.title.to_string())
            .collect(),
        dates: case_dates(&p),
    }
}

/// The instant `today` ends at the post (midnight there); a day after `now` if the calendar
/// cannot say (the end of jiff's range).
fn end_of_day(k: &Knowledge, post: &str, today: Date, now: Timestamp) -> Timestamp {
    today
        .tomorrow()
        .and_then(|d| d.to_zoned(post_time_zone(k, post)))
        .map(|z| z.timestamp())
        .unwrap_or_else(|_| {
            now.checked_add(jiff::SignedDuration::from_hours(24))
                .unwrap_or(now)
        })
}

/// The latest reading (by date, then by order recorded) and since when it has stood: walking
/// back over readings of the same status from the same source, the date of the first one.
pub fn latest_status(history: &[StatusObservation]) -> Option<LatestStatus> {
    let mut ordered: Vec<(usize, &StatusObservation)> = history.iter().enumerate().collect();
    ordered.sort_by_key(|(i, o)| (o.on, *i));
    let (_, last) = *ordered.last()?;
    let since = ordered
        .iter()
        .rev()
        .take_while(|(_, o)| o.status == last.status && o.source == last.source)
        .last()
        .map_or(last.on, |(_, o)| o.on);
    Some(LatestStatus {
        status: last.status.clone(),
        since,
    })
}

/// Urgency as a number that sorts (higher is more urgent), for storing and ordering.
pub fn urgency_rank(u: Urgency) -> i64 {
    match u {
        Urgency::None => 0,
        Urgency::Consider => 1,
        Urgency::Soon => 2,
        Urgency::Now => 3,
    }
}

/// The urgency a stored rank stands for (`None` for a rank no urgency has).
pub fn urgency_of_rank(rank: i64) -> Option<Urgency> {
    match rank {
        0 => Some(Urgency::None),
        1 => Some(Urgency::Consider),
        2 => Some(Urgency::Soon),
        3 => Some(Urgency::Now),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::casefile::Format;
    use crate::knowledge::StatusSource;

    fn obs(on: &str, status: &str) -> StatusObservation {
        StatusObservation {
            on: on.parse().expect("date"),
            status: status.into(),
            last_updated: None,
            source: StatusSource::Ceac,
        }
    }

    #[test]
    fn since_is_where_the_status_last_changed() {
        let history = [
            obs("2025-03-14", "Refused"),
            obs("2025-04-02", "Administrative Processing"),
            obs("2025-04-20", "Administrative Processing"),
            obs("2025-05-01", "Refused"),
            obs("2025-05-09", "Refused"),
        ];
        let l = latest_status(&history).expect("latest");
        assert_eq!(l.status, "Refused");
        assert_eq!(l.since.to_string(), "2025-05-01");
        // Recorded out of date order: the dates decide.
        let shuffled = [
            history[4].clone(),
            history[0].clone(),
            history[3].clone(),
            history[1].clone(),
        ];
        assert_eq!(
            latest_status(&shuffled).expect("latest").since.to_string(),
            "2025-05-01"
        );
        assert_eq!(latest_status(&[]), None);
    }

    #[test]
    fn a_fresh_221g_refusal_has_a_deadline_and_reasons() {
        let k = Knowledge::embedded().expect("knowledge");
        let case = CaseFile::parse(
            include_str!("../../../examples/k1-manila-221g.toml"),
            Format::Toml,
            &k,
            "2025-06-10".parse().expect("date"),
        )
        .expect("example");
        let now: Timestamp = "2025-06-10T08:00:00Z".parse().expect("ts");
        let s = summarize(&case, &k, now);
        assert_eq!(s.computed_for.to_string(), "2025-06-10");
        // Midnight in Manila (UTC+8) is 16:00 UTC the day before.
        assert_eq!(s.valid_until.to_string(), "2025-06-10T16:00:00Z");
        let next = s.next_deadline.expect("an open deadline");
        assert!(next.due >= s.computed_for, "{next:?}");
        assert!(!next.title.is_empty());
        let p = plan(&case, &k, s.computed_for);
        assert_eq!(s.urgency, p.legal_help.urgency);
        assert_eq!(s.help_reasons.len(), p.legal_help.reasons.len());
        assert!(s.latest_status.is_some());
    }

    #[test]
    fn ranks_round_trip_and_sort_by_urgency() {
        for u in [
            Urgency::None,
            Urgency::Consider,
            Urgency::Soon,
            Urgency::Now,
        ] {
            assert_eq!(urgency_of_rank(urgency_rank(u)), Some(u));
        }
        assert!(urgency_rank(Urgency::Now) > urgency_rank(Urgency::Soon));
        assert_eq!(urgency_of_rank(9), None);
    }
}
