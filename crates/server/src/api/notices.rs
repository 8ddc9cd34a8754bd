//! Notices through the API: read a 221(g) notice's text without saving anything, apply a
//! reading to a case (refusal episode, checklist and the notice itself, in one transaction),
//! list a case's notices, and download one's original file. The reading, the corrections and
//! the two questions before saving are the same code the pages and `visanav notice read` use.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use visanav_core::NOT_LEGAL_ADVICE;
use visanav_core::checklist::{
    Corrections, confirmed_reading_json, notice_deadline, refusal_from_reading,
};
use visanav_core::fit::{Answers, Episode, Unanswered, check_answers};
use visanav_core::knowledge::Knowledge;
use visanav_core::notice::NoticeReading;
use visanav_core::plan::today_at_post;
use visanav_store::{AppliedNotice, DuplicatePolicy, EpisodeChoice, NewNotice, StoreError};

use super::{JsonText, Problem, invalid, openapi};
use crate::AppState;
use crate::error::{ApiError, AppError, InvalidField};
use crate::request::{ApiCase, CurrentActor};

/// A notice's text to read.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReadRequest {
    /// The notice's text, as pasted (at most 64 KiB of JSON in all).
    #[schema(pattern = r"\S")]
    pub text: String,
    /// The CEAC post code (`MNL`) when the notice does not name its embassy.
    #[serde(default)]
    #[schema(pattern = "^[A-Za-z]{3}$")]
    pub post: Option<String>,
}

/// What to save: the notice's text, corrections to the reading, and the answers to the two
/// questions asked before saving.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplyRequest {
    /// The notice's text (saved as the notice's original, `text/plain`).
    #[schema(pattern = r"\S")]
    pub text: String,
    /// The refusal date, when the reader found none or the wrong one (`YYYY-MM-DD`, not in
    /// the future).
    #[serde(default)]
    #[schema(format = Date)]
    pub refused_on: Option<String>,
    /// Document ids the reader missed.
    #[serde(default)]
    pub add: Vec<String>,
    /// Document ids the reader got wrong.
    #[serde(default)]
    pub remove: Vec<String>,
    /// Exactly these document ids are requested (instead of add and remove).
    #[serde(default)]
    pub only: Option<Vec<String>>,
    /// The notice is this case's, despite signs (case number, post) that it is another's.
    #[serde(default)]
    pub this_case: bool,
    /// Which refusal the notice is about, when its date differs from the one the case
    /// records: `same` (date corrected, notes kept) or `new` (a new checklist).
    #[serde(default)]
    pub episode: Option<EpisodeAnswer>,
    /// Save even if this same text was saved to the case before (its reading is replaced).
    #[serde(default)]
    pub force: bool,
}

#[derive(Debug, Clone, Copy, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EpisodeAnswer {
    Same,
    New,
}

/// What saving changed.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Applied {
    pub notice_id: String,
    /// True when a new refusal episode was started; false when the current one was updated.
    pub new_episode: bool,
    /// Document ids added to the checklist as needed.
    pub documents_added: Vec<String>,
    /// True when the same text had been saved before and its reading was replaced.
    pub replaced: bool,
}

impl From<AppliedNotice> for Applied {
    fn from(a: AppliedNotice) -> Applied {
        Applied {
            notice_id: a.notice_id,
            new_episode: a.new_episode,
            documents_added: a.documents_added,
            replaced: a.replaced,
        }
    }
}

/// A case's saved notices, oldest first.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct NoticeList {
    pub notices: Vec<SavedNotice>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SavedNotice {
    pub id: String,
    /// What the reader took it for (`documents_requested`, `administrative_processing`, …).
    pub kind: String,
    /// The original file's type; `GET …/notices/{notice}/original` gives the file.
    pub media_type: String,
    pub bytes: usize,
    pub created_ms: i64,
    /// The reading as the person confirmed it when saving.
    #[schema(value_type = Object)]
    pub reading: serde_json::Value,
}

/// The post code given, upper-cased, if the knowledge base knows it; a 422 with suggestions
/// otherwise.
fn checked_post(k: &Knowledge, post: Option<&str>) -> Result<Option<String>, ApiError> {
    let Some(p) = post.map(str::trim) else {
        return Ok(None);
    };
    let code = p.to_ascii_uppercase();
    if k.post(&code).is_some() {
        return Ok(Some(code));
    }
    let hints = k.suggest_posts(p);
    let hint = if hints.is_empty() {
        "/posts lists them".to_string()
    } else {
        format!("did you mean {}?", hints.join(", "))
    };
    Err(invalid(
        "post",
        format!("is not a CEAC post code visanav knows; {hint}"),
    ))
}

