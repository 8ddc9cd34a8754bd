//! Status checks in the browser: turning automatic checks on and off, "check now" (limited per
//! person), the manual captcha flow ([`manual`]), and what a source answered in one check.
//! The case page's section is built by [`view`].
//!
//! A check the person asks for runs in a task of its own and is recorded there, so a slow
//! source that outlasts the request's time limit still ends in a recorded attempt (and in the
//! person's count) rather than in a check that happened and was forgotten.

pub mod manual;
pub mod view;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use jiff::{SignedDuration, Timestamp};
use visanav_core::NOT_LEGAL_ADVICE;
use visanav_core::monitor::CheckSource;
use visanav_sources::captcha::CaptchaStrategy;
use visanav_store::{
    Actor, CaseId, CheckBy, CheckTarget, KEEP_ANSWERS, StoreError, TimelineEntry, TxMode,
};

use crate::auth::stale_form;
use crate::forms::{field, fields};
use crate::monitor::{CheckOutcome, Monitor};
use crate::pages::render;
use crate::request::{LoadedCase, PageCase};
use crate::session::csrf_ok;
use crate::sharing::see_other;
use crate::{AppError, AppState};

/// The window of the "check now" limit.
const LIMIT_WINDOW: SignedDuration = SignedDuration::from_hours(1);

/// How this installation can check a source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// With nobody there: the background worker and "check now" alike.
    Auto,
    /// CEAC under the manual captcha strategy: a person reads the picture for each check.
    Manual,
    /// Not configured (CEAC with `captcha.strategy = none`, USCIS without credentials).
    Off,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Auto => "auto",
            Mode::Manual => "manual",
            Mode::Off => "off",
        }
    }
}

pub fn mode(monitor: &Monitor, source: CheckSource) -> Mode {
    let checker = &monitor.checker;
    match source {
        CheckSource::Ceac if !checker.has_ceac() => Mode::Off,
        CheckSource::Ceac => match checker.captcha() {
            CaptchaStrategy::Command { .. } | CaptchaStrategy::FakeUpstream => Mode::Auto,
            CaptchaStrategy::Manual => Mode::Manual,
            CaptchaStrategy::None => Mode::Off,
        },
        CheckSource::Uscis if checker.has_uscis() => Mode::Auto,
        CheckSource::Uscis => Mode::Off,
    }
}

/// A page that says why a check did not run (or cannot go on), with the way forward.
#[derive(Template)]
#[template(path = "check_notice.html")]
struct NoticePage {
    disclaimer: &'static str,
    case_id: String,
    csrf: String,
    /// "limit", "blocked", "off", "expired", "unknown_source"
    kind: &'static str,
    name: &'static str,
    limit: i64,
    /// (relative, absolute) of when the person may ask again or the block ends.
    until: (String, String),
    /// The code they typed did not match (said before the limit).
    missed: bool,
}

fn notice(loaded: &LoadedCase, kind: &'static str, source: CheckSource) -> NoticePage {
    NoticePage {
        disclaimer: NOT_LEGAL_ADVICE,
        case_id: loaded.stored.id.to_string(),
        csrf: crate::session::csrf_token(&loaded.session),
        kind,
        name: source.display_name(),
        limit: 0,
        until: Default::default(),
        missed: false,
    }
}

fn respond(page: &NoticePage, status: StatusCode) -> Response {
    let mut r = render(page);
    *r.status_mut() = status;
    r
}

/// The case page, showing the result of one check.
fn show_result(case: &CaseId, attempt: &str) -> Response {
    see_other(format!("/cases/{case}?checked={attempt}#checks"))
}

