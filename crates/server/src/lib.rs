//! visanav's web server: server-rendered pages (askama) and a JSON API under `/api/v1`.
//!
//! Until accounts exist the server acts for the local default account and listens only on
//! loopback (the CLI enforces that) and answers only to its own host names.

pub mod accounts;
mod api;
mod assisted;
pub mod auth;
mod bearer;
mod calendar;
mod case_edit;
mod case_page;
mod case_view;
mod checklist;
mod checks;
mod chrome;
mod consult;
mod dashboard;
pub mod error;
mod firms;
mod forms;
mod home;
pub mod middleware;
pub mod monitor;
mod my_data;
mod new_case;
mod notices;
pub mod notify;
mod outbound;
mod pages;
pub mod request;
mod saved_notices;
pub mod session;
mod settings;
mod sharing;
pub mod sweeper;
mod tokens;
mod webhooks;
mod zip;

use std::future::Future;
use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::extract::State;
use axum::http::Method;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::{MethodRouter, any, get, patch, post};
use jiff::Timestamp;
use visanav_core::knowledge::Knowledge;
use visanav_extract as extract;
use visanav_store::{Store, Summarizer};

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
    /// Sign-in and second-factor attempts, per address and per client.
    pub throttle: Arc<auth::Throttle>,
    /// Sends account email (confirmations, new passwords, invitations). None: not configured.
    pub mailer: Option<visanav_mail::Mailer>,
    /// The status sources and how checks run.
    pub monitor: monitor::Monitor,
}

impl AppState {
    pub fn new(
        store: Store,
        knowledge: Arc<Knowledge>,
        server: ServerConfig,
        extractor: visanav_extract::Extractor,
    ) -> AppState {
        let notice_reader = Arc::new(visanav_core::notice::NoticeReader::new(&knowledge));
        // The default configuration names the real sites and no credentials: it always builds.
        let monitor = monitor::Monitor::new(monitor::MonitorConfig::default(), knowledge.clone())
            .unwrap_or_else(|e| unreachable!("the default monitor configuration is valid: {e}"));
        // Every change to a case writes its dashboard summary, from this knowledge base.
        let store = store.with_summarizer(Summarizer::from_knowledge(knowledge.clone()));
        AppState {
            store,
            knowledge,
            notice_reader,
            clock: Clock::system(),
            server: Arc::new(server),
            extractor,
            throttle: Arc::new(auth::Throttle::new(
                10,
                std::time::Duration::from_secs(15 * 60),
            )),
            mailer: None,
            monitor,
        }
    }

    pub fn with_monitor(mut self, monitor: monitor::Monitor) -> AppState {
        self.monitor = monitor;
        self
    }

    pub fn with_mailer(mut self, mailer: visanav_mail::Mailer) -> AppState {
        self.mailer = Some(mailer);
        self
    }

    pub fn with_clock(mut self, clock: Clock) -> AppState {
        self.clock = clock;
        self
    }
}

/// Who a route is for, so the access test can check every route, including ones added later.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// Anyone: knowledge pages, static files, signing in.
    Public,
    /// A signed-in person, about their own account or cases in general.
    SignedIn,
    /// One case, named by `{id}`: only people it is visible to; everyone else gets 404.
    Case,
}

/// One route: its path, its methods, who it is for, and its handlers.
pub struct Route {
    pub path: &'static str,
    pub methods: &'static [Method],
    pub audience: Audience,
    handler: MethodRouter<AppState>,
}

const GET: &[Method] = &[Method::GET];
const POST: &[Method] = &[Method::POST];
const GET_POST: &[Method] = &[Method::GET, Method::POST];
const PATCH: &[Method] = &[Method::PATCH];
const GET_DELETE: &[Method] = &[Method::GET, Method::DELETE];
const GET_PUT: &[Method] = &[Method::GET, Method::PUT];

fn route(
    path: &'static str,
    methods: &'static [Method],
    audience: Audience,
    handler: MethodRouter<AppState>,
) -> Route {
    Route {
        path,
        methods,
        audience,
        handler,
    }
}

