//! Adding a 221(g) notice to a case from the browser: paste or upload, check what was read,
//! correct it, save. Nothing is saved to the case until the person confirms; in between, the
//! uploaded file waits server-side as an encrypted draft that expires, and the form carries
//! only the draft's id.

use axum::extract::{Multipart, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use visanav_core::NOT_LEGAL_ADVICE;
use visanav_core::checklist::{Corrections, confirmed_reading_json, refusal_from_reading};
use visanav_core::fit::{
    Answers, Episode, Unanswered, check_answers, date_conflict, other_case_signs,
};
use visanav_core::knowledge::Knowledge;
use visanav_core::notice::NoticeReading;
use visanav_core::plan::{reconsideration_deadline, today_at_post};
use visanav_extract::{self as extract, MAX_UPLOAD_BYTES};
use visanav_store::{
    DraftId, DuplicatePolicy, EpisodeChoice, NewDraft, NewNotice, NoticeDraft, StoredCase,
};

use crate::auth::stale_form;
use crate::pages::render;
use crate::request::{LoadedCase, PageCase};
use crate::session::{csrf_ok, csrf_token};
use crate::{AppError, AppState};

#[derive(askama::Template)]
#[template(path = "notice_form.html")]
struct FormPage {
    disclaimer: &'static str,
    case_id: String,
    short_id: String,
    csrf: String,
    error: Option<String>,
}

#[derive(askama::Template)]
#[template(path = "notice_preview.html")]
struct PreviewPage {
    disclaimer: &'static str,
    csrf: String,
    case_id: String,
    short_id: String,
    draft_id: String,
    error: Option<String>,
    kind: String,
    sections: String,
    post: Option<String>,
    warnings: Vec<String>,
    /// Signs that the notice is about another case; saving then needs a tick.
    other_case: Vec<String>,
    /// The refusal the case already records, when there is one: (date, notice's date
    /// differs).
    recorded: Option<(String, bool)>,
    refused_on: String,
    /// The notice's words the refusal date was read from, when it was (so the person can
    /// check a date converted from another calendar or taken from a quoted message).
    refused_on_source: Option<String>,
    /// (id, name, the notice's words, ticked)
    requests: Vec<(String, String, String, bool)>,
    /// How sure the reading is ("high", "medium", "low") and why it is not higher.
    confidence: String,
    confidence_reasons: Vec<String>,
    /// Asked for only in some cases, or optional: (id, name, the notice's words, why, ticked).
    please_check: Vec<(String, String, String, String, bool)>,
    /// Named in the notice but not asked for: (name, why, the notice's words).
    not_asked: Vec<(String, String, String)>,
    unchecked: Vec<String>,
    unrecognized: Vec<String>,
    /// (id, name, ticked) of every other catalogue document
    others: Vec<(String, String, bool)>,
    instructions: Vec<String>,
    /// The one-year window's end, from the date read (or the interview date).
    deadline: Option<String>,
    /// The post's published submission channel, when researched.
    procedure: Option<String>,
}

fn form(loaded: &LoadedCase, error: Option<String>, status: StatusCode) -> Response {
    let stored = &loaded.stored;
    let mut r = render(&FormPage {
        disclaimer: NOT_LEGAL_ADVICE,
        case_id: stored.id.to_string(),
        short_id: stored.id.short().to_string(),
        csrf: csrf_token(&loaded.session),
        error,
    });
    *r.status_mut() = status;
    r
}

pub async fn new(PageCase(loaded): PageCase) -> Response {
    form(&loaded, None, StatusCode::OK)
}

/// Reads a notice for a case (its post when the notice names none), or the form again with
/// the reason.
fn read_for(
    state: &AppState,
    loaded: &LoadedCase,
    text: &str,
) -> Result<NoticeReading, Box<Response>> {
    state
        .notice_reader
        .read_for_case(text, &loaded.stored.case.post)
        .map_err(|e| {
            Box::new(form(
                loaded,
                Some(e.to_string()),
                StatusCode::PAYLOAD_TOO_LARGE,
            ))
        })
}

const TOO_LARGE: &str = "That file is larger than 10 MB. Upload a smaller photo (or a \
                         screenshot of the letter), or paste the text.";

/// What the form sent: pasted text and/or one file.
struct Submitted {
    csrf: String,
    pasted: String,
    upload: Option<(Vec<u8>, String)>,
}

async fn fields(mut multipart: Multipart) -> Result<Submitted, (StatusCode, String)> {
    let mut out = Submitted {
        csrf: String::new(),
        pasted: String::new(),
        upload: None,
    };
    let unreadable = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            (StatusCode::PAYLOAD_TOO_LARGE, TOO_LARGE.to_string())
        } else {
            (
                StatusCode::BAD_REQUEST,
                "The upload was interrupted or could not be read. Try again, or paste the text."
                    .to_string(),
            )
        }
    };
    while let Some(field) = multipart.next_field().await.map_err(unreadable)? {
        let name = field.name().unwrap_or_default().to_string();
        let file_name = field.file_name().unwrap_or_default().to_string();
        let bytes = field.bytes().await.map_err(unreadable)?;
        match name.as_str() {
            "csrf" => out.csrf = String::from_utf8_lossy(&bytes).into_owned(),
            "text" => out.pasted = String::from_utf8_lossy(&bytes).into_owned(),
            "file" if !file_name.is_empty() || !bytes.is_empty() => {
                out.upload = Some((bytes.to_vec(), file_name))
            }
            _ => {}
        }
    }
    Ok(out)
}

