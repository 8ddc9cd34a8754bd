//! Adding a 221(g) notice to a case from the browser: paste or upload, check what was read,
//! correct it, save. Nothing is stored until the person confirms.

use axum::extract::{Multipart, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use visanav_core::NOT_LEGAL_ADVICE;
use visanav_core::checklist::{Corrections, confirmed_reading_json, refusal_from_reading};
use visanav_core::notice::NoticeReading;
use visanav_extract::{self as extract, MAX_UPLOAD_BYTES};
use visanav_store::{CaseId, LOCAL_ACCOUNT, NewNotice, StoredCase};

use crate::pages::render;
use crate::{AppError, AppState};

#[derive(askama::Template)]
#[template(path = "notice_form.html")]
struct FormPage {
    disclaimer: &'static str,
    case_id: String,
    short_id: String,
    error: Option<String>,
}

#[derive(askama::Template)]
#[template(path = "notice_preview.html")]
struct PreviewPage {
    disclaimer: &'static str,
    case_id: String,
    short_id: String,
    kind: String,
    sections: String,
    post: Option<String>,
    warnings: Vec<String>,
    original_b64: String,
    media_type: String,
    text_b64: String,
    refused_on: String,
    /// (id, name, the notice's words)
    requests: Vec<(String, String, String)>,
    /// How sure the reading is ("high", "medium", "low") and why it is not higher.
    confidence: String,
    confidence_reasons: Vec<String>,
    /// Asked for only in some cases, or optional: (id, name, the notice's words, why).
    please_check: Vec<(String, String, String, String)>,
    /// Named in the notice but not asked for: (name, why, the notice's words).
    not_asked: Vec<(String, String, String)>,
    unchecked: Vec<String>,
    unrecognized: Vec<String>,
    /// (id, name) of every other catalogue document
    others: Vec<(String, String)>,
    instructions: Vec<String>,
    /// The one-year window's end, from the date read (or the interview date).
    deadline: Option<String>,
    /// The post's published submission channel, when researched.
    procedure: Option<String>,
}

async fn load(state: &AppState, id: &str) -> Result<StoredCase, AppError> {
    let id = state.store.resolve_case(LOCAL_ACCOUNT, id).await?;
    state
        .store
        .get_case(LOCAL_ACCOUNT, &id)
        .await?
        .ok_or_else(|| AppError::not_found(format!("no case matches {:?}", id.0)))
}

fn short(id: &CaseId) -> String {
    id.0.chars().take(13).collect()
}

fn form(stored: &StoredCase, error: Option<String>, status: StatusCode) -> Response {
    let mut r = render(&FormPage {
        disclaimer: NOT_LEGAL_ADVICE,
        case_id: stored.id.0.clone(),
        short_id: short(&stored.id),
        error,
    });
    *r.status_mut() = status;
    r
}

pub async fn new(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let stored = load(&state, &id).await?;
    Ok(form(&stored, None, StatusCode::OK))
}

/// Reads a notice for a case (its post as the hint), or the form again with the reason.
fn read_for(
    state: &AppState,
    stored: &StoredCase,
    text: &str,
) -> Result<NoticeReading, Box<Response>> {
    state
        .notice_reader
        .read(text, Some(&stored.case.post))
        .map_err(|e| {
            Box::new(form(
                stored,
                Some(e.to_string()),
                StatusCode::PAYLOAD_TOO_LARGE,
            ))
        })
}

fn kind_label(r: &NoticeReading) -> String {
    r.parts
        .iter()
        .map(|k| k.as_str().replace('_', " "))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Reads the pasted or uploaded notice and shows what was read, ready to correct.
pub async fn read(
    State(state): State<AppState>,
    Path(id): Path<String>,
    mut multipart: Multipart,
) -> Result<Response, AppError> {
    let stored = load(&state, &id).await?;
    let mut pasted = String::new();
    let mut upload: Option<(Vec<u8>, String, String)> = None;
    let unreadable = |e: axum::extract::multipart::MultipartError| {
        let message = format!("The upload could not be read: {e}. Files can be up to 10 MB.");
        form(&stored, Some(message), StatusCode::BAD_REQUEST)
    };
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => return Ok(unreadable(e)),
        };
        let name = field.name().unwrap_or_default().to_string();
        let file_name = field.file_name().unwrap_or_default().to_string();
        let content_type = field.content_type().unwrap_or_default().to_string();
        let bytes = match field.bytes().await {
            Ok(b) => b,
            Err(e) => return Ok(unreadable(e)),
        };
        match name.as_str() {
            "text" => pasted = String::from_utf8_lossy(&bytes).into_owned(),
            "file" if !bytes.is_empty() => upload = Some((bytes.to_vec(), file_name, content_type)),
            _ => {}
        }
    }
    let (original, media_type, text) = if let Some((bytes, file_name, content_type)) = upload {
        if bytes.len() > MAX_UPLOAD_BYTES {
            return Ok(form(
                &stored,
                Some(
                    "That file is larger than 10 MB. Upload a smaller photo or paste the text."
                        .into(),
                ),
                StatusCode::PAYLOAD_TOO_LARGE,
            ));
        }
        let media_type = extract::media_type(&file_name, &content_type, &bytes);
        // OCR and PDF tools are slow, blocking programs: keep them off the async workers.
        let text = {
            let bytes = bytes.clone();
            let media_type = media_type.clone();
            let extractor = state.extractor.clone();
            tokio::task::spawn_blocking(move || extractor.text_of(&bytes, &media_type))
                .await
                .map_err(|e| AppError::internal(format!("text extraction task failed: {e}")))?
        };
        match text {
            Ok((t, _method)) => (bytes, media_type, t),
            Err(e) => {
                // Busy is the server's state, not the file's: 503, and when to come back.
                let busy = e == extract::ExtractError::Busy;
                let status = if busy {
                    StatusCode::SERVICE_UNAVAILABLE
                } else {
                    StatusCode::UNPROCESSABLE_ENTITY
                };
                let mut page = form(&stored, Some(e.to_string()), status);
                if busy {
                    page.headers_mut()
                        .insert(header::RETRY_AFTER, header::HeaderValue::from_static("60"));
                }
                return Ok(page);
            }
        }
    } else if pasted.trim().is_empty() {
        return Ok(form(
            &stored,
            Some("Paste the notice's text or choose a file first.".into()),
            StatusCode::BAD_REQUEST,
        ));
    } else {
        (
            pasted.clone().into_bytes(),
            "text/plain".to_string(),
            pasted,
        )
    };

    let k = &state.knowledge;
    let reading = match read_for(&state, &stored, &text) {
        Ok(r) => r,
        Err(page) => return Ok(*page),
    };
    let name = |id: &str| k.document_name(id).to_string();
    let requested = reading.document_ids();
    let requests = requested
        .iter()
        .map(|id| {
            let words = reading
                .requests
                .iter()
                .find(|r| r.document == *id)
                .map(|r| r.text.clone())
                .unwrap_or_default();
            (id.to_string(), name(id), words)
        })
        .collect();
    let please_check: Vec<(String, String, String, String)> = reading
        .to_check()
        .map(|m| {
            (
                m.document.clone(),
                name(&m.document),
                m.text.clone(),
                m.reason.explain().to_string(),
            )
        })
        .collect();
    let not_asked = reading
        .not_asked()
        .map(|m| {
            (
                name(&m.document),
                m.reason.explain().to_string(),
                m.text.clone(),
            )
        })
        .collect();
    let others = k
        .documents
        .iter()
        .filter(|d| !requested.contains(&d.id.as_str()))
        .filter(|d| !please_check.iter().any(|c| c.0 == d.id))
        .map(|d| (d.id.clone(), d.name.clone()))
        .collect();
    let refused_on = reading
        .refusal_date()
        .map(|d| d.date.clone())
        .or_else(|| stored.case.interview_on.map(|d| d.to_string()))
        .unwrap_or_default();
    let deadline = visanav_core::date::parse_date(&refused_on)
        .ok()
        .and_then(|on| {
            let rule = k.rule("221g_reconsideration_window")?;
            visanav_core::plan::add_period(on, rule).map(|d| d.to_string())
        });
    let procedure = k
        .post(&stored.case.post)
        .and_then(|p| p.procedure.as_ref())
        .map(|p| format!("{} (visanav's notes as of {})", p.channel, p.as_of));
    let page = PreviewPage {
        disclaimer: NOT_LEGAL_ADVICE,
        case_id: stored.id.0.clone(),
        short_id: short(&stored.id),
        kind: kind_label(&reading),
        sections: if reading.sections.is_empty() {
            "not stated (221(g) assumed)".into()
        } else {
            reading.sections.join(", ")
        },
        post: reading.post.as_deref().map(|c| {
            k.post(c)
                .map(|p| format!("{} ({c})", p.name))
                .unwrap_or_else(|| c.to_string())
        }),
        warnings: reading.warnings.clone(),
        original_b64: B64.encode(&original),
        media_type,
        text_b64: B64.encode(text.as_bytes()),
        refused_on,
        requests,
        confidence: reading.confidence.level.as_str().to_string(),
        confidence_reasons: reading.confidence.reasons.clone(),
        please_check,
        not_asked,
        unchecked: reading.unchecked.iter().map(|u| u.text.clone()).collect(),
        unrecognized: reading.unrecognized.clone(),
        others,
        instructions: reading.instructions.clone(),
        deadline,
        procedure,
    };
    Ok(render(&page))
}

