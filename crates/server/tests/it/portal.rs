//! The applicant's case in the browser: the case page answers "what should I do today?",
//! the 221(g) checklist moves along, every part of the case can be edited with the import's
//! validation, an edit that would remove something asks first, and saved letters can be seen
//! again.

use axum::http::StatusCode;

use crate::harness::{App, EXAMPLE, enc};

const NOTICE: &str = "U.S. Embassy Manila\nCase Number: MNL2025512345\nDate: 2025-06-02\n\
    Your visa application is refused under Section 221(g).\nPlease submit:\n\
    [X] Police certificate (NBI clearance)\n";

fn location(r: &crate::harness::Resp) -> &str {
    r.headers
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

#[tokio::test]
async fn the_case_page_answers_what_to_do_today_and_lists_everything() {
    let app = App::new().await;
    let id = app.add_case(EXAMPLE).await;
    let page = app.get(&format!("/cases/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    let body = &page.body;
    let today = body.find("What should I do today?").expect("the question");
    // The answer comes before everything else on the page, and it names a date.
    let answer = &body[today..body.find("id=\"status-h\"").expect("status section")];
    assert!(answer.contains("2026-06-02"), "{answer}");
    for part in [
        "Your 221(g) checklist",
        "Police certificate",
        "1 of 2 ready",
        "Printable checklist",
        "Deadlines",
        "Next steps",
        "Do you need a lawyer?",
        "Documents",
        "Medical exam",
        "Refusal letters",
        "Status history",
        "Refused",
        "<details class=\"source\">",
    ] {
        assert!(body.contains(part), "missing {part:?}");
    }
    // No internal rule ids or developer words.
    let ids = app.knowledge.rules.iter().map(|r| r.id.as_str());
    for internal in ids.chain(["221g_reconsideration", "SQLite"]) {
        assert!(!body.contains(internal), "shows {internal:?}");
    }
}

#[tokio::test]
async fn a_checklist_item_moves_along_with_a_date_and_a_note() {
    let app = App::new().await;
    let id = app.add_case(EXAMPLE).await;
    let item = format!("/cases/{id}/checklist/0");
    let sent = app
        .post_form(
            &item,
            &format!(
                "kind=police_certificate&status=submitted&on=2025-06-09&note={}",
                enc("Courier 2GO, tracking 8841 <b>")
            ),
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    assert_eq!(location(&sent), format!("/cases/{id}#item-0"));
    let page = app.get(&format!("/cases/{id}")).await.body;
    assert!(page.contains("Submitted on 2025-06-09"), "{page}");
    assert!(page.contains("Courier 2GO, tracking 8841 &#60;b&#62;"));
    assert!(page.contains("2 of 2 ready"));

    // With htmx the answer is the item alone, as it now stands.
    let quick = app
        .post(
            &item,
            "application/x-www-form-urlencoded",
            format!(
                "kind=police_certificate&status=gathered&on=&note=&csrf={}",
                app.me.csrf
            )
            .into_bytes(),
            &[("sec-fetch-site", "same-origin"), ("hx-request", "true")],
        )
        .await;
    assert_eq!(quick.status, StatusCode::OK, "{}", quick.body);
    assert!(
        quick.body.starts_with("<li id=\"item-0\""),
        "{}",
        quick.body
    );
    assert!(!quick.body.contains("<html"));
    // An empty date means today (the harness's clock: 2025-06-10 in Manila).
    assert!(
        quick.body.contains("Gathered on 2025-06-10"),
        "{}",
        quick.body
    );

    // A date in the future is refused with the reason; nothing changes.
    let future = app
        .post_form(
            &item,
            "kind=police_certificate&status=submitted&on=2030-01-01",
        )
        .await;
    assert_eq!(future.status, StatusCode::BAD_REQUEST);
    assert!(future.body.contains("in the future"), "{}", future.body);
    // A form for a list that changed meanwhile is refused, not applied to another document.
    let stale = app
        .post_form(&item, "kind=passport&status=submitted&on=2025-06-09")
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    assert!(stale.body.contains("reload the page"), "{}", stale.body);

    let print = app.get(&format!("/cases/{id}/checklist")).await;
    assert_eq!(print.status, StatusCode::OK);
    assert!(print.body.contains("221(g) checklist"));
    assert!(print.body.contains("Police certificate"));
    assert!(print.body.contains("MNL2025512345"));
}

#[tokio::test]
async fn edits_are_validated_like_an_import_and_removals_ask_first() {
    let app = App::new().await;
    let id = app.add_case(EXAMPLE).await;
    let form = app.get(&format!("/cases/{id}/edit/details")).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(
        form.body.contains("value=\"2025-06-02\""),
        "interview date filled in"
    );
    let details = |extra: &str| {
        format!(
            "visa=K-1&post=MNL&ceac_case_number=MNL2025512345&ds160_id=AA00B7QPGN\
             &uscis_receipt=IOE0912345678&passport_number=P1234567A&surname=SANTOS\
             &petition_approved_on=2025-03-14{extra}"
        )
    };
    // A bad case number: the import's message, next to the field, and nothing saved.
    let bad = app
        .post_form(
            &format!("/cases/{id}/edit/details"),
            &details("&interview_on=2025-06-02").replace("MNL2025512345", "MNL12"),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("aria-invalid=\"true\""), "{}", bad.body);
    assert!(bad.body.contains("href=\"#f-ceac_case_number\""));
    assert!(
        bad.body.contains("value=\"MNL12\""),
        "what was typed is kept"
    );

    // Clearing the interview date removes it: the page asks first.
    let path = format!("/cases/{id}/edit/details");
    let ask = app.post_form(&path, &details("&interview_on=")).await;
    assert_eq!(ask.status, StatusCode::OK);
    assert!(ask.body.contains("Saving this removes"), "{}", ask.body);
    assert!(ask.body.contains("Interview date"));
    let stored = app
        .store
        .get_case(&visanav_store::Actor::local(), &id)
        .await;
    assert!(
        stored
            .expect("get")
            .expect("case")
            .case
            .interview_on
            .is_some()
    );
    let yes = app
        .post_form(&path, &details("&interview_on=&confirm=yes"))
        .await;
    assert_eq!(yes.status, StatusCode::SEE_OTHER, "{}", yes.body);
    let c = app
        .store
        .get_case(&visanav_store::Actor::local(), &id)
        .await
        .expect("get")
        .expect("case")
        .case;
    assert_eq!(c.interview_on, None);
    assert!(
        app.get(&format!("/cases/{id}?saved=details"))
            .await
            .body
            .contains("Your changes are saved.")
    );

    // Documents: add one; removing one asks first.
    let docs = format!("/cases/{id}/edit/documents");
    let page = app.get(&docs).await.body;
    assert!(
        page.contains("name=\"documents[4].kind\""),
        "a row to add one"
    );
    let keep = "documents[0].kind=police_certificate&documents[0].status=needed\
        &documents[1].kind=relationship_evidence&documents[1].status=gathered\
        &documents[2].kind=medical_exam&documents[2].country=PH&documents[2].issued_on=2025-05-20&documents[2].status=submitted\
        &documents[3].kind=passport&documents[3].country=PH&documents[3].issued_on=2021-08-01&documents[3].expires_on=2031-07-31&documents[3].status=submitted";
    let added = app
        .post_form(
            &docs,
            &format!("{keep}&documents[4].kind=birth_certificate&documents[4].status=needed"),
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    let removing = format!(
        "{keep}&documents[4].kind=birth_certificate&documents[4].status=needed&documents[1].remove=yes"
    );
    let ask = app.post_form(&docs, &removing).await;
    assert!(ask.body.contains("Saving this removes"), "{}", ask.body);
    assert!(
        ask.body.contains("Evidence of your relationship") || ask.body.contains("relationship")
    );
    let done = app
        .post_form(&docs, &format!("{removing}&confirm=yes"))
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let kinds: Vec<String> = app
        .store
        .get_case(&visanav_store::Actor::local(), &id)
        .await
        .expect("get")
        .expect("case")
        .case
        .documents
        .into_iter()
        .map(|d| d.kind)
        .collect();
    assert_eq!(
        kinds,
        [
            "police_certificate",
            "medical_exam",
            "passport",
            "birth_certificate"
        ]
    );
    assert_eq!(
        app.get(&format!("/cases/{id}/edit/nonsense")).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_status_is_added_and_saved_letters_can_be_seen_again() {
    let app = App::new().await;
    let id = app.add_case(EXAMPLE).await;
    let added = app
        .post_form(
            &format!("/cases/{id}/status"),
            "status=administrative+processing&on=2025-06-09&last_updated=2025-06-08",
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    let page = app.get(&format!("/cases/{id}?saved=status")).await.body;
    assert!(page.contains("The status is added."));
    assert!(
        page.contains("Administrative Processing</a></strong> on CEAC since 2025-06-09"),
        "{page}"
    );
    let unknown = app
        .post_form(
            &format!("/cases/{id}/status"),
            "status=Approved-ish&on=2025-06-09",
        )
        .await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    assert!(unknown.body.contains("Status:"), "{}", unknown.body);

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
    let page = app.get(&format!("/cases/{id}")).await.body;
    let start = page.find("/notices/").expect("a link to the saved letter");
    let notice_id: String = page[start + 9..]
        .chars()
        .take_while(|c| *c != '"')
        .collect();
    let view = app.get(&format!("/cases/{id}/notices/{notice_id}")).await;
    assert_eq!(view.status, StatusCode::OK);
    assert!(view.body.contains("Police certificate"));
    assert!(view.body.contains("Please submit:"), "the letter's text");
    let file = app
        .get(&format!("/cases/{id}/notices/{notice_id}/original"))
        .await;
    assert_eq!(file.status, StatusCode::OK);
    assert_eq!(file.body, NOTICE);
    assert!(
        file.headers["content-disposition"]
            .to_str()
            .expect("header")
            .starts_with("attachment")
    );
    assert_eq!(
        app.get(&format!("/cases/{id}/notices/0000")).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_case_file_pasted_in_the_browser_is_imported_like_the_cli_does() {
    let app = App::new().await;
    let first = app
        .post_form("/cases/import", &format!("case_file={}", enc(EXAMPLE)))
        .await;
    assert_eq!(first.status, StatusCode::SEE_OTHER, "{}", first.body);
    assert!(location(&first).starts_with("/cases/"));
    let again = app
        .post_form("/cases/import", &format!("case_file={}", enc(EXAMPLE)))
        .await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    assert!(
        again
            .body
            .contains("already have a case with case number MNL2025512345"),
        "{}",
        again.body
    );
    let bad = EXAMPLE.replace("interview_on = 2025-06-02", "interview_on = \"2025-02-30\"");
    let refused = app
        .post_form("/cases/import", &format!("case_file={}", enc(&bad)))
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(refused.body.contains("interview_on:"), "{}", refused.body);
    assert!(
        refused.body.contains("2025-02-30"),
        "what was pasted is kept"
    );
}
