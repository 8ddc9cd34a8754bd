//! visanav's web server: server-rendered pages (askama) and a JSON API under `/api/v1`.
//!
//! Until accounts exist the server acts for the local default account and listens only on
//! loopback (the CLI enforces that); pages never show personal data.

mod notices;
mod pages;

use std::future::Future;
use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use visanav_core::knowledge::Knowledge;
use visanav_extract as extract;
use visanav_store::{LOCAL_ACCOUNT, Store, StoreError};

/// Everything a request handler needs.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub knowledge: Arc<Knowledge>,
    /// Built once from the knowledge base: indexing its terms takes milliseconds.
    pub notice_reader: Arc<visanav_core::notice::NoticeReader>,
    /// Reads uploaded files; shared, so it limits how many are read at once.
    pub extractor: visanav_extract::Extractor,
}

impl AppState {
    pub fn new(
        store: Store,
        knowledge: Arc<Knowledge>,
        extractor: visanav_extract::Extractor,
    ) -> AppState {
        let notice_reader = Arc::new(visanav_core::notice::NoticeReader::new(&knowledge));
        AppState {
            store,
            knowledge,
            notice_reader,
            extractor,
        }
    }
}

/// An error shown to the user: a status code and a message that leaks no internals.
#[derive(Debug)]
pub struct AppError {
    status: StatusCode,
    message: String,
}

impl AppError {
    fn not_found(message: impl Into<String>) -> AppError {
        AppError {
            status: StatusCode::NOT_FOUND,
            message: message.into(),
        }
    }

    fn internal(detail: String) -> AppError {
        tracing::error!(%detail, "internal error");
        AppError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            message: "something went wrong; the server log has details".into(),
        }
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> AppError {
        match e {
            StoreError::CaseNotFound(q) => AppError::not_found(format!("no case matches {q:?}")),
            StoreError::AmbiguousCase { .. } => AppError {
                status: StatusCode::BAD_REQUEST,
                message: e.to_string(),
            },
            other => {
                // The detail goes to the log (it holds no personal data); the user gets a
                // generic message.
                tracing::error!(error = %other, "store error");
                AppError {
                    status: StatusCode::INTERNAL_SERVER_ERROR,
                    message: "visanav could not read its database; the server log has details"
                        .into(),
                }
            }
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({ "error": self.message });
        (self.status, axum::Json(body)).into_response()
    }
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(pages::home))
        .route("/statuses", get(pages::statuses))
        .route("/statuses/{slug}", get(pages::status))
        .route("/posts/{code}", get(pages::post))
        .route("/cases/{id}", get(pages::case))
        .route(
            "/cases/{id}/notice",
            get(notices::new)
                .post(notices::read)
                .layer(DefaultBodyLimit::max(extract::MAX_UPLOAD_BYTES + 64 * 1024)),
        )
        .route(
            "/cases/{id}/notice/apply",
            post(notices::apply).layer(DefaultBodyLimit::max(2 * extract::MAX_UPLOAD_BYTES)),
        )
        .route("/static/site.css", get(stylesheet))
        .route("/static/favicon.svg", get(favicon))
        .route("/favicon.ico", get(favicon))
        .route("/healthz", get(healthz))
        .route("/api/v1/cases", get(api_cases))
        .route("/api/v1/cases/{id}", get(api_case))
        .fallback(pages::not_found)
        .layer(axum::middleware::from_fn(same_origin_writes))
        .layer(axum::middleware::map_response(security_headers))
        .with_state(state)
}

/// Serves until `shutdown` completes, then finishes in-flight requests and returns.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await
}

/// Refuses state-changing requests that a browser marks as coming from another site, so a
/// web page elsewhere cannot make the visitor's browser write to their local visanav
/// (cross-site request forgery). Requests without the browser headers (curl, scripts) are
/// not cross-site and pass.
async fn same_origin_writes(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let method = request.method();
    if method == axum::http::Method::GET || method == axum::http::Method::HEAD {
        return next.run(request).await;
    }
    let headers = request.headers();
    let fetch_site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
    let cross_site = match fetch_site {
        Some(site) => !matches!(site, "same-origin" | "none"),
        None => match (headers.get(header::ORIGIN), headers.get(header::HOST)) {
            (Some(origin), Some(host)) => {
                let origin = origin.to_str().unwrap_or("");
                let host = host.to_str().unwrap_or("");
                origin.split_once("://").map(|(_, h)| h) != Some(host)
            }
            _ => false,
        },
    };
    if cross_site {
        return (
            StatusCode::FORBIDDEN,
            "cross-site requests cannot change visanav data",
        )
            .into_response();
    }
    next.run(request).await
}

async fn security_headers(mut response: Response) -> Response {
    let h = response.headers_mut();
    let set = |h: &mut axum::http::HeaderMap, name: &'static str, value: &'static str| {
        h.insert(name, HeaderValue::from_static(value));
    };
    set(
        h,
        "content-security-policy",
        "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    );
    set(h, "x-content-type-options", "nosniff");
    set(h, "referrer-policy", "no-referrer");
    set(h, "x-frame-options", "DENY");
    response
}

async fn stylesheet() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../static/site.css"),
    )
}

async fn favicon() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        include_str!("../static/favicon.svg"),
    )
}

async fn healthz(State(state): State<AppState>) -> Result<impl IntoResponse, AppError> {
    let schema = state.store.schema_status().await?;
    Ok(axum::Json(serde_json::json!({
        "status": "ok",
        "database": state.store.backend().name(),
        "schema_version": schema.applied,
    })))
}

/// Case summaries without personal data.
async fn api_cases(State(state): State<AppState>) -> Result<impl IntoResponse, AppError> {
    let cases = state.store.list_cases(LOCAL_ACCOUNT).await?;
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
async fn api_case(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, AppError> {
    let id = state.store.resolve_case(LOCAL_ACCOUNT, &id).await?;
    let stored = state
        .store
        .get_case(LOCAL_ACCOUNT, &id)
        .await?
        .ok_or_else(|| AppError::not_found(format!("no case matches {:?}", id.0)))?;
    let c = stored.case;
    Ok(axum::Json(serde_json::json!({
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
    })))
}
