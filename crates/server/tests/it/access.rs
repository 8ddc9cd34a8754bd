//! The access rule, seen from outside: walk every route of the server (the router is built
//! from the same list, so a route added later is walked too) and show that another signed-in
//! person gets 404 for someone else's case on every case route and method, never 403 and
//! never 200; that sharing opens it and revoking closes it on the very next request.

use axum::http::{Method, StatusCode};
use visanav_server::{Audience, routes};
use visanav_store::{AccountKind, Actor, TxMode};

use crate::harness::{App, Browser, EXAMPLE, now};

const NOTICE: &str = "U.S. Embassy Manila\nCase Number: MNL2025512345\nDate: 2025-06-02\n\
    Your visa application is refused under Section 221(g).\nPlease submit:\n\
    [X] Police certificate (NBI clearance)\n";

/// Every way of naming the case in a path.
fn names(id: &visanav_store::CaseId) -> Vec<String> {
    vec![
        id.to_string(),
        id.short().to_string(),
        "MNL2025512345".to_string(),
    ]
}

async fn request(app: &App, who: &Browser, method: &Method, path: &str, draft: &str) -> StatusCode {
    if method == Method::GET {
        app.get_as(who, path).await.status
    } else if path.starts_with("/api/") {
        // A body the route would accept from the owner: the answer must still be 404.
        let body = serde_json::json!({"visa": "K-1", "post": "MNL", "on": "2025-06-02",
            "status": "Refused", "text": NOTICE, "kind": "police_certificate"});
        app.api_as(who, method.clone(), path, Some(&body))
            .await
            .status
    } else {
        let body =
            format!("draft={draft}&refused_on=2025-06-02&episode=same&doc=police_certificate");
        app.post_form_as(who, path, &body).await.status
    }
}

/// The owner's things a route can name besides the case: a saved notice, a captcha challenge
/// of a status check, a check whose answer is kept.
struct Named {
    notice: String,
    challenge: String,
    attempt: String,
}

/// A route's path with its case and its other parameters filled in.
fn fill(path: &str, case: &str, named: &Named) -> String {
    path.replace("{id}", case)
        .replace("{notice}", &named.notice)
        .replace("{challenge}", &named.challenge)
        .replace("{attempt}", &named.attempt)
        .replace("{index}", "0")
        .replace("{section}", "details")
}

/// A check with its answer kept, and a captcha challenge waiting for its code, both the
/// owner's. The challenge holds what `Checker::start_ceac` keeps (a `Pending`, as JSON): an
/// empty cookie jar and form, and a picture.
async fn checks_of(app: &App, id: &visanav_store::CaseId) -> (String, String) {
    use visanav_core::monitor::{CheckError, CheckSource, ObservationVia, Schedule};
    let owner = Actor::local();
    let record = visanav_store::CheckRecord {
        source: CheckSource::Ceac,
        via: ObservationVia::Direct,
        started: now(),
        duration_ms: 1,
        outcome: Err(CheckError::NotFound),
        detail: None,
        raw: Some("<html>no case</html>".into()),
        keep_raw_until: now() + jiff::SignedDuration::from_hours(1),
    };
    let attempt = app
        .store
        .record_check(
            visanav_store::CheckBy::Person(&owner),
            id,
            &record,
            &Schedule::default(),
            0.0,
            now(),
        )
        .await
        .expect("record")
        .attempt_id;
    let png: Vec<u8> = b"\x89PNG\r\n\x1a\n".to_vec();
    let pending = serde_json::json!({"challenge": {"kind": "IV", "jar": {"cookies": []},
        "hidden": [], "captcha_image": png}});
    let challenge = app
        .store
        .save_challenge(
            &owner,
            id,
            pending.to_string().as_bytes(),
            now() + jiff::SignedDuration::from_mins(5),
        )
        .await
        .expect("challenge");
    (challenge, attempt)
}

/// Every case route and method, as `who`, naming the case every way: all must be 404.
async fn all_case_routes_are_404(
    app: &App,
    who: &Browser,
    id: &visanav_store::CaseId,
    draft: &str,
    named: &Named,
) {
    let mut checked = 0;
    for r in routes().iter().filter(|r| r.audience == Audience::Case) {
        for name in names(id) {
            let path = fill(r.path, &name, named);
            for m in r.methods {
                let status = request(app, who, m, &path, draft).await;
                assert_eq!(status, StatusCode::NOT_FOUND, "{m} {path}");
                checked += 1;
            }
        }
    }
    assert!(checked >= 12, "sanity: {checked} requests");
}

#[tokio::test]
async fn every_route_is_classified_and_case_routes_name_the_case() {
    for r in routes() {
        assert_eq!(
            r.path.contains("{id}"),
            r.audience == Audience::Case,
            "{}: a route naming a case must be a case route, and only those",
            r.path
        );
        assert!(!r.methods.is_empty(), "{}", r.path);
    }
}

#[tokio::test]
async fn another_person_gets_404_on_every_case_route_until_shared_and_after_revoked() {
    access_story(App::new().await).await;
}