/// When the person may ask for another check, if they have asked for as many as allowed
/// in the last hour; `Some(None)` when "check now" is not allowed at all.
async fn limited(
    state: &AppState,
    actor: &Actor,
    now: Timestamp,
) -> Result<Option<Option<Timestamp>>, StoreError> {
    let limit = usize::try_from(state.monitor.config.check_now_per_hour).unwrap_or(0);
    let since = now.checked_sub(LIMIT_WINDOW).unwrap_or(now);
    let counted = state.store.check_requests_since(actor, since).await?;
    if counted.len() < limit {
        return Ok(None);
    }
    if limit == 0 {
        return Ok(Some(None));
    }
    // The count falls below the limit when all but `limit - 1` of them are an hour old.
    let freed = counted[counted.len() - limit];
    Ok(Some(
        Timestamp::from_millisecond(freed)
            .ok()
            .and_then(|t| t.checked_add(LIMIT_WINDOW).ok()),
    ))
}

/// The "you have asked for enough checks" page (429), or `None` when the person may ask.
async fn refuse_if_limited(
    state: &AppState,
    loaded: &LoadedCase,
    source: CheckSource,
    missed: bool,
    now: Timestamp,
) -> Result<Option<Response>, AppError> {
    let Some(again) = limited(state, &loaded.actor, now).await? else {
        return Ok(None);
    };
    let mut page = notice(loaded, "limit", source);
    page.limit = state.monitor.config.check_now_per_hour;
    page.missed = missed;
    if let Some(t) = again {
        let ms = t.as_millisecond();
        page.until = (view::from_now(ms, now), view::at(ms));
    }
    Ok(Some(respond(&page, StatusCode::TOO_MANY_REQUESTS)))
}

/// The identifiers a check of this case needs (decrypted), for the person asking.
async fn target(
    state: &AppState,
    loaded: &LoadedCase,
    source: CheckSource,
) -> Result<CheckTarget, AppError> {
    let mut tx = state.store.begin(TxMode::Read).await?;
    let target = tx
        .check_target(&loaded.actor, &loaded.stored.id, source)
        .await;
    tx.rollback().await?;
    Ok(target?)
}

/// Records a check the person asked for; returns the attempt's id.
async fn record(
    state: &AppState,
    actor: &Actor,
    case: &CaseId,
    outcome: &CheckOutcome,
) -> Result<String, StoreError> {
    let now = state.clock.now();
    let keep = now.checked_add(KEEP_ANSWERS).unwrap_or(now);
    let recorded = state
        .store
        .record_check(
            CheckBy::Person(actor),
            case,
            &outcome.record(keep),
            &state.monitor.config.schedule,
            crate::monitor::worker::jitter(),
            now,
        )
        .await?;
    Ok(recorded.attempt_id)
}

/// Waits for a task that checks and records; its end is recorded even if this request is not
/// there to see it.
async fn joined<T>(task: tokio::task::JoinHandle<Result<T, StoreError>>) -> Result<T, AppError> {
    match task.await {
        Ok(done) => Ok(done?),
        Err(e) => Err(AppError::internal(format!("a check stopped: {e}"))),
    }
}

/// `POST /cases/{id}/monitoring`: automatic checks of one source on or off.
pub async fn toggle(
    State(state): State<AppState>,
    PageCase(loaded): PageCase,
    body: axum::body::Bytes,
) -> Result<Response, AppError> {
    let f = fields(&body);
    if !csrf_ok(&loaded.session, field(&f, "csrf")) {
        return Err(stale_form());
    }
    let id = loaded.stored.id.clone();
    let source = CheckSource::parse(field(&f, "source")).ok_or_else(|| unknown_source(&id))?;
    let on = field(&f, "monitoring") == "on";
    let now = state.clock.now();
    state
        .store
        .set_monitoring(&loaded.actor, &id, source, on, now, now)
        .await?;
    let said = if on {
        "monitoring-on"
    } else {
        "monitoring-off"
    };
    Ok(see_other(format!("/cases/{id}?saved={said}#checks")))
}

fn unknown_source(case: &CaseId) -> AppError {
    AppError::new(
        StatusCode::BAD_REQUEST,
        "Which status page?",
        "The form did not say which status page to check (CEAC or USCIS). Go back to the case \
         and use its buttons.",
    )
    .with_case(case.as_str())
}

