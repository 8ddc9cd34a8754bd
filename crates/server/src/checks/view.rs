//! What the case page's "Status checks" section shows: for each source the case can be checked
//! on, whether visanav watches it, the last and the next check, a provider's block, failures in
//! a row; the latest checks; and the result of the check the person just asked for. Plain
//! values: the sentences are in `templates/case_checks.html`.

use jiff::Timestamp;
use visanav_core::casefile::CaseFile;
use visanav_core::monitor::{CheckError, CheckSource};
use visanav_store::{AttemptView, MonitorView, StoreError, TimelineEntry, Tx};

use super::{Mode, mode};
use crate::monitor::Monitor;
use crate::sharing::when;

/// Checks listed on the case page.
const LISTED: usize = 10;
/// Checks read to find each source's latest (one source may have many more checks than the other).
const READ: i64 = 50;

/// The whole section.
pub struct ChecksView {
    pub sources: Vec<SourceView>,
    pub attempts: Vec<AttemptLine>,
    /// The check the person just asked for (`?checked=ATTEMPT`).
    pub result: Option<ResultView>,
    /// The steps USCIS lists as done (from its API's history): (day, text), oldest first.
    pub uscis_history: Vec<(String, String)>,
}

/// One source the case can be checked on.
pub struct SourceView {
    /// "ceac" or "uscis": the forms' value.
    pub source: &'static str,
    pub name: &'static str,
    /// "auto": visanav checks on its own; "manual": a person reads CEAC's picture code for
    /// each check; "off": this installation cannot check the source.
    pub mode: &'static str,
    pub enabled: bool,
    /// Offer to turn automatic checks on or off.
    pub toggle: bool,
    pub last: Option<AttemptLine>,
    /// When the next automatic check is due: (relative, absolute); empty when none.
    pub next: (String, String),
    /// Automatic checks ran their course (days after "Issued").
    pub finished: bool,
    /// The provider blocks checks until: (relative, absolute); empty when not blocked.
    pub paused: (String, String),
    pub failures: i64,
    /// The failures in a row reached the point where the person is told.
    pub failing: bool,
    pub can_check_now: bool,
}

/// One check, as a line of the list (and the "last check" of a source).
pub struct AttemptLine {
    pub id: String,
    pub name: &'static str,
    pub when: String,
    pub ago: String,
    pub ok: bool,
    pub status: String,
    pub last_updated: String,
    pub changed: bool,
    /// The error's code ("captcha_mismatch", …), for the short words in the list.
    pub error: &'static str,
    /// The sentence for the person ([`CheckError::explain`]).
    pub explain: String,
    pub via: &'static str,
    pub has_answer: bool,
}

/// The result of the check the person asked for, said in the words of the section's banner.
pub struct ResultView {
    /// "changed" (the status moved), "updated" (same status, newer "last updated"), "first"
    /// (the first reading of the source), "same", or "failed".
    pub kind: &'static str,
    pub name: &'static str,
    pub from: String,
    pub to: String,
    pub since: String,
    pub last_updated: String,
    pub explain: String,
    pub attempt: String,
    pub has_answer: bool,
}

/// The sources a case can be checked on: CEAC with a CEAC case number or a DS-160 id, USCIS
/// with a receipt number, and any source watched already.
pub fn sources_of(case: &CaseFile, monitors: &[MonitorView]) -> Vec<CheckSource> {
    let watched = |s: CheckSource| monitors.iter().any(|m| m.source() == Some(s));
    let mut out = Vec::new();
    if case.ceac_case_number.is_some() || case.ds160_id.is_some() || watched(CheckSource::Ceac) {
        out.push(CheckSource::Ceac);
    }
    if case.uscis_receipt.is_some() || watched(CheckSource::Uscis) {
        out.push(CheckSource::Uscis);
    }
    out
}

/// Reads what the section needs in the page's transaction.
pub async fn section(
    tx: &mut Tx<'_>,
    monitor: &Monitor,
    actor: &visanav_store::Actor,
    stored: &visanav_store::StoredCase,
    checked: Option<&str>,
    now: Timestamp,
) -> Result<ChecksView, StoreError> {
    let monitors = tx.monitors(actor, &stored.id).await?;
    let attempts = tx.attempts(actor, &stored.id, READ).await?;
    let mut sources = Vec::new();
    for source in sources_of(&stored.case, &monitors) {
        let blocked = tx.provider_blocked_until(source, now).await?;
        let watch = monitors.iter().find(|m| m.source() == Some(source));
        sources.push(source_view(monitor, source, watch, &attempts, blocked, now));
    }
    let result = match checked.and_then(|id| attempts.iter().find(|a| a.id == id)) {
        Some(a) => Some(result_view(a, &tx.timeline(actor, &stored.id).await?)),
        None => None,
    };
    let uscis_history = tx
        .history_steps(actor, &stored.id)
        .await?
        .into_iter()
        .filter(|(source, _, _)| source == CheckSource::Uscis.as_str())
        .map(|(_, on, text)| (on, text))
        .collect();
    Ok(ChecksView {
        uscis_history,
        sources,
        attempts: attempts
            .iter()
            .take(LISTED)
            .map(|a| attempt_line(a, now))
            .collect(),
        result,
    })
}

