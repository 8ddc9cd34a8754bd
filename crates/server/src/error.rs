//! Errors as the client expects them: an HTML page for the browser, `application/problem+json`
//! (RFC 9457) for the API. Both carry a message written for the person, never internals;
//! details go to the log, without personal data.

use askama::Template;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use visanav_core::NOT_LEGAL_ADVICE;
use visanav_store::StoreError;

/// A failed request, shown as a page. Handlers of pages return `Result<_, AppError>`.
#[derive(Debug)]
pub struct AppError {
    pub status: StatusCode,
    /// Short, for a heading: "Case not found".
    pub title: &'static str,
    /// One or two sentences saying what happened and what to do.
    pub detail: String,
    /// A case to offer a link back to.
    pub case_link: Option<String>,
    /// What was wrong with the input, field by field (the API lists them as `errors`).
    pub invalid: Vec<InvalidField>,
    /// A stable word for programs telling refusals of the same status apart
    /// (`slot_taken`, `too_late`); the API sends it as `code`.
    pub code: Option<&'static str>,
}

/// One thing wrong with a request's input: the field (a path such as `documents[2].kind`,
/// empty for the whole body) and what is wrong with it, saying what is expected.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct InvalidField {
    pub field: String,
    pub detail: String,
}

impl AppError {
    pub fn new(status: StatusCode, title: &'static str, detail: impl Into<String>) -> AppError {
        AppError {
            status,
            title,
            detail: detail.into(),
            case_link: None,
            invalid: Vec::new(),
            code: None,
        }
    }

    /// The same error with a `code` for programs.
    pub fn with_code(mut self, code: &'static str) -> AppError {
        self.code = Some(code);
        self
    }

    /// A request whose input was wrong, with what was wrong field by field.
    pub fn invalid(
        status: StatusCode,
        title: &'static str,
        detail: impl Into<String>,
        invalid: Vec<InvalidField>,
    ) -> AppError {
        AppError {
            invalid,
            ..AppError::new(status, title, detail)
        }
    }

    pub fn not_found(detail: impl Into<String>) -> AppError {
        AppError::new(StatusCode::NOT_FOUND, "Not found", detail)
    }

    pub fn internal(detail: impl std::fmt::Display) -> AppError {
        tracing::error!(%detail, "internal error");
        AppError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Something went wrong",
            "visanav could not finish this. Nothing was changed; try again, and if it keeps \
             happening the server log has the details.",
        )
    }

    pub fn with_case(mut self, case_id: &str) -> AppError {
        self.case_link = Some(case_id.to_string());
        self
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> AppError {
        match e {
            StoreError::CaseNotFound(_) => AppError::new(
                StatusCode::NOT_FOUND,
                "Case not found",
                "There is no case with this id among your cases. The home page lists them.",
            ),
            StoreError::AmbiguousCase { .. } => {
                AppError::new(StatusCode::BAD_REQUEST, "Which case?", e.to_string())
            }
            StoreError::DuplicateCase { .. } | StoreError::DuplicateNotice { .. } => {
                AppError::new(StatusCode::CONFLICT, "Already saved", e.to_string())
            }
            StoreError::Conflict { ref constraint } => {
                tracing::info!(%constraint, "write refused by a uniqueness rule");
                AppError::new(
                    StatusCode::CONFLICT,
                    "Already saved",
                    "This was already saved (perhaps from another tab). Nothing was changed.",
                )
            }
            StoreError::DocumentNotFound { .. } => {
                AppError::new(StatusCode::CONFLICT, "The checklist changed", e.to_string())
            }
            StoreError::ConsultationNotFound => AppError::new(
                StatusCode::NOT_FOUND,
                "Consultation not found",
                "There is no such consultation among yours. \"Consultations\" at the top of the page lists them.",
            ),
            StoreError::SlotTaken
            | StoreError::NotBookable
            | StoreError::ReviewMissing
            | StoreError::ConsultationState(_) => AppError::new(
                StatusCode::CONFLICT,
                "This cannot be done now",
                e.to_string(),
            ),
            StoreError::FirmNotFound => AppError::new(
                StatusCode::NOT_FOUND,
                "Firm not found",
                "There is no such firm among yours. The firms page lists them.",
            ),
            StoreError::DraftNotFound => AppError::new(
                StatusCode::GONE,
                "Read the notice again",
                "The notice you read was saved already or waited more than a day. Nothing was \
                 lost from your case; read the notice again to save it.",
            ),
            other => {
                // The store's messages hold no personal data (see StoreError).
                tracing::error!(error = %other, "store error");
                AppError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Something went wrong",
                    "visanav could not read or write its database. Nothing was changed; the \
                     server log has the details.",
                )
            }
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    disclaimer: &'static str,
    title: &'a str,
    detail: &'a str,
    case_link: Option<&'a str>,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let page = ErrorPage {
            disclaimer: NOT_LEGAL_ADVICE,
            title: self.title,
            detail: &self.detail,
            case_link: self.case_link.as_deref(),
        };
        let body = page.render().unwrap_or_else(|_| self.detail.clone());
        (self.status, Html(body)).into_response()
    }
}

/// A failed API request: the same error, as `application/problem+json`.
#[derive(Debug)]
pub struct ApiError(pub AppError);

impl<E: Into<AppError>> From<E> for ApiError {
    fn from(e: E) -> ApiError {
        ApiError(e.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let e = self.0;
        let mut body = serde_json::json!({
            "type": "about:blank",
            "title": e.title,
            "status": e.status.as_u16(),
            "detail": e.detail,
        });
        if let Some(obj) = body.as_object_mut() {
            if let Some(code) = e.code {
                obj.insert("code".into(), serde_json::json!(code));
            }
            if !e.invalid.is_empty() {
                obj.insert("errors".into(), serde_json::json!(e.invalid));
            }
        }
        let mut response = (e.status, axum::Json(body)).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        response
    }
}
