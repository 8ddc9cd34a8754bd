//! The CEAC bookmarklet: made on the account page (shown once, replacing the previous one),
//! posting from ceac.state.gov with its token and nothing else. A right token records the
//! reading for the owner's cases with the page's case number; a wrong, replaced or API token
//! records nothing; the bookmarklet's token opens no API endpoint; bad tokens and floods are
//! throttled.

use axum::http::{Method, StatusCode};
use visanav_store::{AccountId, Actor, CaseId, TokenScope};

use crate::assisted::{CASE, REFUSED};
use crate::harness::{App, Resp, multipart};

const CAPTCHA: &str = include_str!("../../../core/tests/fixtures/ceac/captcha-mismatch.html");

/// The result panel, as the bookmarklet sends it when CEAC shows a status.
fn panel(page: &str) -> String {
    let start = page
        .find("<div id=\"ctl00_ContentPlaceHolder1_ucApplicationStatusView_pnlStatus\"")
        .expect("panel");
    let end = page[start..].find("</div>").expect("end") + start + "</div>".len();
    page[start..end].to_string()
}

/// Makes the bookmarklet on the account page and returns its token, read from the link.
async fn make(app: &App) -> (Resp, String) {
    let r = app.post_form("/account/ceac-bookmarklet", "").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let start = r.body.find("javascript:").expect("the link");
    let link = &r.body[start..start + r.body[start..].find('"').expect("end")];
    assert!(
        !link.contains('&'),
        "nothing in the link needs HTML escaping: {link}"
    );
    let decoded = percent_decode(link);
    let at = decoded
        .find("visanav_")
        .unwrap_or_else(|| panic!("a token in the code: {decoded}"));
    let token: String = decoded[at..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
        .collect();
    (r, token)
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = std::str::from_utf8(&b[i + 1..i + 3]).expect("ascii");
            out.push(u8::from_str_radix(hex, 16).expect("hex"));
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).expect("utf-8")
}

/// What the bookmarklet posts from CEAC's page (another site, no cookie).
async fn post(app: &App, token: &str, page: &str, case: Option<&str>) -> Resp {
    let mut fields: Vec<(&str, Option<&str>, &[u8])> = vec![
        ("token", None, token.as_bytes()),
        ("page", None, page.as_bytes()),
    ];
    if let Some(c) = case {
        fields.push(("case", None, c.as_bytes()));
    }
    let (ctype, body) = multipart(&fields);
    app.post_as(
        &crate::harness::Browser::default(),
        "/ceac/bookmarklet",
        &ctype,
        body,
        &[
            ("sec-fetch-site", "cross-site"),
            ("origin", "https://ceac.state.gov"),
        ],
    )
    .await
}

async fn statuses(app: &App, id: &CaseId) -> Vec<String> {
    app.store
        .timeline(&Actor::local(), id)
        .await
        .expect("timeline")
        .into_iter()
        .map(|t| format!("{} {}", t.status, t.via))
        .collect()
}

