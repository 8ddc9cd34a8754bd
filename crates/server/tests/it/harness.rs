//! The in-process harness: [`App`] holds a router over a fresh store, and sends requests
//! that look like a browser's (or an API client's) to it.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use jiff::Timestamp;
use tower::ServiceExt as _;
use visanav_core::casefile::{CaseFile, Format};
use visanav_core::knowledge::Knowledge;
use visanav_extract::{ExtractConfig, Extractor};
use visanav_server::monitor::{Monitor, MonitorConfig};
use visanav_server::{AppState, Clock, ServerConfig};
use visanav_store::{
    AccountId, Actor, CaseId, Crypto, DuplicatePolicy, NewSession, Store, Summarizer, TxMode,
};

pub const EXAMPLE: &str = include_str!("../../../../examples/k1-manila-221g.toml");
/// The host a browser on this machine sends.
pub const HOST: &str = "127.0.0.1:8080";

pub struct App {
    pub store: Store,
    pub knowledge: Arc<Knowledge>,
    /// The local account, signed in: what `get` and `post` send.
    pub me: Browser,
    /// Where account email lands (no SMTP server in these tests).
    pub outbox: std::path::PathBuf,
    router: Router,
    _dir: tempfile::TempDir,
}

/// A browser's session: its cookie and the CSRF token its forms carry.
#[derive(Debug, Clone, Default)]
pub struct Browser {
    pub cookie: Option<String>,
    pub csrf: String,
}

/// A response, its body read as text.
#[derive(Debug)]
pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Resp {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).expect("a JSON body")
    }

    pub fn content_type(&self) -> &str {
        self.headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// The value of the first `<input name="NAME" value="...">` on the page.
    pub fn input(&self, name: &str) -> String {
        let marker = format!("name=\"{name}\" value=\"");
        let start = self.body.find(&marker).expect("input on page") + marker.len();
        let end = self.body[start..].find('"').expect("closing quote");
        self.body[start..start + end].to_string()
    }
}

pub fn now() -> Timestamp {
    "2025-06-10T08:00:00Z".parse().expect("timestamp")
}

impl App {
    pub async fn new() -> App {
        App::at(now()).await
    }

    /// An app whose clock stands still at `at`.
    pub async fn at(at: Timestamp) -> App {
        App::build(
            at,
            Knowledge::embedded().expect("knowledge"),
            ExtractConfig::default(),
            Duration::from_secs(30),
        )
        .await
    }

    /// An app over another knowledge base (an operator's override directory).
    pub async fn with_knowledge(knowledge: Knowledge) -> App {
        App::build(
            now(),
            knowledge,
            ExtractConfig::default(),
            Duration::from_secs(30),
        )
        .await
    }

    /// An app whose text extraction is configured (its programs, how many at once).
    pub async fn with_extract(extract: ExtractConfig, request_timeout: Duration) -> App {
        App::build(
            now(),
            Knowledge::embedded().expect("knowledge"),
            extract,
            request_timeout,
        )
        .await
    }

    /// An app whose status checks go where `monitor` says (the fake upstreams, in tests).
    pub async fn with_monitor(monitor: MonitorConfig) -> App {
        App::build_on(
            None,
            Some(monitor),
            now(),
            Knowledge::embedded().expect("knowledge"),
            ExtractConfig::default(),
            Duration::from_secs(30),
        )
        .await
    }

    /// The same app over a fresh database on the test PostgreSQL server, when there is one
    /// (required under CI; see `test_postgres_url`).
    pub async fn on_postgres() -> Option<App> {
        App::on_postgres_with(None).await
    }

    /// [`App::on_postgres`] with status checks configured.
    pub async fn on_postgres_with(monitor: Option<MonitorConfig>) -> Option<App> {
        use sqlx::Connection as _;
        let admin_url = test_postgres_url()?;
        let name = format!("srv_{}", uuid::Uuid::now_v7().simple());
        let mut admin = sqlx::PgConnection::connect(&admin_url)
            .await
            .expect("connect to the test PostgreSQL");
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .await
            .expect("create database");
        let base = admin_url.rsplit_once('/').expect("a database path").0;
        let url = format!("{base}/{name}");
        Some(
            App::build_on(
                Some(url),
                monitor,
                now(),
                Knowledge::embedded().expect("knowledge"),
                ExtractConfig::default(),
                Duration::from_secs(30),
            )
            .await,
        )
    }

