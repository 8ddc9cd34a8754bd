//! visanav's web server: server-rendered pages (askama) and a JSON API under `/api/v1`.
//!
//! Until accounts exist the server acts for the local default account and listens only on
//! loopback (the CLI enforces that) and answers only to its own host names.

mod api;
pub mod error;
pub mod middleware;
mod notices;
mod pages;
pub mod request;

use std::future::Future;
use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use jiff::Timestamp;
use visanav_core::knowledge::Knowledge;
use visanav_extract as extract;
use visanav_store::Store;

pub use error::{ApiError, AppError};
pub use middleware::ServerConfig;

/// Largest request body on routes that take no upload: forms and JSON are small.
pub const MAX_FORM_BYTES: usize = 64 * 1024;

/// Where the time comes from: the system clock, or a fixed instant in tests, so dates near
/// midnight can be checked without waiting for midnight.
#[derive(Clone)]
pub struct Clock(Arc<dyn Fn() -> Timestamp + Send + Sync>);

impl Clock {
    pub fn system() -> Clock {
        Clock(Arc::new(Timestamp::now))
    }

    pub fn fixed(at: Timestamp) -> Clock {
        Clock(Arc::new(move || at))
    }

    pub fn now(&self) -> Timestamp {
        (self.0)()
    }
}

/// Everything a request handler needs.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub knowledge: Arc<Knowledge>,
    /// Built once from the knowledge base: indexing its terms takes milliseconds.
    pub notice_reader: Arc<visanav_core::notice::NoticeReader>,
    pub clock: Clock,
    pub server: Arc<ServerConfig>,
    /// Reads uploaded files; shared, so it limits how many are read at once.
    pub extractor: visanav_extract::Extractor,
}

impl AppState {
    pub fn new(
        store: Store,
        knowledge: Arc<Knowledge>,
        server: ServerConfig,
        extractor: visanav_extract::Extractor,
    ) -> AppState {
        let notice_reader = Arc::new(visanav_core::notice::NoticeReader::new(&knowledge));
        AppState {
            store,
            knowledge,
            notice_reader,
            clock: Clock::system(),
            server: Arc::new(server),
            extractor,
        }
    }

    pub fn with_clock(mut self, clock: Clock) -> AppState {
        self.clock = clock;
        self
    }
}

pub fn router(state: AppState) -> Router {
    let upload_limit = DefaultBodyLimit::max(extract::MAX_UPLOAD_BYTES + 64 * 1024);
    Router::new()
        .route("/", get(pages::home))
        .route("/statuses", get(pages::statuses))
        .route("/statuses/{slug}", get(pages::status))
        .route("/posts/{code}", get(pages::post))
        .route("/cases/{id}", get(pages::case))
        .route(
            "/cases/{id}/notice",
            get(notices::new).post(notices::read).layer(upload_limit),
        )
        .route("/cases/{id}/notice/apply", post(notices::apply))
        .route("/static/site.css", get(stylesheet))
        .route("/static/favicon.svg", get(favicon))
        .route("/favicon.ico", get(favicon))
        .route("/healthz", get(healthz))
        .nest("/api/v1", api::router())
        .fallback(pages::not_found)
        .route_layer(axum::middleware::from_fn(middleware::record_route))
        .layer(DefaultBodyLimit::max(MAX_FORM_BYTES))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::same_origin_writes,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::known_hosts,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::request_log,
        ))
        .layer(axum::middleware::map_response(middleware::security_headers))
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

async fn healthz(State(state): State<AppState>) -> Result<impl IntoResponse, ApiError> {
    let schema = state.store.schema_status().await?;
    Ok(axum::Json(serde_json::json!({
        "status": "ok",
        "database": state.store.backend().name(),
        "schema_version": schema.applied,
    })))
}