/// Reads the pasted or uploaded notice, keeps it as a draft and shows what was read.
pub async fn read(
    State(state): State<AppState>,
    PageCase(loaded): PageCase,
    headers: HeaderMap,
    multipart: Multipart,
) -> Result<Response, AppError> {
    let stored = &loaded.stored;
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<usize>().ok());
    if declared.is_some_and(|n| n > MAX_UPLOAD_BYTES + 64 * 1024) {
        return Ok(form(
            &loaded,
            Some(TOO_LARGE.into()),
            StatusCode::PAYLOAD_TOO_LARGE,
        ));
    }
    let submitted = match fields(multipart).await {
        Ok(s) => s,
        Err((status, message)) => return Ok(form(&loaded, Some(message), status)),
    };
    if !csrf_ok(&loaded.session, &submitted.csrf) {
        return Err(stale_form());
    }
    let (original, media_type, text) = match submitted.upload {
        Some((bytes, file_name)) => match extract_text(&state, bytes, &file_name).await? {
            Ok(read) => read,
            Err((status, message)) => {
                let mut page = form(&loaded, Some(message), status);
                if status == StatusCode::SERVICE_UNAVAILABLE {
                    // Busy is the server's state, not the file's: say when to come back.
                    page.headers_mut()
                        .insert(header::RETRY_AFTER, header::HeaderValue::from_static("60"));
                }
                return Ok(page);
            }
        },
        None if submitted.pasted.trim().is_empty() => {
            return Ok(form(
                &loaded,
                Some("Paste the notice's text or choose a file first.".into()),
                StatusCode::BAD_REQUEST,
            ));
        }
        None => (
            submitted.pasted.clone().into_bytes(),
            "text/plain".to_string(),
            submitted.pasted,
        ),
    };
    let reading = match read_for(&state, &loaded, &text) {
        Ok(r) => r,
        Err(page) => return Ok(*page),
    };
    let draft = NewDraft {
        media_type: &media_type,
        original: &original,
        text: &text,
    };
    let draft_id = state
        .store
        .create_draft(&loaded.actor, &stored.id, draft, state.clock.now())
        .await?;
    Ok(preview(
        &state,
        &loaded,
        &draft_id,
        &reading,
        &Choices::default(),
        None,
    ))
}

/// The text of an uploaded file, or a message for the person. The type is decided by the
/// file's first bytes, never by what the browser claims.
async fn extract_text(
    state: &AppState,
    bytes: Vec<u8>,
    file_name: &str,
) -> Result<Result<(Vec<u8>, String, String), (StatusCode, String)>, AppError> {
    let unreadable = |m: String| Ok(Err((StatusCode::UNPROCESSABLE_ENTITY, m)));
    if bytes.len() > MAX_UPLOAD_BYTES {
        return Ok(Err((StatusCode::PAYLOAD_TOO_LARGE, TOO_LARGE.into())));
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return unreadable(
            "That file is empty. Choose the file again, or paste the notice's text.".into(),
        );
    }
    let media_type = extract::media_type(file_name, "", &bytes);
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
        Ok((t, _method)) => Ok(Ok((bytes, media_type, t))),
        Err(extract::ExtractError::Busy) => Ok(Err((
            StatusCode::SERVICE_UNAVAILABLE,
            extract::ExtractError::Busy.to_string(),
        ))),
        Err(e) => unreadable(e.to_string()),
    }
}

/// What the person chose on the preview, sent back with "save".
#[derive(Debug, Default)]
struct Choices {
    /// The form's CSRF token.
    csrf: String,
    refused_on: Option<String>,
    /// "same" or "new": which refusal the notice belongs to.
    episode: Option<String>,
    /// Ticked: "this notice is for this case" despite the signs.
    confirm_case: bool,
    docs: Option<Vec<String>>,
}

