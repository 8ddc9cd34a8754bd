//! The one "test event" that `visanav notify test` and the account pages' "send a test"
//! buttons send through the real channel code. It is not one of the outbox's events (those
//! are the dispatcher's): it says only that it is a test, and carries no personal data.

use jiff::Timestamp;

use crate::ntfy::NtfyMessage;
use crate::{ChannelError, Delivered, ErrorKind};

/// The webhook body of a test: the Standard Webhooks payload shape (`type`, `timestamp`,
/// `data`).
pub fn test_payload(now: Timestamp) -> serde_json::Value {
    serde_json::json!({
        "type": "visanav.test",
        "timestamp": now.to_string(),
        "data": {
            "message": "This is a test from visanav. If you can read this, your endpoint \
                        receives visanav's notifications and can check their signatures."
        }
    })
}

/// A fresh message id for a test (`msg_test_` and 16 random hex digits): each test is a new
/// message, so a receiver that drops repeats does not drop the second test.
pub fn test_message_id() -> String {
    let mut bytes = [0u8; 8];
    // Should the system's generator fail, a fixed id still makes a valid test.
    let _ = getrandom::getrandom(&mut bytes);
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("msg_test_{hex}")
}

/// The push of a test, opening `click` (visanav's address) when tapped.
pub fn test_push(click: Option<url::Url>) -> NtfyMessage {
    NtfyMessage {
        title: "visanav test".into(),
        message: "This is a test from visanav. If it reached your phone, status changes and \
                  deadlines will reach it too."
            .into(),
        priority: 3,
        click,
        tags: vec!["white_check_mark".into()],
    }
}

/// How a send went, in plain words for the person who pressed "send a test".
pub fn describe(result: &Result<Delivered, ChannelError>) -> String {
    match result {
        Ok(d) => format!("Delivered: the receiver answered HTTP {}.", d.status),
        Err(e) => {
            let next = match e.kind {
                ErrorKind::Transient => "This may pass: real notifications are retried for days.",
                ErrorKind::Permanent => {
                    "This will not pass by itself: check the address (and token), then try again."
                }
                ErrorKind::Gone => {
                    "The receiver asked to stop, so visanav would turn this channel off."
                }
            };
            let wait = match e.retry_after {
                Some(crate::RetryAfter::Delay(d)) => {
                    format!(" It asked us to wait {} seconds.", d.as_secs())
                }
                Some(crate::RetryAfter::At(t)) => format!(" It asked us to wait until {t}."),
                None => String::new(),
            };
            format!("Not delivered: {}.{wait} {next}", e.detail)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_ids_are_valid_and_fresh() {
        let a = test_message_id();
        assert!(a.starts_with("msg_test_") && a.len() == 25, "{a}");
        assert_ne!(a, test_message_id());
        assert!(!a.contains('.'));
    }

    #[test]
    fn outcomes_read_as_sentences() {
        assert_eq!(
            describe(&Ok(Delivered { status: 204 })),
            "Delivered: the receiver answered HTTP 204."
        );
        let e = ChannelError {
            kind: ErrorKind::Transient,
            detail: "h answered HTTP 429: the receiver asks us to slow down (429)".into(),
            status: Some(429),
            retry_after: Some(crate::RetryAfter::Delay(std::time::Duration::from_secs(30))),
        };
        let text = describe(&Err(e));
        assert!(
            text.starts_with("Not delivered: h answered HTTP 429"),
            "{text}"
        );
        assert!(text.contains("wait 30 seconds"), "{text}");
    }
}
