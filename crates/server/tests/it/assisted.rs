//! Assisted CEAC checks: a result page the person got in their own browser, handed to visanav
//! through the API, the case page's form or the bookmarklet. A page about the case with a known
//! status is a reading (recorded once; a new date or status is one change event); CEAC's own
//! answers without a status are kept as attempts and change no status; anything else, or
//! another case's page, records nothing. The bookmarklet's token does only this.

use axum::http::{Method, StatusCode};
use serde_json::json;
use visanav_store::{AccountId, AccountKind, Actor, CaseId, TokenScope, TxMode};

use crate::harness::{App, Browser, Resp, multipart, now};

pub const REFUSED: &str = include_str!("../../../core/tests/fixtures/ceac/iv-refused.html");
const CAPTCHA: &str = include_str!("../../../core/tests/fixtures/ceac/captcha-mismatch.html");
const CLOUDFLARE: &str = include_str!("../../../core/tests/fixtures/ceac/cloudflare-block.html");
const FORM_ONLY: &str = include_str!("../../../core/tests/fixtures/ceac/form-only.html");
const COPIED: &str = include_str!("../../../core/tests/fixtures/ceac/copied-refused.txt");

/// A K-1 case with its CEAC case number and no status history yet.
pub const CASE: &str = "visa = \"K-1\"\npost = \"MNL\"\nceac_case_number = \"MNL2025512345\"\n\
    passport_number = \"P1234567A\"\nsurname = \"SANTOS\"\n";

/// The refused fixture, last updated on another day.
fn updated_on(day: &str) -> String {
    REFUSED.replace(">15-Jul-2025<", &format!(">{day}<"))
}

/// The refused fixture turned into an "Issued" answer.
fn issued() -> String {
    REFUSED
        .replace(
            "ucApplicationStatusView_lblStatus\">Refused<",
            "ucApplicationStatusView_lblStatus\">Issued<",
        )
        .replace(">15-Jul-2025<", ">02-Aug-2025<")
}

async fn post_page(app: &App, id: &CaseId, token: &str, ctype: &str, page: &str) -> Resp {
    app.post(
        &format!("/api/v1/cases/{id}/ceac-result"),
        ctype,
        page.as_bytes().to_vec(),
        &[("authorization", &format!("Bearer {token}"))],
    )
    .await
}

fn problem(r: &Resp, code: &str) -> serde_json::Value {
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.content_type(), "application/problem+json");
    let v = r.json();
    assert_eq!(v["status"], 422);
    assert_eq!(v["ok"], false);
    assert_eq!(v["error"], code, "{v}");
    assert!(v["detail"].as_str().is_some_and(|d| !d.is_empty()));
    v
}

async fn event_kinds(app: &App, id: &CaseId) -> Vec<String> {
    app.store
        .case_events(&Actor::local(), id)
        .await
        .expect("events")
        .into_iter()
        .map(|e| e.kind)
        .collect()
}

async fn readings(app: &App, id: &CaseId) -> Vec<(String, Option<String>, String)> {
    app.store
        .timeline(&Actor::local(), id)
        .await
        .expect("timeline")
        .into_iter()
        .map(|t| (t.status, t.last_updated, t.via))
        .collect()
}

async fn attempts(app: &App, id: &CaseId) -> usize {
    app.store
        .attempts(&Actor::local(), id, 100)
        .await
        .expect("attempts")
        .len()
}

async fn account(app: &App, email: &str) -> AccountId {
    let mut tx = app.store.begin(TxMode::Write).await.expect("begin");
    let id = tx
        .create_account(email, None, AccountKind::Person, now())
        .await
        .expect("account");
    tx.commit().await.expect("commit");
    id
}

#[tokio::test]
async fn pages_sent_through_the_api_are_readings_once_and_changes_once() {
    api_story(App::new().await).await;
}

#[tokio::test]
async fn the_same_on_postgresql() {
    if let Some(app) = App::on_postgres().await {
        api_story(app).await;
    }
}

