//! `/api/v1/cases`: list, create from a case file, read, replace, delete, and the plan.
//!
//! A case is written as a case file (JSON; `docs/case-file.md`), validated exactly as
//! `visanav case import` validates it. It is read without its personal data (names, birth
//! dates, passport number, notes), except from `…/file`, which gives the whole case file to
//! edit and send back, and is asked for on purpose. No answer is ever cached.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use visanav_core::casefile::{CaseFile, DocumentStatus, Format, StatusObservation, VisaClass};
use visanav_core::plan::{latest_date_anywhere, plan, today_at_post};
use visanav_store::{CaseSummary, DuplicatePolicy, StoreError, StoredCase};

use super::{ApiQuery, JsonText, Problem, case_file_problem, openapi};
use crate::AppState;
use crate::error::{ApiError, AppError};
use crate::request::{ApiCase, CurrentActor};

/// The caller's cases.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CaseList {
    pub cases: Vec<CaseListItem>,
}

/// One case in the list: what tells cases apart, and where each stands (no personal data).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CaseListItem {
    /// The case id (a UUID); its first 13 characters also name it.
    pub id: String,
    pub visa: String,
    /// The CEAC post code.
    pub post: String,
    pub ceac_case_number: Option<String>,
    /// The latest status reading and its day.
    pub latest_status: Option<String>,
    #[schema(format = Date)]
    pub latest_status_on: Option<String>,
    /// When the case was added (milliseconds since 1970, UTC).
    pub created_ms: i64,
}

impl From<CaseSummary> for CaseListItem {
    fn from(c: CaseSummary) -> CaseListItem {
        CaseListItem {
            id: c.id.to_string(),
            visa: c.visa,
            post: c.post,
            ceac_case_number: c.ceac_case_number,
            latest_status: c.latest_status,
            latest_status_on: c.latest_status_on,
            created_ms: c.created_ms,
        }
    }
}

/// A case without its personal data (no names, birth dates, passport number or notes):
/// what most programs need. `GET …/file` gives the whole case file.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Case {
    pub id: String,
    /// When it was added and last changed (milliseconds since 1970, UTC).
    pub created_ms: i64,
    pub updated_ms: i64,
    pub visa: VisaClass,
    /// The CEAC post code.
    pub post: String,
    pub ceac_case_number: Option<String>,
    pub ds160_id: Option<String>,
    pub uscis_receipt: Option<String>,
    pub petition_approved_on: Option<Date>,
    pub interview_on: Option<Date>,
    pub visa_issued_on: Option<Date>,
    pub entered_us_on: Option<Date>,
    pub principal_visa_issued_on: Option<Date>,
    pub status: Vec<StatusObservation>,
    pub refusal: Option<CaseRefusal>,
    pub documents: Vec<CaseDocumentView>,
}

/// The latest refusal episode, without its notes.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CaseRefusal {
    pub on: Date,
    pub sections: Vec<String>,
    pub requested: Vec<String>,
    pub submitted_on: Option<Date>,
}

/// A document on the case, without its note.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CaseDocumentView {
    pub kind: String,
    pub country: Option<String>,
    pub issued_on: Option<Date>,
    pub expires_on: Option<Date>,
    pub status: DocumentStatus,
    pub status_on: Option<Date>,
}

impl From<StoredCase> for Case {
    fn from(s: StoredCase) -> Case {
        let c = s.case;
        Case {
            id: s.id.to_string(),
            created_ms: s.created_ms,
            updated_ms: s.updated_ms,
            visa: c.visa,
            post: c.post,
            ceac_case_number: c.ceac_case_number.map(|v| v.to_string()),
            ds160_id: c.ds160_id.map(|v| v.to_string()),
            uscis_receipt: c.uscis_receipt.map(|v| v.to_string()),
            petition_approved_on: c.petition_approved_on,
            interview_on: c.interview_on,
            visa_issued_on: c.visa_issued_on,
            entered_us_on: c.entered_us_on,
            principal_visa_issued_on: c.principal_visa_issued_on,
            status: c.status,
            refusal: c.refusal.map(|r| CaseRefusal {
                on: r.on,
                sections: r.sections,
                requested: r.requested,
                submitted_on: r.submitted_on,
            }),
            documents: c
                .documents
                .into_iter()
                .map(|d| CaseDocumentView {
                    kind: d.kind,
                    country: d.country,
                    issued_on: d.issued_on,
                    expires_on: d.expires_on,
                    status: d.status,
                    status_on: d.status_on,
                })
                .collect(),
        }
    }
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CreateParams {
    /// Store the case even if you already have one with the same case number.
    #[serde(default)]
    pub force: bool,
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReplaceParams {
    /// Confirms removing the case's refusal episode when the new case file has none (its
    /// saved notices stay). Without it, such a change is refused with 409.
    #[serde(default)]
    pub remove_refusal: bool,
}

/// A case file as sent: validated as `visanav case import` validates one, against the latest
/// date anywhere on Earth now (so "today" at any post counts as past).
fn validated(state: &AppState, body: &JsonText) -> Result<CaseFile, ApiError> {
    let today = latest_date_anywhere(state.clock.now());
    CaseFile::parse(&body.0, Format::Json, &state.knowledge, today).map_err(case_file_problem)
}

#[utoipa::path(
    get, path = "/api/v1/cases", operation_id = "list_cases", tag = "cases",
    responses((status = 200, description = "The cases the caller may see, oldest first", body = CaseList)),
)]
pub async fn list(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
) -> Result<Json<CaseList>, ApiError> {
    let cases = state.store.list_cases(&actor).await?;
    Ok(Json(CaseList {
        cases: cases.into_iter().map(CaseListItem::from).collect(),
    }))
}

