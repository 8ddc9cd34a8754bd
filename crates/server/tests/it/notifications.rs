//! The notification pages: the list with its unread count in every page's header, marking
//! read, the choices form (good and bad input), and the unsubscribe link (a GET changes
//! nothing; the POST does).

use axum::http::StatusCode;
use jiff::SignedDuration;
use visanav_core::account::Actor;
use visanav_core::monitor::{CheckSource, ObservationVia, Schedule};
use visanav_store::{CheckBy, CheckRecord, NewReading};

use crate::harness::{App, EXAMPLE, enc, now};

/// A status change the local account handed over from CEAC (Refused → Issued), fanned out.
async fn a_change(app: &App) -> visanav_core::account::CaseId {
    let id = app.add_case(EXAMPLE).await;
    let record = CheckRecord {
        source: CheckSource::Ceac,
        via: ObservationVia::Assisted,
        started: now(),
        duration_ms: 0,
        outcome: Ok(NewReading {
            status: "Issued".into(),
            last_updated: Some("2025-09-20".parse().expect("date")),
            observed_on: "2025-09-21".parse().expect("date"),
            issued: true,
            history: Vec::new(),
        }),
        detail: None,
        raw: None,
        keep_raw_until: now() + SignedDuration::from_hours(1),
    };
    let r = app
        .store
        .record_check(
            CheckBy::Person(&Actor::local()),
            &id,
            &record,
            &Schedule::default(),
            0.5,
            now(),
        )
        .await
        .expect("record");
    assert!(r.change.is_some(), "Refused → Issued is a change");
    assert_eq!(app.store.fan_out(now(), 10).await.expect("fan out"), 1);
    id
}

#[tokio::test]
async fn the_list_shows_each_event_in_plain_words_with_an_unread_count() {
    let app = App::new().await;
    let id = a_change(&app).await;
    let page = app.get("/notifications").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body
            .contains("K-1 case, Manila: status changed to Issued"),
        "{}",
        page.body
    );
    assert!(page.body.contains("changed from Refused to Issued"));
    assert!(page.body.contains("What it means:"));
    assert!(page.body.contains(&format!("href=\"/cases/{id}\"")));
    assert!(page.body.contains("not legal advice"));
    assert!(!page.body.contains("status_changed"), "no internal names");
    // Every page's header carries the count.
    let home = app.get("/").await;
    assert!(
        home.body.contains("aria-label=\"1 unread\""),
        "{}",
        home.body
    );
    // Without the form's token nothing is marked.
    app.post_as(
        &app.me,
        "/notifications/read",
        "application/x-www-form-urlencoded",
        b"csrf=wrong".to_vec(),
        &[("sec-fetch-site", "same-origin")],
    )
    .await;
    let local = Actor::local();
    assert_eq!(app.store.unread_notifications(&local).await.expect("n"), 1);
    let r = app
        .post_form("/notifications/read", &format!("csrf={}", app.me.csrf))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let home = app.get("/").await;
    assert!(!home.body.contains("unread\""), "read now");
}

#[tokio::test]
async fn choices_are_saved_and_bad_ones_are_explained() {
    let app = App::new().await;
    let form = app.get("/account/notifications").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("90, 30, 14, 7, 1"), "the defaults");
    let body = format!(
        "csrf={}&time_zone={}&quiet_start=22%3A00&quiet_end=07%3A00&lead_days={}",
        app.me.csrf,
        enc("Asia/Manila"),
        enc("30, 7")
    );
    let saved = app.post_form("/account/notifications", &body).await;
    assert_eq!(saved.status, StatusCode::OK);
    assert!(saved.body.contains("Saved."));
    let prefs = app
        .store
        .notification_prefs(&Actor::local())
        .await
        .expect("prefs");
    assert!(!prefs.email_enabled, "the box was not ticked");
    assert_eq!(prefs.time_zone, "Asia/Manila");
    assert_eq!(prefs.lead_days, [30, 7]);
    assert_eq!(
        prefs.quiet.map(|q| (q.start_min, q.end_min)),
        Some((22 * 60, 7 * 60))
    );
    for (bad, says) in [
        ("time_zone=Mars%2FOlympus", "not a time zone"),
        (
            "time_zone=UTC&quiet_start=22%3A00",
            "both the start and the end",
        ),
        ("time_zone=UTC&lead_days=soon", "not a number of days"),
    ] {
        let r = app
            .post_form(
                "/account/notifications",
                &format!("csrf={}&{bad}", app.me.csrf),
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}");
        assert!(r.body.contains(says), "{bad}: {}", r.body);
    }
    let kept = app
        .store
        .notification_prefs(&Actor::local())
        .await
        .expect("prefs");
    assert_eq!(kept, prefs, "a bad form changes nothing");
}

