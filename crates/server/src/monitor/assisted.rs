//! Assisted checks: the person checks CEAC in their own browser (where Cloudflare lets people
//! through) and hands visanav the result page, as a saved file, copied text, the bookmarklet
//! or the API. The page is read by the same parser as the direct flow's answers, and held to
//! the same standard before it counts as a reading: it must be about this case (the case
//! number CEAC shows is the case's CEAC case number or DS-160 id) and show a status the
//! knowledge base knows. Anything else is never a reading, so it can never raise an alarm.
//!
//! What is kept when the page holds no reading: CEAC's own answers (wrong captcha, no data,
//! invalid id, a validation message, a Cloudflare page in the person's browser) are recorded
//! as failed attempts, with the page, so the person and their attorney can see that CEAC was
//! asked and what it said; the store keeps them out of the monitoring's failure count and
//! provider state. Input that is not CEAC's answer at all (the bare form, another site, a
//! damaged file) or that is about another case is not recorded: it says nothing about this
//! case, and keeping another person's page under this case would be wrong.

use std::time::Instant;

use jiff::Timestamp;
use serde_json::json;
use visanav_core::NOT_LEGAL_ADVICE;
use visanav_core::account::{Actor, CaseId};
use visanav_core::casefile::CaseFile;
use visanav_core::ceac::{CeacParseError, CeacResult, parse_result_with};
use visanav_core::knowledge::Knowledge;
use visanav_core::monitor::Schedule;
use visanav_core::monitor::{CheckError, CheckSource, ObservationVia};
use visanav_core::plan::today_at_post;
use visanav_store::{CheckBy, KEEP_ANSWERS, Recorded, Store, StoreError};

use super::check::{CheckOutcome, ISSUED_SLUG, Observed};

/// The largest page accepted (after decoding): a saved CEAC result page is some tens of
/// kilobytes; the result panel alone, which the bookmarklet sends, about one.
pub const MAX_PAGE_BYTES: usize = 1024 * 1024;

/// The identifiers a page must show to be about the case, and where the case is heard.
#[derive(Debug, Clone, Copy)]
pub struct Expected<'a> {
    pub ceac_case_number: Option<&'a str>,
    pub ds160_id: Option<&'a str>,
    pub post: &'a str,
}