/// Every route of the server. The router is built from this list and the access test walks
/// it, so a route cannot exist without being checked.
pub fn routes() -> Vec<Route> {
    use Audience::{Case, Public, SignedIn};
    let upload_limit = DefaultBodyLimit::max(extract::MAX_UPLOAD_BYTES + 64 * 1024);
    vec![
        route("/", GET, Public, get(home::home)),
        route("/statuses", GET, Public, get(pages::statuses)),
        route("/statuses/{slug}", GET, Public, get(pages::status)),
        route("/posts", GET, Public, get(pages::posts)),
        route("/posts/{code}", GET, Public, get(pages::post)),
        route(
            "/cases/new",
            GET_POST,
            SignedIn,
            get(new_case::form).post(new_case::create),
        ),
        route("/cases/import", POST, SignedIn, post(new_case::import)),
        route("/cases/{id}", GET, Case, get(case_page::case)),
        route(
            "/cases/{id}/status",
            POST,
            Case,
            post(case_edit::add_status),
        ),
        route(
            "/cases/{id}/ceac-result",
            POST,
            Case,
            post(assisted::case_result).layer(DefaultBodyLimit::max(assisted::BODY_LIMIT)),
        ),
        route(
            "/cases/{id}/edit/{section}",
            GET_POST,
            Case,
            get(case_edit::form).post(case_edit::save),
        ),
        route("/cases/{id}/monitoring", POST, Case, post(checks::toggle)),
        route("/cases/{id}/checks", POST, Case, post(checks::check_now)),
        route(
            "/cases/{id}/checks/{challenge}",
            GET_POST,
            Case,
            get(checks::manual::page).post(checks::manual::answer_code),
        ),
        route(
            "/cases/{id}/checks/{challenge}/captcha.png",
            GET,
            Case,
            get(checks::manual::captcha),
        ),
        route(
            "/cases/{id}/checks/{attempt}/answer",
            GET,
            Case,
            get(checks::answer),
        ),
        route("/cases/{id}/checklist", GET, Case, get(checklist::print)),
        route(
            "/cases/{id}/checklist/{item}",
            POST,
            Case,
            post(checklist::set_item),
        ),
        route(
            "/cases/{id}/notices/{notice}",
            GET,
            Case,
            get(saved_notices::view),
        ),
        route(
            "/cases/{id}/notices/{notice}/original",
            GET,
            Case,
            get(saved_notices::original),
        ),
        route(
            "/cases/{id}/notice",
            GET_POST,
            Case,
            get(notices::new).post(notices::read).layer(upload_limit),
        ),
        route("/cases/{id}/notice/apply", POST, Case, post(notices::apply)),
        route("/cases/{id}/sharing", GET, Case, get(sharing::page)),
        route(
            "/cases/{id}/sharing/co-applicant",
            POST,
            Case,
            post(sharing::invite_co_applicant),
        ),
        route(
            "/cases/{id}/sharing/firm",
            POST,
            Case,
            post(sharing::offer_to_firm),
        ),
        route(
            "/cases/{id}/sharing/{share}/revoke",
            POST,
            Case,
            post(sharing::revoke),
        ),
        route(
            "/cases/{id}/firm-notes",
            GET_POST,
            Case,
            get(firms::firm_notes).post(firms::add_firm_note),
        ),
        route("/cases/{id}/log", GET, Case, get(sharing::audit)),
        route(
            "/invites/case",
            GET_POST,
            SignedIn,
            get(sharing::case_invite_form).post(sharing::accept_case_invite),
        ),
        route(
            "/invites/case/decline",
            GET_POST,
            SignedIn,
            get(sharing::case_invite_decline_form).post(sharing::decline_case_invite),
        ),
        route(
            "/invites/firm",
            GET_POST,
            SignedIn,
            get(firms::firm_invite_form).post(firms::accept_firm_invite),
        ),
        route(
            "/firms",
            GET_POST,
            SignedIn,
            get(firms::firms).post(firms::create_firm),
        ),
        route(
            "/firms/{firm}/dashboard",
            GET,
            SignedIn,
            get(dashboard::dashboard),
        ),
        route(
            "/firms/{firm}/assign",
            POST,
            SignedIn,
            post(dashboard::assign),
        ),
        route(
            "/firms/{firm}/invite",
            POST,
            SignedIn,
            post(firms::invite_member),
        ),
        route("/admin/sign-ins", GET, SignedIn, get(firms::sign_in_events)),
        route(
            "/firms/offers/{share}",
            POST,
            SignedIn,
            post(firms::answer_offer),
        ),
        route(
            "/sign-in",
            GET_POST,
            Public,
            get(auth::sign_in_form).post(auth::sign_in),
        ),
        route(
            "/sign-in/code",
            GET_POST,
            SignedIn,
            get(auth::code_form).post(auth::code),
        ),
        route(
            "/sign-in/link",
            GET_POST,
            Public,
            get(auth::link_form).post(auth::link),
        ),
        route("/sign-out", POST, SignedIn, post(auth::sign_out)),
        route(
            "/sign-up",
            GET_POST,
            Public,
            get(accounts::sign_up_form).post(accounts::sign_up),
        ),
        route(
            "/verify",
            GET_POST,
            Public,
            get(accounts::verify_form).post(accounts::verify_email),
        ),
        route(
            "/reset",
            GET_POST,
            Public,
            get(accounts::reset_form).post(accounts::reset),
        ),
        route(
            "/reset/new",
            GET_POST,
            Public,
            get(accounts::reset_new_form).post(accounts::reset_new),
        ),
        route("/account", GET, SignedIn, get(auth::account)),
        route("/notifications", GET, SignedIn, get(notify::pages::list)),
        route(
            "/notifications/read",
            POST,
            SignedIn,
            post(notify::pages::mark_read),
        ),
        route(
            "/account/notifications",
            GET_POST,
            SignedIn,
            get(notify::pages::prefs_form).post(notify::pages::save_prefs),
        ),
        route(
            "/notifications/unsubscribe/{token}",
            GET_POST,
            Public,
            get(notify::pages::unsubscribe_form).post(notify::pages::unsubscribe),
        ),
        route(
            "/account/password",
            GET_POST,
            SignedIn,
            get(settings::password_form).post(settings::change_password),
        ),
        route(
            "/account/email",
            GET_POST,
            SignedIn,
            get(settings::email_form).post(settings::change_email),
        ),
        route(
            "/account/email/confirm",
            GET_POST,
            Public,
            get(settings::confirm_email_form).post(settings::confirm_email),
        ),
        route(
            "/account/export",
            GET_POST,
            SignedIn,
            get(my_data::export_form).post(my_data::export),
        ),
        route(
            "/account/delete",
            GET_POST,
            SignedIn,
            get(my_data::delete_form).post(my_data::delete),
        ),
        route(
            "/account/second-factor",
            GET_POST,
            SignedIn,
            get(settings::second_factor_form).post(settings::second_factor),
        ),
        route(
            "/account/tokens",
            GET_POST,
            SignedIn,
            get(tokens::list).post(tokens::create),
        ),
        route(
            "/account/tokens/{token}/revoke",
            POST,
            SignedIn,
            post(tokens::revoke),
        ),
        route(
            "/account/calendar",
            GET_POST,
            SignedIn,
            get(calendar::page).post(calendar::change),
        ),
        // The calendar feed: its token is the credential (calendar apps cannot sign in), and
        // the path always ends in `.ics` (checked by the handler: the router takes no suffix
        // after a parameter).
        route("/calendar/{feed}", GET, Public, get(calendar::feed)),
        route(
            "/account/webhooks",
            GET_POST,
            SignedIn,
            get(webhooks::show).post(webhooks::act),
        ),
        route(
            "/account/ceac-bookmarklet",
            GET_POST,
            SignedIn,
            get(assisted::bookmarklet::page).post(assisted::bookmarklet::make),
        ),
        // Posted from ceac.state.gov by the bookmarklet, with its token: see
        // `assisted::bookmarklet` for why it passes the cross-site write check.
        route(
            "/ceac/bookmarklet",
            POST,
            Public,
            post(assisted::bookmarklet::submit).layer(DefaultBodyLimit::max(assisted::BODY_LIMIT)),
        ),
        // Consultations (issue 14): attorneys' pages, applicants' pages, the firms' public
        // booking pages. Consultation ids are `{consultation}`: access is the store's (the
        // attorney's firm, with a second factor; or the applicant).
        route("/consult", GET, SignedIn, get(consult::attorney::inbox)),
        route(
            "/consult/settings",
            GET_POST,
            SignedIn,
            get(consult::settings::show).post(consult::settings::save),
        ),
        route(
            "/consult/requests/{consultation}",
            GET_POST,
            SignedIn,
            get(consult::attorney::show).post(consult::attorney::act),
        ),
        route(
            "/cases/{id}/consult",
            GET_POST,
            Case,
            get(consult::applicant::book_form).post(consult::applicant::book),
        ),
        route(
            "/consultations",
            GET,
            SignedIn,
            get(consult::applicant::list),
        ),
        route(
            "/consultations/{consultation}",
            GET_POST,
            SignedIn,
            get(consult::applicant::show).post(consult::applicant::act),
        ),
        route(
            "/book/verify",
            GET_POST,
            Public,
            get(consult::public::verify_form).post(consult::public::verify),
        ),
        route(
            "/book/{firm}",
            GET_POST,
            Public,
            get(consult::public::show).post(consult::public::request),
        ),
        route("/static/site.css", GET, Public, get(stylesheet)),
        route("/static/htmx.min.js", GET, Public, get(htmx)),
        route("/static/zone.js", GET, Public, get(zone_js)),
        route("/static/favicon.svg", GET, Public, get(favicon)),
        route("/favicon.ico", GET, Public, get(favicon)),
        route("/healthz", GET, Public, get(healthz)),
        route(
            "/api/v1/openapi.json",
            GET,
            Public,
            get(api::openapi::openapi_json),
        ),
        route(
            "/api/v1/cases",
            GET_POST,
            SignedIn,
            get(api::cases::list).post(api::cases::create),
        ),
        route(
            "/api/v1/cases/{id}",
            GET_DELETE,
            Case,
            get(api::cases::read).delete(api::cases::delete),
        ),
        route(
            "/api/v1/cases/{id}/file",
            GET_PUT,
            Case,
            get(api::cases::read_file).put(api::cases::replace),
        ),
        route(
            "/api/v1/cases/{id}/plan",
            GET,
            Case,
            get(api::cases::plan_of),
        ),
        route(
            "/api/v1/cases/{id}/status",
            GET_POST,
            Case,
            get(api::status::list).post(api::status::add),
        ),
        route(
            "/api/v1/cases/{id}/ceac-result",
            POST,
            Case,
            post(api::ceac::submit).layer(DefaultBodyLimit::max(assisted::BODY_LIMIT)),
        ),
        route(
            "/api/v1/cases/{id}/documents",
            GET,
            Case,
            get(api::documents::list),
        ),
        route(
            "/api/v1/cases/{id}/documents/{index}",
            PATCH,
            Case,
            patch(api::documents::update),
        ),
        route(
            "/api/v1/cases/{id}/shares",
            GET,
            Case,
            get(api::documents::shares),
        ),
        route(
            "/api/v1/cases/{id}/notices",
            GET_POST,
            Case,
            get(api::notices::list).post(api::notices::apply),
        ),
        route(
            "/api/v1/cases/{id}/notices/{notice}/original",
            GET,
            Case,
            get(api::notices::original),
        ),
        route(
            "/api/v1/notice-readings",
            POST,
            SignedIn,
            post(api::notices::read),
        ),
        // Consultations on the API: what firms offer and their free times are public, as the
        // booking pages are; requests are the caller's (case routes name the case).
        route(
            "/api/v1/firms/{firm}/consultation-types",
            GET,
            Public,
            get(api::consult::firm_types),
        ),
        route(
            "/api/v1/consultation-types/{type_id}/slots",
            GET,
            Public,
            get(api::consult::slots),
        ),
        route(
            "/api/v1/cases/{id}/consultations",
            POST,
            Case,
            post(api::consult::request),
        ),
        route(
            "/api/v1/consultations",
            GET,
            SignedIn,
            get(api::consult::list),
        ),
        route(
            "/api/v1/consultations/{consultation}",
            GET,
            SignedIn,
            get(api::consult::read),
        ),
        route(
            "/api/v1/consultations/{consultation}/cancel",
            POST,
            SignedIn,
            post(api::consult::cancel),
        ),
        route("/api/v1/{*rest}", GET_POST, Public, any(api::not_found)),
    ]
}

pub fn router(state: AppState) -> Router {
    let mut router = Router::new();
    for r in routes() {
        router = router.route(r.path, r.handler);
    }
    router
        .fallback(pages::not_found)
        .route_layer(axum::middleware::from_fn(middleware::record_route))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            chrome::page_chrome,
        ))
        .layer(DefaultBodyLimit::max(MAX_FORM_BYTES))
        .layer(axum::middleware::from_fn(middleware::api_no_store))
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

/// Serves until `shutdown` completes, then finishes in-flight requests and returns. The
/// summary sweeper runs alongside (see [`sweeper`]).
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let sweeper = sweeper::spawn(&state);
    let app = router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    let served = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await;
    sweeper.abort();
    served
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

/// htmx, vendored (the file's first line gives its version and licence): it only makes pages
/// quicker, every page works without it. It changes only when visanav upgrades htmx, so a
/// week of caching is safe; not `immutable`, since a new release serves a new file at the
/// same address.
async fn htmx() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=604800"),
        ],
        include_str!("../static/htmx.min.js"),
    )
}

/// The booking page's time zone guess (see the file).
async fn zone_js() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        include_str!("../static/zone.js"),
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