#[tokio::test]
async fn the_unsubscribe_link_asks_first_and_an_unknown_one_says_so() {
    let app = App::new().await;
    let page = app.get("/notifications/unsubscribe/0193-no-such").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Stop emails"), "a button, not an action");
    // As a mail provider sends it (RFC 8058): no cookie, from another site.
    let r = app
        .post_as(
            &crate::harness::Browser::default(),
            "/notifications/unsubscribe/0193-no-such",
            "application/x-www-form-urlencoded",
            b"List-Unsubscribe=One-Click".to_vec(),
            &[("sec-fetch-site", "cross-site")],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.body.contains("This link does not work"));
}

/// Reminders come at the lead times, once each, counted at the case's post, and reach the
/// in-app list in plain words.
#[tokio::test]
async fn deadline_reminders_come_once_at_each_lead_time() {
    let app = App::new().await;
    let id = app.add_case(EXAMPLE).await;
    let found = app
        .store
        .reminder_candidates("2000-01-01", "2100-01-01")
        .await
        .expect("candidates");
    let case = found
        .iter()
        .find(|c| c.case_id == id.as_str() && c.kind == "deadline")
        .expect("the example has an open deadline");
    let due: jiff::civil::Date = case.due.parse().expect("date");
    // Noon in Manila, ten days before: the 14-day reminder, once.
    let at = |days_before: i64| {
        due.checked_sub(jiff::Span::new().days(days_before))
            .expect("date")
            .at(12, 0, 0, 0)
            .in_tz("Asia/Manila")
            .expect("zoned")
            .timestamp()
    };
    assert_eq!(sweep(&app, at(100)).await.expect("sweep"), 0, "not yet");
    assert_eq!(sweep(&app, at(10)).await.expect("sweep"), 1);
    assert_eq!(sweep(&app, at(9)).await.expect("sweep"), 0, "once");
    assert_eq!(sweep(&app, at(6)).await.expect("sweep"), 1, "the 7-day one");
    let events = app
        .store
        .case_events(&Actor::local(), &id)
        .await
        .expect("events");
    let leads: Vec<_> = events
        .iter()
        .filter(|e| e.kind == "deadline_approaching")
        .map(|e| {
            serde_json::from_str::<serde_json::Value>(&e.payload).expect("json")["lead_days"]
                .clone()
        })
        .collect();
    assert_eq!(leads, [serde_json::json!(14), serde_json::json!(7)]);
    app.store.fan_out(now(), 10).await.expect("fan out");
    let page = app.get("/notifications").await;
    assert!(
        page.body
            .contains(&format!("{}: due in 10 days", case.title)),
        "{}",
        page.body
    );
    // Past the deadline: no more reminders.
    assert_eq!(sweep(&app, at(-1)).await.expect("sweep"), 0);
}

/// The reminder sweep at `at`.
async fn sweep(app: &App, at: jiff::Timestamp) -> Result<usize, visanav_store::StoreError> {
    app.store.sweep_reminders(&app.knowledge, at).await
}

