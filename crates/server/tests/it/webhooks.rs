//! `/account/webhooks`: endpoints added with their secret shown once, tested through the real
//! channel code against a receiver on loopback, rotated (two signatures), deleted; the ntfy
//! section set and tested; nobody else's endpoint reachable; private addresses refused
//! unless the installation allows them.

use std::sync::{Arc, Mutex};

use axum::http::{HeaderMap, StatusCode};
use visanav_notify::WebhookSecret;
use visanav_server::monitor::MonitorConfig;
use visanav_store::{AccountKind, Actor, TxMode};

use crate::harness::{App, enc, now};

type Seen = Arc<Mutex<Vec<(String, HeaderMap, Vec<u8>)>>>;

/// A receiver on loopback that keeps each request and answers 204.
async fn receiver() -> (String, Seen, tokio::task::JoinHandle<()>) {
    let seen: Seen = Arc::default();
    let keep = seen.clone();
    let app = axum::Router::new().fallback(
        move |uri: axum::http::Uri, headers: HeaderMap, body: axum::body::Bytes| {
            let keep = keep.clone();
            async move {
                keep.lock()
                    .expect("lock")
                    .push((uri.path().to_string(), headers, body.to_vec()));
                StatusCode::NO_CONTENT
            }
        },
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let server = tokio::spawn(async move {
        axum::serve(listener, app).await.expect("serve");
    });
    (base, seen, server)
}

/// An installation that may reach loopback (the receiver), as `net.allow_private` allows.
async fn private_app() -> App {
    App::with_monitor(MonitorConfig {
        allow_private: true,
        ..MonitorConfig::default()
    })
    .await
}

fn unescape(s: &str) -> String {
    s.replace("&#43;", "+")
        .replace("&#x2b;", "+")
        .replace("&#x2f;", "/")
        .replace("&#47;", "/")
        .replace("&#61;", "=")
        .replace("&#x3d;", "=")
}

fn header<'a>(h: &'a HeaderMap, name: &str) -> &'a str {
    h.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
}

#[tokio::test]
async fn an_endpoint_is_added_tested_rotated_and_deleted_with_secrets_shown_once() {
    let app = private_app().await;
    let (base, seen, _server) = receiver().await;
    assert!(app.get("/account").await.body.contains("/account/webhooks"));
    let url = format!("{base}/hook");

    let added = app
        .post_form(
            "/account/webhooks",
            &format!("action=add&url={}", enc(&url)),
        )
        .await;
    assert_eq!(added.status, StatusCode::OK, "{}", added.body);
    assert_eq!(added.headers["cache-control"], "no-store");
    assert!(added.body.contains("shown only this once"));
    let first = WebhookSecret::parse(&unescape(&added.input("secret"))).expect("a whsec_ secret");
    let endpoints = app
        .store
        .list_webhook_endpoints(&Actor::local())
        .await
        .expect("list");
    assert_eq!(endpoints.len(), 1);
    let id = endpoints[0].id.clone();
    // Never shown again.
    let page = app.get("/account/webhooks").await;
    assert!(!page.body.contains(&first.expose()[10..30]));
    assert!(page.body.contains(&url));

    // The test event arrives signed with that secret.
    let tested = app
        .post_form("/account/webhooks", &format!("action=test&endpoint={id}"))
        .await;
    assert_eq!(tested.status, StatusCode::OK, "{}", tested.body);
    assert!(
        tested
            .body
            .contains("Delivered: the receiver answered HTTP 204"),
        "{}",
        tested.body
    );
    {
        let got = seen.lock().expect("lock");
        assert_eq!(got.len(), 1);
        let (path, h, body) = &got[0];
        assert_eq!(path, "/hook");
        let ts: i64 = header(h, "webhook-timestamp").parse().expect("seconds");
        assert_eq!(ts, now().as_second(), "the app's clock, not the machine's");
        assert_eq!(
            header(h, "webhook-signature"),
            first.sign(header(h, "webhook-id"), ts, body)
        );
        let event: serde_json::Value = serde_json::from_slice(body).expect("json");
        assert_eq!(event["type"], "visanav.test");
    }

    // A new secret: shown once, and both sign for the grace period.
    let rotated = app
        .post_form("/account/webhooks", &format!("action=rotate&endpoint={id}"))
        .await;
    assert_eq!(rotated.status, StatusCode::OK, "{}", rotated.body);
    let second = WebhookSecret::parse(&unescape(&rotated.input("secret"))).expect("secret");
    assert_ne!(first, second);
    assert!(rotated.body.contains("previous secret also signs"));
    let tested = app
        .post_form("/account/webhooks", &format!("action=test&endpoint={id}"))
        .await;
    assert!(tested.body.contains("two signatures"), "{}", tested.body);
    {
        let got = seen.lock().expect("lock");
        let (_, h, body) = &got[1];
        let ts: i64 = header(h, "webhook-timestamp").parse().expect("seconds");
        let msg = header(h, "webhook-id");
        assert_eq!(
            header(h, "webhook-signature"),
            format!(
                "{} {}",
                second.sign(msg, ts, body),
                first.sign(msg, ts, body)
            )
        );
    }

    let deleted = app
        .post_form("/account/webhooks", &format!("action=delete&endpoint={id}"))
        .await;
    assert_eq!(deleted.status, StatusCode::OK);
    assert!(deleted.body.contains("deleted"));
    assert!(
        app.store
            .list_webhook_endpoints(&Actor::local())
            .await
            .expect("list")
            .is_empty()
    );
}

