//! A saved 221(g) letter: what visanav read from it and the file itself, so a person can see
//! again what they saved.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use visanav_core::NOT_LEGAL_ADVICE;
use visanav_core::notice::NoticeReading;
use visanav_store::StoredNotice;

use crate::case_page::day_of;
use crate::pages::render;
use crate::request::PageCase;
use crate::{AppError, AppState};

#[derive(Template)]
#[template(path = "saved_notice.html")]
struct NoticePage {
    disclaimer: &'static str,
    case_id: String,
    notice_id: String,
    saved_on: String,
    kind: String,
    refused_on: String,
    /// (document name, the letter's words)
    requested: Vec<(String, String)>,
    /// The letter's text when it was pasted or is plain text.
    text: Option<String>,
    media_type: String,
}

async fn find(
    state: &AppState,
    loaded: &crate::request::LoadedCase,
    notice: &str,
) -> Result<StoredNotice, AppError> {
    state
        .store
        .notice(&loaded.actor, &loaded.stored.id, notice)
        .await?
        .ok_or_else(|| {
            AppError::not_found("This case has no such saved letter.")
                .with_case(loaded.stored.id.as_str())
        })
}

pub async fn view(
    State(state): State<AppState>,
    PageCase(loaded): PageCase,
    Path((_, notice)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let n = find(&state, &loaded, &notice).await?;
    let saved: serde_json::Value = serde_json::from_str(&n.reading_json).unwrap_or_default();
    let reading: Option<NoticeReading> = saved
        .get("reading")
        .and_then(|r| serde_json::from_value(r.clone()).ok());
    let confirmed = saved.get("confirmed");
    let k = &state.knowledge;
    let requested: Vec<String> = confirmed
        .and_then(|c| c.get("requested"))
        .and_then(|r| serde_json::from_value(r.clone()).ok())
        .unwrap_or_default();
    let words = |doc: &str| {
        reading
            .as_ref()
            .and_then(|r| r.requests.iter().find(|q| q.document == doc))
            .map(|q| q.text.clone())
            .unwrap_or_default()
    };
    Ok(render(&NoticePage {
        disclaimer: NOT_LEGAL_ADVICE,
        case_id: loaded.stored.id.to_string(),
        notice_id: n.id.clone(),
        saved_on: day_of(n.created_ms),
        kind: reading
            .as_ref()
            .map_or(n.kind.replace('_', " "), |r| r.kind_label()),
        refused_on: confirmed
            .and_then(|c| c.get("refused_on"))
            .and_then(|d| d.as_str())
            .unwrap_or("")
            .to_string(),
        requested: requested
            .iter()
            .map(|d| {
                let name = k.document(d).map_or(d.clone(), |x| x.name.clone());
                (name, words(d))
            })
            .collect(),
        text: (n.media_type == "text/plain")
            .then(|| String::from_utf8_lossy(&n.original).into_owned()),
        media_type: n.media_type,
    }))
}

/// The file as it was uploaded or pasted.
pub async fn original(
    State(state): State<AppState>,
    PageCase(loaded): PageCase,
    Path((_, notice)): Path<(String, String)>,
) -> Result<Response, AppError> {
    Ok(file_response(find(&state, &loaded, &notice).await?))
}

/// A saved letter as a download (pages and the API): its own media type, a file name with
/// the day it was saved, never cached.
pub fn file_response(n: StoredNotice) -> Response {
    let extension = match n.media_type.as_str() {
        "application/pdf" => "pdf",
        "image/png" => "png",
        "image/jpeg" => "jpg",
        "image/tiff" => "tif",
        "text/plain" => "txt",
        _ => "bin",
    };
    let media_type = HeaderValue::from_str(&n.media_type)
        .unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream"));
    let disposition = format!(
        "attachment; filename=\"refusal-letter-{}.{extension}\"",
        day_of(n.created_ms)
    );
    (
        [
            (header::CONTENT_TYPE, media_type),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_str(&disposition)
                    .unwrap_or_else(|_| HeaderValue::from_static("attachment")),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, no-store"),
            ),
        ],
        n.original,
    )
        .into_response()
}
