use visanav_notify::{ErrorKind, NtfyMessage, NtfyTarget, NtfyToken, RetryAfter, send_ntfy};

use crate::receiver::{Receiver, loopback_client, public_only_client};

fn message() -> NtfyMessage {
    NtfyMessage {
        title: "Status changed: Issued".into(),
        message: "Your visa is being printed. Open visanav to see what to do next.".into(),
        priority: 4,
        click: Some(url::Url::parse("https://visanav.example/cases/0193").unwrap()),
        tags: vec!["tada".into(), "not a tag".into()],
    }
}

#[tokio::test]
async fn a_push_arrives_with_title_priority_click_tags_and_the_token() {
    let receiver = Receiver::start(200, &[]).await;
    let target = NtfyTarget::from_url(&format!("{}/visa-k1-x7", receiver.base)).unwrap();
    let token = NtfyToken::new("tk_AgQdq7mVBoFD37zQVN29RhuMzNIz2").unwrap();
    let delivered = send_ntfy(&loopback_client(), &target, Some(&token), &message())
        .await
        .unwrap();
    assert_eq!(delivered.status, 200);
    let got = receiver.only();
    assert_eq!(got.method, "POST");
    assert_eq!(got.path, "/visa-k1-x7");
    assert_eq!(got.header("title"), Some("Status changed: Issued"));
    assert_eq!(got.header("priority"), Some("4"));
    assert_eq!(
        got.header("click"),
        Some("https://visanav.example/cases/0193")
    );
    // Only well-formed tags are sent.
    assert_eq!(got.header("tags"), Some("tada"));
    assert_eq!(
        got.header("authorization"),
        Some("Bearer tk_AgQdq7mVBoFD37zQVN29RhuMzNIz2")
    );
    assert_eq!(got.body, message().message.as_bytes());
}

#[tokio::test]
async fn without_a_token_no_authorization_is_sent_and_a_non_ascii_title_is_encoded() {
    let receiver = Receiver::start(200, &[]).await;
    let target = NtfyTarget::new(&receiver.base, "alerts").unwrap();
    let mut m = message();
    m.title = "Statut modifié".into();
    m.click = None;
    m.priority = 9;
    send_ntfy(&loopback_client(), &target, None, &m)
        .await
        .unwrap();
    let got = receiver.only();
    assert_eq!(got.header("authorization"), None);
    assert_eq!(got.header("click"), None);
    assert_eq!(got.header("priority"), Some("5"), "clamped to ntfy's range");
    assert_eq!(
        got.header("title"),
        Some("=?UTF-8?B?U3RhdHV0IG1vZGlmacOp?=")
    );
}

#[tokio::test]
async fn ntfy_answers_are_sorted_like_webhook_answers() {
    let receiver = Receiver::start(429, &[("retry-after", "30")]).await;
    let target = NtfyTarget::new(&receiver.base, "alerts").unwrap();
    let e = send_ntfy(&loopback_client(), &target, None, &message())
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Transient);
    assert_eq!(
        e.retry_after,
        Some(RetryAfter::Delay(std::time::Duration::from_secs(30)))
    );

    let receiver = Receiver::start(403, &[]).await;
    let target = NtfyTarget::new(&receiver.base, "alerts").unwrap();
    let token = NtfyToken::new("tk_secret_value").unwrap();
    let e = send_ntfy(&loopback_client(), &target, Some(&token), &message())
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Permanent);
    assert!(!e.detail.contains("tk_secret_value"), "{}", e.detail);
    assert!(
        !e.detail.contains("alerts"),
        "the topic is a password: {}",
        e.detail
    );
}

#[tokio::test]
async fn a_private_ntfy_server_is_refused_unless_allowed() {
    let receiver = Receiver::start(200, &[]).await;
    let target = NtfyTarget::new(&receiver.base, "alerts").unwrap();
    let e = send_ntfy(&public_only_client(), &target, None, &message())
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Permanent);
    assert!(receiver.requests().is_empty());
}