fn read_text(state: &AppState, text: &str, post: Option<&str>) -> Result<NoticeReading, ApiError> {
    if text.trim().is_empty() {
        return Err(invalid("text", "is empty; give the notice's text"));
    }
    state
        .notice_reader
        .read(text, post)
        .map_err(|e| invalid("text", e.to_string()))
}

#[utoipa::path(
    post, path = "/api/v1/notice-readings", operation_id = "read_notice", tag = "notices",
    request_body(content = ReadRequest, content_type = "application/json"),
    responses((status = 200, description = "The reading, as `visanav notice read --json` prints it: kind, sections, requested documents with the notice's words, documents to check, instructions, confidence, the 221(g) deadline. Nothing is saved.", body = openapi::ReadingDoc)),
)]
pub async fn read(
    State(state): State<AppState>,
    CurrentActor(_): CurrentActor,
    body: JsonText,
) -> Result<Response, ApiError> {
    let request: ReadRequest = body.parse()?;
    let k = &state.knowledge;
    let post = checked_post(k, request.post.as_deref())?;
    let reading = read_text(&state, &request.text, post.as_deref())?;
    let at = reading.post.as_deref().or(post.as_deref()).unwrap_or("");
    let today = today_at_post(k, at, state.clock.now());
    let deadline = notice_deadline(k, &reading, today);
    let mut v = serde_json::to_value(&reading).map_err(AppError::internal)?;
    if let Some(obj) = v.as_object_mut() {
        obj.insert("input".into(), "text".into());
        obj.insert(
            "reconsideration_deadline".into(),
            serde_json::to_value(deadline).map_err(AppError::internal)?,
        );
        obj.insert("disclaimer".into(), NOT_LEGAL_ADVICE.into());
    }
    Ok(Json(v).into_response())
}

/// The corrections as the reading's, with a 422 naming the field of each bad value.
fn corrections(k: &Knowledge, r: &ApplyRequest) -> Result<Corrections, ApiError> {
    let refused_on = match r.refused_on.as_deref().filter(|d| !d.trim().is_empty()) {
        None => None,
        Some(d) => Some(visanav_core::date::parse_date(d).map_err(|e| invalid("refused_on", e))?),
    };
    let mut bad = Vec::new();
    let lists = [
        ("add", Some(&r.add)),
        ("remove", Some(&r.remove)),
        ("only", r.only.as_ref()),
    ];
    for (field, ids) in lists {
        for (i, id) in ids.into_iter().flatten().enumerate() {
            if k.document(id).is_none() {
                let hint = k.suggest_documents(id);
                let hint = if hint.is_empty() {
                    String::new()
                } else {
                    format!("; did you mean {}?", hint.join(", "))
                };
                bad.push(InvalidField {
                    field: format!("{field}[{i}]"),
                    detail: format!("{id:?} is not a document id in the catalogue{hint}"),
                });
            }
        }
    }
    if !bad.is_empty() {
        return Err(ApiError(AppError::invalid(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Unknown documents",
            "Some document ids are not in visanav's catalogue; nothing was saved.",
            bad,
        )));
    }
    Ok(Corrections {
        refused_on,
        add: r.add.clone(),
        remove: r.remove.clone(),
        only: r.only.clone(),
    })
}

fn unanswered(u: Unanswered) -> ApiError {
    let detail = match u {
        Unanswered::OtherCase(signs) => format!(
            "This notice may be for another case: {} If it is for this case, send it again \
             with \"this_case\": true; otherwise save it to the right case.",
            signs.join(" ")
        ),
        Unanswered::WhichRefusal(c) => format!(
            "The case records a refusal on {}, and this notice is being saved with {}. Send it \
             again with \"episode\": \"same\" if it is the same refusal (the date is corrected, \
             notes kept), or \"new\" if it is a new one.",
            c.recorded, c.notice
        ),
    };
    ApiError(AppError::new(
        StatusCode::CONFLICT,
        "Which case, which refusal?",
        detail,
    ))
}

