//! `/api/v1/cases/{id}/documents`: the case's documents and 221(g) checklist (each item
//! needed, gathered or submitted, with a day and a note), moving one item along; and
//! `/api/v1/cases/{id}/shares`: who else sees the case.

use axum::Json;
use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};
use visanav_core::casefile::{DocumentStatus, MAX_DOCUMENT_NOTE_CHARS};
use visanav_core::date::parse_date;
use visanav_core::plan::latest_date_anywhere;
use visanav_store::{DocumentState, StoreError, StoredCase};

use super::{JsonText, invalid};
use crate::AppState;

use crate::error::ApiError;
use crate::request::ApiCase;

/// The case's documents, in the case's order.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DocumentList {
    pub documents: Vec<Document>,
}

/// A document on the case and where it stands.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Document {
    /// Its place in the list, from 0: how `PATCH …/documents/{index}` names it.
    pub index: usize,
    /// The catalogue id (`police_certificate`).
    pub kind: String,
    /// The catalogue's name for it.
    pub name: String,
    /// Whether the latest refusal asks for it: the 221(g) checklist is the requested ones.
    pub requested: bool,
    pub status: DocumentStatus,
    /// The day it was gathered or submitted.
    pub status_on: Option<jiff::civil::Date>,
    /// Whether it has a note (the note itself is personal data: `GET …/file` gives it).
    pub has_note: bool,
    /// ISO 3166-1 alpha-2 code of the issuing country.
    pub country: Option<String>,
    pub issued_on: Option<jiff::civil::Date>,
    pub expires_on: Option<jiff::civil::Date>,
}

fn documents(state: &AppState, stored: StoredCase) -> DocumentList {
    let requested = stored.case.refusal.map(|r| r.requested).unwrap_or_default();
    let documents = stored
        .case
        .documents
        .into_iter()
        .enumerate()
        .map(|(index, d)| Document {
            index,
            name: state.knowledge.document_name(&d.kind).to_string(),
            requested: requested.contains(&d.kind),
            kind: d.kind,
            status: d.status,
            status_on: d.status_on,
            has_note: d.note.is_some(),
            country: d.country,
            issued_on: d.issued_on,
            expires_on: d.expires_on,
        })
        .collect();
    DocumentList { documents }
}

#[utoipa::path(
    get, path = "/api/v1/cases/{id}/documents", operation_id = "list_documents", tag = "documents",
    params(("id" = String, Path, description = "The case", example = "MNL2025512345")),
    responses((status = 200, description = "The case's documents; those with requested=true are the 221(g) checklist", body = DocumentList)),
)]
pub async fn list(State(state): State<AppState>, ApiCase(found): ApiCase) -> Json<DocumentList> {
    Json(documents(&state, found.stored))
}

/// A checklist item's new state.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DocumentUpdate {
    /// The document expected at this place (its catalogue id): if the list changed since
    /// you read it, nothing is written (409).
    pub kind: String,
    pub status: DocumentStatus,
    /// The day it was gathered or submitted (`YYYY-MM-DD`, not in the future); only for
    /// those two states.
    #[serde(default)]
    #[schema(format = Date)]
    pub on: Option<String>,
    /// A note (at most 2,000 characters); absent or empty removes it.
    #[serde(default)]
    pub note: Option<String>,
}

/// The update checked as a case file's document is: a real past date, only for a gathered
/// or submitted document, and a note of sensible length.
fn state_of(update: DocumentUpdate, today: jiff::civil::Date) -> Result<DocumentState, ApiError> {
    let on = match update.on.as_deref().filter(|d| !d.trim().is_empty()) {
        None => None,
        Some(text) => {
            let d = parse_date(text).map_err(|e| invalid("on", e))?;
            if d > today {
                return Err(invalid(
                    "on",
                    format!(
                        "{d} is in the future (today is {today}); record only what has happened"
                    ),
                ));
            }
            Some(d)
        }
    };
    if on.is_some() && update.status == DocumentStatus::Needed {
        return Err(invalid(
            "on",
            "a date is kept only for a document that is gathered or submitted; set status to \
             \"gathered\" or \"submitted\", or leave the date out",
        ));
    }
    if update
        .note
        .as_ref()
        .is_some_and(|n| n.chars().count() > MAX_DOCUMENT_NOTE_CHARS)
    {
        return Err(invalid(
            "note",
            "is longer than 2,000 characters; shorten it",
        ));
    }
    Ok(DocumentState {
        status: update.status,
        on,
        note: update.note,
    })
}

#[utoipa::path(
    patch, path = "/api/v1/cases/{id}/documents/{index}", operation_id = "update_document", tag = "documents",
    params(
        ("id" = String, Path, description = "The case", example = "MNL2025512345"),
        ("index" = usize, Path, description = "The document's place in the list, from 0", example = 0),
    ),
    request_body(content = DocumentUpdate, content_type = "application/json"),
    responses(
        (status = 200, description = "Updated; the documents as they are now", body = DocumentList),
        (status = 409, description = "The list changed: the document at this place is not `kind` (read the list again)", body = super::Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn update(
    State(state): State<AppState>,
    ApiCase(found): ApiCase,
    Path((_, index)): Path<(String, String)>,
    body: JsonText,
) -> Result<Json<DocumentList>, ApiError> {
    let update: DocumentUpdate = body.parse()?;
    let now = state.clock.now();
    let kind = update.kind.clone();
    let new_state = state_of(update, latest_date_anywhere(now))?;
    let (actor, id) = (&found.actor, &found.stored.id);
    // A place that is not a number cannot hold the document: the same answer as a changed list.
    let index: usize = index.parse().map_err(|_| StoreError::DocumentNotFound {
        index: 0,
        kind: kind.clone(),
    })?;
    state
        .store
        .set_document_state(actor, id, index, &kind, &new_state, now)
        .await?;
    let stored = state
        .store
        .get_case(actor, id)
        .await?
        .ok_or_else(|| StoreError::CaseNotFound(id.to_string()))?;
    Ok(Json(documents(&state, stored)))
}

/// Who else sees the case.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ShareList {
    pub shares: Vec<Share>,
}

/// One share: with a co-applicant (an account) or a firm, and where it stands.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Share {
    pub id: String,
    /// `co_applicant` or `firm`.
    pub with: String,
    pub firm: Option<String>,
    pub firm_name: Option<String>,
    /// The co-applicant's account id, once they accepted.
    pub account: Option<String>,
    /// `pending`, `active`, `declined` or `revoked`.
    pub status: String,
    pub created_ms: i64,
}

#[utoipa::path(
    get, path = "/api/v1/cases/{id}/shares", operation_id = "list_shares", tag = "shares",
    params(("id" = String, Path, description = "The case", example = "MNL2025512345")),
    responses((status = 200, description = "The case's shares, as its sharing page lists them", body = ShareList)),
)]
pub async fn shares(
    State(state): State<AppState>,
    ApiCase(found): ApiCase,
) -> Result<Json<ShareList>, ApiError> {
    let shares = state
        .store
        .shares(&found.actor, &found.stored.id)
        .await?
        .into_iter()
        .map(|s| Share {
            id: s.id,
            with: s.with.to_string(),
            firm: s.firm,
            firm_name: s.firm_name,
            account: s.account.map(|a| a.to_string()),
            status: s.status,
            created_ms: s.created_ms,
        })
        .collect();
    Ok(Json(ShareList { shares }))
}