#[tokio::test]
async fn nobody_else_can_test_rotate_or_delete_an_endpoint_and_forms_need_the_csrf_token() {
    let app = App::new().await;
    let id = app
        .store
        .add_webhook_endpoint(
            &Actor::local(),
            "https://hooks.example.org/in",
            &WebhookSecret::generate().expect("secret").expose(),
            now(),
        )
        .await
        .expect("add");
    let mut tx = app.store.begin(TxMode::Write).await.expect("tx");
    let eve = tx
        .create_account("eve@example.org", None, AccountKind::Person, now())
        .await
        .expect("eve");
    tx.commit().await.expect("commit");
    let eve = app.browser(&eve, true).await;
    let page = app.get_as(&eve, "/account/webhooks").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains("hooks.example.org"));
    for action in ["test", "rotate", "delete"] {
        let r = app
            .post_form_as(
                &eve,
                "/account/webhooks",
                &format!("action={action}&endpoint={id}"),
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{action}");
    }
    assert_eq!(
        app.store
            .list_webhook_endpoints(&Actor::local())
            .await
            .expect("l")
            .len(),
        1
    );
    // Without the form's token nothing happens.
    let r = app
        .post_as(
            &app.me,
            "/account/webhooks",
            "application/x-www-form-urlencoded",
            format!("action=delete&endpoint={id}").into_bytes(),
            &[("sec-fetch-site", "same-origin")],
        )
        .await;
    assert_ne!(r.status, StatusCode::OK);
    assert_eq!(
        app.store
            .list_webhook_endpoints(&Actor::local())
            .await
            .expect("l")
            .len(),
        1
    );
}

#[tokio::test]
async fn plain_http_and_private_addresses_are_refused_by_default() {
    let app = App::new().await;
    for (url, says) in [
        ("http://hooks.example.org/in", "https"),
        ("https://127.0.0.1:9/in", "private or local"),
        ("https://localhost/in", "private or local"),
        ("not a url", "not a web address"),
    ] {
        let r = app
            .post_form("/account/webhooks", &format!("action=add&url={}", enc(url)))
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{url}");
        assert!(r.body.contains(says), "{url}: {}", r.body);
    }
    assert!(
        app.store
            .list_webhook_endpoints(&Actor::local())
            .await
            .expect("l")
            .is_empty()
    );
}

#[tokio::test]
async fn phone_push_is_set_tested_and_turned_off() {
    let app = private_app().await;
    let (base, seen, _server) = receiver().await;
    let set = app
        .post_form(
            "/account/webhooks",
            &format!(
                "action=ntfy-set&server={}&topic=k1-news-x7&token=tk_abc123",
                enc(&base)
            ),
        )
        .await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.body);
    assert!(set.body.contains("Phone push is set"));
    assert!(
        !set.body.contains("tk_abc123"),
        "the token is never shown back"
    );
    let tested = app.post_form("/account/webhooks", "action=ntfy-test").await;
    assert!(tested.body.contains("Delivered"), "{}", tested.body);
    {
        let got = seen.lock().expect("lock");
        let (path, h, body) = &got[0];
        assert_eq!(path, "/k1-news-x7");
        assert_eq!(header(h, "title"), "visanav test");
        assert_eq!(header(h, "priority"), "3");
        assert_eq!(header(h, "authorization"), "Bearer tk_abc123");
        assert!(!header(h, "click").is_empty());
        assert!(String::from_utf8_lossy(body).contains("test from visanav"));
    }
    let bad = app
        .post_form(
            "/account/webhooks",
            &format!("action=ntfy-set&server={}&topic=no+spaces", enc(&base)),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("1 to 64 letters"));
    let off = app
        .post_form("/account/webhooks", "action=ntfy-clear")
        .await;
    assert!(off.body.contains("Phone push is off"));
    assert!(
        app.store
            .ntfy_subscription(&Actor::local())
            .await
            .expect("n")
            .is_none()
    );
}
