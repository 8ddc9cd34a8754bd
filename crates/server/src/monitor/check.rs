//! One check of one case: ask the source, validate the answer, and say what came of it in
//! a form the store records and the command line prints.

use std::sync::Arc;
use std::time::Instant;

use jiff::Timestamp;
use jiff::civil::Date;
use serde_json::json;
use visanav_core::ceac::ApplicationKind;
use visanav_core::knowledge::{Knowledge, StatusSource};
use visanav_core::monitor::{CheckError, CheckSource, ObservationVia};
use visanav_core::plan::today_at_post;
use visanav_sources::captcha::{CaptchaStrategy, solve_with_command};
use visanav_sources::ceac::{Answer, CeacClient, CeacQuery, Challenge, Failure};
use visanav_sources::uscis::UscisClient;
use visanav_store::{CheckRecord, CheckTarget, HistoryStep, NewReading};

/// The slug of the CEAC status that means the visa was issued.
pub(super) const ISSUED_SLUG: &str = "ceac-issued";
/// Fresh captchas tried when the command's answer is refused (never for other failures).
const CAPTCHA_TRIES: u32 = 3;

/// A reading, with everything the source said.
#[derive(Debug, Clone)]
pub struct Observed {
    pub status: String,
    pub case_created: Option<Date>,
    pub last_updated: Option<Date>,
    pub message: String,
    pub issued: bool,
    pub observed_on: Date,
    /// Steps the source lists as done (USCIS's `hist_case_status`), imported with the reading.
    pub history: Vec<HistoryStep>,
}

/// What one check came to.
#[derive(Debug, Clone)]
pub struct CheckOutcome {
    pub source: CheckSource,
    pub via: ObservationVia,
    pub started: Timestamp,
    pub duration_ms: i64,
    pub result: Result<Observed, (CheckError, String)>,
    pub raw: Option<String>,
}

impl CheckOutcome {
    fn failed(
        source: CheckSource,
        started: Timestamp,
        clock: Instant,
        error: CheckError,
        detail: String,
        raw: Option<String>,
    ) -> CheckOutcome {
        CheckOutcome {
            source,
            via: via_of(source),
            started,
            duration_ms: elapsed_ms(clock),
            result: Err((error, detail)),
            raw,
        }
    }

    /// The row the store keeps for this check.
    pub fn record(&self, keep_raw_until: Timestamp) -> CheckRecord {
        CheckRecord {
            source: self.source,
            via: self.via,
            started: self.started,
            duration_ms: self.duration_ms,
            outcome: match &self.result {
                Ok(o) => Ok(NewReading {
                    history: o.history.clone(),
                    status: o.status.clone(),
                    last_updated: o.last_updated,
                    observed_on: o.observed_on,
                    issued: o.issued,
                }),
                Err((e, _)) => Err(*e),
            },
            detail: self.result.as_ref().err().map(|(_, d)| d.clone()),
            raw: self.raw.clone(),
            keep_raw_until,
        }
    }

    /// `visanav check --json`: source, ok, status, case_created, last_updated (YYYY-MM-DD),
    /// message, and on failure error (a code) and detail.
    pub fn json(&self) -> serde_json::Value {
        let ymd = |d: Option<Date>| d.map(|d| d.to_string());
        match &self.result {
            Ok(o) => json!({
                "source": self.source.as_str(),
                "ok": true,
                "status": o.status,
                "case_created": ymd(o.case_created),
                "last_updated": ymd(o.last_updated),
                "message": o.message,
                "duration_ms": self.duration_ms,
            }),
            Err((e, detail)) => json!({
                "source": self.source.as_str(),
                "ok": false,
                "status": null,
                "case_created": null,
                "last_updated": null,
                "message": e.explain(self.source),
                "error": e.code(),
                "detail": detail,
                "duration_ms": self.duration_ms,
            }),
        }
    }
}

fn via_of(source: CheckSource) -> ObservationVia {
    match source {
        CheckSource::Ceac => ObservationVia::Direct,
        CheckSource::Uscis => ObservationVia::UscisApi,
    }
}

fn elapsed_ms(since: Instant) -> i64 {
    i64::try_from(since.elapsed().as_millis()).unwrap_or(i64::MAX)
}

/// A CEAC check waiting for a person to type the captcha (the manual strategy).
#[derive(serde::Serialize, serde::Deserialize)]
pub struct Pending {
    pub challenge: Challenge,
}

pub struct Checker {
    knowledge: Arc<Knowledge>,
    ceac: Option<CeacClient>,
    uscis: Option<UscisClient>,
    captcha: CaptchaStrategy,
}

