//! Status monitoring, the pure part: when to check a case next, what counts as a change, and
//! the names of what can go wrong. The scheduler (server) and the store call these; nothing
//! here reads the clock or the network.
//!
//! The one rule that protects people from false alarms: a change is a difference between two
//! *successful, validated* readings, in status or in "last updated". A failure is never a
//! reading (see DESIGN.md, "Never a false alarm").

use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

/// Which upstream a check asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckSource {
    /// The State Department's CEAC status tracker.
    Ceac,
    /// The USCIS Case Status API.
    Uscis,
}

impl CheckSource {
    pub fn as_str(self) -> &'static str {
        match self {
            CheckSource::Ceac => "ceac",
            CheckSource::Uscis => "uscis",
        }
    }

    pub fn parse(text: &str) -> Option<CheckSource> {
        match text.trim().to_ascii_lowercase().as_str() {
            "ceac" => Some(CheckSource::Ceac),
            "uscis" => Some(CheckSource::Uscis),
            _ => None,
        }
    }

    /// The knowledge base's side for this source's statuses.
    pub fn status_source(self) -> crate::knowledge::StatusSource {
        match self {
            CheckSource::Ceac => crate::knowledge::StatusSource::Ceac,
            CheckSource::Uscis => crate::knowledge::StatusSource::Uscis,
        }
    }

    /// The name people know the source by.
    pub fn display_name(self) -> &'static str {
        match self {
            CheckSource::Ceac => "CEAC",
            CheckSource::Uscis => "USCIS",
        }
    }
}

/// How a reading reached visanav.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ObservationVia {
    /// visanav asked CEAC itself (the direct flow).
    Direct,
    /// The person checked CEAC in their own browser and handed visanav the result page.
    Assisted,
    /// The USCIS Case Status API.
    UscisApi,
    /// The person typed it (or it came in a case file).
    #[default]
    Manual,
}

impl ObservationVia {
    pub fn as_str(self) -> &'static str {
        match self {
            ObservationVia::Direct => "direct",
            ObservationVia::Assisted => "assisted",
            ObservationVia::UscisApi => "uscis_api",
            ObservationVia::Manual => "manual",
        }
    }

    pub fn parse(text: &str) -> Option<ObservationVia> {
        match text {
            "direct" => Some(ObservationVia::Direct),
            "assisted" => Some(ObservationVia::Assisted),
            "uscis_api" => Some(ObservationVia::UscisApi),
            "manual" => Some(ObservationVia::Manual),
            _ => None,
        }
    }

    /// For people: where the reading came from.
    pub fn describe(self) -> &'static str {
        match self {
            ObservationVia::Direct => "checked by visanav on CEAC",
            ObservationVia::Assisted => "from the CEAC page you saved",
            ObservationVia::UscisApi => "from the USCIS Case Status API",
            ObservationVia::Manual => "entered by hand",
        }
    }
}

/// Why a check did not produce a reading. The codes are those of `visanav check --json`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckError {
    /// The captcha answer was wrong: nothing is known about the case.
    CaptchaMismatch,
    /// The source has no case with these details.
    NotFound,
    /// The source refused the identifier (or the form) as malformed.
    InvalidId,
    /// An anti-bot wall (Cloudflare) refused the request: a provider incident.
    Blocked,
    /// The source did not answer usefully: down, slow, rate-limiting, network trouble.
    Unavailable,
    /// The answer could not be read as a status: never taken as one.
    Unparseable,
}

impl CheckError {
    pub fn code(self) -> &'static str {
        match self {
            CheckError::CaptchaMismatch => "captcha_mismatch",
            CheckError::NotFound => "not_found",
            CheckError::InvalidId => "invalid_id",
            CheckError::Blocked => "blocked",
            CheckError::Unavailable => "unavailable",
            CheckError::Unparseable => "unparseable",
        }
    }

    pub fn parse(code: &str) -> Option<CheckError> {
        [
            CheckError::CaptchaMismatch,
            CheckError::NotFound,
            CheckError::InvalidId,
            CheckError::Blocked,
            CheckError::Unavailable,
            CheckError::Unparseable,
        ]
        .into_iter()
        .find(|e| e.code() == code)
    }

    /// One sentence for the person whose case it is: what happened and whether to worry.
    pub fn explain(self, source: CheckSource) -> String {
        let name = source.display_name();
        match self {
            CheckError::CaptchaMismatch => format!(
                "{name} did not accept the picture code (captcha), so nothing was looked up. \
                 Your case is not affected."
            ),
            CheckError::NotFound => format!(
                "{name} found no case with the details saved here. Check the case number, \
                 passport number and surname on the case's edit page."
            ),
            CheckError::InvalidId => format!(
                "{name} did not accept the case number as written. Check it on the case's \
                 edit page."
            ),
            CheckError::Blocked => format!(
                "{name}'s website protection (Cloudflare) is refusing automatic checks from \
                 this server. Your case is not affected; visanav waits some hours before \
                 trying again. You can check in your own browser meanwhile."
            ),
            CheckError::Unavailable => format!(
                "{name} did not answer in time or is down. Your case is not affected; visanav \
                 tries again later."
            ),
            CheckError::Unparseable => format!(
                "{name}'s answer could not be read, so it was not taken as a status. Your case \
                 is not affected; visanav tries again later."
            ),
        }
    }

    /// Whether the failure is about the provider as a whole rather than this case. Provider
    /// failures back off every case and do not count towards "this case's checks keep failing".
    pub fn is_provider_incident(self) -> bool {
        self == CheckError::Blocked
    }
}