/// A document's expiry gets its reminder too, as `document_expiring`, and it reaches the
/// in-app list in plain words: which document, when, what it means, what to do, and the
/// not-legal-advice line, with the case named by visa and post only.
#[tokio::test]
async fn a_document_expiring_reaches_the_app_list_in_plain_words() {
    let app = App::new().await;
    let id = app.add_case(EXAMPLE).await;
    // The example's medical exam (done 2025-05-20) is valid for six months: to 2025-11-20.
    let medical = app
        .store
        .reminder_candidates("2000-01-01", "2100-01-01")
        .await
        .expect("candidates")
        .into_iter()
        .find(|c| c.case_id == id.as_str() && c.key == "expiry-medical_exam")
        .expect("the medical exam's expiry is a live date");
    assert_eq!(
        (medical.kind.as_str(), medical.due.as_str()),
        ("expiry", "2025-11-20")
    );
    // Noon in Manila, ten days before: the 14-day reminder (the 221(g) deadline, in 2026, is
    // not near yet).
    let at: jiff::Timestamp = "2025-11-10T04:00:00Z".parse().expect("ts");
    assert_eq!(sweep(&app, at).await.expect("sweep"), 1);
    assert_eq!(sweep(&app, at).await.expect("sweep"), 0, "once");
    let events = app
        .store
        .case_events(&Actor::local(), &id)
        .await
        .expect("events");
    let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, ["document_expiring"]);
    app.store.fan_out(at, 10).await.expect("fan out");
    let page = app.get("/notifications").await;
    assert_eq!(page.status, StatusCode::OK);
    for words in [
        "K-1 case, Manila: the medical exam expires in 10 days",
        "The medical exam recorded for this case expires in 10 days, on 2025-11-20.",
        "What it means:",
        "The medical exam is valid for at most six months",
        "apply for a new one now",
        &format!("/cases/{id}"),
        visanav_core::NOT_LEGAL_ADVICE,
    ] {
        assert!(
            page.body.contains(words),
            "{words:?} missing: {}",
            page.body
        );
    }
    for internal in [
        "document_expiring",
        "expiry-medical_exam",
        "Maria",
        "P1234567A",
    ] {
        assert!(!page.body.contains(internal), "{internal} on the page");
    }
}

/// What the loopback receiver got: path, headers, body.
type Received = std::sync::Arc<std::sync::Mutex<Vec<(String, axum::http::HeaderMap, Vec<u8>)>>>;

/// A receiver on loopback: `/gone` answers 410, everything else 200.
async fn receiver() -> (String, Received) {
    use axum::extract::{Request, State};
    let got: Received = Default::default();
    async fn keep(State(got): State<Received>, request: Request) -> StatusCode {
        let path = request.uri().path().to_string();
        let headers = request.headers().clone();
        let body = axum::body::to_bytes(request.into_body(), 1 << 20)
            .await
            .expect("body")
            .to_vec();
        got.lock()
            .expect("lock")
            .push((path.clone(), headers, body));
        if path == "/gone" {
            StatusCode::GONE
        } else {
            StatusCode::OK
        }
    }
    let app = axum::Router::new().fallback(keep).with_state(got.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}"), got)
}

/// The official Standard Webhooks library's verdict on a request, when
/// `VISANAV_TEST_WEBHOOK_VERIFIER` names a python that has it (CI's webhook step does).
fn official_verdict(secret: &str, headers: &axum::http::HeaderMap, body: &[u8]) -> Option<bool> {
    use base64::Engine;
    use std::io::Write;
    let python = std::env::var("VISANAV_TEST_WEBHOOK_VERIFIER").ok()?;
    let names = ["webhook-id", "webhook-timestamp", "webhook-signature"];
    let headers: serde_json::Map<String, serde_json::Value> = names
        .iter()
        .map(|n| {
            let v = headers
                .get(*n)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            ((*n).to_string(), serde_json::json!(v))
        })
        .collect();
    let input = serde_json::json!({
        "secret": secret,
        "headers": headers,
        "body_base64": base64::engine::general_purpose::STANDARD.encode(body),
    });
    let script =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/verify-webhook.py");
    let mut child = std::process::Command::new(python)
        .arg(script)
        .stdin(std::process::Stdio::piped())
        .spawn()
        .expect("python");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.to_string().as_bytes())
        .expect("write");
    Some(child.wait().expect("wait").success())
}

