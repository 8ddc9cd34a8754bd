//! Errors in the client's format, host and origin checks, request ids and limits, escaping.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};

use crate::harness::{App, EXAMPLE, HOST, enc};

#[tokio::test]
async fn a_missing_case_is_a_page_in_the_browser_and_problem_json_in_the_api() {
    let app = App::new().await;
    let page = app.get("/cases/0199aaaa-0000-7000-8000-000000000000").await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(page.content_type().starts_with("text/html"), "{page:?}");
    assert!(
        page.body.contains("<h1>Case not found</h1>"),
        "{}",
        page.body
    );
    assert!(page.body.contains("not legal advice"));

    let api = app
        .get("/api/v1/cases/0199aaaa-0000-7000-8000-000000000000")
        .await;
    assert_eq!(api.status, StatusCode::NOT_FOUND);
    assert_eq!(api.content_type(), "application/problem+json");
    let v = api.json();
    assert_eq!(v["status"], 404);
    assert_eq!(v["title"], "Case not found");
    assert!(v["detail"].as_str().expect("detail").contains("no case"));

    let unknown = app.get("/api/v1/nothing-here").await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(unknown.content_type(), "application/problem+json");
    let notice_form = app.get("/cases/not-a-case/notice").await;
    assert_eq!(notice_form.status, StatusCode::NOT_FOUND);
    assert!(notice_form.body.contains("Case not found"));
}

#[tokio::test]
async fn a_case_is_found_by_id_short_id_and_case_number() {
    let app = App::new().await;
    let id = app.add_case(EXAMPLE).await;
    for q in [id.as_str(), id.short(), "MNL2025512345", "mnl-2025512345"] {
        let page = app.get(&format!("/cases/{q}")).await;
        assert_eq!(page.status, StatusCode::OK, "{q}");
        assert!(page.body.contains(id.short()), "{q}");
        let api = app.get(&format!("/api/v1/cases/{}", enc(q))).await;
        assert_eq!(api.json()["id"], id.as_str(), "{q}");
    }
}

async fn with_host(app: &App, host: &str) -> StatusCode {
    app.send(
        Request::get("/")
            .header(header::HOST, host)
            .body(Body::empty())
            .expect("request"),
    )
    .await
    .status
}

#[tokio::test]
async fn only_configured_host_names_are_answered() {
    let app = App::new().await;
    for ok in [
        HOST,
        "localhost:8080",
        "LOCALHOST:8080",
        "[::1]:8080",
        "visanav.example.org",
    ] {
        assert_eq!(with_host(&app, ok).await, StatusCode::OK, "{ok}");
    }
    // DNS rebinding: a page at attacker.example whose name now resolves to 127.0.0.1.
    for bad in [
        "attacker.example:8080",
        "localhost.attacker.example",
        "127.0.0.1.nip.io:8080",
        "",
    ] {
        assert_eq!(
            with_host(&app, bad).await,
            StatusCode::MISDIRECTED_REQUEST,
            "{bad:?}"
        );
    }
    let no_host = app
        .send(Request::get("/").body(Body::empty()).expect("request"))
        .await;
    assert_eq!(no_host.status, StatusCode::MISDIRECTED_REQUEST);
    let api = app
        .send(
            Request::get("/api/v1/cases")
                .header(header::HOST, "attacker.example")
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    assert_eq!(api.status, StatusCode::MISDIRECTED_REQUEST);
    assert!(!api.body.contains("cases"), "nothing of the data leaks");
}

#[tokio::test]
async fn writes_from_other_sites_are_refused() {
    let app = App::new().await;
    let id = app.add_case(EXAMPLE).await;
    let path = format!("/cases/{id}/notice/apply");
    let form = format!("draft=x&csrf={}", app.me.csrf);
    let post = |headers: Vec<(&'static str, String)>| {
        let path = path.clone();
        let form = form.clone();
        let app = &app;
        async move {
            let owned: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
            app.post(
                &path,
                "application/x-www-form-urlencoded",
                form.clone().into_bytes(),
                &owned,
            )
            .await
            .status
        }
    };
    let refused = [
        // Another local port is same-site but not same-origin.
        vec![("sec-fetch-site", "same-site".to_string())],
        vec![("sec-fetch-site", "cross-site".to_string())],
        // Older browsers send only Origin.
        vec![("origin", "http://127.0.0.1:9999".to_string())],
        vec![("origin", "http://attacker.example".to_string())],
        vec![("origin", "null".to_string())],
        vec![("origin", format!("ftp://{HOST}"))],
    ];
    for headers in refused {
        assert_eq!(
            post(headers.clone()).await,
            StatusCode::FORBIDDEN,
            "{headers:?}"
        );
    }
    // The same origin, or no browser at all (curl), reaches the handler: here it answers
    // 410 because the draft does not exist.
    for headers in [
        vec![("sec-fetch-site", "same-origin".to_string())],
        vec![("origin", format!("http://{HOST}"))],
        vec![],
    ] {
        assert_eq!(post(headers.clone()).await, StatusCode::GONE, "{headers:?}");
    }
}

#[tokio::test]
async fn every_response_has_a_request_id_and_bodies_are_limited() {
    let app = App::new().await;
    let id = app.add_case(EXAMPLE).await;
    let r = app.get("/statuses").await;
    let rid = r.headers.get("x-request-id").expect("request id");
    assert_eq!(rid.len(), 32);
    assert_ne!(app.get("/statuses").await.headers["x-request-id"], rid);
    assert!(
        app.get("/nowhere")
            .await
            .headers
            .contains_key("x-request-id")
    );

    // A form far larger than any form visanav sends is refused before it is read.
    let big = format!("draft={}", "a".repeat(200 * 1024));
    let r = app
        .post_form(&format!("/cases/{id}/notice/apply"), &big)
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
}

/// The knowledge base with `<b>&"` added to the meaning of "Refused": what an operator's
/// override directory could hold.
fn knowledge_with_markup() -> visanav_core::knowledge::Knowledge {
    let source = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../knowledge");
    let dir = tempfile::tempdir().expect("tempdir");
    copy_dir(&source, dir.path());
    let statuses = dir.path().join("statuses.toml");
    let text = std::fs::read_to_string(&statuses).expect("statuses");
    let marked = text.replacen(
        "meaning = \"A consular officer has decided",
        "meaning = \"<b>&\\\" A consular officer has decided",
        1,
    );
    assert_ne!(marked, text, "sanity: the meaning was changed");
    std::fs::write(&statuses, marked).expect("write");
    visanav_core::knowledge::Knowledge::from_dir(dir.path()).expect("knowledge loads")
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    for entry in std::fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            std::fs::create_dir_all(&target).expect("mkdir");
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).expect("copy");
        }
    }
}