    async fn build(
        at: Timestamp,
        knowledge: Knowledge,
        extract: ExtractConfig,
        request_timeout: Duration,
    ) -> App {
        App::build_on(None, None, at, knowledge, extract, request_timeout).await
    }

    async fn build_on(
        database: Option<String>,
        monitor: Option<MonitorConfig>,
        at: Timestamp,
        knowledge: Knowledge,
        extract: ExtractConfig,
        request_timeout: Duration,
    ) -> App {
        let dir = tempfile::tempdir().expect("tempdir");
        let url = database
            .unwrap_or_else(|| format!("sqlite://{}", dir.path().join("visanav.db").display()));
        let knowledge = Arc::new(knowledge);
        // As the server and CLI do: cases written through the harness get their summaries too.
        let store = Store::open(&url, Crypto::from_master_key(&[9; 32]))
            .await
            .expect("store")
            .with_summarizer(Summarizer::from_knowledge(knowledge.clone()));
        let server = ServerConfig::new(
            HOST.parse().expect("addr"),
            Some("visanav.example.org"),
            request_timeout,
        );
        let state = AppState::new(
            store.clone(),
            knowledge.clone(),
            server,
            Extractor::new(extract),
        )
        .with_clock(Clock::fixed(at));
        let outbox = dir.path().join("outbox-mail");
        let mailer = visanav_mail::Mailer::new(visanav_mail::MailConfig {
            smtp_url: None,
            from: visanav_mail::DEFAULT_FROM.to_string(),
            outbox_dir: outbox.clone(),
        })
        .expect("mailer");
        let mut state = state.with_mailer(mailer);
        if let Some(config) = monitor {
            state = state.with_monitor(Monitor::new(config, knowledge.clone()).expect("monitor"));
        }
        let me = session_for(&store, &AccountId::local(), true, at).await;
        App {
            router: visanav_server::router(state),
            store,
            knowledge,
            me,
            outbox,
            _dir: dir,
        }
    }

    /// Every message sent to `address` so far, oldest first, as raw text.
    pub fn mail_to(&self, address: &str) -> Vec<String> {
        let mut files: Vec<_> = std::fs::read_dir(&self.outbox)
            .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default();
        files.sort();
        files
            .into_iter()
            .filter_map(|f| std::fs::read_to_string(f).ok())
            .filter(|m| m.contains(&format!("To: {address}")))
            .collect()
    }

    /// Sends a form that is shown before signing in, as a fresh browser does: it opens the
    /// form first (which sets the form cookie and its token), then posts it.
    pub async fn public_post(&self, path: &str, body: &str) -> Resp {
        let page = self.get_as(&Browser::default(), path).await;
        let cookie = page
            .headers
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(|v| v.split(';').next().map(str::to_string));
        let token = page.input("form_token");
        let body = format!("{body}&form_token={token}");
        let fresh = Browser {
            cookie,
            csrf: String::new(),
        };
        self.post_as(
            &fresh,
            path,
            "application/x-www-form-urlencoded",
            body.into_bytes(),
            &[("sec-fetch-site", "same-origin")],
        )
        .await
    }

    /// Signs in with a password, as the sign-in form does; the browser holds the new cookie.
    pub async fn sign_in(&self, email: &str, password: &str) -> (Resp, Browser) {
        let body = format!("email={}&password={}&next=%2F", enc(email), enc(password));
        let r = self.public_post("/sign-in", &body).await;
        let b = self.browser_from(&r).await;
        (r, b)
    }

    /// The browser a response's `Set-Cookie` made, with its CSRF token read off a page.
    pub async fn browser_from(&self, r: &Resp) -> Browser {
        let cookie = r
            .headers
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(|v| v.split(';').next().map(str::to_string))
            .filter(|c| !c.ends_with('='));
        let mut b = Browser {
            cookie,
            csrf: String::new(),
        };
        if b.cookie.is_some() {
            for page in ["/account", "/sign-in/code", "/account/second-factor"] {
                let p = self.get_as(&b, page).await;
                if p.status == StatusCode::OK && p.body.contains("name=\"csrf\"") {
                    b.csrf = p.input("csrf");
                    break;
                }
            }
        }
        b
    }