#[tokio::test]
async fn the_bookmarklet_records_with_its_token_and_nothing_else() {
    let app = App::new().await;
    let id = app.add_case(CASE).await;
    let page = app.get("/account/ceac-bookmarklet").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Create my bookmarklet") && page.body.contains("ceac.state.gov"));
    assert!(
        app.get("/account")
            .await
            .body
            .contains("/account/ceac-bookmarklet")
    );

    let (made, token) = make(&app).await;
    assert_eq!(made.headers["cache-control"], "no-store");
    assert!(made.body.contains("shows it only this once"));
    assert!(
        made.body.contains("http://127.0.0.1:8080/ceac/bookmarklet"),
        "posts back to where the person reached visanav"
    );

    // From CEAC's page, cross-site, no cookie: the panel is recorded as an assisted reading.
    let r = post(&app, &token, &panel(REFUSED), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("CEAC says: Refused"));
    assert!(r.body.contains(&format!("/cases/{id}")));
    assert_eq!(r.headers["cache-control"], "no-store");
    assert_eq!(statuses(&app, &id).await, ["Refused assisted"]);

    // A wrong token, or an API token, records nothing.
    for wrong in [
        "",
        "visanav_not-a-token",
        &app.token_for(&AccountId::local(), TokenScope::ReadWrite, true)
            .await,
    ] {
        let r = post(&app, wrong, &panel(REFUSED), None).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{wrong:?}");
        assert!(r.body.contains("no longer works"));
    }
    // The bookmarklet's token opens no API endpoint, reading or writing.
    let api = app
        .api(Method::GET, "/api/v1/cases", Some(&token), None, &[])
        .await;
    assert_eq!(api.status, StatusCode::UNAUTHORIZED);
    let api = app
        .post(
            &format!("/api/v1/cases/{id}/ceac-result"),
            "text/html",
            REFUSED.as_bytes().to_vec(),
            &[("authorization", &format!("Bearer {token}"))],
        )
        .await;
    assert_eq!(api.status, StatusCode::UNAUTHORIZED);

    // Made anew: the old one stops, the new one works.
    let (_, fresh) = make(&app).await;
    assert_ne!(fresh, token);
    let old = post(&app, &token, &panel(REFUSED), None).await;
    assert_eq!(old.status, StatusCode::UNAUTHORIZED);
    let issued = REFUSED
        .replace("lblStatus\">Refused<", "lblStatus\">Issued<")
        .replace(">15-Jul-2025<", ">02-Aug-2025<");
    let r = post(&app, &fresh, &panel(&issued), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("the status changed from Refused to Issued"));
    assert_eq!(
        statuses(&app, &id).await,
        ["Refused assisted", "Issued assisted"]
    );
    let live: Vec<_> = app
        .store
        .list_api_tokens(&AccountId::local())
        .await
        .expect("tokens")
        .into_iter()
        .filter(|t| t.scope == TokenScope::CeacSubmit && t.revoked_ms.is_none())
        .collect();
    assert_eq!(live.len(), 1, "one live bookmarklet");

    // A page about a number none of the cases has, or with no status: nothing recorded.
    let elsewhere = post(
        &app,
        &fresh,
        &panel(&REFUSED.replace("MNL2025512345", "MNL2025000777")),
        None,
    )
    .await;
    assert_eq!(elsewhere.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(elsewhere.body.contains("MNL2025000777"));
    let captcha = post(&app, &fresh, CAPTCHA, None).await;
    assert_eq!(captcha.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(captcha.body.contains("Nothing was recorded"));
    // Naming the case works too; naming another person's case finds nothing.
    let named = post(&app, &fresh, &panel(&issued), Some(id.as_str())).await;
    assert_eq!(named.status, StatusCode::OK);
    assert!(named.body.contains("nothing new"));
    assert_eq!(statuses(&app, &id).await.len(), 2);
}

#[tokio::test]
async fn a_page_is_recorded_for_every_case_with_its_number_and_floods_are_throttled() {
    let app = App::new().await;
    let principal = app.add_case(CASE).await;
    let child = app.add_case(&CASE.replace("K-1", "K-2")).await;
    let (_, token) = make(&app).await;
    let r = post(&app, &token, &panel(REFUSED), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    for id in [&principal, &child] {
        assert_eq!(statuses(&app, id).await, ["Refused assisted"], "{id}");
        assert!(r.body.contains(&format!("/cases/{id}")));
    }
    // The per-account limit: ten pages in a quarter of an hour (one was sent above).
    let mut codes = Vec::new();
    for _ in 0..10 {
        codes.push(post(&app, &token, &panel(REFUSED), None).await.status);
    }
    assert_eq!(codes.iter().filter(|c| **c == StatusCode::OK).count(), 9);
    assert_eq!(codes.last(), Some(&StatusCode::TOO_MANY_REQUESTS));
}

#[tokio::test]
async fn wrong_tokens_are_throttled_per_address() {
    let app = App::new().await;
    let mut last = StatusCode::OK;
    for i in 0..11 {
        last = post(&app, &format!("visanav_guess{i}"), &panel(REFUSED), None)
            .await
            .status;
    }
    assert_eq!(last, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn a_firm_members_bookmarklet_needs_the_second_factor_it_was_made_with() {
    let app = App::new().await;
    let mut tx = app
        .store
        .begin(visanav_store::TxMode::Write)
        .await
        .expect("begin");
    let atty = tx
        .create_account(
            "atty@firm.example",
            None,
            visanav_store::AccountKind::Person,
            crate::harness::now(),
        )
        .await
        .expect("account");
    tx.create_firm("Reyes Law", &atty, crate::harness::now())
        .await
        .expect("firm");
    tx.commit().await.expect("commit");
    let without = app.token_for(&atty, TokenScope::CeacSubmit, false).await;
    let r = post(&app, &without, &panel(REFUSED), None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.body.contains("second factor"), "{}", r.body);
    let with = app.token_for(&atty, TokenScope::CeacSubmit, true).await;
    let r = post(&app, &with, &panel(REFUSED), None).await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "accepted, but no case of theirs"
    );
    assert!(r.body.contains("None of your cases"));
}
