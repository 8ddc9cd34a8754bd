//! The JSON API under `/api/v1`: cases, their status readings, plan, notices, checklist and
//! shares, for a personal access token (`Authorization: Bearer`) or the browser's session.
//! Errors are `application/problem+json` (RFC 9457), listing bad fields under `errors`. The
//! domain work is the same code the pages and the CLI use; these handlers only translate.
//! The OpenAPI document (`openapi`) is generated from the handlers' annotations.

pub mod cases;
pub mod ceac;
pub mod consult;
pub mod documents;
pub mod notices;
pub mod openapi;
pub mod status;

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Query, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use serde::Serialize;
use serde::de::DeserializeOwned;
use visanav_core::casefile::{CaseFileError, FieldProblem};

use crate::error::{ApiError, AppError, InvalidField};

pub async fn not_found() -> ApiError {
    ApiError(AppError::new(
        StatusCode::NOT_FOUND,
        "Not found",
        "There is no API endpoint at this address; see /api/v1/openapi.json.",
    ))
}

/// An RFC 9457 problem, as every API error is sent.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// Always `about:blank`: the status code says what kind of problem it is.
    #[serde(rename = "type")]
    pub kind: String,
    /// Short, for a heading: "Case not found".
    pub title: String,
    pub status: u16,
    /// What happened and what to do, for a person.
    pub detail: String,
    /// A stable word for programs, where one status covers several refusals: `slot_taken`,
    /// `too_soon`, `too_late`, … (see each operation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// What was wrong with the input, field by field (only when input was bad).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<InvalidField>,
}

/// The body of a request as text, when it is JSON; 415 otherwise. Bodies are at most
/// [`crate::MAX_FORM_BYTES`] (413 past that).
pub struct JsonText(pub String);

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|m| m.trim().to_ascii_lowercase())
        .is_some_and(|m| m == "application/json" || m.ends_with("+json"))
}

impl<S: Send + Sync> FromRequest<S> for JsonText {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !is_json(request.headers()) {
            return Err(ApiError(AppError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "Send JSON",
                "This endpoint takes a JSON body with 'Content-Type: application/json'.",
            )));
        }
        let bytes = Bytes::from_request(request, state).await.map_err(|e| {
            let status = e.status();
            ApiError(AppError::new(
                status,
                if status == StatusCode::PAYLOAD_TOO_LARGE {
                    "Too large"
                } else {
                    "Unreadable body"
                },
                "The body could not be read; JSON bodies are at most 64 KiB.",
            ))
        })?;
        String::from_utf8(bytes.to_vec())
            .map(JsonText)
            .map_err(|_| bad_json("the body is not UTF-8 text".to_string()))
    }
}

/// A query string read as `T`; a problem+json 400 naming what is wrong otherwise.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(v)| ApiQuery(v))
            .map_err(|e| {
                ApiError(AppError::invalid(
                    StatusCode::BAD_REQUEST,
                    "Bad query",
                    format!(
                        "The query string is not what this endpoint takes: {}.",
                        e.body_text()
                    ),
                    vec![InvalidField {
                        field: String::new(),
                        detail: e.body_text(),
                    }],
                ))
            })
    }
}

fn bad_json(message: String) -> ApiError {
    ApiError(AppError::invalid(
        StatusCode::BAD_REQUEST,
        "Not valid JSON",
        format!("The body is not what this endpoint takes: {message}."),
        vec![InvalidField {
            field: String::new(),
            detail: message,
        }],
    ))
}

impl JsonText {
    /// The body read as `T`; 400 with serde's reason otherwise.
    pub fn parse<T: DeserializeOwned>(&self) -> Result<T, ApiError> {
        serde_json::from_str(&self.0).map_err(|e| bad_json(e.to_string()))
    }
}

/// A case file (or status reading) that did not validate, as a problem: 400 for JSON that
/// cannot be read, 422 with every field problem for one that reads but is wrong.
pub fn case_file_problem(e: CaseFileError) -> ApiError {
    match e {
        CaseFileError::Invalid(problems) => ApiError(AppError::invalid(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Invalid case data",
            format!(
                "{} field(s) need fixing; nothing was saved. docs/case-file.md describes every field.",
                problems.len()
            ),
            problems.into_iter().map(invalid_field).collect(),
        )),
        CaseFileError::TooLarge { .. } => ApiError(AppError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "Too large",
            e.to_string(),
        )),
        CaseFileError::Syntax { .. } => bad_json(e.to_string()),
    }
}

fn invalid_field(p: FieldProblem) -> InvalidField {
    InvalidField {
        field: p.field,
        detail: p.message,
    }
}

/// A 422 for one bad field.
pub fn invalid(field: &str, detail: impl Into<String>) -> ApiError {
    let detail = detail.into();
    ApiError(AppError::invalid(
        StatusCode::UNPROCESSABLE_ENTITY,
        "Invalid input",
        format!("{field}: {detail}"),
        vec![InvalidField {
            field: field.to_string(),
            detail,
        }],
    ))
}
