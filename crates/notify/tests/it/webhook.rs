use std::time::{Duration, SystemTime, UNIX_EPOCH};

use visanav_notify::{ErrorKind, RetryAfter, WebhookSecret, send_webhook, send_webhook_bytes};

use crate::receiver::{Receiver, loopback_client, public_only_client};
use crate::verifier;

fn now_seconds() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn event() -> serde_json::Value {
    serde_json::json!({
        "type": "case.status_changed",
        "timestamp": "2026-11-30T12:00:00Z",
        "data": {"case": "Our K-1", "from": "Refused", "to": "Issued", "note": "émigré ✓"}
    })
}

#[tokio::test]
async fn a_webhook_arrives_with_the_three_headers_and_the_body_intact() {
    let receiver = Receiver::start(204, &[]).await;
    let secret = WebhookSecret::generate().unwrap();
    let ts = now_seconds();
    let delivered = send_webhook(
        &loopback_client(),
        &receiver.url("/hooks/visanav"),
        std::slice::from_ref(&secret),
        "msg_01JDEADBEEF",
        ts,
        &event(),
    )
    .await
    .unwrap();
    assert_eq!(delivered.status, 204);

    let got = receiver.only();
    assert_eq!(got.method, "POST");
    assert_eq!(got.path, "/hooks/visanav");
    assert_eq!(got.header("content-type"), Some("application/json"));
    let agents: Vec<&str> = got
        .headers
        .iter()
        .filter(|(n, _)| n == "user-agent")
        .map(|(_, v)| v.as_str())
        .collect();
    assert_eq!(agents.len(), 1, "one User-Agent: {agents:?}");
    assert!(agents[0].starts_with("visanav/"), "{agents:?}");
    assert_eq!(got.header("webhook-id"), Some("msg_01JDEADBEEF"));
    assert_eq!(
        got.header("webhook-timestamp"),
        Some(ts.to_string().as_str())
    );
    let body: serde_json::Value = serde_json::from_slice(&got.body).unwrap();
    assert_eq!(body, event());
    let signature = got.header("webhook-signature").unwrap();
    assert_eq!(signature, secret.sign("msg_01JDEADBEEF", ts, &got.body));

    if let Some(python) = verifier::python() {
        assert!(
            verifier::accepts(&python, &secret.expose(), &got, &got.body),
            "the official library rejected our signature"
        );
        let mut tampered = got.body.clone();
        tampered.push(b' ');
        assert!(
            !verifier::accepts(&python, &secret.expose(), &got, &tampered),
            "the official library accepted a tampered body"
        );
        let other = WebhookSecret::generate().unwrap();
        assert!(
            !verifier::accepts(&python, &other.expose(), &got, &got.body),
            "the official library accepted another endpoint's secret"
        );
    }
}

#[tokio::test]
async fn during_rotation_both_secrets_sign_and_either_verifies() {
    let receiver = Receiver::start(200, &[]).await;
    let new = WebhookSecret::generate().unwrap();
    let old = WebhookSecret::generate().unwrap();
    let ts = now_seconds();
    send_webhook_bytes(
        &loopback_client(),
        &receiver.url("/"),
        &[new.clone(), old.clone()],
        "msg_rotation",
        ts,
        br#"{"type":"test"}"#.to_vec(),
    )
    .await
    .unwrap();
    let got = receiver.only();
    assert_eq!(got.body, br#"{"type":"test"}"#);
    let parts: Vec<&str> = got
        .header("webhook-signature")
        .unwrap()
        .split(' ')
        .collect();
    assert_eq!(parts.len(), 2);
    assert_eq!(parts[0], new.sign("msg_rotation", ts, &got.body));
    assert_eq!(parts[1], old.sign("msg_rotation", ts, &got.body));

    if let Some(python) = verifier::python() {
        // A receiver still holding the old secret, and one already on the new, both accept.
        assert!(verifier::accepts(&python, &old.expose(), &got, &got.body));
        assert!(verifier::accepts(&python, &new.expose(), &got, &got.body));
    }
}

#[tokio::test]
async fn too_many_requests_is_transient_and_returns_the_delay() {
    let receiver = Receiver::start(429, &[("retry-after", "90")]).await;
    let e = send_webhook(
        &loopback_client(),
        &receiver.url("/"),
        &[WebhookSecret::generate().unwrap()],
        "msg_1",
        now_seconds(),
        &event(),
    )
    .await
    .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Transient);
    assert_eq!(e.status, Some(429));
    assert_eq!(
        e.retry_after,
        Some(RetryAfter::Delay(Duration::from_secs(90)))
    );
}

#[tokio::test]
async fn gone_asks_to_disable_and_server_errors_are_transient_and_4xx_permanent() {
    for (status, kind) in [
        (410, ErrorKind::Gone),
        (500, ErrorKind::Transient),
        (503, ErrorKind::Transient),
        (400, ErrorKind::Permanent),
        (302, ErrorKind::Permanent),
    ] {
        let receiver = Receiver::start(status, &[]).await;
        let secret = WebhookSecret::generate().unwrap();
        let e = send_webhook(
            &loopback_client(),
            &receiver.url("/"),
            std::slice::from_ref(&secret),
            "msg_1",
            now_seconds(),
            &event(),
        )
        .await
        .unwrap_err();
        assert_eq!(e.kind, kind, "{status}");
        assert_eq!(e.status, Some(status));
        assert!(e.retry_after.is_none());
        // What is said about a failure never holds the secret or the body.
        assert!(!e.detail.contains(&secret.expose()[6..]), "{}", e.detail);
        assert!(!e.detail.contains("Refused"), "{}", e.detail);
        assert_eq!(receiver.requests().len(), 1);
    }
}

#[tokio::test]
async fn a_private_address_is_refused_unless_allowed_and_nothing_is_sent() {
    let receiver = Receiver::start(204, &[]).await;
    let e = send_webhook(
        &public_only_client(),
        &receiver.url("/"),
        &[WebhookSecret::generate().unwrap()],
        "msg_1",
        now_seconds(),
        &event(),
    )
    .await
    .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Permanent);
    assert!(e.detail.contains("allow_private"), "{}", e.detail);
    assert!(receiver.requests().is_empty());
}

#[tokio::test]
async fn a_receiver_that_is_not_there_is_a_transient_failure() {
    // Bind and drop a listener: nothing listens on that port any more.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let url = url::Url::parse(&format!("http://127.0.0.1:{port}/")).unwrap();
    let e = send_webhook(
        &loopback_client(),
        &url,
        &[WebhookSecret::generate().unwrap()],
        "msg_1",
        now_seconds(),
        &event(),
    )
    .await
    .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Transient, "{}", e.detail);
    assert_eq!(e.status, None);
}