/// A change reaches the person's webhook (signed, checked by the official library), their
/// phone (ntfy) and the in-app list; an endpoint that answers 410 Gone is turned off.
#[tokio::test]
async fn the_dispatcher_signs_webhooks_pushes_to_ntfy_and_turns_off_a_gone_endpoint() {
    use visanav_server::notify::{Dispatcher, DispatcherConfig};
    let app = App::new().await;
    let (base, got) = receiver().await;
    let local = Actor::local();
    let secret = visanav_notify::WebhookSecret::generate()
        .expect("secret")
        .expose();
    let mut tx = app
        .store
        .begin(visanav_store::TxMode::Write)
        .await
        .expect("tx");
    let hook = tx
        .add_webhook_endpoint(&local, &format!("{base}/hook"), &secret, now())
        .await
        .expect("endpoint");
    let gone = tx
        .add_webhook_endpoint(&local, &format!("{base}/gone"), &secret, now())
        .await
        .expect("endpoint");
    tx.set_ntfy(&local, &base, "k1-news", Some("tk_secret"), now())
        .await
        .expect("ntfy");
    tx.commit().await.expect("commit");
    let id = a_change(&app).await;
    let dispatcher = Dispatcher::new(
        app.store.clone(),
        None,
        app.knowledge.clone(),
        visanav_server::Clock::fixed(now()),
        DispatcherConfig {
            allow_private: true,
            base_url: "https://visanav.example.org".into(),
            ..DispatcherConfig::default()
        },
    );
    let report = dispatcher.run_once().await.expect("dispatch");
    assert_eq!((report.sent, report.failed), (2, 1), "{report:?}");
    let got = got.lock().expect("lock").clone();
    let (_, headers, body) = got
        .iter()
        .find(|(p, _, _)| p == "/hook")
        .expect("the webhook");
    let json: serde_json::Value = serde_json::from_slice(body).expect("json");
    assert_eq!(json["type"], "case.status_changed");
    assert_eq!(
        json["data"]["title"],
        "K-1 case, Manila: status changed to Issued"
    );
    assert_eq!(
        json["data"]["link"],
        format!("https://visanav.example.org/cases/{id}")
    );
    let text = String::from_utf8_lossy(body);
    for private in ["SANTOS", "P1234567A", "MNL2025512345"] {
        assert!(!text.contains(private), "no personal data: {private}");
    }
    let msg_id = headers["webhook-id"].to_str().expect("id");
    assert!(
        msg_id.starts_with("msg_") && !msg_id.contains('.'),
        "{msg_id}"
    );
    assert!(
        headers["webhook-signature"]
            .to_str()
            .expect("sig")
            .starts_with("v1,")
    );
    match official_verdict(&secret, headers, body) {
        Some(ok) => {
            assert!(ok, "the official library accepts the signature");
            let mut tampered = body.clone();
            tampered[2] ^= 1;
            assert_eq!(official_verdict(&secret, headers, &tampered), Some(false));
        }
        None => eprintln!("standardwebhooks verifier skipped: set VISANAV_TEST_WEBHOOK_VERIFIER"),
    }
    let (_, push, message) = got
        .iter()
        .find(|(p, _, _)| p == "/k1-news")
        .expect("the push");
    assert_eq!(
        push["title"].to_str().ok(),
        Some("K-1 case, Manila: status changed to Issued")
    );
    assert_eq!(push["priority"].to_str().ok(), Some("4"));
    assert_eq!(
        push["click"].to_str().ok(),
        Some(format!("https://visanav.example.org/cases/{id}").as_str())
    );
    assert_eq!(
        push["authorization"].to_str().ok(),
        Some("Bearer tk_secret")
    );
    assert!(String::from_utf8_lossy(message).contains("changed from Refused to Issued"));
    // 410 Gone: that endpoint is off and its delivery dead; the other stays on.
    let targets = app
        .store
        .webhook_targets(local.account_id(), now())
        .await
        .expect("targets");
    let ids: Vec<_> = targets.iter().map(|t| t.id.clone()).collect();
    assert_eq!(ids, [hook], "{gone} was turned off");
    let dead = app.store.deliveries(Some("dead"), 10).await.expect("dead");
    assert_eq!(dead.len(), 1);
    assert!(dead[0].channel.ends_with(&gone), "{:?}", dead[0]);
    // The person sees each endpoint's delivery log.
    let page = app.get("/account/webhooks").await;
    assert!(
        page.body.contains("status changed · delivered"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("status changed · given up:"),
        "{}",
        page.body
    );
}

/// When a case's legal-help urgency rises (here: its deadline comes near as the days pass),
/// its followers are told once, in plain words with the reasons.
#[tokio::test]
async fn a_rise_in_legal_help_urgency_is_told_once() {
    let app = App::new().await;
    let id = app.add_case(EXAMPLE).await;
    let kinds = |events: Vec<visanav_store::EventRow>| {
        events
            .into_iter()
            .filter(|e| e.kind == "legal_help_recommended")
            .map(|e| e.payload)
            .collect::<Vec<_>>()
    };
    let local = Actor::local();
    assert!(kinds(app.store.case_events(&local, &id).await.expect("events")).is_empty());
    // Days before the one-year deadline: the sweep recomputes the summary as dates pass.
    let later: jiff::Timestamp = "2026-05-25T12:00:00Z".parse().expect("ts");
    app.store
        .sweep(visanav_store::Sweep::All, later)
        .await
        .expect("sweep");
    let told = kinds(app.store.case_events(&local, &id).await.expect("events"));
    assert_eq!(told.len(), 1, "told once: {told:?}");
    app.store
        .sweep(visanav_store::Sweep::All, later)
        .await
        .expect("sweep");
    assert_eq!(
        kinds(app.store.case_events(&local, &id).await.expect("events")).len(),
        1,
        "not again while it stays up"
    );
    app.store.fan_out(later, 10).await.expect("fan out");
    let page = app.get("/notifications").await;
    assert!(
        page.body
            .contains("K-1 case, Manila: time to consider an immigration attorney")
            || page
                .body
                .contains("K-1 case, Manila: talk to an immigration attorney now"),
        "{}",
        page.body
    );
    assert!(page.body.contains("Why: "), "{}", page.body);
}

/// Gathering the last needed document completes the checklist: one event, said in plain words.
#[tokio::test]
async fn the_last_gathered_document_completes_the_checklist_once() {
    use visanav_core::casefile::DocumentStatus;
    let app = App::new().await;
    let id = app.add_case(EXAMPLE).await;
    let local = Actor::local();
    let docs = app
        .store
        .get_case(&local, &id)
        .await
        .expect("get")
        .expect("case")
        .case
        .documents;
    // Two documents needed: the example's police certificate, and its relationship
    // evidence put back to "needed".
    let evidence = docs
        .iter()
        .position(|d| d.kind == "relationship_evidence")
        .expect("evidence");
    let needed_again = visanav_store::DocumentState {
        status: DocumentStatus::Needed,
        on: None,
        note: None,
    };
    app.store
        .set_document_state(
            &local,
            &id,
            evidence,
            "relationship_evidence",
            &needed_again,
            now(),
        )
        .await
        .expect("needed");
    let docs = app
        .store
        .get_case(&local, &id)
        .await
        .expect("get")
        .expect("case")
        .case
        .documents;
    let needed: Vec<(usize, String)> = docs
        .iter()
        .enumerate()
        .filter(|(_, d)| d.status == DocumentStatus::Needed)
        .map(|(i, d)| (i, d.kind.clone()))
        .collect();
    assert!(needed.len() >= 2, "{needed:?}");
    let completes = |app: &App| {
        let store = app.store.clone();
        let id = id.clone();
        async move {
            store
                .case_events(&Actor::local(), &id)
                .await
                .expect("events")
                .iter()
                .filter(|e| e.kind == "checklist_complete")
                .count()
        }
    };
    let gathered = visanav_store::DocumentState {
        status: DocumentStatus::Gathered,
        on: Some("2025-06-09".parse().expect("date")),
        note: None,
    };
    for (n, (i, kind)) in needed.iter().enumerate() {
        assert_eq!(
            completes(&app).await,
            0,
            "not before the last ({n} gathered)"
        );
        app.store
            .set_document_state(&local, &id, *i, kind, &gathered, now())
            .await
            .expect("gathered");
    }
    assert_eq!(completes(&app).await, 1);
    // Marking one gathered again adds nothing.
    let (i, kind) = &needed[0];
    app.store
        .set_document_state(&local, &id, *i, kind, &gathered, now())
        .await
        .expect("again");
    assert_eq!(completes(&app).await, 1);
    app.store.fan_out(now(), 10).await.expect("fan out");
    let page = app.get("/notifications").await;
    assert!(
        page.body
            .contains("K-1 case, Manila: your checklist is complete"),
        "{}",
        page.body
    );
}
