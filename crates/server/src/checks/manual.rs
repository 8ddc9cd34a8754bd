//! The manual captcha strategy in the browser: visanav fetches CEAC's form and its picture,
//! keeps them (encrypted, for the person who asked, five minutes) as a challenge, shows the
//! picture, and finishes the check with the code the person types. A challenge is answered
//! once; a code CEAC refuses is said plainly and a new picture is shown at once.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiff::{SignedDuration, Timestamp};
use visanav_core::NOT_LEGAL_ADVICE;
use visanav_core::monitor::{CheckError, CheckSource};
use visanav_store::StoreError;

use super::{cannot_check, joined, notice, record, respond, show_result, target};
use crate::auth::stale_form;
use crate::forms::{field, fields};
use crate::monitor::{CheckOutcome, Pending};
use crate::pages::render;
use crate::request::{LoadedCase, PageCase};
use crate::session::{csrf_ok, csrf_token};
use crate::sharing::see_other;
use crate::{AppError, AppState};

/// How long a picture can be answered: CEAC's captcha is good for about as long.
const CHALLENGE_LIFETIME: SignedDuration = SignedDuration::from_mins(5);
/// The longest code accepted from the form (CEAC's are 5 or 6 characters).
const MAX_CODE: usize = 12;

#[derive(Template)]
#[template(path = "check_challenge.html")]
struct ChallengePage {
    disclaimer: &'static str,
    case_id: String,
    short_id: String,
    csrf: String,
    challenge: String,
    /// The code typed for the previous picture did not match.
    missed: bool,
    /// The form was sent without a code.
    empty: bool,
}

#[derive(serde::Deserialize)]
pub struct ChallengeQuery {
    miss: Option<String>,
}

/// Fetches CEAC's form and picture for the person and sends them to the picture's page
/// (`missed`: saying the code typed for the last one did not match). A
/// source that fails already here (down, blocking, the case lacks what CEAC asks for) is a
/// check like any other: recorded, and its result shown on the case page.
pub(super) async fn start(
    state: &AppState,
    loaded: &LoadedCase,
    now: Timestamp,
    missed: bool,
) -> Result<Response, AppError> {
    let id = &loaded.stored.id;
    let target = target(state, loaded, CheckSource::Ceac).await?;
    let pending = match state.monitor.checker.start_ceac(&target, now).await {
        Ok(p) => p,
        Err(outcome) => {
            let attempt = record(state, &loaded.actor, id, &outcome).await?;
            return Ok(show_result(id, &attempt));
        }
    };
    let state_bytes = serde_json::to_vec(&pending)
        .map_err(|e| AppError::internal(format!("a challenge could not be kept: {e}")))?;
    let expires = now.checked_add(CHALLENGE_LIFETIME).unwrap_or(now);
    let challenge = state
        .store
        .save_challenge(&loaded.actor, id, &state_bytes, expires)
        .await?;
    let miss = if missed { "?miss=1" } else { "" };
    Ok(see_other(format!("/cases/{id}/checks/{challenge}{miss}")))
}

fn challenge_page(loaded: &LoadedCase, challenge: &str, missed: bool, empty: bool) -> Response {
    let mut r = render(&ChallengePage {
        disclaimer: NOT_LEGAL_ADVICE,
        case_id: loaded.stored.id.to_string(),
        short_id: loaded.stored.id.short().to_string(),
        csrf: csrf_token(&loaded.session),
        challenge: challenge.to_string(),
        missed,
        empty,
    });
    if empty {
        *r.status_mut() = StatusCode::BAD_REQUEST;
    }
    r.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    r
}

/// The picture is gone (answered, or older than five minutes): say so, offer a new one.
fn expired(loaded: &LoadedCase) -> Response {
    respond(
        &notice(loaded, "expired", CheckSource::Ceac),
        StatusCode::GONE,
    )
}

/// `GET /cases/{id}/checks/{challenge}`: the picture and the field for its code.
pub async fn page(
    State(state): State<AppState>,
    PageCase(loaded): PageCase,
    Path((_, challenge)): Path<(String, String)>,
    Query(q): Query<ChallengeQuery>,
) -> Result<Response, AppError> {
    let now = state.clock.now();
    let found = state
        .store
        .challenge(&loaded.actor, &loaded.stored.id, &challenge, now)
        .await?;
    Ok(match found {
        Some(_) => challenge_page(&loaded, &challenge, q.miss.is_some(), false),
        None => expired(&loaded),
    })
}

