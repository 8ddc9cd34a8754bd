//! Runs `scripts/verify-webhook.py` (the official `standardwebhooks` library) on a captured
//! request, when `VISANAV_TEST_WEBHOOK_VERIFIER` names a python interpreter that has it. In
//! CI (`CI=true`) a missing variable is a failure, so the check cannot silently skip.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use base64::Engine;

use crate::receiver::Captured;

/// The python to run, or `None` (with a note) when the check is skipped.
pub fn python() -> Option<String> {
    match std::env::var("VISANAV_TEST_WEBHOOK_VERIFIER") {
        Ok(p) if !p.is_empty() => Some(p),
        _ => {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "CI=true but VISANAV_TEST_WEBHOOK_VERIFIER is unset: the webhook signatures \
                 must be checked by the official standardwebhooks library in CI"
            );
            eprintln!(
                "standardwebhooks verifier skipped: set VISANAV_TEST_WEBHOOK_VERIFIER to a \
                 python with `standardwebhooks` installed"
            );
            None
        }
    }
}

fn script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scripts/verify-webhook.py")
}

/// Whether the official library accepts `request` (its webhook headers and `body`) under
/// `secret`. The body is passed separately so a test can tamper with it.
pub fn accepts(python: &str, secret: &str, request: &Captured, body: &[u8]) -> bool {
    let headers: serde_json::Map<String, serde_json::Value> = request
        .headers
        .iter()
        .filter(|(n, _)| n.starts_with("webhook-"))
        .map(|(n, v)| (n.clone(), serde_json::Value::String(v.clone())))
        .collect();
    let input = serde_json::json!({
        "secret": secret,
        "headers": headers,
        "body_base64": base64::engine::general_purpose::STANDARD.encode(body),
    });
    let mut child = Command::new(python)
        .arg(script())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run the verifier's python");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let code = out.status.code();
    assert!(
        matches!(code, Some(0) | Some(1)),
        "the verifier failed to run ({code:?}): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    code == Some(0)
}