/// `POST /cases/{id}/checks`: check one source now. Refused, with nothing asked of the source,
/// when the person reached their limit or the provider is blocking checks. Under the manual
/// captcha strategy this starts the picture flow instead.
pub async fn check_now(
    State(state): State<AppState>,
    PageCase(loaded): PageCase,
    body: axum::body::Bytes,
) -> Result<Response, AppError> {
    let f = fields(&body);
    if !csrf_ok(&loaded.session, field(&f, "csrf")) {
        return Err(stale_form());
    }
    let id = loaded.stored.id.clone();
    let source = CheckSource::parse(field(&f, "source")).ok_or_else(|| unknown_source(&id))?;
    let now = state.clock.now();
    if let Some(refused) = cannot_check(&state, &loaded, source, false, now).await? {
        return Ok(refused);
    }
    if mode(&state.monitor, source) == Mode::Manual {
        return manual::start(&state, &loaded, now, false).await;
    }
    let target = target(&state, &loaded, source).await?;
    let (task_state, actor) = (state.clone(), loaded.actor.clone());
    let attempt = joined(tokio::spawn(async move {
        let outcome = task_state
            .monitor
            .checker
            .check(&target, task_state.clock.now())
            .await;
        record(&task_state, &actor, &target.case_id, &outcome).await
    }))
    .await?;
    Ok(show_result(&id, &attempt))
}

/// Why a check cannot be asked for now (as a page), if it cannot: the source is not set up
/// here, the provider is blocking checks, or the person reached their limit.
async fn cannot_check(
    state: &AppState,
    loaded: &LoadedCase,
    source: CheckSource,
    missed: bool,
    now: Timestamp,
) -> Result<Option<Response>, AppError> {
    if mode(&state.monitor, source) == Mode::Off {
        let page = notice(loaded, "off", source);
        return Ok(Some(respond(&page, StatusCode::CONFLICT)));
    }
    if let Some(until) = state.store.provider_blocked_until(source, now).await? {
        let mut page = notice(loaded, "blocked", source);
        page.until = (view::from_now(until, now), view::at(until));
        page.missed = missed;
        return Ok(Some(respond(&page, StatusCode::SERVICE_UNAVAILABLE)));
    }
    refuse_if_limited(state, loaded, source, missed, now).await
}

/// What a source answered in one check.
#[derive(Template)]
#[template(path = "check_answer.html")]
struct AnswerPage {
    disclaimer: &'static str,
    case_id: String,
    short_id: String,
    line: view::AttemptLine,
    detail: String,
    raw: String,
    /// The reading the check added to the status history, if it added one.
    reading: Option<TimelineEntry>,
}

/// `GET /cases/{id}/checks/{attempt}/answer`: when, which source, how, what was read, and the
/// answer itself as text (escaped, never rendered), for whoever can see the case.
pub async fn answer(
    State(state): State<AppState>,
    PageCase(loaded): PageCase,
    Path((_, attempt)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let id = &loaded.stored.id;
    let now = state.clock.now();
    let mut tx = state.store.begin(TxMode::Read).await?;
    let found = tx.attempt_answer(&loaded.actor, id, &attempt).await?;
    let timeline = tx.timeline(&loaded.actor, id).await?;
    tx.rollback().await?;
    let Some((a, raw)) = found else {
        return Err(AppError::not_found(
            "visanav does not keep this answer (any more): answers are kept for 90 days, and \
             checks that got no answer have none. The case's list of checks still says how \
             each one went.",
        )
        .with_case(id.as_str()));
    };
    Ok(render(&AnswerPage {
        disclaimer: NOT_LEGAL_ADVICE,
        case_id: id.to_string(),
        short_id: id.short().to_string(),
        detail: a.detail.clone().unwrap_or_default(),
        reading: timeline
            .into_iter()
            .find(|e| e.attempt_id.as_deref() == Some(a.id.as_str())),
        line: view::attempt_line(&a, now),
        raw,
    })
    .into_response())
}