    /// A signed-in browser for `account` (with or without its second factor given).
    pub async fn browser(&self, account: &AccountId, second_factor: bool) -> Browser {
        session_for(&self.store, account, second_factor, now()).await
    }

    pub fn case_file(&self, toml: &str) -> CaseFile {
        let today = "2025-06-10".parse().expect("date");
        CaseFile::parse(toml, Format::Toml, &self.knowledge, today).expect("valid case file")
    }

    /// Stores a case for the local account.
    pub async fn add_case(&self, toml: &str) -> CaseId {
        self.store
            .create_case(
                &Actor::local(),
                &self.case_file(toml),
                now(),
                DuplicatePolicy::Allow,
            )
            .await
            .expect("create case")
    }

    pub async fn send(&self, request: Request<Body>) -> Resp {
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("infallible");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .expect("body");
        Resp {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    pub async fn get(&self, path: &str) -> Resp {
        self.get_as(&self.me, path).await
    }

    pub async fn get_as(&self, who: &Browser, path: &str) -> Resp {
        let mut request = Request::get(path).header(header::HOST, HOST);
        if let Some(c) = &who.cookie {
            request = request.header(header::COOKIE, c);
        }
        self.send(request.body(Body::empty()).expect("request"))
            .await
    }

    /// A GET whose answer's bytes are kept as they are (images).
    pub async fn get_bytes(&self, path: &str) -> (StatusCode, HeaderMap, Vec<u8>) {
        let mut request = Request::get(path).header(header::HOST, HOST);
        if let Some(c) = &self.me.cookie {
            request = request.header(header::COOKIE, c);
        }
        let response = self
            .router
            .clone()
            .oneshot(request.body(Body::empty()).expect("request"))
            .await
            .expect("infallible");
        let (status, headers) = (response.status(), response.headers().clone());
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .expect("body");
        (status, headers, bytes.to_vec())
    }

    /// A form post as visanav's own page sends it (with the session's CSRF token).
    pub async fn post_form(&self, path: &str, body: &str) -> Resp {
        self.post_form_as(&self.me, path, body).await
    }

    pub async fn post_form_as(&self, who: &Browser, path: &str, body: &str) -> Resp {
        let body = format!("{body}&csrf={}", who.csrf);
        self.post_as(
            who,
            path,
            "application/x-www-form-urlencoded",
            body.into_bytes(),
            &[("sec-fetch-site", "same-origin")],
        )
        .await
    }

    pub async fn post(
        &self,
        path: &str,
        content_type: &str,
        body: Vec<u8>,
        headers: &[(&str, &str)],
    ) -> Resp {
        self.post_as(&self.me, path, content_type, body, headers)
            .await
    }

    /// A form post whose answer's bytes are kept as they are (downloads).
    pub async fn post_raw_as(&self, who: &Browser, path: &str, body: &str) -> Vec<u8> {
        let body = format!("{body}&csrf={}", who.csrf);
        let mut request = Request::post(path)
            .header(header::HOST, HOST)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header("sec-fetch-site", "same-origin");
        if let Some(c) = &who.cookie {
            request = request.header(header::COOKIE, c);
        }
        let response = self
            .router
            .clone()
            .oneshot(request.body(Body::from(body)).expect("request"))
            .await
            .expect("infallible");
        axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .expect("body")
            .to_vec()
    }

    pub async fn post_as(
        &self,
        who: &Browser,
        path: &str,
        content_type: &str,
        body: Vec<u8>,
        headers: &[(&str, &str)],
    ) -> Resp {
        let mut request = Request::post(path)
            .header(header::HOST, HOST)
            .header(header::CONTENT_TYPE, content_type)
            .header(header::CONTENT_LENGTH, body.len());
        if let Some(c) = &who.cookie {
            request = request.header(header::COOKIE, c);
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        self.send(request.body(Body::from(body)).expect("request"))
            .await
    }

    /// An API request with a bearer token (or none) and a JSON body (or none), sent with
    /// `extra` headers.
    pub async fn api(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&serde_json::Value>,
        extra: &[(&str, &str)],
    ) -> Resp {
        let mut request = Request::builder()
            .method(method)
            .uri(path)
            .header(header::HOST, HOST);
        if let Some(t) = token {
            request = request.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        for (name, value) in extra {
            request = request.header(*name, *value);
        }
        let body = match body {
            Some(v) => {
                request = request.header(header::CONTENT_TYPE, "application/json");
                Body::from(v.to_string())
            }
            None => Body::empty(),
        };
        self.send(request.body(body).expect("request")).await
    }

    /// The same, as a browser session (its cookie, from this site).
    pub async fn api_as(
        &self,
        who: &Browser,
        method: Method,
        path: &str,
        body: Option<&serde_json::Value>,
    ) -> Resp {
        let mut extra = vec![("sec-fetch-site", "same-origin")];
        if let Some(c) = &who.cookie {
            extra.push(("cookie", c.as_str()));
        }
        self.api(method, path, None, body, &extra).await
    }

    /// A token for `account` made directly in the store, as `visanav user token` makes one.
    pub async fn token_for(
        &self,
        account: &AccountId,
        scope: visanav_store::TokenScope,
        second_factor: bool,
    ) -> String {
        let (token, hash) = visanav_auth::new_api_token();
        let mut tx = self.store.begin(TxMode::Write).await.expect("begin");
        tx.create_api_token(
            visanav_store::NewApiToken {
                hash: &hash,
                account,
                name: "test",
                scope,
                second_factor,
                lifetime: jiff::SignedDuration::from_hours(24),
            },
            now(),
        )
        .await
        .expect("token");
        tx.commit().await.expect("commit");
        token.expose().to_string()
    }

    /// Posts a notice's text to the read form, as the browser does (multipart).
    pub async fn read_notice(&self, case: &CaseId, text: &str) -> Resp {
        let (ctype, body) = multipart(&[
            ("csrf", None, self.me.csrf.as_bytes()),
            ("text", None, text.as_bytes()),
        ]);
        self.post(
            &format!("/cases/{case}/notice"),
            &ctype,
            body,
            &[("sec-fetch-site", "same-origin")],
        )
        .await
    }
}

/// The test PostgreSQL server (`VISANAV_TEST_POSTGRES_URL`, set by scripts/with-postgres.sh):
/// skipped with a note when missing, a failure under `CI=true`.
pub fn test_postgres_url() -> Option<String> {
    if let Ok(url) = std::env::var("VISANAV_TEST_POSTGRES_URL")
        && !url.is_empty()
    {
        return Some(url);
    }
    if std::env::var("CI").is_ok_and(|v| v.eq_ignore_ascii_case("true") || v == "1") {
        panic!(
            "VISANAV_TEST_POSTGRES_URL is not set, and CI=true: the access suite must run on \
             PostgreSQL in CI. Run it under scripts/with-postgres.sh"
        );
    }
    eprintln!("VISANAV_TEST_POSTGRES_URL not set: PostgreSQL leg skipped");
    None
}

/// A session made directly in the store, as signing in would make it.
async fn session_for(store: &Store, account: &AccountId, mfa: bool, at: Timestamp) -> Browser {
    let (id, hash) = visanav_auth::new_session_id();
    let mut tx = store.begin(TxMode::Write).await.expect("begin");
    tx.create_session(
        NewSession {
            id_hash: &hash,
            account,
            csrf_secret: "test-csrf-secret",
            label: "test",
            mfa_done: mfa,
        },
        at,
        jiff::SignedDuration::from_hours(12),
    )
    .await
    .expect("session");
    let session = tx
        .session(&hash, at, jiff::SignedDuration::from_hours(1))
        .await
        .expect("read")
        .expect("live");
    tx.commit().await.expect("commit");
    Browser {
        cookie: Some(format!("visanav={}", id.expose())),
        csrf: visanav_server::session::csrf_token(&session),
    }
}

/// A multipart/form-data body: (field, file name, bytes).
pub fn multipart(fields: &[(&str, Option<&str>, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "visanavTESTboundary";
    let mut body = Vec::new();
    for (name, file, bytes) in fields {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        match file {
            Some(f) => body.extend_from_slice(
                format!(
                    "Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\n\
                     Content-Type: image/png\r\n\r\n"
                )
                .as_bytes(),
            ),
            None => body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes(),
            ),
        }
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// Percent-encodes a form value.
pub fn enc(value: &str) -> String {
    form_urlencoded::byte_serialize(value.as_bytes()).collect()
}