fn source_view(
    monitor: &Monitor,
    source: CheckSource,
    watch: Option<&MonitorView>,
    attempts: &[AttemptView],
    blocked_until: Option<i64>,
    now: Timestamp,
) -> SourceView {
    let mode = mode(monitor, source);
    let enabled = watch.is_some_and(|m| m.enabled);
    let failures = watch.map_or(0, |m| m.consecutive_failures);
    let runs = enabled && mode == Mode::Auto;
    let next = watch
        .and_then(|m| m.next_check_ms)
        .filter(|_| runs && blocked_until.is_none());
    SourceView {
        source: source.as_str(),
        name: source.display_name(),
        mode: mode.as_str(),
        enabled,
        toggle: mode == Mode::Auto || enabled,
        last: attempts
            .iter()
            .find(|a| a.source == source.as_str())
            .map(|a| attempt_line(a, now)),
        next: next.map_or_else(Default::default, |ms| (from_now(ms, now), at(ms))),
        finished: runs && watch.is_some_and(|m| m.next_check_ms.is_none()),
        paused: blocked_until.map_or_else(Default::default, |ms| (from_now(ms, now), at(ms))),
        failures,
        failing: failures >= i64::from(monitor.config.schedule.failures_before_notice),
        can_check_now: mode != Mode::Off && blocked_until.is_none(),
    }
}

pub fn attempt_line(a: &AttemptView, now: Timestamp) -> AttemptLine {
    let source = CheckSource::parse(&a.source).unwrap_or(CheckSource::Ceac);
    let error = a.error();
    AttemptLine {
        id: a.id.clone(),
        name: source.display_name(),
        when: at(a.started_ms),
        ago: ago(a.started_ms, now),
        ok: a.ok,
        status: a.status.clone().unwrap_or_default(),
        last_updated: a.last_updated.clone().unwrap_or_default(),
        changed: a.changed,
        error: error.map_or("", CheckError::code),
        explain: error.map(|e| e.explain(source)).unwrap_or_default(),
        via: a.via().describe(),
        has_answer: a.has_answer,
    }
}

/// Statuses compare as the change detection compares them: without regard to case and spacing.
fn same_status(a: &str, b: &str) -> bool {
    let norm = |s: &str| {
        s.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase()
    };
    norm(a) == norm(b)
}

fn result_view(a: &AttemptView, timeline: &[TimelineEntry]) -> ResultView {
    let source = CheckSource::parse(&a.source).unwrap_or(CheckSource::Ceac);
    let status = a.status.clone().unwrap_or_default();
    let mine: Vec<&TimelineEntry> = timeline.iter().filter(|e| e.source == a.source).collect();
    // The reading before this check's (when the check added one), else the latest.
    let at = mine
        .iter()
        .position(|e| e.attempt_id.as_deref() == Some(a.id.as_str()));
    let before: Vec<&TimelineEntry> = match at {
        Some(i) => mine[..i].to_vec(),
        None => mine.clone(),
    };
    // Since when the source has said this status (the first reading of the current run).
    let since = mine
        .iter()
        .rev()
        .take_while(|e| same_status(&e.status, &status))
        .last()
        .map(|e| e.observed_on.clone())
        .unwrap_or_default();
    let previous = before.last();
    let kind = match (a.ok, a.changed, previous) {
        (false, ..) => "failed",
        (true, true, Some(p)) if !same_status(&p.status, &status) => "changed",
        (true, true, _) => "updated",
        (true, false, None) => "first",
        (true, false, Some(_)) => "same",
    };
    ResultView {
        kind,
        name: source.display_name(),
        from: previous.map(|p| p.status.clone()).unwrap_or_default(),
        to: status,
        since,
        last_updated: a.last_updated.clone().unwrap_or_default(),
        explain: a.error().map(|e| e.explain(source)).unwrap_or_default(),
        attempt: a.id.clone(),
        has_answer: a.has_answer,
    }
}

