//! The 221(g) checklist: moving an item along (needed → gathered → submitted, with a date and
//! a note) and the printable checklist people take to the courier. Without JavaScript an
//! update redirects back to the item; with htmx it returns the item alone.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use visanav_core::NOT_LEGAL_ADVICE;
use visanav_core::casefile::{DocumentStatus, MAX_DOCUMENT_NOTE_CHARS};
use visanav_core::plan::{latest_date_anywhere, plan, today_at_post};
use visanav_store::DocumentState;

use crate::auth::stale_form;
use crate::case_view::{self, DeadlineView, DocumentView};
use crate::forms::{field, fields};
use crate::pages::render;
use crate::request::PageCase;
use crate::session::{csrf_ok, csrf_token};
use crate::sharing::see_other;
use crate::{AppError, AppState};

#[derive(Template)]
#[template(path = "checklist_item.html")]
struct ItemFragment<'a> {
    case_id: &'a str,
    csrf: &'a str,
    d: &'a DocumentView,
}

fn bad_input(detail: String) -> AppError {
    AppError::new(StatusCode::BAD_REQUEST, "Please check the form", detail)
}

/// The state a checklist form asks for, or what is wrong with it in the person's words.
fn state_from_form(
    f: &std::collections::HashMap<String, String>,
    today: jiff::civil::Date,
    latest: jiff::civil::Date,
) -> Result<DocumentState, String> {
    let status = DocumentStatus::parse(field(f, "status"))
        .map_err(|_| "Choose where the document is: still needed, gathered or sent.".to_string())?;
    let typed = field(f, "on").trim();
    let on = match (status, typed) {
        (DocumentStatus::Needed, _) => None,
        (_, "") => Some(today),
        (_, t) => {
            let d: jiff::civil::Date = t.parse().map_err(|_| {
                format!("{t:?} is not a date; use the date picker or write it as YYYY-MM-DD.")
            })?;
            if d > latest {
                return Err(format!(
                    "{d} is in the future; give the day it was gathered or sent."
                ));
            }
            Some(d)
        }
    };
    let note = field(f, "note").trim();
    if note.chars().count() > MAX_DOCUMENT_NOTE_CHARS {
        return Err("The note is longer than 2,000 characters; shorten it.".to_string());
    }
    Ok(DocumentState {
        status,
        on,
        note: (!note.is_empty()).then(|| note.to_string()),
    })
}

pub async fn set_item(
    State(state): State<AppState>,
    PageCase(loaded): PageCase,
    Path((_, index)): Path<(String, usize)>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, AppError> {
    let f = fields(&body);
    let case_id = loaded.stored.id.to_string();
    if !csrf_ok(&loaded.session, field(&f, "csrf")) {
        return Err(stale_form());
    }
    let now = state.clock.now();
    let c = &loaded.stored.case;
    let today = today_at_post(&state.knowledge, &c.post, now);
    let doc_state = state_from_form(&f, today, latest_date_anywhere(now))
        .map_err(|e| bad_input(e).with_case(&case_id))?;
    let kind = field(&f, "kind");
    state
        .store
        .set_document_state(
            &loaded.actor,
            &loaded.stored.id,
            index,
            kind,
            &doc_state,
            now,
        )
        .await
        .map_err(|e| AppError::from(e).with_case(&case_id))?;
    if headers.get("hx-request").is_none() {
        return Ok(see_other(format!("/cases/{case_id}#item-{index}")));
    }
    // htmx: the item as it now stands (what was just written, on the case as loaded).
    let c = &loaded.stored.case;
    let requested: &[String] = c.refusal.as_ref().map_or(&[], |r| &r.requested);
    let doc = c
        .documents
        .get(index)
        .map(|d| {
            let now_stored = visanav_core::casefile::CaseDocument {
                status: doc_state.status,
                status_on: doc_state
                    .on
                    .filter(|_| doc_state.status != DocumentStatus::Needed),
                note: doc_state.note.clone(),
                ..d.clone()
            };
            case_view::document(
                &state.knowledge,
                index,
                &now_stored,
                requested.contains(&d.kind),
            )
        })
        .ok_or_else(|| bad_input("This checklist item is gone; reload the page.".into()))?;
    Ok(render(&ItemFragment {
        case_id: &case_id,
        csrf: &csrf_token(&loaded.session),
        d: &doc,
    }))
}

#[derive(Template)]
#[template(path = "checklist_print.html")]
struct PrintPage {
    disclaimer: &'static str,
    case_id: String,
    short_id: String,
    ceac_case_number: Option<String>,
    post_name: String,
    refused_on: String,
    items: Vec<DocumentView>,
    deadline: Option<DeadlineView>,
    /// How this post wants the documents sent, from the knowledge base.
    procedure: Vec<String>,
    printed_on: String,
}

/// How the post wants documents sent, as short lines for paper.
fn procedure_lines(pr: &visanav_core::knowledge::SubmissionProcedure) -> Vec<String> {
    let mut lines = vec![format!("How: {}", pr.channel)];
    if let Some(c) = &pr.courier {
        lines.push(format!("Courier: {c}"));
    }
    lines.push(format!(
        "Does the post keep the passport? {}",
        pr.passport_kept
    ));
    lines.extend(pr.include.iter().map(|i| format!("Include: {i}")));
    if let Some(n) = &pr.notes {
        lines.push(n.clone());
    }
    lines.push(format!(
        "As visanav last checked on {}; your letter's own instructions come first.",
        pr.as_of
    ));
    lines
}

/// The checklist on one page, for printing.
pub async fn print(
    State(state): State<AppState>,
    PageCase(loaded): PageCase,
) -> Result<Response, AppError> {
    let k = &state.knowledge;
    let c = &loaded.stored.case;
    let post = k.post(&c.post);
    let today = today_at_post(k, &c.post, state.clock.now());
    let p = plan(c, k, today);
    let (items, _) = case_view::documents(k, c);
    let deadline = p
        .deadlines
        .iter()
        .find(|d| d.kind == visanav_core::plan::DeadlineKind::Reconsideration221g)
        .map(|d| case_view::deadline(d, post));
    let procedure = post
        .and_then(|x| x.procedure.as_ref())
        .map(procedure_lines)
        .unwrap_or_default();
    Ok(render(&PrintPage {
        disclaimer: NOT_LEGAL_ADVICE,
        case_id: loaded.stored.id.to_string(),
        short_id: loaded.stored.id.short().to_string(),
        ceac_case_number: c.ceac_case_number.as_ref().map(|n| n.to_string()),
        post_name: post.map_or(c.post.clone(), |x| format!("{} ({})", x.name, x.code)),
        refused_on: c
            .refusal
            .as_ref()
            .map(|r| r.on.to_string())
            .unwrap_or_default(),
        items,
        deadline,
        procedure,
        printed_on: today.to_string(),
    })
    .into_response())
}