fn escaped(body: &str) -> bool {
    body.contains("&#60;b&#62;&#38;&#34;") || body.contains("&lt;b&gt;&amp;&quot;")
}

#[tokio::test]
async fn text_that_reaches_a_page_is_escaped_and_json_stays_json() {
    let app = App::with_knowledge(knowledge_with_markup()).await;
    let id = app.add_case(EXAMPLE).await;
    let page = app.get("/statuses/ceac-refused").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        !page.body.contains("<b>&\""),
        "raw markup on the status page"
    );
    assert!(escaped(&page.body), "escaped on the status page");

    // A notice's words reach the preview page (the reader drops tags; `&"` stays).
    let notice = "U.S. Embassy Manila\n221(g)\nPlease submit:\n[X] Police certificate <b>&\"\n\
                  Bring the <b>&\" form to the window\n";
    let preview = app.read_notice(&id, notice).await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.body);
    assert!(!preview.body.contains("<b>"), "raw markup on the preview");
    assert!(
        !preview.body.contains("certificate &\""),
        "raw & and quote on the preview"
    );
    assert!(
        preview.body.contains("certificate &#38;&#34;")
            || preview.body.contains("certificate &amp;&quot;"),
        "escaped on the preview: {}",
        preview
            .body
            .lines()
            .filter(|l| l.contains("ertificate"))
            .collect::<Vec<_>>()
            .join("\n")
    );

    // The API answers JSON, never markup, even for a path full of it.
    let api = app.get("/api/v1/cases/%3Cb%3E%26%22").await;
    assert_eq!(api.status, StatusCode::NOT_FOUND);
    assert_eq!(api.content_type(), "application/problem+json");
    assert!(!api.body.contains("<b>"), "{}", api.body);
    let ok = app.get(&format!("/api/v1/cases/{id}")).await;
    assert_eq!(ok.content_type(), "application/json");
    assert_eq!(ok.json()["post"], "MNL");
}

#[tokio::test]
async fn a_case_is_added_in_the_browser_with_the_same_checks_as_the_cli() {
    let app = App::new().await;
    let form = app.get("/cases/new").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(
        form.body.contains("Manila, Philippines (MNL)"),
        "posts to search"
    );
    let bad = app
        .post_form(
            "/cases/new",
            "visa=K-1&post=Atlantis&case_number=&interview_on=&status=",
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(
        bad.body.contains("No embassy or consulate matches"),
        "{}",
        bad.body
    );
    let bad = app
        .post_form(
            "/cases/new",
            "visa=K-1&post=manila&case_number=MNL12&interview_on=2025-06-02&status=Refused",
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("Case number:"), "{}", bad.body);
    assert!(
        bad.body.contains("value=\"MNL12\""),
        "what was typed stays in the form"
    );
    let ok = app
        .post_form(
            "/cases/new",
            "visa=K-1&post=Manila%2C+Philippines+%28MNL%29&case_number=MNL2024512345&interview_on=2025-06-02&status=Refused",
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let location = ok.headers["location"].to_str().expect("ascii").to_string();
    let page = app.get(&location).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Manila"), "{}", &page.body[..300]);
    let api = app.get(&format!("/api/v1{location}")).await.json();
    assert_eq!(api["ceac_case_number"], "MNL2024512345");
    assert_eq!(api["status"][0]["status"], "Refused");
    let again = app
        .post_form(
            "/cases/new",
            "visa=K-1&post=MNL&case_number=MNL2024512345&interview_on=&status=",
        )
        .await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    assert!(
        again
            .body
            .contains("already have a case with this case number")
    );
}

#[tokio::test]
async fn the_posts_index_lists_every_post_by_country_and_a_case_links_to_its_post() {
    let app = App::new().await;
    let index = app
        .get_as(&crate::harness::Browser::default(), "/posts")
        .await;
    assert_eq!(
        index.status,
        StatusCode::OK,
        "public: people look their post up before anything"
    );
    for post in &app.knowledge.posts {
        assert!(
            index
                .body
                .contains(&format!("href=\"/posts/{}\"", post.code)),
            "{}",
            post.code
        );
    }
    assert!(
        index.body.contains("<h2 id=\"PH\">Philippines</h2>"),
        "grouped by country"
    );
    let id = app.add_case(EXAMPLE).await;
    let page = app.get(&format!("/cases/{id}")).await;
    assert!(
        page.body.contains("<a href=\"/posts/MNL\">"),
        "the case links to its post"
    );
}