/// "2025-06-10 08:00" (UTC; the template says so).
pub fn at(ms: i64) -> String {
    when(ms)
}

/// "about 5 hours", "about 3 days", "a minute": how long between two instants, roughly.
pub fn span(ms: i64) -> String {
    let minutes = (ms.abs() + 30_000) / 60_000;
    let hours = (minutes + 30) / 60;
    let days = (hours + 12) / 24;
    match (minutes, hours, days) {
        (0..=1, ..) => "a minute".to_string(),
        (2..=59, ..) => format!("about {minutes} minutes"),
        (_, 1, _) => "about an hour".to_string(),
        (_, 2..=35, _) => format!("about {hours} hours"),
        (.., 1) => "about a day".to_string(),
        _ => format!("about {days} days"),
    }
}

/// "in about 5 hours", or "now" when the instant has come.
pub fn from_now(ms: i64, now: Timestamp) -> String {
    let diff = ms - now.as_millisecond();
    if diff <= 0 {
        "now".to_string()
    } else {
        format!("in {}", span(diff))
    }
}

/// "about 3 hours ago", or "just now".
pub fn ago(ms: i64, now: Timestamp) -> String {
    let diff = now.as_millisecond() - ms;
    if diff < 60_000 {
        "just now".to_string()
    } else {
        format!("{} ago", span(diff))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_read_as_people_say_them() {
        let min = 60_000;
        assert_eq!(span(0), "a minute");
        assert_eq!(span(10 * min), "about 10 minutes");
        assert_eq!(span(65 * min), "about an hour");
        assert_eq!(span(5 * 60 * min), "about 5 hours");
        assert_eq!(span(30 * 60 * min), "about 30 hours");
        assert_eq!(span(40 * 60 * min), "about 2 days");
        let now = Timestamp::from_millisecond(1_000 * min).expect("ts");
        assert_eq!(from_now(now.as_millisecond() - 5, now), "now");
        assert_eq!(
            from_now(now.as_millisecond() + 3 * 60 * min, now),
            "in about 3 hours"
        );
        assert_eq!(ago(now.as_millisecond() - 10, now), "just now");
        assert_eq!(
            ago(now.as_millisecond() - 20 * min, now),
            "about 20 minutes ago"
        );
    }

    fn entry(status: &str, on: &str, attempt: Option<&str>) -> TimelineEntry {
        TimelineEntry {
            observed_on: on.into(),
            status: status.into(),
            last_updated: None,
            source: "ceac".into(),
            via: "direct".into(),
            attempt_id: attempt.map(str::to_string),
            recorded_ms: 0,
        }
    }

    fn attempt(id: &str, ok: bool, status: &str, changed: bool) -> AttemptView {
        AttemptView {
            id: id.into(),
            source: "ceac".into(),
            via: "direct".into(),
            started_ms: 0,
            duration_ms: 1,
            ok,
            error: (!ok).then(|| "unavailable".into()),
            detail: None,
            status: ok.then(|| status.into()),
            last_updated: Some("2025-06-20".into()),
            changed,
            has_answer: true,
        }
    }

    #[test]
    fn the_result_says_what_moved_and_since_when() {
        let timeline = vec![
            entry("Ready", "2025-05-10", None),
            entry("Refused", "2025-06-02", None),
            entry("Refused", "2025-06-05", Some("x")),
            entry("Issued", "2025-06-10", Some("a")),
        ];
        let r = result_view(&attempt("a", true, "Issued", true), &timeline);
        assert_eq!(
            (r.kind, r.from.as_str(), r.to.as_str()),
            ("changed", "Refused", "Issued")
        );
        // A check that added nothing: same as the latest reading, since its run began.
        let r = result_view(&attempt("b", true, "ISSUED", false), &timeline);
        assert_eq!((r.kind, r.since.as_str()), ("same", "2025-06-10"));
        let r = result_view(&attempt("x", true, "Refused", true), &timeline[..3]);
        assert_eq!(r.kind, "updated");
        let r = result_view(&attempt("c", false, "", false), &timeline);
        assert_eq!(r.kind, "failed");
        assert!(r.explain.contains("CEAC"), "{}", r.explain);
        let r = result_view(&attempt("x", true, "Ready", false), &timeline[..1]);
        assert_eq!(r.kind, "same");
        let r = result_view(&attempt("z", true, "Ready", false), &[]);
        assert_eq!(r.kind, "first");
    }
}