#[utoipa::path(
    post, path = "/api/v1/cases/{id}/notices", operation_id = "apply_notice", tag = "notices",
    params(("id" = String, Path, description = "The case", example = "MNL2025512345")),
    request_body(content = ApplyRequest, content_type = "application/json"),
    responses(
        (status = 201, description = "Saved: the refusal episode, its checklist and the notice", body = Applied),
        (status = 409, description = "A question to answer first (is it this case's notice, which refusal), or the same text was saved before (send force=true to replace its reading)", body = Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn apply(
    State(state): State<AppState>,
    ApiCase(found): ApiCase,
    body: JsonText,
) -> Result<(StatusCode, Json<Applied>), ApiError> {
    let request: ApplyRequest = body.parse()?;
    let k = &state.knowledge;
    let stored = &found.stored;
    let reading = read_text(&state, &request.text, Some(&stored.case.post))?;
    let now = state.clock.now();
    let today = today_at_post(k, &stored.case.post, now);
    let corrections = corrections(k, &request)?;
    let refusal = refusal_from_reading(&reading, &corrections, k, stored.case.interview_on, today)
        .map_err(|problems| {
            ApiError(AppError::invalid(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Cannot save this reading",
                "The reading needs correcting before it can be saved; nothing was saved.",
                problems
                    .into_iter()
                    .map(|p| InvalidField {
                        // Every problem refusal_from_reading reports is about the date or a
                        // document id; ids were checked above, so this is the date.
                        field: "refused_on".into(),
                        detail: p,
                    })
                    .collect(),
            ))
        })?;
    let answers = Answers {
        this_case: request.this_case,
        episode: request.episode.map(|e| match e {
            EpisodeAnswer::Same => Episode::Same,
            EpisodeAnswer::New => Episode::New,
        }),
    };
    let episode = match check_answers(&reading, &stored.case, refusal.on, answers) {
        Ok(Episode::New) => EpisodeChoice::New,
        Ok(Episode::Same) => EpisodeChoice::Latest,
        Err(u) => return Err(unanswered(u)),
    };
    let confirmed = confirmed_reading_json(&reading, &refusal);
    let notice = NewNotice {
        kind: reading.kind.as_str(),
        media_type: "text/plain",
        original: request.text.as_bytes(),
        reading_json: &confirmed,
        from_draft: None,
        episode,
        duplicates: if request.force {
            DuplicatePolicy::Allow
        } else {
            DuplicatePolicy::Refuse
        },
    };
    let applied = match state
        .store
        .apply_notice(&found.actor, &stored.id, &refusal, notice, now)
        .await
    {
        Err(StoreError::DuplicateNotice { existing }) => {
            return Err(ApiError(AppError::new(
                StatusCode::CONFLICT,
                "Already saved",
                format!(
                    "This same text was already saved to the case (notice {existing}); nothing \
                     changed. Send it again with \"force\": true to apply its reading again."
                ),
            )));
        }
        other => other?,
    };
    Ok((StatusCode::CREATED, Json(Applied::from(applied))))
}

#[utoipa::path(
    get, path = "/api/v1/cases/{id}/notices", operation_id = "list_notices", tag = "notices",
    params(("id" = String, Path, description = "The case", example = "MNL2025512345")),
    responses((status = 200, description = "The notices saved with the case, oldest first", body = NoticeList)),
)]
pub async fn list(
    State(state): State<AppState>,
    ApiCase(found): ApiCase,
) -> Result<Json<NoticeList>, ApiError> {
    let notices = state
        .store
        .list_notices(&found.actor, &found.stored.id)
        .await?
        .into_iter()
        .map(|n| SavedNotice {
            reading: serde_json::from_str(&n.reading_json).unwrap_or(serde_json::Value::Null),
            bytes: n.original.len(),
            id: n.id,
            kind: n.kind,
            media_type: n.media_type,
            created_ms: n.created_ms,
        })
        .collect();
    Ok(Json(NoticeList { notices }))
}

#[utoipa::path(
    get, path = "/api/v1/cases/{id}/notices/{notice}/original", operation_id = "notice_original", tag = "notices",
    params(
        ("id" = String, Path, description = "The case", example = "MNL2025512345"),
        ("notice" = String, Path, description = "The notice's id, from the list"),
    ),
    responses((status = 200, description = "The notice's file as it was saved",
        content(
            (Vec<u8> = "text/plain"),
            (Vec<u8> = "application/pdf"),
            (Vec<u8> = "image/png"),
            (Vec<u8> = "image/jpeg"),
            (Vec<u8> = "image/tiff"),
            (Vec<u8> = "application/octet-stream"),
        ))),
)]
pub async fn original(
    State(state): State<AppState>,
    ApiCase(found): ApiCase,
    Path((_, notice)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let Some(n) = state
        .store
        .notice(&found.actor, &found.stored.id, &notice)
        .await?
    else {
        return Err(ApiError(AppError::not_found(
            "This case has no notice with this id; GET …/notices lists them.",
        )));
    };
    Ok(crate::saved_notices::file_response(n))
}