/// The documents on the preview, each with whether its box is ticked: what the notice asks
/// for (ticked), what it asks for only in some cases (not ticked), and every other document in
/// the catalogue. After a failed save, the boxes are as the person left them.
struct DocumentLists {
    /// (id, name, the notice's words, ticked)
    requests: Vec<(String, String, String, bool)>,
    /// (id, name, the notice's words, why not ticked, ticked)
    please_check: Vec<(String, String, String, String, bool)>,
    /// Named in the notice but not asked for: (name, why, the notice's words).
    not_asked: Vec<(String, String, String)>,
    /// (id, name, ticked)
    others: Vec<(String, String, bool)>,
}

fn document_lists(k: &Knowledge, reading: &NoticeReading, choices: &Choices) -> DocumentLists {
    let name = |id: &str| k.document_name(id).to_string();
    let ticked = |id: &str, default: bool| {
        choices
            .docs
            .as_ref()
            .map_or(default, |d| d.iter().any(|x| x == id))
    };
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
            (id.to_string(), name(id), words, ticked(id, true))
        })
        .collect();
    let please_check: Vec<_> = reading
        .to_check()
        .map(|m| {
            let why = m.reason.explain().to_string();
            let on = ticked(&m.document, false);
            (
                m.document.clone(),
                name(&m.document),
                m.text.clone(),
                why,
                on,
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
        .map(|d| (d.id.clone(), d.name.clone(), ticked(&d.id, false)))
        .collect();
    DocumentLists {
        requests,
        please_check,
        not_asked,
        others,
    }
}

/// The refusal date to show (the person's choice, else the notice's, else the case's), and
/// the refusal the case records with whether that date differs from it.
fn refusal_fields(
    stored: &StoredCase,
    reading: &NoticeReading,
    choices: &Choices,
) -> (String, Option<(String, bool)>) {
    let refused_on = choices
        .refused_on
        .clone()
        .or_else(|| reading.refusal_date().map(|d| d.date.clone()))
        .or_else(|| stored.case.refusal.as_ref().map(|r| r.on.to_string()))
        .or_else(|| stored.case.interview_on.map(|d| d.to_string()))
        .unwrap_or_default();
    let recorded = stored.case.refusal.as_ref().map(|r| {
        let differs = visanav_core::date::parse_date(&refused_on)
            .ok()
            .and_then(|on| date_conflict(&stored.case, on))
            .is_some();
        (r.on.to_string(), differs)
    });
    (refused_on, recorded)
}

fn preview(
    state: &AppState,
    loaded: &LoadedCase,
    draft_id: &DraftId,
    reading: &NoticeReading,
    choices: &Choices,
    error: Option<String>,
) -> Response {
    let k = &state.knowledge;
    let stored = &loaded.stored;
    let lists = document_lists(k, reading, choices);
    let (refused_on, recorded) = refusal_fields(stored, reading, choices);
    let deadline = visanav_core::date::parse_date(&refused_on)
        .ok()
        .and_then(|on| reconsideration_deadline(on, k))
        .map(|d| d.to_string());
    let procedure = k
        .post(&stored.case.post)
        .and_then(|p| p.procedure.as_ref())
        .map(|p| format!("{} (visanav's notes as of {})", p.channel, p.as_of));
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let page = PreviewPage {
        disclaimer: NOT_LEGAL_ADVICE,
        csrf: csrf_token(&loaded.session),
        case_id: stored.id.to_string(),
        short_id: stored.id.short().to_string(),
        draft_id: draft_id.0.clone(),
        error,
        kind: reading.kind_label(),
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
        other_case: other_case_signs(reading, &stored.case),
        recorded,
        refused_on_source: choices
            .refused_on
            .is_none()
            .then(|| reading.refusal_date().map(|d| d.text.clone()))
            .flatten(),
        refused_on,
        requests: lists.requests,
        confidence: reading.confidence.level.as_str().to_string(),
        confidence_reasons: reading.confidence.reasons.clone(),
        please_check: lists.please_check,
        not_asked: lists.not_asked,
        unchecked: reading.unchecked.iter().map(|u| u.text.clone()).collect(),
        unrecognized: reading.unrecognized.clone(),
        others: lists.others,
        instructions: reading.instructions.clone(),
        deadline,
        procedure,
    };
    let mut r = render(&page);
    *r.status_mut() = status;
    r
}

fn parse_choices(body: &[u8]) -> (Option<DraftId>, Choices) {
    let mut draft = None;
    let mut choices = Choices::default();
    let mut docs = Vec::new();
    for (key, value) in form_urlencoded::parse(body) {
        match key.as_ref() {
            "draft" => draft = Some(DraftId(value.into_owned())),
            "csrf" => choices.csrf = value.into_owned(),
            "refused_on" => choices.refused_on = Some(value.into_owned()),
            "episode" => choices.episode = Some(value.into_owned()),
            "confirm_case" => choices.confirm_case = value == "yes",
            "doc" => docs.push(value.into_owned()),
            _ => {}
        }
    }
    choices.docs = Some(docs);
    (draft, choices)
}

/// What the person's answers on the preview make of the reading: the refusal to save and the
/// episode it belongs to, or what they still have to answer (shown above the preview).
fn decide(
    k: &Knowledge,
    stored: &StoredCase,
    reading: &NoticeReading,
    choices: &Choices,
    today: jiff::civil::Date,
) -> Result<(visanav_core::casefile::Refusal, EpisodeChoice), String> {
    let refused_on = choices
        .refused_on
        .as_deref()
        .map(visanav_core::date::parse_date)
        .transpose()
        .map_err(|e| format!("Refusal date: {e}"))?;
    let corrections = Corrections {
        refused_on,
        only: choices.docs.clone(),
        ..Default::default()
    };
    let refusal = refusal_from_reading(reading, &corrections, k, stored.case.interview_on, today)
        .map_err(|problems| problems.join(" "))?;
    let answers = Answers {
        this_case: choices.confirm_case,
        episode: match choices.episode.as_deref() {
            Some("new") => Some(Episode::New),
            Some("same") => Some(Episode::Same),
            _ => None,
        },
    };
    let episode = match check_answers(reading, &stored.case, refusal.on, answers) {
        Ok(Episode::New) => EpisodeChoice::New,
        Ok(Episode::Same) => EpisodeChoice::Latest,
        Err(Unanswered::OtherCase(_)) => {
            return Err(
                "This notice may be for another case. Check it, and tick the box that \
                    says it is for this case, or add it to the right case instead."
                    .into(),
            );
        }
        Err(Unanswered::WhichRefusal(_)) => {
            return Err(
                "The date differs from the refusal your case records. Say whether \
                        this notice is about that same refusal or a new one."
                    .into(),
            );
        }
    };
    Ok((refusal, episode))
}

/// Saves the confirmed reading: refusal episode, checklist and the original notice, and
/// removes the draft, in one transaction. When the notice's date differs from the refusal
/// the case records, or the notice looks like another case's, the preview comes back until
/// the person has chosen.
pub async fn apply(
    State(state): State<AppState>,
    PageCase(loaded): PageCase,
    body: axum::body::Bytes,
) -> Result<Response, AppError> {
    let (actor, stored) = (&loaded.actor, &loaded.stored);
    let (draft_id, choices) = parse_choices(&body);
    if !csrf_ok(&loaded.session, &choices.csrf) {
        return Err(stale_form());
    }
    let Some(draft_id) = draft_id else {
        return Ok(form(
            &loaded,
            Some("The form was incomplete; read the notice again.".into()),
            StatusCode::BAD_REQUEST,
        ));
    };
    let now = state.clock.now();
    let draft: NoticeDraft = state
        .store
        .draft(actor, &stored.id, &draft_id, now)
        .await
        .map_err(|e| AppError::from(e).with_case(stored.id.as_str()))?;
    let reading = match read_for(&state, &loaded, &draft.text) {
        Ok(r) => r,
        Err(page) => return Ok(*page),
    };
    let today = today_at_post(&state.knowledge, &stored.case.post, now);
    let (refusal, episode) = match decide(&state.knowledge, stored, &reading, &choices, today) {
        Ok(decided) => decided,
        Err(message) => {
            let page = preview(
                &state,
                &loaded,
                &draft_id,
                &reading,
                &choices,
                Some(message),
            );
            return Ok(page);
        }
    };
    let confirmed = confirmed_reading_json(&reading, &refusal);
    let notice = NewNotice {
        kind: reading.kind.as_str(),
        media_type: &draft.media_type,
        original: &draft.original,
        reading_json: &confirmed,
        from_draft: Some(&draft_id),
        episode,
        duplicates: DuplicatePolicy::Refuse,
    };
    state
        .store
        .apply_notice(actor, &stored.id, &refusal, notice, now)
        .await
        .map_err(|e| AppError::from(e).with_case(stored.id.as_str()))?;
    Ok((
        StatusCode::SEE_OTHER,
        [(
            header::LOCATION,
            format!("/cases/{}?saved=notice#checklist", stored.id),
        )],
    )
        .into_response())
}