/// One successful, validated reading: what change detection compares.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reading {
    pub status: String,
    pub last_updated: Option<Date>,
}

/// A difference between two successful readings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Change {
    /// The status itself moved, e.g. Refused → Issued.
    StatusChanged { from: String, to: String },
    /// Same status, but the source says the case was touched again (typical of 221(g)
    /// administrative processing, and people want to know).
    LastUpdatedChanged {
        status: String,
        from: Option<Date>,
        to: Date,
    },
}

impl Change {
    pub fn kind(&self) -> &'static str {
        match self {
            Change::StatusChanged { .. } => "status_changed",
            Change::LastUpdatedChanged { .. } => "last_updated_changed",
        }
    }
}

/// The change from `previous` (the last successful reading, if any) to `new`. The first
/// reading is a baseline, not a change; a "last updated" date appearing where none was known
/// is not a change either (the date was simply not known before).
pub fn detect_change(previous: Option<&Reading>, new: &Reading) -> Option<Change> {
    let previous = previous?;
    if !same_status(&previous.status, &new.status) {
        return Some(Change::StatusChanged {
            from: previous.status.clone(),
            to: new.status.clone(),
        });
    }
    match (previous.last_updated, new.last_updated) {
        (Some(from), Some(to)) if from != to => Some(Change::LastUpdatedChanged {
            status: new.status.clone(),
            from: Some(from),
            to,
        }),
        _ => None,
    }
}

/// Statuses compare without regard to case and spacing: "Refused" and "REFUSED " are one.
fn same_status(a: &str, b: &str) -> bool {
    let norm = |s: &str| {
        s.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase()
    };
    norm(a) == norm(b)
}

/// How often to check. Defaults follow the issue and the peers (reference §1.8): CEAC no
/// more often than every 6 hours, the USCIS API no more often than hourly.
#[derive(Debug, Clone, PartialEq)]
pub struct Schedule {
    pub ceac_every: SignedDuration,
    /// CEAC after a change in the last `recent` days: the floor, never below it.
    pub ceac_recent_every: SignedDuration,
    pub uscis_every: SignedDuration,
    pub uscis_recent_every: SignedDuration,
    pub recent: SignedDuration,
    /// Once a visa is issued: daily, and no more checks this long after.
    pub after_issued_every: SignedDuration,
    pub stop_after_issued: SignedDuration,
    /// Failures back off by doubling from the regular interval up to this.
    pub failure_backoff_max: SignedDuration,
    /// A provider block (Cloudflare) pauses every check on that provider this long.
    pub blocked_pause: SignedDuration,
    /// Jitter: up to this fraction of the interval is added, so checks spread out.
    pub jitter: f64,
    /// After this many consecutive failures the person is told, once.
    pub failures_before_notice: u32,
}

impl Default for Schedule {
    fn default() -> Schedule {
        let hours = |h: i64| SignedDuration::from_hours(h);
        Schedule {
            ceac_every: hours(12),
            ceac_recent_every: hours(6),
            uscis_every: hours(3),
            uscis_recent_every: hours(1),
            recent: hours(14 * 24),
            after_issued_every: hours(24),
            stop_after_issued: hours(7 * 24),
            failure_backoff_max: hours(24),
            blocked_pause: hours(3),
            jitter: 0.2,
            failures_before_notice: 3,
        }
    }
}

/// What the scheduler knows about a case's monitoring when it plans the next check.
#[derive(Debug, Clone, Default)]
pub struct MonitorState {
    /// When the last change (status or last updated) was detected.
    pub last_change_at: Option<Timestamp>,
    /// When a reading first said the visa was issued.
    pub issued_at: Option<Timestamp>,
    pub consecutive_failures: u32,
}

/// When to check next, or `None`: monitoring has run its course (days after "Issued").
/// `jitter` is a number in [0, 1) drawn by the caller.
pub fn next_check_at(
    schedule: &Schedule,
    source: CheckSource,
    state: &MonitorState,
    now: Timestamp,
    jitter: f64,
) -> Option<Timestamp> {
    let base = base_interval(schedule, source, state, now)?;
    let interval = if state.consecutive_failures > 0 {
        let doublings = state.consecutive_failures.min(8) - 1;
        let backed_off = base.as_secs_f64() * f64::from(1u32 << doublings);
        SignedDuration::from_secs_f64(
            backed_off.min(
                schedule
                    .failure_backoff_max
                    .as_secs_f64()
                    .max(base.as_secs_f64()),
            ),
        )
    } else {
        base
    };
    let spread = interval.as_secs_f64() * schedule.jitter * jitter.clamp(0.0, 1.0);
    now.checked_add(interval + SignedDuration::from_secs_f64(spread))
        .ok()
}