/// What CEAC needs to look the case up, from the case: K visas and immigrant visas by NVC case
/// number (IV), others by DS-160 id and post (NIV); passport number and surname for both.
pub fn ceac_query(target: &CheckTarget) -> Result<CeacQuery, (CheckError, String)> {
    let missing = |what: &str| {
        (
            CheckError::InvalidId,
            format!("the case has no {what}, which CEAC asks for; add it on the case's edit page"),
        )
    };
    let passport = target
        .passport
        .as_ref()
        .ok_or_else(|| missing("passport number"))?;
    let surname = target
        .surname
        .clone()
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| missing("surname"))?;
    let (kind, case_number, location) = match (&target.ceac_case_number, &target.ds160_id) {
        (Some(n), _) => (ApplicationKind::Iv, n.as_str().to_string(), None),
        (None, Some(id)) => (
            ApplicationKind::Niv,
            id.as_str().to_string(),
            Some(target.post.clone()),
        ),
        (None, None) => return Err(missing("CEAC case number or DS-160 id")),
    };
    Ok(CeacQuery {
        kind,
        case_number,
        location,
        passport: passport.as_str().to_string(),
        surname,
    })
}

impl Checker {
    pub fn new(
        knowledge: Arc<Knowledge>,
        ceac: Option<CeacClient>,
        uscis: Option<UscisClient>,
        captcha: CaptchaStrategy,
    ) -> Checker {
        Checker {
            knowledge,
            ceac,
            uscis,
            captcha,
        }
    }

    pub fn has_ceac(&self) -> bool {
        self.ceac.is_some()
    }

    pub fn has_uscis(&self) -> bool {
        self.uscis.is_some()
    }

    pub fn captcha(&self) -> &CaptchaStrategy {
        &self.captcha
    }

    /// Checks the case on its source with nobody there (CEAC needs the `command` strategy).
    pub async fn check(&self, target: &CheckTarget, now: Timestamp) -> CheckOutcome {
        match target.source {
            CheckSource::Ceac => self.check_ceac(target, now).await,
            CheckSource::Uscis => self.check_uscis(target, now).await,
        }
    }

    async fn check_uscis(&self, target: &CheckTarget, now: Timestamp) -> CheckOutcome {
        let clock = Instant::now();
        let fail = |e, d: &str| {
            CheckOutcome::failed(CheckSource::Uscis, now, clock, e, d.to_string(), None)
        };
        let Some(client) = &self.uscis else {
            return fail(
                CheckError::Unavailable,
                "the USCIS API is not configured (sources.uscis.client_id and client_secret)",
            );
        };
        let Some(receipt) = &target.uscis_receipt else {
            return fail(
                CheckError::InvalidId,
                "the case has no USCIS receipt number; add it on the case's edit page",
            );
        };
        match client.case_status(receipt).await {
            Ok(answer) => {
                let status = self
                    .knowledge
                    .find_status(&answer.status.status, Some(StatusSource::Uscis))
                    .map_or_else(|| answer.status.status.clone(), |s| s.name.clone());
                CheckOutcome {
                    source: CheckSource::Uscis,
                    via: ObservationVia::UscisApi,
                    started: now,
                    duration_ms: elapsed_ms(clock),
                    result: Ok(Observed {
                        status,
                        case_created: answer.status.submitted_on,
                        last_updated: answer.status.modified_on,
                        message: answer.status.message.clone(),
                        issued: false,
                        observed_on: today_at_post(&self.knowledge, &target.post, now),
                        history: answer
                            .status
                            .history
                            .iter()
                            .map(|h| HistoryStep {
                                on: h.on,
                                text: h.text.clone(),
                            })
                            .collect(),
                    }),
                    raw: Some(answer.raw),
                }
            }
            Err(f) => {
                CheckOutcome::failed(CheckSource::Uscis, now, clock, f.error, f.detail, f.raw)
            }
        }
    }