async fn api_story(app: App) {
    let id = app.add_case(CASE).await;
    let token = app
        .token_for(&AccountId::local(), TokenScope::ReadWrite, true)
        .await;

    // The first page is the baseline: recorded, no change.
    let first = post_page(&app, &id, &token, "text/html", REFUSED).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    let v = first.json();
    assert_eq!(
        (&v["source"], &v["via"], &v["ok"]),
        (&json!("ceac"), &json!("assisted"), &json!(true))
    );
    assert_eq!(v["status"], "Refused");
    assert_eq!(v["status_slug"], "ceac-refused");
    assert_eq!(v["case_created"], "2025-03-03");
    assert_eq!(v["last_updated"], "2025-07-15");
    assert!(v["message"].as_str().is_some_and(|m| m.contains("refused")));
    assert!(v["meaning"].as_str().is_some_and(|m| !m.is_empty()));
    assert_eq!(
        (&v["changed"], &v["stored_reading"]),
        (&json!(false), &json!(true))
    );
    assert!(v["attempt_id"].is_string());
    assert_eq!(
        readings(&app, &id).await,
        [(
            "Refused".into(),
            Some("2025-07-15".into()),
            "assisted".into()
        )]
    );

    // The same page again says nothing new: no reading added, no event.
    let again = post_page(&app, &id, &token, "text/html", REFUSED)
        .await
        .json();
    assert_eq!(
        (&again["changed"], &again["stored_reading"]),
        (&json!(false), &json!(false))
    );
    assert_eq!(readings(&app, &id).await.len(), 1);
    assert!(event_kinds(&app, &id).await.is_empty());

    // A new "last updated" date with the same status: one change, one event.
    let touched = post_page(&app, &id, &token, "text/html", &updated_on("20-Jul-2025")).await;
    let t = touched.json();
    assert_eq!(t["changed"], true, "{t}");
    assert_eq!(t["change"]["kind"], "last_updated_changed");
    assert_eq!(t["change"]["to"], "2025-07-20");
    assert_eq!(event_kinds(&app, &id).await, ["last_updated_changed"]);
    let again = post_page(&app, &id, &token, "text/html", &updated_on("20-Jul-2025")).await;
    assert_eq!(again.json()["changed"], false);
    assert_eq!(
        event_kinds(&app, &id).await.len(),
        1,
        "the same page twice: one event"
    );

    // Issued, sent as JSON: a status change.
    let moved = app
        .api(
            Method::POST,
            &format!("/api/v1/cases/{id}/ceac-result"),
            Some(&token),
            Some(&json!({ "page": issued() })),
            &[],
        )
        .await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.body);
    let m = moved.json();
    assert_eq!(
        m["change"],
        json!({"kind": "status_changed", "from": "Refused", "to": "Issued"})
    );
    assert_eq!(
        event_kinds(&app, &id).await,
        ["last_updated_changed", "status_changed"]
    );

    // CEAC's own answers without a status: kept as checks, never a status, never an event.
    let before = readings(&app, &id).await;
    let tried = attempts(&app, &id).await;
    let captcha = problem(
        &post_page(&app, &id, &token, "text/html", CAPTCHA).await,
        "captcha_mismatch",
    );
    assert!(captcha["attempt_id"].is_string(), "kept: {captcha}");
    let blocked = problem(
        &post_page(&app, &id, &token, "text/html", CLOUDFLARE).await,
        "blocked",
    );
    assert!(blocked["attempt_id"].is_string());
    assert_eq!(
        app.store
            .provider_blocked_until(visanav_core::monitor::CheckSource::Ceac, now())
            .await
            .expect("state"),
        None,
        "the person's browser was blocked, not visanav's checks"
    );
    assert_eq!(attempts(&app, &id).await, tried + 2);
    // Not a result, or another case's: nothing recorded at all.
    let form = problem(
        &post_page(&app, &id, &token, "text/html", FORM_ONLY).await,
        "unparseable",
    );
    assert!(form["attempt_id"].is_null());
    assert!(
        form["detail"]
            .as_str()
            .is_some_and(|d| d.contains("Submit"))
    );
    let other = REFUSED.replace("MNL2025512345", "MNL2025000777");
    let v = problem(
        &post_page(&app, &id, &token, "text/html", &other).await,
        "invalid_id",
    );
    let detail = v["detail"].as_str().unwrap_or_default();
    assert!(
        detail.contains("MNL2025000777") && detail.contains("MNL2025512345"),
        "{detail}"
    );
    assert!(v["attempt_id"].is_null());
    assert_eq!(attempts(&app, &id).await, tried + 2, "nothing recorded");
    assert_eq!(
        readings(&app, &id).await,
        before,
        "no status added by any of these"
    );
    assert_eq!(event_kinds(&app, &id).await.len(), 2);

    // The copied text reads like the page: back to Refused (a change, from Issued).
    let copied = post_page(&app, &id, &token, "text/plain; charset=utf-8", COPIED).await;
    assert_eq!(copied.status, StatusCode::OK, "{}", copied.body);
    assert_eq!(copied.json()["change"]["kind"], "status_changed");

    // The body's kind and size are checked.
    let r = post_page(&app, &id, &token, "application/pdf", REFUSED).await;
    assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let r = post_page(&app, &id, &token, "text/plain", "  ").await;
    assert!(problem(&r, "unparseable")["attempt_id"].is_null());
    let huge = format!("{REFUSED}{}", " ".repeat(1024 * 1024 + 10));
    let r = post_page(&app, &id, &token, "text/html", &huge).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/cases/{id}/ceac-result"),
            Some(&token),
            Some(&json!({ "page": REFUSED, "extra": 1 })),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);

    // Who may: a read-only token may not; a stranger's token finds no case.
    let read = app
        .token_for(&AccountId::local(), TokenScope::Read, true)
        .await;
    let r = post_page(&app, &id, &read, "text/html", REFUSED).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let eve = account(&app, "eve@example.org").await;
    let theirs = app.token_for(&eve, TokenScope::ReadWrite, true).await;
    let r = post_page(&app, &id, &theirs, "text/html", REFUSED).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.content_type(), "application/problem+json");
    assert_eq!(event_kinds(&app, &id).await.len(), 3);
}

