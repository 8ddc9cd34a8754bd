//! Faithful fake upstreams for tests and benchmarks: the CEAC status tracker and the USCIS
//! Case Status API on one listener (on loopback), driven by a cases file.
//!
//! - CEAC ([`ceac`]): the WebForms page, BotDetect captcha and postback of
//!   `shared/reference/status-peers.md` §1.2, with the errors of §1.3 and the failure modes
//!   peers meet (Cloudflare block and challenge, slow, garbled, unavailable), under
//!   `/ceacstattracker/…` in any letter case, as IIS serves it.
//! - USCIS ([`uscis`]): `POST /oauth/accesstoken` and `GET /case-status/{receipt}` as §3.1
//!   describes them, with 401/404/422/429/503.
//! - `GET /__fake/stats` and `POST /__fake/reset`: counters ([`stats::Stats`]).
//!
//! The cases file is read again for every request, so a test can change a status or a
//! mode while clients run; [`EXAMPLE_CASES`] documents every key. A missing or invalid file
//! answers 500 with a plain message naming it. The captcha image carries its own code in a
//! PNG text chunk ([`read_fake_code`]) so a test's captcha command can solve it.
//!
//! Things a client must expect, because the real sites do them: every CEAC answer carries
//! `server: cloudflare` and a `cf-ray` header (the site is behind Cloudflare), so a block is
//! the 403 with Cloudflare's page, not the header alone; the captcha `src` is a path
//! (`/CEACStatTracker/BotDetectCaptcha.ashx?…`) to resolve against the page's URL; a captcha
//! is good once (right or wrong) and for 5 minutes, in the session that fetched the form.

mod captcha;
mod cases;
mod ceac;
mod png;
mod random;
mod stats;
mod uscis;

use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

pub use stats::Stats;

/// A commented cases file with a K-1 (IV) case, an NIV case and two USCIS receipts.
pub const EXAMPLE_CASES: &str = cases::EXAMPLE;

/// Where the fakes find their cases.
#[derive(Debug, Clone)]
pub struct FakeConfig {
    /// The cases file (TOML, see the module docs of `cases`); read on every request.
    pub cases_file: PathBuf,
}

/// The fakes' shared state.
struct Fake {
    cases_file: PathBuf,
    stats: Mutex<Stats>,
    ceac: ceac::Sessions,
    uscis: uscis::Tokens,
}

/// Locks a mutex; a panic elsewhere while holding it leaves data that is still usable here.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Fake {
    /// Updates the counters, returning what `f` returns.
    fn count<R>(&self, f: impl FnOnce(&mut Stats) -> R) -> R {
        f(&mut lock(&self.stats))
    }

    /// The cases file as it is now, or the 500 that says why it cannot be read.
    async fn load_cases(&self) -> Result<cases::CasesFile, Response> {
        cases::load(&self.cases_file).await.map_err(|message| {
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                message,
            )
                .into_response()
        })
    }
}

/// Serves both fakes on one listener: CEAC under /ceacstattracker/… (paths case-insensitive,
/// as IIS), USCIS under /oauth/accesstoken and /case-status/{receipt}, plus /__fake/stats.
pub fn router(config: FakeConfig) -> Router {
    let fake = Arc::new(Fake {
        cases_file: config.cases_file,
        stats: Mutex::new(Stats::default()),
        ceac: ceac::Sessions::default(),
        uscis: uscis::Tokens::default(),
    });
    Router::new()
        .route("/oauth/accesstoken", post(uscis::token))
        .route("/case-status/{receipt}", get(uscis::case_status))
        .route("/__fake/stats", get(stats_json))
        .route("/__fake/reset", post(reset))
        .fallback(ceac::dispatch)
        .with_state(fake)
}

/// Serves [`router`] on `listener` until the task is dropped or the listener fails.
pub async fn serve(listener: tokio::net::TcpListener, config: FakeConfig) -> std::io::Result<()> {
    axum::serve(listener, router(config)).await
}

/// Reads the captcha code the fake hid in its PNG (a tEXt chunk with keyword
/// "visanav-fake-code"); used by a test "captcha command" to solve the fake's captcha.
pub fn read_fake_code(png: &[u8]) -> Option<String> {
    png::read_text(png, captcha::CODE_KEYWORD)
}

async fn stats_json(State(fake): State<Arc<Fake>>) -> Response {
    let stats = fake.count(|s| s.clone());
    axum::Json(stats).into_response()
}

async fn reset(State(fake): State<Arc<Fake>>) -> Response {
    fake.count(|s| *s = Stats::default());
    StatusCode::NO_CONTENT.into_response()
}
