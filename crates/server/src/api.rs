//! The JSON API under `/api/v1`: case facts without personal data. Errors are
//! `application/problem+json`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;

use crate::AppState;
use crate::error::{ApiError, AppError};
use crate::request::{ApiCase, CurrentActor};

pub async fn not_found() -> ApiError {
    ApiError(AppError::new(
        StatusCode::NOT_FOUND,
        "Not found",
        "There is no API endpoint at this address; see docs/api.md.",
    ))
}

/// Case summaries without personal data.
pub async fn cases(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
) -> Result<impl IntoResponse, ApiError> {
    let cases = state.store.list_cases(&actor).await?;
    let out: Vec<_> = cases
        .into_iter()
        .map(|c| {
            serde_json::json!({
                "id": c.id,
                "visa": c.visa,
                "post": c.post,
                "ceac_case_number": c.ceac_case_number,
                "latest_status": c.latest_status,
                "latest_status_on": c.latest_status_on,
            })
        })
        .collect();
    Ok(axum::Json(serde_json::json!({ "cases": out })))
}

/// One case's non-personal facts: identifiers, dates, status history, refusal and documents.
pub async fn case(ApiCase(loaded): ApiCase) -> impl IntoResponse {
    let stored = loaded.stored;
    let c = stored.case;
    axum::Json(serde_json::json!({
        "id": stored.id,
        "visa": c.visa,
        "post": c.post,
        "ceac_case_number": c.ceac_case_number,
        "ds160_id": c.ds160_id,
        "uscis_receipt": c.uscis_receipt,
        "petition_approved_on": c.petition_approved_on,
        "interview_on": c.interview_on,
        "visa_issued_on": c.visa_issued_on,
        "entered_us_on": c.entered_us_on,
        "status": c.status,
        "refusal": c.refusal.map(|r| serde_json::json!({
            "on": r.on, "sections": r.sections, "requested": r.requested, "submitted_on": r.submitted_on,
        })),
        "documents": c.documents,
    }))
}
