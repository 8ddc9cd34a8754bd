//! `POST /api/v1/cases/{id}/ceac-result`: a CEAC result page the person checked in their own
//! browser, handed over by a program of theirs (a shortcut on a phone, a script). The page is
//! read and recorded as the case page's "I checked CEAC myself" form does
//! ([`crate::monitor::assisted`]); the answer has the fields of `visanav check --json`.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use visanav_core::monitor::CheckError;

use super::Problem;
use crate::AppState;
use crate::error::{ApiError, AppError};
use crate::monitor::assisted::{Assessed, Expected, MAX_PAGE_BYTES, assess, json, record};
use crate::request::ApiCase;

/// The page as JSON, for clients that send everything as JSON.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PageRequest {
    /// The saved result page (HTML) or the text copied from it, at most 1 MiB.
    #[schema(pattern = r"\S")]
    pub page: String,
}

/// What was read and recorded. The fields of `visanav check --json` (source, ok, status,
/// case_created, last_updated, message), what the page showed, and what recording did.
#[derive(Serialize, utoipa::ToSchema)]
pub struct CeacSubmission {
    /// Always `ceac`.
    pub source: String,
    /// Always `assisted`: the person checked CEAC themselves.
    pub via: String,
    /// Always true here: the page held a reading of this case.
    pub ok: bool,
    /// The status, in the knowledge base's spelling.
    pub status: Option<String>,
    /// The status exactly as the page showed it.
    pub status_shown: Option<String>,
    /// The knowledge base's id for it (`/statuses/{slug}` explains it).
    pub status_slug: Option<String>,
    /// The case number (or DS-160 id) CEAC echoed.
    pub case_number: Option<String>,
    /// "Case Created" (YYYY-MM-DD).
    pub case_created: Option<jiff::civil::Date>,
    /// "Case Last Updated" (YYYY-MM-DD).
    pub last_updated: Option<jiff::civil::Date>,
    /// CEAC's message under the status.
    pub message: Option<String>,
    /// What the status means, from the knowledge base.
    pub meaning: Option<String>,
    /// Whether this reading changed the case's status or its last-updated date.
    pub changed: bool,
    /// The change (`kind`: `status_changed` or `last_updated_changed`), or null.
    #[schema(value_type = Option<Object>)]
    pub change: Option<serde_json::Value>,
    /// Whether the reading was added to the status history (false when it says nothing new).
    pub stored_reading: bool,
    /// The recorded check.
    pub attempt_id: Option<String>,
    pub disclaimer: String,
}

/// No reading: a problem (RFC 9457) with the fields of `visanav check --json` on failure.
#[derive(Serialize, utoipa::ToSchema)]
pub struct CeacRejection {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    /// 422.
    pub status: u16,
    /// What was wrong and what to do, for a person.
    pub detail: String,
    /// Always `ceac`.
    pub source: String,
    pub via: String,
    /// Always false.
    pub ok: bool,
    /// `captcha_mismatch`, `not_found`, `invalid_id` (also: the page is about another case),
    /// `blocked` (Cloudflare's page), or `unparseable` (not a CEAC result, or a status
    /// visanav does not know).
    pub error: String,
    pub message: Option<String>,
    /// The status the page showed, when it showed one visanav does not know.
    pub status_shown: Option<String>,
    pub case_number: Option<String>,
    pub changed: bool,
    #[schema(value_type = Option<Object>)]
    pub change: Option<serde_json::Value>,
    pub stored_reading: bool,
    /// The check kept with the case when the page was CEAC's own answer (a wrong captcha, no
    /// data, a block page, an unknown status); null when nothing was recorded (not a CEAC
    /// result, or another case's).
    pub attempt_id: Option<String>,
    pub disclaimer: String,
}

/// The page from the body: `text/html` or `text/plain` as it is (bytes that are not UTF-8
/// replaced), or JSON `{"page": "…"}`.
pub struct PageBody(pub String);

fn media_type(request: &Request) -> String {
    request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|m| m.trim().to_ascii_lowercase())
        .unwrap_or_default()
}