#[tokio::test]
async fn the_case_page_form_reads_a_pasted_or_saved_page_with_its_csrf_token() {
    let app = App::new().await;
    let id = app.add_case(CASE).await;
    let case = app.get(&format!("/cases/{id}")).await;
    assert!(case.body.contains("I checked CEAC myself"));
    assert!(
        case.body
            .contains(&format!("action=\"/cases/{id}/ceac-result\""))
    );
    let path = format!("/cases/{id}/ceac-result");
    let send = |who: &Browser, fields: Vec<(&'static str, Option<&'static str>, Vec<u8>)>| {
        let who = who.clone();
        let path = path.clone();
        let app = &app;
        async move {
            let parts: Vec<(&str, Option<&str>, &[u8])> = fields
                .iter()
                .map(|(n, f, b)| (*n, *f, b.as_slice()))
                .collect();
            let (ctype, body) = multipart(&parts);
            app.post_as(
                &who,
                &path,
                &ctype,
                body,
                &[("sec-fetch-site", "same-origin")],
            )
            .await
        }
    };
    let csrf = app.me.csrf.clone().into_bytes();

    // Pasted text: shows what was read and what it means, and records it.
    let r = send(
        &app.me,
        vec![
            ("csrf", None, csrf.clone()),
            ("page", None, COPIED.as_bytes().to_vec()),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("CEAC says: Refused"));
    assert!(r.body.contains("15 July 2025"));
    assert!(r.body.contains("/statuses/ceac-refused"));
    assert!(
        r.body.contains("recorded in the case&#39;s status history")
            || r.body.contains("recorded in the case's status history")
    );
    assert!(
        r.body.contains(&format!("href=\"/cases/{id}\"")),
        "back to the case"
    );
    assert_eq!(readings(&app, &id).await.len(), 1);

    // A saved page as a file, a day later on CEAC: the change is said.
    let r = send(
        &app.me,
        vec![
            ("csrf", None, csrf.clone()),
            ("page", None, Vec::new()),
            (
                "file",
                Some("Status.html"),
                updated_on("21-Jul-2025").into_bytes(),
            ),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(
        r.body.contains("CEAC updated the case on 2025-07-21"),
        "{}",
        r.body
    );
    assert_eq!(event_kinds(&app, &id).await, ["last_updated_changed"]);

    // A captcha error: said plainly, kept as a check, no status.
    let r = send(
        &app.me,
        vec![
            ("csrf", None, csrf.clone()),
            ("page", None, CAPTCHA.as_bytes().to_vec()),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("No status was recorded") && r.body.contains("captcha"));
    assert!(r.body.contains("showed no status"));

    // Without the session's token, or from another site: refused, nothing recorded.
    let r = send(
        &app.me,
        vec![
            ("csrf", None, b"forged".to_vec()),
            ("page", None, issued().into_bytes()),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let (ctype, body) = multipart(&[("csrf", None, &csrf), ("page", None, issued().as_bytes())]);
    let r = app
        .post(&path, &ctype, body, &[("sec-fetch-site", "cross-site")])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(readings(&app, &id).await.len(), 2);
    // Typing a status by hand still works as before.
    let typed = app
        .post_form(
            &format!("/cases/{id}/status"),
            "status=Issued&on=2025-06-09",
        )
        .await;
    assert_eq!(typed.status, StatusCode::SEE_OTHER, "{}", typed.body);
}