/// The image's media type, from its first bytes (CEAC sends PNG, GIF or JPEG).
fn image_type(bytes: &[u8]) -> &'static str {
    match bytes {
        [0x89, b'P', b'N', b'G', ..] => "image/png",
        [b'G', b'I', b'F', b'8', ..] => "image/gif",
        [0xff, 0xd8, ..] => "image/jpeg",
        _ => "application/octet-stream",
    }
}

fn pending_of(bytes: &[u8]) -> Result<Pending, AppError> {
    serde_json::from_slice(bytes)
        .map_err(|e| AppError::internal(format!("a kept challenge could not be read: {e}")))
}

/// `GET /cases/{id}/checks/{challenge}/captcha.png`: the picture itself, never cached.
pub async fn captcha(
    State(state): State<AppState>,
    PageCase(loaded): PageCase,
    Path((_, challenge)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let now = state.clock.now();
    let found = state
        .store
        .challenge(&loaded.actor, &loaded.stored.id, &challenge, now)
        .await?;
    let Some(bytes) = found else {
        return Err(AppError::not_found(
            "This picture is no longer kept: it was answered or is older than five minutes.",
        )
        .with_case(loaded.stored.id.as_str()));
    };
    let image = pending_of(&bytes)?.challenge.captcha_image;
    Ok((
        [
            (header::CONTENT_TYPE, image_type(&image)),
            (header::CACHE_CONTROL, "private, no-store"),
        ],
        image,
    )
        .into_response())
}

/// What came of a typed code.
enum Typed {
    /// CEAC refused the code: nothing was looked up. The attempt is listed, nothing else.
    Missed,
    Recorded(String),
}

/// `POST /cases/{id}/checks/{challenge}`: finishes the check with the code typed. A code CEAC
/// refuses leads straight to a new picture (unless the person reached their limit).
pub async fn answer_code(
    State(state): State<AppState>,
    PageCase(loaded): PageCase,
    Path((_, challenge)): Path<(String, String)>,
    body: axum::body::Bytes,
) -> Result<Response, AppError> {
    let f = fields(&body);
    if !csrf_ok(&loaded.session, field(&f, "csrf")) {
        return Err(stale_form());
    }
    let code: String = field(&f, "code")
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(MAX_CODE)
        .collect::<String>()
        .to_ascii_uppercase();
    let now = state.clock.now();
    let id = loaded.stored.id.clone();
    if code.is_empty() {
        // Nothing typed: the same picture again (it was not used).
        return Ok(
            match state
                .store
                .challenge(&loaded.actor, &id, &challenge, now)
                .await?
            {
                Some(_) => challenge_page(&loaded, &challenge, false, true),
                None => expired(&loaded),
            },
        );
    }
    let Some(bytes) = state
        .store
        .take_challenge(&loaded.actor, &id, &challenge, now)
        .await?
    else {
        return Ok(expired(&loaded));
    };
    let pending = pending_of(&bytes)?;
    let target = target(&state, &loaded, CheckSource::Ceac).await?;
    let (task_state, actor) = (state.clone(), loaded.actor.clone());
    let typed = joined(tokio::spawn(async move {
        let checker = &task_state.monitor.checker;
        let outcome = checker
            .finish_ceac(pending, &target, &code, task_state.clock.now())
            .await;
        finish(&task_state, &actor, &target.case_id, &outcome).await
    }))
    .await?;
    match typed {
        Typed::Recorded(attempt) => Ok(show_result(&id, &attempt)),
        Typed::Missed => {
            if let Some(refused) =
                cannot_check(&state, &loaded, CheckSource::Ceac, true, now).await?
            {
                return Ok(refused);
            }
            // A new picture at once, its page saying the last code did not match.
            start(&state, &loaded, now, true).await
        }
    }
}

/// Records a finished manual check: a refused code as a try that did not reach the case, any
/// other outcome as a check.
async fn finish(
    state: &AppState,
    actor: &visanav_store::Actor,
    case: &visanav_store::CaseId,
    outcome: &CheckOutcome,
) -> Result<Typed, StoreError> {
    if let Err((CheckError::CaptchaMismatch, _)) = &outcome.result {
        let now = state.clock.now();
        let keep = now.checked_add(visanav_store::KEEP_ANSWERS).unwrap_or(now);
        state
            .store
            .record_unanswered(actor, case, &outcome.record(keep))
            .await?;
        return Ok(Typed::Missed);
    }
    record(state, actor, case, outcome)
        .await
        .map(Typed::Recorded)
}