impl<'a> Expected<'a> {
    pub fn of(case: &'a CaseFile) -> Expected<'a> {
        Expected {
            ceac_case_number: case.ceac_case_number.as_ref().map(|n| n.as_str()),
            ds160_id: case.ds160_id.as_ref().map(|n| n.as_str()),
            post: &case.post,
        }
    }

    /// Whether CEAC's echo of the case number is one of this case's identifiers (spaces,
    /// hyphens and letter case do not matter).
    fn matches(&self, shown: &str) -> bool {
        let shown = compact(shown);
        !shown.is_empty()
            && [self.ceac_case_number, self.ds160_id]
                .into_iter()
                .flatten()
                .any(|id| compact(id) == shown)
    }
}

fn compact(s: &str) -> String {
    s.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// What a handed-over page came to, before anything is stored.
// One per request, moved rarely: boxing the large variant would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum Assessed {
    /// A reading, or CEAC's own answer holding none: recorded as an attempt (the outcome's
    /// result says which). `parsed` is what the page showed, when it showed a result.
    Record {
        outcome: CheckOutcome,
        parsed: Option<CeacResult>,
    },
    /// Not CEAC's answer about this case: nothing is recorded. `detail` says why and what to
    /// do, for the person.
    Refused { error: CheckError, detail: String },
}

impl Assessed {
    /// The machine code when this is no reading.
    pub fn error(&self) -> Option<CheckError> {
        match self {
            Assessed::Record { outcome, .. } => outcome.result.as_ref().err().map(|(e, _)| *e),
            Assessed::Refused { error, .. } => Some(*error),
        }
    }
}

/// Reads `page` as CEAC's answer about the case `expected` describes, at `now`.
pub fn assess(k: &Knowledge, expected: Expected<'_>, page: &str, now: Timestamp) -> Assessed {
    let clock = Instant::now();
    let result = parse_result_with(page, k);
    let failed = |error: CheckError, detail: String| CheckOutcome {
        source: CheckSource::Ceac,
        via: ObservationVia::Assisted,
        started: now,
        duration_ms: elapsed_ms(clock),
        result: Err((error, detail)),
        raw: Some(page.to_string()),
    };
    let r = match result {
        Ok(r) => r,
        Err(e) if is_ceac_answer(&e) => {
            return Assessed::Record {
                outcome: failed(e.check_error(), e.to_string()),
                parsed: None,
            };
        }
        Err(e) => {
            return Assessed::Refused {
                error: e.check_error(),
                detail: e.to_string(),
            };
        }
    };
    if let Some(detail) = other_case(&expected, &r) {
        return Assessed::Refused {
            error: CheckError::InvalidId,
            detail,
        };
    }
    let Some(slug) = r.status_slug.clone() else {
        let detail = format!(
            "CEAC shows the status \"{}\", which visanav does not know yet, so it was not \
             recorded as your status (visanav never guesses what a status means). The page is \
             kept with the case; you can add the status by hand on the case page.",
            r.status_shown
        );
        return Assessed::Record {
            outcome: failed(CheckError::Unparseable, detail),
            parsed: Some(r),
        };
    };
    let outcome = CheckOutcome {
        source: CheckSource::Ceac,
        via: ObservationVia::Assisted,
        started: now,
        duration_ms: elapsed_ms(clock),
        result: Ok(Observed {
            status: r.status.clone(),
            case_created: r.case_created,
            last_updated: r.last_updated,
            message: r.message.clone(),
            issued: slug == ISSUED_SLUG,
            observed_on: today_at_post(k, expected.post, now),
            history: Vec::new(),
        }),
        raw: Some(page.to_string()),
    };
    Assessed::Record {
        outcome,
        parsed: Some(r),
    }
}

/// Whether the error is CEAC (or Cloudflare in front of it) answering the person, rather
/// than input that is no answer at all.
fn is_ceac_answer(e: &CeacParseError) -> bool {
    !matches!(
        e,
        CeacParseError::NotCeac | CeacParseError::FormNotSubmitted | CeacParseError::BadDate { .. }
    )
}

/// Why the result is not about this case, if it is not.
fn other_case(expected: &Expected<'_>, r: &CeacResult) -> Option<String> {
    let ours = match (expected.ceac_case_number, expected.ds160_id) {
        (Some(n), Some(d)) => format!("{n} (DS-160 id {d})"),
        (Some(n), None) | (None, Some(n)) => n.to_string(),
        (None, None) => {
            return Some(
                "This case has no CEAC case number or DS-160 id yet, so visanav cannot tell \
                 whether the page is about it. Add the number on the case's edit page (\"Edit \
                 dates and case numbers\"), then send the page again."
                    .into(),
            );
        }
    };
    if r.case_number.trim().is_empty() {
        return Some(
            "The page does not show a case number, so visanav cannot tell whose status it is; \
             nothing was recorded. Save or copy the whole result, including the line \
             \"Application ID or Case Number\"."
                .into(),
        );
    }
    if expected.matches(&r.case_number) {
        return None;
    }
    Some(format!(
        "This page is about case {}, but this case's CEAC number is {ours}; nothing was \
         recorded. Check this case's number on CEAC, or send the page to the case it belongs to.",
        r.case_number.trim(),
    ))
}

/// Records what `assess` found for `case_id`, as the person's own check: the attempt with the
/// page (encrypted, kept [`KEEP_ANSWERS`]), and the reading and its change event when there is
/// one. Nothing is written for a refused page (`None`).
pub async fn record(
    store: &Store,
    schedule: &Schedule,
    actor: &Actor,
    case_id: &CaseId,
    assessed: &Assessed,
    now: Timestamp,
) -> Result<Option<Recorded>, StoreError> {
    let Assessed::Record { outcome, .. } = assessed else {
        return Ok(None);
    };
    let keep_until = now.checked_add(KEEP_ANSWERS).unwrap_or(now);
    store
        .record_check(
            CheckBy::Person(actor),
            case_id,
            &outcome.record(keep_until),
            schedule,
            super::worker::jitter(),
            now,
        )
        .await
        .map(Some)
}

fn elapsed_ms(since: Instant) -> i64 {
    i64::try_from(since.elapsed().as_millis()).unwrap_or(i64::MAX)
}

/// The answer of the API and `visanav ceac submit --json`: the fields `visanav check --json`
/// prints (`source`, `ok`, `status`, `case_created`, `last_updated`, `message`, and `error`
/// with a `detail` for people when there is no reading), what the page showed, and what
/// recording it did (`changed`, `change`, `attempt_id`; `attempt_id` is null when nothing
/// was recorded).
pub fn json(k: &Knowledge, assessed: &Assessed, recorded: Option<&Recorded>) -> serde_json::Value {
    let mut v = match assessed {
        Assessed::Record { outcome, parsed } => {
            let mut v = outcome.json();
            if let (Some(obj), Err((_, detail))) = (v.as_object_mut(), &outcome.result) {
                // For people who handed the page over, what to do, not the monitor's words.
                obj.insert("message".into(), json!(detail));
            }
            if let (Some(obj), Some(r)) = (v.as_object_mut(), parsed) {
                let meaning = r
                    .status_slug
                    .as_deref()
                    .and_then(|s| k.status_by_slug(s))
                    .map(|s| s.meaning.trim().to_string());
                obj.insert("status_shown".into(), json!(r.status_shown));
                obj.insert("status_slug".into(), json!(r.status_slug));
                obj.insert("case_number".into(), json!(r.case_number));
                obj.insert("meaning".into(), json!(meaning));
            }
            v
        }
        Assessed::Refused { error, detail } => json!({
            "source": CheckSource::Ceac.as_str(),
            "ok": false,
            "status": null,
            "case_created": null,
            "last_updated": null,
            "message": detail,
            "error": error.code(),
            "detail": detail,
        }),
    };
    if let Some(obj) = v.as_object_mut() {
        obj.remove("duration_ms");
        obj.insert("via".into(), json!(ObservationVia::Assisted.as_str()));
        obj.insert(
            "changed".into(),
            json!(recorded.is_some_and(|r| r.change.is_some())),
        );
        obj.insert(
            "change".into(),
            json!(recorded.and_then(|r| r.change.as_ref())),
        );
        obj.insert(
            "stored_reading".into(),
            json!(recorded.is_some_and(|r| r.stored_reading)),
        );
        obj.insert("attempt_id".into(), json!(recorded.map(|r| &r.attempt_id)));
        obj.insert("disclaimer".into(), json!(NOT_LEGAL_ADVICE));
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    const REFUSED: &str = include_str!("../../../core/tests/fixtures/ceac/iv-refused.html");
    const CAPTCHA: &str = include_str!("../../../core/tests/fixtures/ceac/captcha-mismatch.html");
    const FORM: &str = include_str!("../../../core/tests/fixtures/ceac/form-only.html");

    fn knowledge() -> Knowledge {
        Knowledge::embedded().expect("knowledge")
    }

    fn ours() -> Expected<'static> {
        Expected {
            ceac_case_number: Some("MNL2025512345"),
            ds160_id: Some("AA00B7QPGN"),
            post: "MNL",
        }
    }

    fn now() -> Timestamp {
        "2025-07-20T03:00:00Z".parse().expect("ts")
    }

    #[test]
    fn a_result_about_the_case_is_a_reading() {
        let k = knowledge();
        let a = assess(&k, ours(), REFUSED, now());
        let Assessed::Record { outcome, .. } = &a else {
            panic!("{a:?}")
        };
        let o = outcome.result.as_ref().expect("a reading");
        assert_eq!(o.status, "Refused");
        assert_eq!(
            o.last_updated.map(|d| d.to_string()).as_deref(),
            Some("2025-07-15")
        );
        assert_eq!(o.observed_on.to_string(), "2025-07-20", "today in Manila");
        assert!(!o.issued);
        assert_eq!(outcome.via, ObservationVia::Assisted);
        assert_eq!(outcome.raw.as_deref(), Some(REFUSED), "the page is kept");
    }

    #[test]
    fn another_case_or_no_case_number_is_refused_and_says_which() {
        let k = knowledge();
        let other = REFUSED.replace("MNL2025512345", "MNL2025000999");
        match assess(&k, ours(), &other, now()) {
            Assessed::Refused { error, detail } => {
                assert_eq!(error, CheckError::InvalidId);
                assert!(detail.contains("MNL2025000999") && detail.contains("MNL2025512345"));
            }
            a => panic!("{a:?}"),
        }
        let none = Expected {
            ceac_case_number: None,
            ds160_id: None,
            post: "MNL",
        };
        assert!(matches!(
            assess(&k, none, REFUSED, now()),
            Assessed::Refused {
                error: CheckError::InvalidId,
                ..
            }
        ));
        // Spacing and letter case of the echo do not matter.
        let spaced = REFUSED.replace(">MNL2025512345<", "> mnl 2025512345 <");
        assert!(assess(&k, ours(), &spaced, now()).error().is_none());
    }

    #[test]
    fn ceac_answers_without_a_reading_are_kept_other_input_is_not() {
        let k = knowledge();
        match assess(&k, ours(), CAPTCHA, now()) {
            Assessed::Record { outcome, .. } => {
                assert_eq!(
                    outcome.result.as_ref().err().map(|e| e.0),
                    Some(CheckError::CaptchaMismatch)
                );
            }
            a => panic!("{a:?}"),
        }
        assert!(matches!(
            assess(&k, ours(), FORM, now()),
            Assessed::Refused {
                error: CheckError::Unparseable,
                ..
            }
        ));
        let unknown = REFUSED.replace(">Refused<", ">Teleported<");
        match assess(&k, ours(), &unknown, now()) {
            Assessed::Record { outcome, parsed } => {
                let (e, detail) = outcome.result.as_ref().expect_err("no reading");
                assert_eq!(*e, CheckError::Unparseable);
                assert!(detail.contains("Teleported"));
                assert!(parsed.is_some());
            }
            a => panic!("{a:?}"),
        }
    }

    #[test]
    fn the_json_has_the_check_fields_and_what_recording_did() {
        let k = knowledge();
        let a = assess(&k, ours(), REFUSED, now());
        let v = json(&k, &a, None);
        for key in [
            "source",
            "ok",
            "status",
            "case_created",
            "last_updated",
            "message",
            "changed",
            "change",
            "attempt_id",
        ] {
            assert!(v.get(key).is_some(), "{key} in {v}");
        }
        assert_eq!(v["ok"], true);
        assert_eq!(v["last_updated"], "2025-07-15");
        assert_eq!(v["via"], "assisted");
        let failed = json(&k, &assess(&k, ours(), CAPTCHA, now()), None);
        assert_eq!(failed["ok"], false);
        assert_eq!(failed["error"], "captcha_mismatch");
        assert!(
            failed["detail"]
                .as_str()
                .is_some_and(|d| d.contains("Submit"))
        );
    }
}
