//! Status checks in the browser, against the fake upstreams (CEAC and USCIS on one loopback
//! listener, in process): the case page's section, automatic checks on and off, "check now"
//! with a captcha command (a change shows as "Changed", the timeline says where it came from),
//! the per-person limit (refused before any request reaches the fake), a provider block, what
//! a source said and the dashboard's "checks failing" are in [`recorded`]; the manual captcha
//! flow is in [`manual`].

mod manual;
mod recorded;

use std::path::PathBuf;
use std::time::Duration;

use axum::http::StatusCode;
use jiff::SignedDuration;
use visanav_core::monitor::{CheckSource, ObservationVia};
use visanav_server::monitor::MonitorConfig;
use visanav_sources::captcha::CaptchaStrategy;
use visanav_sources::fake::{FakeConfig, serve};
use visanav_sources::uscis::ClientSecret;
use visanav_store::{Actor, CaseId};

use crate::harness::{App, EXAMPLE, Resp, now};

/// The fake upstreams on a loopback port of this test's runtime, and their cases file.
pub struct Fake {
    pub url: String,
    cases: PathBuf,
    task: tokio::task::JoinHandle<()>,
    _dir: tempfile::TempDir,
}

/// The example case as CEAC knows it (the case file's number, passport and surname).
const CEAC_CASE: &str = r#"
[[ceac.cases]]
kind = "IV"
case_number = "MNL2025512345"
passport = "P1234567A"
surname = "SANTOS"
created = "2025-05-01"
"#;

impl Fake {
    pub async fn start() -> Fake {
        let dir = tempfile::tempdir().expect("tmp");
        let cases = dir.path().join("cases.toml");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let config = FakeConfig {
            cases_file: cases.clone(),
        };
        let task = tokio::spawn(async move {
            let _ = serve(listener, config).await;
        });
        let fake = Fake {
            url,
            cases,
            task,
            _dir: dir,
        };
        // As the case file's latest reading: Refused, last updated on the interview day.
        fake.set("normal", "Refused", "2025-06-02");
        fake
    }

    /// Rewrites the cases file: CEAC's mode and the case's status. USCIS knows the receipt
    /// with the status the case file has for it.
    pub fn set(&self, ceac_mode: &str, status: &str, updated: &str) {
        let text = format!(
            "[ceac]\nmode = \"{ceac_mode}\"\n{CEAC_CASE}status = \"{status}\"\n\
             last_updated = \"{updated}\"\nmessage = \"About your case.\"\n\n\
             [uscis]\nmode = \"normal\"\nclient_id = \"test-client\"\n\
             client_secret = \"test-secret\"\ntoken_ttl_seconds = 1799\ntps = 0\n\n\
             [[uscis.cases]]\nreceipt = \"IOE0912345678\"\nform_type = \"I-129F\"\n\
             status = \"Case Was Approved\"\ndescription = \"About your Form I-129F.\"\n"
        );
        std::fs::write(&self.cases, text).expect("write cases");
    }

    /// The fake's counters (`GET /__fake/stats`), over a plain HTTP/1.0 request.
    pub async fn stats(&self) -> serde_json::Value {
        use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
        let addr = self.url.trim_start_matches("http://");
        let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
        stream
            .write_all(b"GET /__fake/stats HTTP/1.0\r\nHost: fake\r\n\r\n")
            .await
            .expect("write");
        let mut answer = String::new();
        stream.read_to_string(&mut answer).await.expect("read");
        let body = answer.split_once("\r\n\r\n").expect("a body").1;
        serde_json::from_str(body).expect("stats json")
    }
}

