//! The notice flow in the browser: read, check, save, with the original kept server-side as
//! a draft, and the questions asked when a notice does not fit the case.

use axum::http::StatusCode;
use visanav_store::Actor;

use crate::harness::{App, EXAMPLE, enc, multipart};

/// A notice for the example case (same post, same case number, same refusal date).
const SAME_REFUSAL: &str = "U.S. Embassy Manila\nCase Number: MNL2025512345\nDate: 2025-06-02\n\
    Your visa application is refused under Section 221(g).\nPlease submit the following:\n\
    [X] Police certificate (NBI clearance)\n[X] Affidavit of support (Form I-134)\n";

async fn refusal(app: &App, id: &visanav_store::CaseId) -> visanav_core::casefile::Refusal {
    app.store
        .get_case(&Actor::local(), id)
        .await
        .expect("get")
        .expect("case")
        .case
        .refusal
        .expect("refusal")
}

#[tokio::test]
async fn a_read_notice_waits_as_a_draft_and_saving_keeps_the_notes() {
    let app = App::new().await;
    let id = app.add_case(EXAMPLE).await;
    let notes = refusal(&app, &id).await.notes;
    assert!(notes.is_some(), "sanity: the example has notes");

    let preview = app.read_notice(&id, SAME_REFUSAL).await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.body);
    assert!(
        !preview.body.contains("name=\"original\""),
        "no copy of the file in the page"
    );
    let draft = preview.input("draft");
    assert_eq!(draft.len(), 36, "a draft id: {draft}");
    assert!(
        preview
            .body
            .contains("words: “<bdi>Date: 2025-06-02</bdi>”. Check it against your letter."),
        "the page shows where the refusal date was read: {}",
        preview.body
    );

    let saved = app
        .post_form(
            &format!("/cases/{id}/notice/apply"),
            &format!("draft={draft}&refused_on=2025-06-02&episode=same&doc=police_certificate&doc=i134_support"),
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let r = refusal(&app, &id).await;
    assert_eq!(r.requested, ["police_certificate", "i134_support"]);
    assert_eq!(r.notes, notes, "the notes the person wrote are kept");
    let stored = app
        .store
        .list_notices(&Actor::local(), &id)
        .await
        .expect("notices");
    assert_eq!(stored.len(), 1);
    assert_eq!(
        stored[0].original,
        SAME_REFUSAL.as_bytes(),
        "the original, from the draft"
    );

    // The draft was used up: the same form again is told to read the notice again.
    let again = app
        .post_form(
            &format!("/cases/{id}/notice/apply"),
            &format!("draft={draft}&refused_on=2025-06-02"),
        )
        .await;
    assert_eq!(again.status, StatusCode::GONE);
    assert!(again.body.contains("Read the notice again"));
    // Reading and saving the same file again is refused, and says so.
    let preview = app.read_notice(&id, SAME_REFUSAL).await;
    let twice = app
        .post_form(
            &format!("/cases/{id}/notice/apply"),
            &format!(
                "draft={}&refused_on=2025-06-02&episode=same&doc=police_certificate",
                preview.input("draft")
            ),
        )
        .await;
    assert_eq!(twice.status, StatusCode::CONFLICT, "{}", twice.body);
    assert!(twice.body.contains("already saved"), "{}", twice.body);
    assert_eq!(
        app.store
            .list_notices(&Actor::local(), &id)
            .await
            .expect("n")
            .len(),
        1
    );
}

#[tokio::test]
async fn a_different_date_asks_which_refusal_before_saving() {
    let app = App::new().await;
    let id = app.add_case(EXAMPLE).await;
    let before = refusal(&app, &id).await;
    let later = SAME_REFUSAL.replace("Date: 2025-06-02", "Date: 2025-06-05");
    let preview = app.read_notice(&id, &later).await;
    assert!(
        preview
            .body
            .contains("Your case records a refusal on <strong>2025-06-02</strong>"),
        "{}",
        preview.body
    );
    let draft = preview.input("draft");
    let path = format!("/cases/{id}/notice/apply");
    let base = format!("draft={draft}&refused_on=2025-06-05&doc=police_certificate");

    let unanswered = app.post_form(&path, &base).await;
    assert_eq!(unanswered.status, StatusCode::BAD_REQUEST);
    assert!(
        unanswered
            .body
            .contains("Say whether this notice is about that same refusal")
    );
    assert!(
        unanswered
            .body
            .contains("value=\"police_certificate\" checked")
            && unanswered.body.contains("value=\"i134_support\">"),
        "the boxes are as the person left them"
    );
    assert_eq!(refusal(&app, &id).await, before, "nothing changed");

    let same = app.post_form(&path, &format!("{base}&episode=same")).await;
    assert_eq!(same.status, StatusCode::SEE_OTHER, "{}", same.body);
    let after = refusal(&app, &id).await;
    assert_eq!(
        after.on.to_string(),
        "2025-06-05",
        "the date the person confirmed"
    );
    assert_eq!(after.notes, before.notes, "notes kept");
}