fn base_interval(
    schedule: &Schedule,
    source: CheckSource,
    state: &MonitorState,
    now: Timestamp,
) -> Option<SignedDuration> {
    if let Some(issued) = state.issued_at {
        if now.duration_since(issued) >= schedule.stop_after_issued {
            return None;
        }
        return Some(schedule.after_issued_every);
    }
    let recent = state
        .last_change_at
        .is_some_and(|at| now.duration_since(at) < schedule.recent);
    Some(match (source, recent) {
        (CheckSource::Ceac, false) => schedule.ceac_every,
        (CheckSource::Ceac, true) => schedule.ceac_recent_every,
        (CheckSource::Uscis, false) => schedule.uscis_every,
        (CheckSource::Uscis, true) => schedule.uscis_recent_every,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reading(status: &str, updated: Option<Date>) -> Reading {
        Reading {
            status: status.into(),
            last_updated: updated,
        }
    }

    #[test]
    fn changes_only_between_two_successful_readings() {
        let d1 = Date::constant(2026, 5, 1);
        let d2 = Date::constant(2026, 6, 1);
        assert_eq!(detect_change(None, &reading("Refused", Some(d1))), None);
        assert_eq!(
            detect_change(
                Some(&reading("Refused", Some(d1))),
                &reading("Issued", Some(d1))
            ),
            Some(Change::StatusChanged {
                from: "Refused".into(),
                to: "Issued".into()
            })
        );
        assert_eq!(
            detect_change(
                Some(&reading("Refused", Some(d1))),
                &reading("Refused", Some(d2))
            )
            .map(|c| c.kind()),
            Some("last_updated_changed")
        );
        // Same reading, different spelling of the status: no change.
        assert_eq!(
            detect_change(
                Some(&reading("REFUSED", Some(d1))),
                &reading(" Refused ", Some(d1))
            ),
            None
        );
        // A date appearing where none was known is not a change.
        assert_eq!(
            detect_change(
                Some(&reading("Refused", None)),
                &reading("Refused", Some(d1))
            ),
            None
        );
    }

    fn at(h: i64) -> Timestamp {
        Timestamp::UNIX_EPOCH + SignedDuration::from_hours(h)
    }

    #[test]
    fn ceac_is_never_checked_more_often_than_every_six_hours() {
        let s = Schedule::default();
        let now = at(10_000);
        let recent = MonitorState {
            last_change_at: Some(at(9_999)),
            ..MonitorState::default()
        };
        for jitter in [0.0, 0.5, 0.999] {
            for state in [&MonitorState::default(), &recent] {
                let next = next_check_at(&s, CheckSource::Ceac, state, now, jitter).expect("next");
                assert!(next.duration_since(now) >= SignedDuration::from_hours(6));
            }
        }
        let normal = next_check_at(&s, CheckSource::Ceac, &MonitorState::default(), now, 0.0);
        let fast = next_check_at(&s, CheckSource::Ceac, &recent, now, 0.0);
        assert!(fast < normal, "faster after a recent change");
    }

    #[test]
    fn failures_back_off_and_issued_slows_then_stops() {
        let s = Schedule::default();
        let now = at(10_000);
        let failing = |n| MonitorState {
            consecutive_failures: n,
            ..MonitorState::default()
        };
        let one = next_check_at(&s, CheckSource::Uscis, &failing(1), now, 0.0).expect("next");
        let three = next_check_at(&s, CheckSource::Uscis, &failing(3), now, 0.0).expect("next");
        let many = next_check_at(&s, CheckSource::Uscis, &failing(30), now, 0.0).expect("next");
        assert!(three > one);
        assert_eq!(many.duration_since(now), SignedDuration::from_hours(24));
        let issued = |h: i64| MonitorState {
            issued_at: Some(at(10_000 - h)),
            ..MonitorState::default()
        };
        let daily = next_check_at(&s, CheckSource::Ceac, &issued(24), now, 0.0).expect("next");
        assert_eq!(daily.duration_since(now), SignedDuration::from_hours(24));
        assert_eq!(
            next_check_at(&s, CheckSource::Ceac, &issued(8 * 24), now, 0.0),
            None
        );
    }

    #[test]
    fn error_codes_round_trip() {
        for code in [
            "captcha_mismatch",
            "not_found",
            "invalid_id",
            "blocked",
            "unavailable",
            "unparseable",
        ] {
            assert_eq!(CheckError::parse(code).map(CheckError::code), Some(code));
        }
    }
}