impl Drop for Fake {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Reads the fake's captcha from its PNG, as an operator's captcha command would read a real
/// one: the code is in the image's `tEXt` chunk "visanav-fake-code" (see `read_fake_code`).
const SOLVER: &str = r#"python3 -c 'import sys; d = sys.stdin.buffer.read(); k = b"visanav-fake-code\0"; i = d.index(k); n = int.from_bytes(d[i-8:i-4], "big"); print(d[i+len(k):i+n].decode())'"#;

pub fn solver() -> CaptchaStrategy {
    CaptchaStrategy::Command {
        command: SOLVER.to_string(),
        timeout: Duration::from_secs(20),
    }
}

/// Checks against the fake: loopback allowed, no spacing between requests.
pub fn config(fake: &Fake, captcha: CaptchaStrategy) -> MonitorConfig {
    MonitorConfig {
        ceac_base_url: fake.url.clone(),
        uscis_base_url: fake.url.clone(),
        uscis_client_id: Some("test-client".into()),
        uscis_client_secret: Some(ClientSecret::new("test-secret".into())),
        captcha,
        allow_private: true,
        request_timeout: Duration::from_secs(10),
        ceac_spacing: SignedDuration::ZERO,
        uscis_spacing: SignedDuration::ZERO,
        ..MonitorConfig::default()
    }
}

pub fn location(r: &Resp) -> String {
    r.headers
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_else(|| panic!("a redirect, got {}: {}", r.status, r.body))
        .to_string()
}

/// Asks for a check of `source` now; returns the answer (a redirect when it ran).
pub async fn check_now(app: &App, id: &CaseId, source: &str) -> Resp {
    app.post_form(&format!("/cases/{id}/checks"), &format!("source={source}"))
        .await
}

/// Follows a redirect to the case page (the result of a check).
pub async fn follow(app: &App, r: &Resp) -> Resp {
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = app.get(&location(r)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    page
}

#[tokio::test]
async fn the_section_says_what_this_installation_can_check() {
    // The default installation: the manual captcha strategy, no USCIS credentials.
    let app = App::new().await;
    let id = app.add_case(EXAMPLE).await;
    let page = app.get(&format!("/cases/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    let b = &page.body;
    assert!(b.contains("Status checks"), "{b}");
    assert!(
        b.contains("visanav needs you to read a code from a picture for each CEAC check"),
        "{b}"
    );
    assert!(b.contains("Check CEAC now"));
    assert!(b.contains("no access to the USCIS Case Status API"));
    assert!(
        !b.contains("Check USCIS now"),
        "USCIS cannot be checked here"
    );
    // Automatic CEAC checks cannot run with nobody to read the picture: no switch for them.
    assert!(!b.contains("Turn automatic checks on"));
    assert!(b.contains(visanav_core::NOT_LEGAL_ADVICE));

    // A USCIS check asked for anyway is refused plainly, and nothing is recorded.
    let r = check_now(&app, &id, "uscis").await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("USCIS is not checked here"), "{}", r.body);
    let attempts = app
        .store
        .attempts(&Actor::local(), &id, 10)
        .await
        .expect("attempts");
    assert!(attempts.is_empty());
}

#[tokio::test]
async fn automatic_checks_turn_on_and_off() {
    let fake = Fake::start().await;
    let app = App::with_monitor(config(&fake, solver())).await;
    let id = app.add_case(EXAMPLE).await;
    let page = app.get(&format!("/cases/{id}")).await;
    assert_eq!(
        page.body
            .matches("name=\"monitoring\" value=\"on\"")
            .count(),
        2,
        "a switch for CEAC and one for USCIS"
    );

    let on = app
        .post_form(
            &format!("/cases/{id}/monitoring"),
            "source=ceac&monitoring=on",
        )
        .await;
    assert_eq!(
        location(&on),
        format!("/cases/{id}?saved=monitoring-on#checks")
    );
    let monitors = app
        .store
        .monitors(&Actor::local(), &id)
        .await
        .expect("monitors");
    assert_eq!(monitors.len(), 1);
    assert_eq!(monitors[0].source(), Some(CheckSource::Ceac));
    assert!(monitors[0].enabled);
    assert_eq!(monitors[0].next_check_ms, Some(now().as_millisecond()));
    let page = follow(&app, &on).await;
    assert!(page.body.contains("Automatic status checks are on."));
    assert!(page.body.contains("Checked automatically"));
    assert!(page.body.contains("Next check: now"), "{}", page.body);
    assert!(page.body.contains("Turn automatic checks off"));

    let off = app
        .post_form(
            &format!("/cases/{id}/monitoring"),
            "source=ceac&monitoring=off",
        )
        .await;
    let monitors = app
        .store
        .monitors(&Actor::local(), &id)
        .await
        .expect("monitors");
    assert!(!monitors[0].enabled);
    let page = follow(&app, &off).await;
    assert!(page.body.contains("Automatic status checks are off."));
    assert!(!page.body.contains("Next check:"));

    // Without the form's CSRF token nothing changes.
    let forged = app
        .post(
            &format!("/cases/{id}/monitoring"),
            "application/x-www-form-urlencoded",
            b"source=ceac&monitoring=on&csrf=nope".to_vec(),
            &[("sec-fetch-site", "same-origin")],
        )
        .await;
    assert_ne!(forged.status, StatusCode::SEE_OTHER);
    let monitors = app
        .store
        .monitors(&Actor::local(), &id)
        .await
        .expect("monitors");
    assert!(!monitors[0].enabled);
}

#[tokio::test]
async fn check_now_with_a_captcha_command_shows_no_change_then_the_change() {
    let fake = Fake::start().await;
    check_now_story(App::with_monitor(config(&fake, solver())).await, &fake).await;
}

#[tokio::test]
async fn check_now_on_postgresql() {
    let fake = Fake::start().await;
    if let Some(app) = App::on_postgres_with(Some(config(&fake, solver()))).await {
        check_now_story(app, &fake).await;
    }
}

async fn check_now_story(app: App, fake: &Fake) {
    let id = app.add_case(EXAMPLE).await;
    let me = Actor::local();
    // CEAC says what the case file says already: no change, and no new reading.
    let page = follow(&app, &check_now(&app, &id, "ceac").await).await;
    assert!(
        page.body.contains("No change since 2025-06-02:"),
        "{}",
        page.body
    );
    assert_eq!(
        app.store.timeline(&me, &id).await.expect("timeline").len(),
        4
    );

    // The fake moves the case to Issued: the next check says so, and the timeline has it.
    fake.set("normal", "Issued", "2025-06-09");
    let r = check_now(&app, &id, "ceac").await;
    let page = follow(&app, &r).await;
    assert!(
        page.body.contains("Changed: Refused → Issued."),
        "{}",
        page.body
    );
    let timeline = app.store.timeline(&me, &id).await.expect("timeline");
    let last = timeline.last().expect("a reading");
    assert_eq!(
        (last.status.as_str(), last.via.as_str()),
        ("Issued", "direct")
    );
    let attempt = last.attempt_id.clone().expect("from a check");
    assert!(location(&r).contains(&attempt));
    // The status history says where each reading came from, and links to what CEAC said.
    assert!(page.body.contains(ObservationVia::Direct.describe()));
    assert!(page.body.contains(ObservationVia::Manual.describe()));
    assert!(
        page.body
            .contains(&format!("/cases/{id}/checks/{attempt}/answer")),
        "{}",
        page.body
    );
    let events = app.store.case_events(&me, &id).await.expect("events");
    assert_eq!(
        events.iter().map(|e| e.kind.as_str()).collect::<Vec<_>>(),
        ["status_changed"]
    );
    // What CEAC said: the page it answered, as text.
    let answer = app
        .get(&format!("/cases/{id}/checks/{attempt}/answer"))
        .await;
    assert_eq!(answer.status, StatusCode::OK);
    assert!(answer.body.contains("checked by visanav on CEAC"));
    assert!(answer.body.contains("&#60;span"), "{}", answer.body);
    assert!(
        !answer.body.contains("<span id=\"ctl00"),
        "rendered, not shown"
    );
    assert!(answer.body.contains(visanav_core::NOT_LEGAL_ADVICE));

    // USCIS, through the fake API: the same status as the case file's reading.
    let page = follow(&app, &check_now(&app, &id, "uscis").await).await;
    assert!(
        page.body.contains("No change since 2025-03-14:"),
        "{}",
        page.body
    );
    let stats = fake.stats().await;
    assert_eq!(stats["uscis_by_receipt"]["IOE0912345678"], 1);
    assert_eq!(stats["ceac_posts_by_case"]["MNL2025512345"], 2);
}

#[tokio::test]
async fn the_limit_refuses_before_anything_is_asked() {
    let fake = Fake::start().await;
    let app = App::with_monitor(MonitorConfig {
        check_now_per_hour: 2,
        ..config(&fake, solver())
    })
    .await;
    let id = app.add_case(EXAMPLE).await;
    for _ in 0..2 {
        assert_eq!(
            check_now(&app, &id, "ceac").await.status,
            StatusCode::SEE_OTHER
        );
    }
    let before = fake.stats().await;
    let refused = check_now(&app, &id, "uscis").await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        refused
            .body
            .contains("You have asked for 2 checks in the last hour")
    );
    // The clock stands still in this test: the oldest check frees a place an hour later.
    assert!(
        refused
            .body
            .contains("You can check again in about an hour"),
        "{}",
        refused.body
    );
    assert!(
        refused
            .body
            .contains(&format!("href=\"/cases/{id}#checks\""))
    );
    assert_eq!(fake.stats().await, before, "no request reached the fake");
    assert_eq!(
        app.store
            .attempts(&Actor::local(), &id, 10)
            .await
            .expect("attempts")
            .len(),
        2
    );
}

#[tokio::test]
async fn a_block_pauses_checks_and_check_now_asks_nothing_meanwhile() {
    let fake = Fake::start().await;
    let app = App::with_monitor(config(&fake, solver())).await;
    let id = app.add_case(EXAMPLE).await;
    fake.set("cloudflare", "Refused", "2025-06-02");
    let page = follow(&app, &check_now(&app, &id, "ceac").await).await;
    assert!(page.body.contains("No status this time."), "{}", page.body);
    assert!(page.body.contains("Checks paused:"), "{}", page.body);
    assert!(!page.body.contains("Check CEAC now"));
    let before = fake.stats().await;
    let r = check_now(&app, &id, "ceac").await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(r.body.contains("Checks paused"));
    assert_eq!(fake.stats().await, before);
    // No reading came of it.
    assert_eq!(
        app.store
            .timeline(&Actor::local(), &id)
            .await
            .expect("t")
            .len(),
        4
    );
}