#[tokio::test]
async fn a_new_refusal_starts_a_new_checklist() {
    let app = App::new().await;
    let id = app.add_case(EXAMPLE).await;
    let later = SAME_REFUSAL.replace("Date: 2025-06-02", "Date: 2025-06-08");
    let preview = app.read_notice(&id, &later).await;
    let r = app
        .post_form(
            &format!("/cases/{id}/notice/apply"),
            &format!(
                "draft={}&refused_on=2025-06-08&episode=new&doc=i134_support",
                preview.input("draft")
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let now = refusal(&app, &id).await;
    assert_eq!(now.on.to_string(), "2025-06-08");
    assert_eq!(now.requested, ["i134_support"]);
    assert_eq!(now.notes, None, "the old refusal's notes stay with it");
}

#[tokio::test]
async fn a_notice_for_another_case_needs_a_tick() {
    let app = App::new().await;
    let id = app.add_case(EXAMPLE).await;
    let other = SAME_REFUSAL.replace("MNL2025512345", "MNL2099999999");
    let preview = app.read_notice(&id, &other).await;
    assert!(
        preview.body.contains("Is this notice for this case?"),
        "{}",
        preview.body
    );
    assert!(preview.body.contains("MNL2099999999"));
    let path = format!("/cases/{id}/notice/apply");
    let base = format!(
        "draft={}&refused_on=2025-06-02&episode=same&doc=police_certificate",
        preview.input("draft")
    );
    let unticked = app.post_form(&path, &base).await;
    assert_eq!(unticked.status, StatusCode::BAD_REQUEST);
    assert!(unticked.body.contains("may be for another case"));
    assert!(
        app.store
            .list_notices(&Actor::local(), &id)
            .await
            .expect("n")
            .is_empty()
    );
    let ticked = app
        .post_form(&path, &format!("{base}&confirm_case=yes"))
        .await;
    assert_eq!(ticked.status, StatusCode::SEE_OTHER, "{}", ticked.body);
}

#[tokio::test]
async fn a_notice_from_another_post_says_so() {
    let app = App::new().await;
    let id = app.add_case(EXAMPLE).await;
    // The example case is at Manila; this notice names the embassy in Abu Dhabi.
    let other = "U.S. Embassy Abu Dhabi\nDate: 2025-06-02\n\
        Your visa application is refused under Section 221(g).\n\
        Please submit the following:\n[X] Police certificate\n";
    let preview = app.read_notice(&id, other).await;
    assert!(
        preview
            .body
            .contains("The notice is from post ABD; this case is at post MNL."),
        "{}",
        preview.body
    );
    // A notice that names no post is read with the case's.
    let unnamed = "Date: 2025-06-02\nRefused under Section 221(g).\n[X] Police certificate\n";
    let preview = app.read_notice(&id, unnamed).await;
    assert!(
        !preview.body.contains("Is this notice for this case?"),
        "{}",
        preview.body
    );
    assert!(preview.body.contains("Manila (MNL)"), "{}", preview.body);
}

#[tokio::test]
async fn uploads_are_judged_by_their_bytes_and_errors_are_plain() {
    let app = App::new().await;
    let id = app.add_case(EXAMPLE).await;
    let path = format!("/cases/{id}/notice");
    let post = |fields: Vec<(&'static str, Option<&'static str>, Vec<u8>)>| {
        let path = path.clone();
        let app = &app;
        async move {
            let mut borrowed: Vec<(&str, Option<&str>, &[u8])> =
                vec![("csrf", None, app.me.csrf.as_bytes())];
            borrowed.extend(fields.iter().map(|(n, f, b)| (*n, *f, b.as_slice())));
            let (ctype, body) = multipart(&borrowed);
            app.post(&path, &ctype, body, &[("sec-fetch-site", "same-origin")])
                .await
        }
    };
    // Text the browser calls a PNG is read as the text it is.
    let r = post(vec![(
        "file",
        Some("notice.png"),
        SAME_REFUSAL.as_bytes().to_vec(),
    )])
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("value=\"police_certificate\" checked"));
    // An empty file is called empty, not a bad photo.
    let r = post(vec![("file", Some("notice.txt"), Vec::new())]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("That file is empty"), "{}", r.body);
    assert!(!r.body.contains("no text could be read"), "{}", r.body);
    // 20 MB: the person's own words, not the framework's.
    let r = post(vec![(
        "file",
        Some("huge.png"),
        vec![b'x'; 20 * 1024 * 1024],
    )])
    .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(r.body.contains("larger than 10 MB"), "{}", r.body);
    assert!(
        r.body.contains("Add your refusal notice"),
        "the form, ready to try again"
    );
}

#[tokio::test]
async fn today_is_the_date_at_the_post() {
    // Manila is UTC+8: 15:30 UTC is 23:30 there, 16:30 UTC is half past midnight.
    for (utc, at_post) in [
        ("2026-03-01T15:30:00Z", "2026-03-01"),
        ("2026-03-01T16:30:00Z", "2026-03-02"),
    ] {
        let app = App::at(utc.parse().expect("ts")).await;
        let id = app.add_case(EXAMPLE).await;
        let page = app.get(&format!("/cases/{id}")).await;
        assert!(
            page.body.contains(&format!("As of {at_post}")),
            "{utc}: {}",
            &page.body[..600.min(page.body.len())]
        );
    }
    let _ = enc("");
}

/// A stand-in `tesseract` that takes its time, so two uploads overlap.
fn slow_tesseract() -> (tempfile::TempDir, std::path::PathBuf) {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("tesseract");
    std::fs::write(
        &path,
        "#!/bin/sh\nsleep 2\necho 'U.S. Embassy Manila 221(g) [X] Police certificate'\n",
    )
    .expect("write");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let tools = dir.path().to_path_buf();
    (dir, tools)
}

#[tokio::test]
async fn a_busy_reader_says_try_again_instead_of_piling_up() {
    let (_dir, tools) = slow_tesseract();
    let app = App::with_extract(
        visanav_extract::ExtractConfig {
            max_jobs: 1,
            tool_dir: Some(tools),
            ..Default::default()
        },
        std::time::Duration::from_secs(30),
    )
    .await;
    let id = app.add_case(EXAMPLE).await;
    let png = b"\x89PNG\r\n\x1a\n a photo of the letter".to_vec();
    let path = format!("/cases/{id}/notice");
    let (ctype, body) = multipart(&[
        ("csrf", None, app.me.csrf.as_bytes()),
        ("file", Some("letter.png"), png.as_slice()),
    ]);
    let upload = || {
        app.post(
            &path,
            &ctype,
            body.clone(),
            &[("sec-fetch-site", "same-origin")],
        )
    };
    let (a, b) = tokio::join!(upload(), upload());
    let mut statuses = [a.status, b.status];
    statuses.sort();
    assert_eq!(
        statuses,
        [StatusCode::OK, StatusCode::SERVICE_UNAVAILABLE],
        "one is read, the other told to wait"
    );
    let busy = if a.status == StatusCode::SERVICE_UNAVAILABLE {
        &a
    } else {
        &b
    };
    assert_eq!(busy.headers["retry-after"], "60");
    assert!(busy.body.contains("Try again in a minute"), "{}", busy.body);
    // The permit came back: the next upload is read.
    assert_eq!(upload().await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_request_that_takes_too_long_is_answered_and_saves_nothing() {
    let (_dir, tools) = slow_tesseract();
    let app = App::with_extract(
        visanav_extract::ExtractConfig {
            tool_dir: Some(tools),
            ..Default::default()
        },
        std::time::Duration::from_millis(500),
    )
    .await;
    let id = app.add_case(EXAMPLE).await;
    let (ctype, body) = multipart(&[
        ("csrf", None, app.me.csrf.as_bytes()),
        ("file", Some("letter.png"), b"\x89PNG\r\n\x1a\n photo"),
    ]);
    let r = app
        .post(
            &format!("/cases/{id}/notice"),
            &ctype,
            body,
            &[("sec-fetch-site", "same-origin")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(r.body.contains("took too long"), "{}", r.body);
    assert!(r.headers.contains_key("x-request-id"));
}