#[utoipa::path(
    post, path = "/api/v1/cases", operation_id = "create_case", tag = "cases",
    params(CreateParams),
    request_body(content = CaseFile, description = "A case file (docs/case-file.md)", content_type = "application/json"),
    responses(
        (status = 201, description = "Stored; `Location` names the new case", body = Case,
            headers(("location" = String, description = "/api/v1/cases/{id}"))),
        (status = 409, description = "You already have a case with this case number (send again with force=true to keep two)", body = Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn create(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiQuery(params): ApiQuery<CreateParams>,
    body: JsonText,
) -> Result<Response, ApiError> {
    let case = validated(&state, &body)?;
    let duplicates = if params.force {
        DuplicatePolicy::Allow
    } else {
        DuplicatePolicy::Refuse
    };
    let now = state.clock.now();
    let id = match state
        .store
        .create_case(&actor, &case, now, duplicates)
        .await
    {
        Err(StoreError::DuplicateCase {
            case_number,
            existing,
        }) => {
            return Err(ApiError(AppError::new(
                StatusCode::CONFLICT,
                "Already saved",
                format!(
                    "You already have a case with case number {case_number} ({existing}). \
                     Nothing was stored; to keep a second copy, send it again with ?force=true."
                ),
            )));
        }
        other => other?,
    };
    let stored = state
        .store
        .get_case(&actor, &id)
        .await?
        .ok_or_else(|| StoreError::CaseNotFound(id.to_string()))?;
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, format!("/api/v1/cases/{id}"))],
        Json(Case::from(stored)),
    )
        .into_response())
}

#[utoipa::path(
    get, path = "/api/v1/cases/{id}", operation_id = "read_case", tag = "cases",
    params(("id" = String, Path, description = "A case id, its 13-character short form, a unique prefix of at least 4 characters, or the CEAC case number", example = "MNL2025512345")),
    responses((status = 200, description = "The case, without its personal data", body = Case)),
)]
pub async fn read(ApiCase(found): ApiCase) -> Json<Case> {
    Json(Case::from(found.stored))
}

#[utoipa::path(
    get, path = "/api/v1/cases/{id}/file", operation_id = "read_case_file", tag = "cases",
    params(("id" = String, Path, description = "The case", example = "MNL2025512345")),
    responses((status = 200, description = "The whole case file, personal data included, as `visanav case export --format json` writes it: what `PUT` takes back", body = CaseFile)),
)]
pub async fn read_file(ApiCase(found): ApiCase) -> Json<CaseFile> {
    Json(found.stored.case)
}

#[utoipa::path(
    put, path = "/api/v1/cases/{id}/file", operation_id = "replace_case_file", tag = "cases",
    params(("id" = String, Path, description = "The case", example = "MNL2025512345"), ReplaceParams),
    request_body(content = CaseFile, description = "The whole case file, as GET …/file gives it. Status readings it lacks stay: history is append-only.", content_type = "application/json"),
    responses(
        (status = 200, description = "Replaced; the case file as it is now", body = CaseFile),
        (status = 409, description = "The change would remove the refusal episode (confirm with remove_refusal=true)", body = Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn replace(
    State(state): State<AppState>,
    ApiCase(found): ApiCase,
    ApiQuery(params): ApiQuery<ReplaceParams>,
    body: JsonText,
) -> Result<Json<CaseFile>, ApiError> {
    let case = validated(&state, &body)?;
    if found.stored.case.refusal.is_some() && case.refusal.is_none() && !params.remove_refusal {
        return Err(ApiError(AppError::new(
            StatusCode::CONFLICT,
            "This would remove the refusal",
            "The case records a refusal and this case file has none: saving it would remove \
             the refusal episode (its notices stay). Send it again with ?remove_refusal=true \
             if that is what you mean.",
        )));
    }
    let (actor, id) = (&found.actor, &found.stored.id);
    state
        .store
        .update_case(actor, id, &case, state.clock.now())
        .await?;
    let stored = state
        .store
        .get_case(actor, id)
        .await?
        .ok_or_else(|| StoreError::CaseNotFound(id.to_string()))?;
    Ok(Json(stored.case))
}

#[utoipa::path(
    delete, path = "/api/v1/cases/{id}", operation_id = "delete_case", tag = "cases",
    params(("id" = String, Path, description = "The case", example = "MNL2025512345")),
    responses(
        (status = 204, description = "Deleted, with everything recorded about it"),
        (status = 403, description = "Only the case's owner may delete it", body = Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn delete(
    State(state): State<AppState>,
    ApiCase(found): ApiCase,
) -> Result<StatusCode, ApiError> {
    let deleted = state
        .store
        .delete_case(&found.actor, &found.stored.id, state.clock.now())
        .await?;
    if !deleted {
        // The caller sees the case (it is shared with them) but does not own it.
        return Err(ApiError(AppError::new(
            StatusCode::FORBIDDEN,
            "Not your case to delete",
            "Only the person who added this case can delete it; you can stop seeing it by \
             asking them to stop sharing it.",
        )));
    }
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(
    get, path = "/api/v1/cases/{id}/plan", operation_id = "case_plan", tag = "cases",
    params(("id" = String, Path, description = "The case", example = "MNL2025512345")),
    responses((status = 200, description = "The plan, as `visanav plan --json` prints it: deadlines with days left, documents to renew, next steps, legal help; every item with its sources", body = openapi::PlanDoc)),
)]
pub async fn plan_of(State(state): State<AppState>, ApiCase(found): ApiCase) -> Response {
    let case = &found.stored.case;
    let k = &state.knowledge;
    let today = today_at_post(k, &case.post, state.clock.now());
    Json(plan(case, k, today)).into_response()
}