/// Saves the confirmed reading: refusal episode, checklist and the original notice.
pub async fn apply(
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, AppError> {
    let stored = load(&state, &id).await?;
    let mut original = None;
    let mut text = None;
    let mut media_type = String::from("text/plain");
    let mut refused_on = None;
    let mut docs = Vec::new();
    for (key, value) in form_urlencoded::parse(&body) {
        match key.as_ref() {
            "original" => original = B64.decode(value.as_bytes()).ok(),
            "text" => {
                text = B64
                    .decode(value.as_bytes())
                    .ok()
                    .and_then(|b| String::from_utf8(b).ok())
            }
            "media_type" => media_type = extract::known_media_type(&value).to_string(),
            "refused_on" => refused_on = Some(value.into_owned()),
            "doc" => docs.push(value.into_owned()),
            _ => {}
        }
    }
    let (Some(original), Some(text)) = (original, text) else {
        return Ok(form(
            &stored,
            Some("The form was incomplete; read the notice again.".into()),
            StatusCode::BAD_REQUEST,
        ));
    };
    let k = &state.knowledge;
    let reading = match read_for(&state, &stored, &text) {
        Ok(r) => r,
        Err(page) => return Ok(*page),
    };
    let refused_on = match refused_on.as_deref().map(visanav_core::date::parse_date) {
        Some(Ok(d)) => Some(d),
        Some(Err(e)) => {
            return Ok(form(
                &stored,
                Some(format!("Refusal date: {e}")),
                StatusCode::BAD_REQUEST,
            ));
        }
        None => None,
    };
    let corrections = Corrections {
        refused_on,
        only: Some(docs),
        ..Default::default()
    };
    let today = jiff::Zoned::now().date();
    let refusal =
        match refusal_from_reading(&reading, &corrections, k, stored.case.interview_on, today) {
            Ok(r) => r,
            Err(problems) => {
                return Ok(form(
                    &stored,
                    Some(problems.join(" ")),
                    StatusCode::BAD_REQUEST,
                ));
            }
        };
    let confirmed = confirmed_reading_json(&reading, &refusal);
    state
        .store
        .apply_notice(
            LOCAL_ACCOUNT,
            &stored.id,
            &refusal,
            NewNotice {
                kind: reading.kind.as_str(),
                media_type: &media_type,
                original: &original,
                reading_json: &confirmed,
            },
        )
        .await?;
    Ok((
        StatusCode::SEE_OTHER,
        [(header::LOCATION, format!("/cases/{}", stored.id.0))],
    )
        .into_response())
}
