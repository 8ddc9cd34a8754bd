//! The frame around every page and the home page, as a person meets them: the header knows
//! who is signed in, the home page speaks to people, and the page's own files (stylesheet,
//! htmx) are served under a policy that runs no inline code.

use axum::http::StatusCode;

use crate::harness::*;

#[tokio::test]
async fn signed_out_the_header_offers_sign_in_and_the_home_page_explains_visanav() {
    let app = App::new().await;
    let home = app.get_as(&Browser::default(), "/").await;
    assert_eq!(home.status, StatusCode::OK);
    let b = &home.body;
    assert!(b.contains("href=\"/sign-in\"") && b.contains("href=\"/sign-up\""));
    assert!(!b.contains(">Sign out<") && !b.contains("My cases"), "{b}");
    for words in [
        "221(g)",
        "Reads your letter",
        "Makes your checklist",
        "lawyer",
    ] {
        assert!(b.contains(words), "home page lacks {words:?}");
    }
    assert!(
        b.contains("href=\"/statuses/ceac-refused\"") && b.contains("href=\"/posts\""),
        "links to the statuses and the posts"
    );
    // The deadline is named in the knowledge base's words, never a number of the page's own.
    assert!(b.contains("One year to send what the 221(g) letter asks for"));
    for developer_talk in ["SQLite", "PostgreSQL", "database", "visanav case import"] {
        assert!(
            !b.contains(developer_talk),
            "home page says {developer_talk:?}"
        );
    }
    assert!(b.contains("class=\"skip-link\" href=\"#main\"") && b.contains("id=\"main\""));
    assert!(b.contains("not legal advice"));
}

#[tokio::test]
async fn signed_in_every_page_header_has_my_cases_and_a_sign_out_form() {
    let app = App::new().await;
    let id = app.add_case(EXAMPLE).await;
    let home = app.get("/").await;
    assert!(home.body.contains("<h1>My cases</h1>"), "{}", home.body);
    assert!(home.body.contains(&format!("href=\"/cases/{id}\"")));
    assert!(
        home.body.contains("Manila, Philippines"),
        "the post by name"
    );
    assert!(home.body.contains("MNL2025512345"), "the case number");
    assert!(home.body.contains("href=\"/cases/new\""), "Add a case");
    // A public page, whose handler never asks who is signed in, still shows the session.
    let statuses = app.get("/statuses").await;
    let b = &statuses.body;
    assert!(
        b.contains(">Sign out<") && b.contains("href=\"/account\""),
        "{b}"
    );
    assert!(b.contains("action=\"/sign-out\""));
    assert_eq!(
        statuses.input("csrf"),
        app.me.csrf,
        "the header's sign-out form carries the session's token"
    );
    assert!(!b.contains("href=\"/sign-up\""));
    // And the page not found, rendered by the fallback.
    let missing = app.get("/no-such-page").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.body.contains(">Sign out<"));
}

#[tokio::test]
async fn the_header_sign_out_form_signs_out() {
    let app = App::new().await;
    let out = app
        .post_form("/sign-out", &format!("csrf={}&everywhere=no", app.me.csrf))
        .await;
    assert_eq!(out.status, StatusCode::SEE_OTHER, "{}", out.body);
    let home = app.get("/").await;
    assert!(home.body.contains("href=\"/sign-in\"") && !home.body.contains(">Sign out<"));
}

#[tokio::test]
async fn htmx_is_served_from_here_and_the_policy_runs_no_inline_code() {
    let app = App::new().await;
    let js = app.get("/static/htmx.min.js").await;
    assert_eq!(js.status, StatusCode::OK);
    assert!(js.content_type().starts_with("text/javascript"));
    assert!(
        js.body.starts_with("/*! htmx 2."),
        "version and licence first"
    );
    assert!(js.body.contains("Zero-Clause BSD"));
    let cache = js.headers["cache-control"].to_str().expect("ascii");
    assert!(cache.contains("max-age=604800"), "{cache}");

    let home = app.get("/").await;
    assert!(
        home.body
            .contains("<script src=\"/static/htmx.min.js\" defer></script>")
    );
    assert!(
        home.body.contains("\"allowEval\":false")
            && home.body.contains("\"includeIndicatorStyles\":false"),
        "htmx needs neither eval nor inline styles"
    );
    assert!(
        home.body
            .contains("\"attributesToSettle\":[\"class\",\"width\",\"height\"]"),
        "htmx never copies a style attribute while settling a swap (the CSP would refuse it)"
    );
    assert!(!home.body.contains("<script>") && !home.body.contains(" style=\""));
    let csp = home.headers["content-security-policy"]
        .to_str()
        .expect("ascii");
    for part in ["script-src 'self'", "style-src 'self'", "object-src 'none'"] {
        assert!(csp.contains(part), "{csp}");
    }
    assert!(!csp.contains("unsafe"), "{csp}");
}

#[tokio::test]
async fn a_status_page_puts_what_to_do_before_what_is_uncertain_and_explains_it() {
    let app = App::new().await;
    let s = app
        .knowledge
        .statuses
        .iter()
        .find(|s| s.uncertain.is_some() && !s.next_steps.is_empty())
        .expect("a status with steps and an uncertainty");
    let page = app.get(&format!("/statuses/{}", s.slug)).await;
    let b = &page.body;
    let steps = b.find("What to do now").expect("steps");
    let doubt = b.find("Not fully verified").expect("the uncertainty");
    assert!(steps < doubt, "steps come first on a phone");
    let list = app.get("/statuses").await;
    assert!(
        list.body.contains("What “not fully verified” means"),
        "the badge is explained"
    );
}
