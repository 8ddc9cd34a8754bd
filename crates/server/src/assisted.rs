//! "I checked CEAC myself": the pages of assisted checks. On the case page a person pastes the
//! text of CEAC's result or uploads the saved page (`POST /cases/{id}/ceac-result`); the
//! bookmarklet ([`bookmarklet`]) sends it from CEAC's own page with a token instead of a
//! session. Both show what was read, what it means and whether it changed anything. Reading
//! and recording are [`crate::monitor::assisted`]'s, shared with the API and the CLI.

pub mod bookmarklet;

use askama::Template;
use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::{StatusCode, header};
use axum::response::Response;
use jiff::civil::Date;
use visanav_core::NOT_LEGAL_ADVICE;
use visanav_core::monitor::Change;
use visanav_store::{CaseId, Recorded};

use crate::auth::stale_form;
use crate::monitor::assisted::{Assessed, Expected, MAX_PAGE_BYTES, assess, record};
use crate::pages::render;
use crate::request::PageCase;
use crate::session::csrf_ok;
use crate::{AppError, AppState};

/// The body limit of the routes that take a page: the page, and room for the form around it.
pub const BODY_LIMIT: usize = MAX_PAGE_BYTES + 64 * 1024;

/// What a form sent: the page (pasted text or an uploaded file) and the fields beside it.
#[derive(Default)]
pub struct Submitted {
    pub csrf: String,
    pub token: String,
    pub case: String,
    pub page: String,
}

const TOO_LARGE: &str = "That page is larger than 1 MB, which no CEAC result page is. Save the \
                         page as \"Webpage, HTML only\", or copy and paste its text.";

/// Reads a `multipart/form-data` form (the case page's, with an upload, and the bookmarklet's)
/// or an `application/x-www-form-urlencoded` one. Bytes that are not UTF-8 are replaced: a
/// saved page in another encoding still shows its status in ASCII.
pub async fn read_form(request: Request) -> Result<Submitted, (StatusCode, String)> {
    let multipart = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("multipart/form-data"));
    let unreadable = |status: StatusCode| {
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            (status, TOO_LARGE.to_string())
        } else {
            (
                StatusCode::BAD_REQUEST,
                "The form could not be read. Go back and send it again.".to_string(),
            )
        }
    };
    let mut out = Submitted::default();
    if !multipart {
        let bytes = axum::body::Bytes::from_request(request, &())
            .await
            .map_err(|e| unreadable(e.status()))?;
        let f = crate::forms::fields(&bytes);
        let get = |name: &str| crate::forms::field(&f, name).to_string();
        (out.csrf, out.token, out.case, out.page) =
            (get("csrf"), get("token"), get("case"), get("page"));
        return Ok(out);
    }
    let mut form = Multipart::from_request(request, &())
        .await
        .map_err(|e| unreadable(e.status()))?;
    let mut upload = String::new();
    while let Some(field) = form
        .next_field()
        .await
        .map_err(|e| unreadable(e.status()))?
    {
        let name = field.name().unwrap_or_default().to_string();
        let bytes = field.bytes().await.map_err(|e| unreadable(e.status()))?;
        let text = String::from_utf8_lossy(&bytes).into_owned();
        match name.as_str() {
            "csrf" => out.csrf = text,
            "token" => out.token = text,
            "case" => out.case = text,
            "page" => out.page = text,
            "file" => upload = text,
            _ => {}
        }
    }
    // A chosen file wins over the text box (which may hold a half-pasted attempt).
    if !upload.trim().is_empty() {
        out.page = upload;
    }
    Ok(out)
}

/// What recording the page did to one case, in words the template chooses.
pub enum Effect {
    StatusChanged { from: String, to: String },
    Touched { on: Date },
    Recorded,
    AlreadyKnown,
    KeptAttempt,
}

impl Effect {
    fn of(r: &Recorded, reading: bool) -> Effect {
        match &r.change {
            Some(Change::StatusChanged { from, to }) => Effect::StatusChanged {
                from: from.clone(),
                to: to.clone(),
            },
            Some(Change::LastUpdatedChanged { to, .. }) => Effect::Touched { on: *to },
            None if !reading => Effect::KeptAttempt,
            None if r.stored_reading => Effect::Recorded,
            None => Effect::AlreadyKnown,
        }
    }
}

