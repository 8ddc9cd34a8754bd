//! `visanav notify test`: one test through the real channel code to a receiver on loopback,
//! and the command says what happened (and fails when the receiver is not reached).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::mpsc;

use visanav_notify::WebhookSecret;

use crate::support::Env;

/// One request as received: lower-case header names, and the body.
struct Received {
    request_line: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Received {
    fn header(&self, name: &str) -> &str {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }
}

/// A one-request HTTP receiver on 127.0.0.1 answering 204, on a thread of its own.
fn receiver() -> (String, mpsc::Receiver<Received>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let Ok((stream, _)) = listener.accept() else {
            return;
        };
        let mut reader = BufReader::new(stream.try_clone().expect("clone"));
        let mut request_line = String::new();
        reader.read_line(&mut request_line).expect("request line");
        let mut headers = Vec::new();
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).expect("header");
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some((n, v)) = line.split_once(':') {
                headers.push((n.trim().to_ascii_lowercase(), v.trim().to_string()));
            }
        }
        let len: usize = headers
            .iter()
            .find(|(n, _)| n == "content-length")
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(0);
        let mut body = vec![0; len];
        reader.read_exact(&mut body).expect("body");
        let mut stream = stream;
        let _ = stream.write_all(b"HTTP/1.1 204 No Content\r\nconnection: close\r\n\r\n");
        let _ = tx.send(Received {
            request_line: request_line.trim_end().to_string(),
            headers,
            body,
        });
    });
    (base, rx)
}

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

#[test]
fn a_test_webhook_is_signed_with_the_given_secret_and_reported() {
    let env = Env::sqlite();
    let (base, got) = receiver();
    let url = format!("{base}/in");
    let out = env
        .cmd(&["notify", "test", "--webhook", &url, "--secret", SECRET])
        .env("VISANAV_ALLOW_PRIVATE", "true")
        .output()
        .expect("run");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("Delivered: the receiver answered HTTP 204"),
        "{stdout}"
    );
    assert!(stdout.contains("webhook-signature: v1,"), "{stdout}");
    assert!(
        !stdout.contains(SECRET),
        "a given secret is not printed back: {stdout}"
    );
    let r = got.recv().expect("a request");
    assert_eq!(r.request_line, "POST /in HTTP/1.1");
    let ts: i64 = r.header("webhook-timestamp").parse().expect("seconds");
    let secret = WebhookSecret::parse(SECRET).expect("secret");
    assert_eq!(
        r.header("webhook-signature"),
        secret.sign(r.header("webhook-id"), ts, &r.body)
    );
    let event: serde_json::Value = serde_json::from_slice(&r.body).expect("json");
    assert_eq!(event["type"], "visanav.test");
}

#[test]
fn without_a_secret_one_is_made_and_printed_once() {
    let env = Env::sqlite();
    let (base, got) = receiver();
    let out = env
        .cmd(&["notify", "test", "--webhook", &base])
        .env("VISANAV_ALLOW_PRIVATE", "true")
        .output()
        .expect("run");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    let printed = stdout
        .split_whitespace()
        .find(|w| w.starts_with("whsec_"))
        .expect("the new secret is printed");
    let secret = WebhookSecret::parse(printed).expect("a usable secret");
    let r = got.recv().expect("a request");
    let ts: i64 = r.header("webhook-timestamp").parse().expect("seconds");
    assert_eq!(
        r.header("webhook-signature"),
        secret.sign(r.header("webhook-id"), ts, &r.body)
    );
}

#[test]
fn a_loopback_receiver_is_refused_unless_private_addresses_are_allowed() {
    let env = Env::sqlite();
    let (base, got) = receiver();
    let out = env
        .cmd(&["notify", "test", "--webhook", &base])
        .env_remove("VISANAV_ALLOW_PRIVATE")
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("Not delivered") && stderr.contains("allow_private"),
        "{stderr}"
    );
    assert!(got.try_recv().is_err(), "nothing was sent");
}

#[test]
fn a_test_push_reaches_the_ntfy_topic_with_its_token() {
    let env = Env::sqlite();
    let (base, got) = receiver();
    let out = env
        .cmd(&["notify", "test", "--ntfy", &format!("{base}/k1-alerts")])
        .env("VISANAV_ALLOW_PRIVATE", "true")
        .env("VISANAV_NTFY_TOKEN", "tk_from_env")
        .output()
        .expect("run");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("Delivered"), "{stdout}");
    assert!(!stdout.contains("tk_from_env"));
    let r = got.recv().expect("a request");
    assert_eq!(r.request_line, "POST /k1-alerts HTTP/1.1");
    assert_eq!(r.header("title"), "visanav test");
    assert_eq!(r.header("authorization"), "Bearer tk_from_env");
}

#[test]
fn a_bad_secret_is_refused_before_anything_is_sent() {
    let env = Env::sqlite();
    let out = env.run(&[
        "notify",
        "test",
        "--webhook",
        "https://example.org/x",
        "--secret",
        "oops",
    ]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("whsec_"), "{stderr}");
}
