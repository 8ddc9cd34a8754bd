//! `/api/v1/cases/{id}/status`: the case's status readings (append-only), and adding one.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use visanav_core::casefile::StatusObservation;
use visanav_core::plan::latest_date_anywhere;
use visanav_store::StoreError;

use super::{JsonText, case_file_problem};
use crate::AppState;
use crate::error::ApiError;
use crate::request::ApiCase;

/// A case's status readings, oldest first.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StatusList {
    pub status: Vec<StatusObservation>,
}

#[utoipa::path(
    get, path = "/api/v1/cases/{id}/status", operation_id = "list_status", tag = "status",
    params(("id" = String, Path, description = "The case", example = "MNL2025512345")),
    responses((status = 200, description = "The status readings, in the order they were recorded", body = StatusList)),
)]
pub async fn list(ApiCase(found): ApiCase) -> Json<StatusList> {
    Json(StatusList {
        status: found.stored.case.status,
    })
}

#[utoipa::path(
    post, path = "/api/v1/cases/{id}/status", operation_id = "add_status", tag = "status",
    params(("id" = String, Path, description = "The case", example = "MNL2025512345")),
    request_body(content = StatusObservation, description = "A reading of a status page: the day it was seen, the status as the page names it (matched to the knowledge base's spelling), the page's 'last updated' date, the source (ceac, the default, or uscis)", content_type = "application/json"),
    responses((status = 201, description = "Recorded; the readings as they are now", body = StatusList)),
)]
pub async fn add(
    State(state): State<AppState>,
    ApiCase(found): ApiCase,
    body: JsonText,
) -> Result<(StatusCode, Json<StatusList>), ApiError> {
    let now = state.clock.now();
    let obs = StatusObservation::parse_json(&body.0, &state.knowledge, latest_date_anywhere(now))
        .map_err(case_file_problem)?;
    let (actor, id) = (&found.actor, &found.stored.id);
    state.store.append_status(actor, id, &obs, now).await?;
    let stored = state
        .store
        .get_case(actor, id)
        .await?
        .ok_or_else(|| StoreError::CaseNotFound(id.to_string()))?;
    Ok((
        StatusCode::CREATED,
        Json(StatusList {
            status: stored.case.status,
        }),
    ))
}