    async fn check_ceac(&self, target: &CheckTarget, now: Timestamp) -> CheckOutcome {
        let clock = Instant::now();
        let fail = |e, d: String| CheckOutcome::failed(CheckSource::Ceac, now, clock, e, d, None);
        let Some(client) = &self.ceac else {
            return fail(
                CheckError::Unavailable,
                "CEAC checks are off (captcha.strategy = none)".into(),
            );
        };
        if !self.captcha.unattended() {
            return fail(
                CheckError::Unavailable,
                "CEAC's captcha needs a person here (captcha.strategy = manual)".into(),
            );
        }
        let query = match ceac_query(target) {
            Ok(q) => q,
            Err((e, d)) => return fail(e, d),
        };
        let mut last = None;
        let mut session = client.session();
        for _ in 0..CAPTCHA_TRIES {
            let challenge = match client.start_in(&mut session, query.kind).await {
                Ok(c) => c,
                Err(f) => {
                    return CheckOutcome::failed(
                        CheckSource::Ceac,
                        now,
                        clock,
                        f.error,
                        f.detail,
                        f.raw,
                    );
                }
            };
            let code = match self.solve(&challenge.captcha_image).await {
                Ok(code) => code,
                Err(detail) => return fail(CheckError::CaptchaMismatch, detail),
            };
            match client
                .submit_in(&mut session, challenge, &query, &code)
                .await
            {
                Ok(answer) => return self.ceac_outcome(answer, target, now, clock),
                Err(f) if f.error == CheckError::CaptchaMismatch => last = Some(f),
                Err(f) => {
                    return CheckOutcome::failed(
                        CheckSource::Ceac,
                        now,
                        clock,
                        f.error,
                        f.detail,
                        f.raw,
                    );
                }
            }
        }
        let f = last.unwrap_or_else(|| Failure::new(CheckError::CaptchaMismatch, "no try made"));
        CheckOutcome::failed(CheckSource::Ceac, now, clock, f.error, f.detail, f.raw)
    }

    /// The code in the picture, by the unattended strategy configured.
    async fn solve(&self, image: &[u8]) -> Result<String, String> {
        match &self.captcha {
            CaptchaStrategy::Command { command, timeout } => {
                solve_with_command(command, image, *timeout)
                    .await
                    .map_err(|e| e.to_string())
            }
            CaptchaStrategy::FakeUpstream => visanav_sources::fake::read_fake_code(image)
                .ok_or_else(|| "the picture is not the fake upstream's".to_string()),
            CaptchaStrategy::Manual | CaptchaStrategy::None => {
                Err("no unattended captcha strategy".to_string())
            }
        }
    }

    fn ceac_outcome(
        &self,
        answer: Answer,
        target: &CheckTarget,
        now: Timestamp,
        clock: Instant,
    ) -> CheckOutcome {
        let r = answer.result;
        CheckOutcome {
            source: CheckSource::Ceac,
            via: ObservationVia::Direct,
            started: now,
            duration_ms: elapsed_ms(clock),
            result: Ok(Observed {
                issued: r.status_slug.as_deref() == Some(ISSUED_SLUG),
                status: r.status,
                case_created: r.case_created,
                last_updated: r.last_updated,
                message: r.message,
                observed_on: today_at_post(&self.knowledge, &target.post, now),
                history: Vec::new(),
            }),
            raw: Some(answer.raw),
        }
    }

    /// The manual strategy, first half: fetch the form and the captcha for a person to read.
    pub async fn start_ceac(
        &self,
        target: &CheckTarget,
        now: Timestamp,
    ) -> Result<Pending, CheckOutcome> {
        let clock = Instant::now();
        let Some(client) = &self.ceac else {
            return Err(CheckOutcome::failed(
                CheckSource::Ceac,
                now,
                clock,
                CheckError::Unavailable,
                "CEAC checks are off (captcha.strategy = none)".into(),
                None,
            ));
        };
        let query = ceac_query(target)
            .map_err(|(e, d)| CheckOutcome::failed(CheckSource::Ceac, now, clock, e, d, None))?;
        client
            .start(query.kind)
            .await
            .map(|challenge| Pending { challenge })
            .map_err(|f| {
                CheckOutcome::failed(CheckSource::Ceac, now, clock, f.error, f.detail, f.raw)
            })
    }

    /// The manual strategy, second half: post the code the person typed.
    pub async fn finish_ceac(
        &self,
        pending: Pending,
        target: &CheckTarget,
        code: &str,
        now: Timestamp,
    ) -> CheckOutcome {
        let clock = Instant::now();
        let fail =
            |e, d: String, raw| CheckOutcome::failed(CheckSource::Ceac, now, clock, e, d, raw);
        let Some(client) = &self.ceac else {
            return fail(CheckError::Unavailable, "CEAC checks are off".into(), None);
        };
        let query = match ceac_query(target) {
            Ok(q) => q,
            Err((e, d)) => return fail(e, d, None),
        };
        match client.submit(pending.challenge, &query, code).await {
            Ok(answer) => self.ceac_outcome(answer, target, now, clock),
            Err(f) => fail(f.error, f.detail, f.raw),
        }
    }
}