#[tokio::test]
async fn the_same_on_postgresql() {
    if let Some(app) = App::on_postgres().await {
        access_story(app).await;
    }
}

async fn access_story(app: App) {
    let id = app.add_case(EXAMPLE).await;
    // The owner saves a notice and leaves a second one as a draft: files the other must not reach.
    let preview = app.read_notice(&id, NOTICE).await;
    let saved = app
        .post_form(
            &format!("/cases/{id}/notice/apply"),
            &format!(
                "draft={}&refused_on=2025-06-02&episode=same&doc=police_certificate",
                preview.input("draft")
            ),
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let pending = app
        .read_notice(&id, &NOTICE.replace("2025-06-02", "2025-06-03"))
        .await;
    let draft = pending.input("draft");
    let notice = app
        .store
        .list_notices(&Actor::local(), &id)
        .await
        .expect("notices")[0]
        .id
        .clone();

    let (challenge, attempt) = checks_of(&app, &id).await;
    let named = Named {
        notice,
        challenge,
        attempt,
    };

    let mut tx = app.store.begin(TxMode::Write).await.expect("begin");
    let ben = tx
        .create_account("ben@example.org", None, AccountKind::Person, now())
        .await
        .expect("account");
    tx.commit().await.expect("commit");
    let ben_browser = app.browser(&ben, true).await;

    // The owner reaches every GET case route (the other placeholders filled with real values).
    for r in routes()
        .iter()
        .filter(|r| r.audience == Audience::Case && r.methods.contains(&Method::GET))
    {
        let path = fill(r.path, id.as_str(), &named);
        assert_eq!(app.get(&path).await.status, StatusCode::OK, "owner: {path}");
    }
    all_case_routes_are_404(&app, &ben_browser, &id, &draft, &named).await;
    // Not signed in at all: pages send to sign-in, the API says 401; neither shows the case.
    let nobody = Browser::default();
    assert_eq!(
        app.get_as(&nobody, &format!("/cases/{id}")).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        app.get_as(&nobody, &format!("/api/v1/cases/{id}"))
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );

    // Shared with Ben as a co-applicant: he sees it.
    let owner = Actor::local();
    let mut tx = app.store.begin(TxMode::Write).await.expect("begin");
    let share = tx
        .offer_share(&owner, &id, None, now())
        .await
        .expect("offer");
    tx.answer_share(&Actor::account(ben.clone()), &share, true, now())
        .await
        .expect("accept");
    tx.commit().await.expect("commit");
    assert_eq!(
        app.get_as(&ben_browser, &format!("/cases/{id}"))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        app.get_as(&ben_browser, &format!("/api/v1/cases/{id}"))
            .await
            .status,
        StatusCode::OK
    );
    let list = app.get_as(&ben_browser, "/api/v1/cases").await.json();
    assert_eq!(list["cases"].as_array().map(Vec::len), Some(1));

    // Revoked: the very next request is a 404 again, on every route.
    let mut tx = app.store.begin(TxMode::Write).await.expect("begin");
    tx.revoke_share(&owner, &id, &share, now())
        .await
        .expect("revoke");
    tx.commit().await.expect("commit");
    all_case_routes_are_404(&app, &ben_browser, &id, &draft, &named).await;
    let list = app.get_as(&ben_browser, "/api/v1/cases").await.json();
    assert_eq!(list["cases"].as_array().map(Vec::len), Some(0));
    // And the owner's draft is still the owner's.
    assert!(
        app.post_form(
            &format!("/cases/{id}/notice/apply"),
            &format!("draft={draft}&refused_on=2025-06-03&episode=same&doc=police_certificate"),
        )
        .await
        .status
        .is_redirection()
    );
}

#[tokio::test]
async fn a_firm_member_without_a_second_factor_is_sent_to_give_it() {
    let app = App::new().await;
    let id = app.add_case(EXAMPLE).await;
    let mut tx = app.store.begin(TxMode::Write).await.expect("begin");
    let atty = tx
        .create_account("atty@firm.example", None, AccountKind::Person, now())
        .await
        .expect("account");
    let firm = tx
        .create_firm("Reyes Law", &atty, now())
        .await
        .expect("firm");
    let share = tx
        .offer_share(&Actor::local(), &id, Some(&firm), now())
        .await
        .expect("offer");
    tx.answer_share(&Actor::account(atty.clone()), &share, true, now())
        .await
        .expect("accept");
    tx.commit().await.expect("commit");
    let first_factor_only = app.browser(&atty, false).await;
    let page = app
        .get_as(&first_factor_only, &format!("/cases/{id}"))
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.headers["location"], "/sign-in/code");
    let api = app
        .get_as(&first_factor_only, &format!("/api/v1/cases/{id}"))
        .await;
    assert_eq!(api.status, StatusCode::UNAUTHORIZED);
    let full = app.browser(&atty, true).await;
    assert_eq!(
        app.get_as(&full, &format!("/cases/{id}")).await.status,
        StatusCode::OK
    );
}