/// One case the page was recorded for.
pub struct CaseLine {
    pub id: String,
    pub short_id: String,
    pub effect: Effect,
}

#[derive(Template)]
#[template(path = "ceac_result.html")]
pub struct ResultPage {
    pub disclaimer: &'static str,
    pub ok: bool,
    pub status: String,
    pub status_slug: String,
    pub meaning: String,
    pub case_number: String,
    pub last_updated: String,
    pub case_created: String,
    pub message: String,
    /// Why there is no reading, and what to do.
    pub problem: String,
    pub cases: Vec<CaseLine>,
    /// Where "back" goes: the case the form was sent from.
    pub back: Option<String>,
}

impl ResultPage {
    /// The page for `assessed`, recorded for `cases` (empty when nothing was recorded).
    pub fn new(state: &AppState, assessed: &Assessed, cases: Vec<CaseLine>) -> ResultPage {
        let long =
            |d: Option<Date>| d.map_or_else(String::new, |d| d.strftime("%-d %B %Y").to_string());
        let mut page = ResultPage {
            disclaimer: NOT_LEGAL_ADVICE,
            ok: false,
            status: String::new(),
            status_slug: String::new(),
            meaning: String::new(),
            case_number: String::new(),
            last_updated: String::new(),
            case_created: String::new(),
            message: String::new(),
            problem: String::new(),
            cases,
            back: None,
        };
        match assessed {
            Assessed::Refused { detail, .. } => page.problem = detail.clone(),
            Assessed::Record { outcome, parsed } => {
                if let Err((_, detail)) = &outcome.result {
                    page.problem = detail.clone();
                }
                if let Some(r) = parsed {
                    page.status = r.status.clone();
                    page.case_number = r.case_number.clone();
                    page.last_updated = long(r.last_updated);
                    page.case_created = long(r.case_created);
                    page.message = r.message.clone();
                    if let Some(s) = r
                        .status_slug
                        .as_deref()
                        .and_then(|s| state.knowledge.status_by_slug(s))
                    {
                        page.status_slug = s.slug.clone();
                        page.meaning = s.meaning.trim().to_string();
                    }
                }
                page.ok = outcome.result.is_ok();
            }
        }
        page
    }

    pub fn respond(&self) -> Response {
        let mut r = render(self);
        if !self.ok {
            *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        }
        r
    }
}

/// The line for one case the page was recorded for.
pub fn case_line(id: &CaseId, recorded: &Recorded, reading: bool) -> CaseLine {
    CaseLine {
        id: id.to_string(),
        short_id: id.short().to_string(),
        effect: Effect::of(recorded, reading),
    }
}

/// `POST /cases/{id}/ceac-result`: the case page's "I checked CEAC myself" form.
pub async fn case_result(
    State(state): State<AppState>,
    PageCase(loaded): PageCase,
    request: Request,
) -> Result<Response, AppError> {
    let id = loaded.stored.id.clone();
    let back = |e: AppError| e.with_case(id.as_str());
    let form = read_form(request)
        .await
        .map_err(|(status, m)| back(AppError::new(status, "Please send the page again", m)))?;
    if !csrf_ok(&loaded.session, &form.csrf) {
        return Err(back(stale_form()));
    }
    if form.page.trim().is_empty() {
        return Err(back(AppError::new(
            StatusCode::BAD_REQUEST,
            "Nothing to read",
            "Paste the text of CEAC's result, or choose the page you saved, then press Read.",
        )));
    }
    if form.page.len() > MAX_PAGE_BYTES {
        return Err(back(AppError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "Too large",
            TOO_LARGE,
        )));
    }
    let now = state.clock.now();
    let assessed = assess(
        &state.knowledge,
        Expected::of(&loaded.stored.case),
        &form.page,
        now,
    );
    let schedule = &state.monitor.config.schedule;
    let recorded = record(&state.store, schedule, &loaded.actor, &id, &assessed, now)
        .await
        .map_err(|e| back(e.into()))?;
    let reading = assessed.error().is_none();
    let cases = recorded
        .iter()
        .map(|r| case_line(&id, r, reading))
        .collect();
    let mut page = ResultPage::new(&state, &assessed, cases);
    page.back = Some(id.to_string());
    Ok(page.respond())
}