impl<S: Send + Sync> FromRequest<S> for PageBody {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let media = media_type(&request);
        let json = media == "application/json" || media.ends_with("+json");
        if !json && media != "text/html" && media != "text/plain" {
            return Err(ApiError(AppError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "Send the page",
                "Send the saved page as text/html, its copied text as text/plain, or JSON \
                 {\"page\": \"…\"} as application/json.",
            )));
        }
        let bytes = Bytes::from_request(request, state).await.map_err(|e| {
            let status = e.status();
            ApiError(AppError::new(
                status,
                if status == StatusCode::PAYLOAD_TOO_LARGE {
                    "Too large"
                } else {
                    "Unreadable body"
                },
                "The body could not be read; a page is at most 1 MiB.",
            ))
        })?;
        let page = if json {
            let text = std::str::from_utf8(&bytes).map_err(|_| {
                ApiError(AppError::new(
                    StatusCode::BAD_REQUEST,
                    "Not valid JSON",
                    "The body is not UTF-8 text.",
                ))
            })?;
            super::JsonText(text.to_string())
                .parse::<PageRequest>()?
                .page
        } else {
            String::from_utf8_lossy(&bytes).into_owned()
        };
        if page.len() > MAX_PAGE_BYTES {
            return Err(ApiError(AppError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "Too large",
                "A page is at most 1 MiB; no CEAC result page is larger.",
            )));
        }
        Ok(PageBody(page))
    }
}

#[utoipa::path(
    post, path = "/api/v1/cases/{id}/ceac-result", operation_id = "submit_ceac_result", tag = "status",
    params(("id" = String, Path, description = "The case", example = "MNL2025512345")),
    request_body(
        description = "A CEAC status result the person got in their own browser: the saved page (text/html, the whole page or the result panel), the text copied from it (text/plain), or JSON {\"page\": …}. At most 1 MiB.",
        content(
            (String = "text/html"),
            (String = "text/plain"),
            (PageRequest = "application/json"),
        ),
    ),
    responses(
        (status = 200, description = "The page held this case's status: recorded (the check, and the reading when it says something new, with its change event)", body = CeacSubmission),
        (status = 413, description = "The body is larger than 1 MiB", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not text/html, text/plain or JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No reading: CEAC's own answer without a status (kept as a check of the case: `attempt_id`), or not a CEAC result, or another case's page, or an empty page (nothing recorded)", body = CeacRejection, content_type = "application/problem+json"),
    ),
)]
pub async fn submit(
    State(state): State<AppState>,
    ApiCase(found): ApiCase,
    PageBody(page): PageBody,
) -> Result<Response, ApiError> {
    let now = state.clock.now();
    let k = &state.knowledge;
    // An empty page is answered like any page without a reading (one shape for every 422).
    let assessed = if page.trim().is_empty() {
        Assessed::Refused {
            error: CheckError::Unparseable,
            detail: "The page is empty: send the CEAC result page (text/html), its copied text \
                     (text/plain) or JSON {\"page\": …}. Nothing was recorded."
                .into(),
        }
    } else {
        assess(k, Expected::of(&found.stored.case), &page, now)
    };
    let schedule = &state.monitor.config.schedule;
    let recorded = record(
        &state.store,
        schedule,
        &found.actor,
        &found.stored.id,
        &assessed,
        now,
    )
    .await?;
    let mut body = json(k, &assessed, recorded.as_ref());
    if assessed.error().is_none() {
        return Ok(Json(body).into_response());
    }
    if let Some(obj) = body.as_object_mut() {
        let detail = obj.get("detail").cloned().unwrap_or_default();
        for key in [
            "status",
            "status_slug",
            "case_created",
            "last_updated",
            "meaning",
        ] {
            obj.remove(key);
        }
        obj.insert("type".into(), "about:blank".into());
        obj.insert("title".into(), "No status recorded".into());
        obj.insert("status".into(), 422.into());
        obj.insert("detail".into(), detail);
    }
    let mut response = (StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    Ok(response)
}
