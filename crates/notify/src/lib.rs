//! The notification channels that leave the machine: signed webhooks following the
//! Standard Webhooks specification ([`webhook`]) and phone push through an ntfy server
//! ([`ntfy`]).
//!
//! This crate sends one message and says how it went; it keeps no state. The dispatcher
//! (the outbox) decides what to send, when to retry and when to give up, from the
//! [`ChannelError`] it gets back: a [`ErrorKind::Transient`] failure is worth retrying (after
//! [`ChannelError::retry_after`] when the receiver asked for a pause), a
//! [`ErrorKind::Permanent`] one will fail the same way again, and [`ErrorKind::Gone`] means
//! the receiver asked us to stop (HTTP 410): the endpoint should be disabled.
//!
//! Requests go through [`visanav_sources::net::HttpClient`], which refuses private and
//! loopback addresses unless the installation allows them: a webhook URL is typed by a user
//! and must not become a way to probe the server's own network.

pub mod ntfy;
pub mod test_event;
pub mod webhook;

use std::time::Duration;

use jiff::Timestamp;
use visanav_sources::net::{NetError, Response};

pub use ntfy::{NtfyMessage, NtfyTarget, NtfyToken, send_ntfy};
pub use test_event::{describe, test_message_id, test_payload, test_push};
pub use webhook::{SecretError, WebhookSecret, send_webhook, send_webhook_bytes, signature_header};

/// How visanav names itself to receivers (their logs show it), instead of the browser's
/// User-Agent the status sources need.
pub(crate) const USER_AGENT: &str = concat!("visanav/", env!("CARGO_PKG_VERSION"));

/// A message the receiver accepted (a 2xx answer).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delivered {
    /// The HTTP status the receiver answered with.
    pub status: u16,
}

/// How a failed send should be treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Worth retrying later: the network, a time-out, 408, 429, a 5xx.
    Transient,
    /// Sending the same again will fail the same way: a bad URL, a private address that is
    /// not allowed, a 3xx (redirects are not followed), a 4xx other than 408, 410 and 429.
    Permanent,
    /// The receiver answered 410 Gone: it wants no more messages. Disable the endpoint.
    Gone,
}

/// When the receiver asked us to try again (`Retry-After`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryAfter {
    /// After this many seconds.
    Delay(Duration),
    /// Not before this instant (the header held an HTTP date).
    At(Timestamp),
}

impl RetryAfter {
    /// The earliest instant to try again, counted from `now` (when the answer came).
    pub fn not_before(self, now: Timestamp) -> Timestamp {
        match self {
            RetryAfter::Delay(d) => now
                .checked_add(jiff::SignedDuration::try_from(d).unwrap_or(jiff::SignedDuration::MAX))
                .unwrap_or(Timestamp::MAX),
            RetryAfter::At(t) => t.max(now),
        }
    }
}

/// A send that did not succeed. `detail` is for operators and users: it names the host and
/// what happened, and never holds a secret, a token or the message body.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{detail}")]
pub struct ChannelError {
    pub kind: ErrorKind,
    pub detail: String,
    /// The HTTP status, when the receiver answered at all.
    pub status: Option<u16>,
    /// The receiver's `Retry-After`, when it sent one with a 429 or 503.
    pub retry_after: Option<RetryAfter>,
}

impl ChannelError {
    pub fn permanent(detail: impl Into<String>) -> ChannelError {
        ChannelError {
            kind: ErrorKind::Permanent,
            detail: detail.into(),
            status: None,
            retry_after: None,
        }
    }

    pub fn is_transient(&self) -> bool {
        self.kind == ErrorKind::Transient
    }
}

/// A failure before any answer: the address or URL is wrong for good, the rest (no route,
/// refused connection, TLS hiccup, time-out) may pass.
pub(crate) fn from_net(e: NetError) -> ChannelError {
    let kind = match e {
        NetError::BadUrl(..) | NetError::PrivateAddress { .. } => ErrorKind::Permanent,
        NetError::Resolve { .. }
        | NetError::Connect { .. }
        | NetError::Tls { .. }
        | NetError::Timeout { .. }
        | NetError::Protocol { .. } => ErrorKind::Transient,
    };
    // NetError's messages name the host and the failure, never a header or the body.
    ChannelError {
        kind,
        detail: e.to_string(),
        status: None,
        retry_after: None,
    }
}

/// The answer's status, sorted as the Standard Webhooks specification suggests (2xx
/// success, 3xx failure, 410 stop); ntfy answers in the same terms.
pub(crate) fn classify(host: &str, answer: &Response) -> Result<Delivered, ChannelError> {
    let status = answer.status;
    if (200..300).contains(&status) {
        return Ok(Delivered { status });
    }
    let (kind, what) = match status {
        410 => (
            ErrorKind::Gone,
            "the receiver says it wants no more messages (410 Gone)",
        ),
        408 => (ErrorKind::Transient, "the receiver timed out (408)"),
        429 => (
            ErrorKind::Transient,
            "the receiver asks us to slow down (429)",
        ),
        500..=599 => (ErrorKind::Transient, "the receiver failed"),
        300..=399 => (
            ErrorKind::Permanent,
            "the receiver redirects; visanav does not follow redirects, so give the final URL",
        ),
        401 | 403 => (ErrorKind::Permanent, "the receiver refused our credentials"),
        404 => (
            ErrorKind::Permanent,
            "the receiver has no such address (404)",
        ),
        _ => (ErrorKind::Permanent, "the receiver refused the message"),
    };
    let retry_after = if matches!(status, 429 | 503) {
        answer.header("retry-after").and_then(parse_retry_after)
    } else {
        None
    };
    Err(ChannelError {
        kind,
        detail: format!("{host} answered HTTP {status}: {what}"),
        status: Some(status),
        retry_after,
    })
}

/// `Retry-After` is either a number of seconds or an HTTP date (RFC 9110 §10.2.3).
pub fn parse_retry_after(value: &str) -> Option<RetryAfter> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(RetryAfter::Delay(Duration::from_secs(seconds)));
    }
    // The HTTP date (IMF-fixdate, "Sun, 06 Nov 1994 08:49:37 GMT") is an RFC 2822 date.
    jiff::fmt::rfc2822::parse(value)
        .ok()
        .map(|z| RetryAfter::At(z.timestamp()))
}

/// The host of a URL, for messages (never the path: a topic or a token may sit there).
pub(crate) fn host_of(url: &url::Url) -> String {
    match (url.host_str(), url.port()) {
        (Some(h), Some(p)) => format!("{h}:{p}"),
        (Some(h), None) => h.to_string(),
        _ => "the receiver".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, headers: &[(&str, &str)]) -> Response {
        Response {
            status,
            headers: headers
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
            body: b"secret body".to_vec(),
        }
    }

    #[test]
    fn statuses_sort_into_success_retry_stop_and_give_up() {
        assert_eq!(
            classify("h", &answer(204, &[])),
            Ok(Delivered { status: 204 })
        );
        let kind = |s| classify("h", &answer(s, &[])).map_err(|e| e.kind).err();
        assert_eq!(kind(410), Some(ErrorKind::Gone));
        for s in [408, 429, 500, 502, 503, 504] {
            assert_eq!(kind(s), Some(ErrorKind::Transient), "{s}");
        }
        for s in [301, 302, 400, 401, 403, 404, 413, 422] {
            assert_eq!(kind(s), Some(ErrorKind::Permanent), "{s}");
        }
    }

    #[test]
    fn retry_after_in_seconds_or_as_a_date_is_returned_and_the_body_never_is() {
        let e = classify("h", &answer(429, &[("Retry-After", "120")])).unwrap_err();
        assert_eq!(
            e.retry_after,
            Some(RetryAfter::Delay(Duration::from_secs(120)))
        );
        assert!(!e.detail.contains("secret"));
        let e = classify(
            "h",
            &answer(503, &[("retry-after", "Wed, 21 Oct 2015 07:28:00 GMT")]),
        )
        .unwrap_err();
        let at: Timestamp = "2015-10-21T07:28:00Z".parse().unwrap();
        assert_eq!(e.retry_after, Some(RetryAfter::At(at)));
        // A date in the past means "now", not a time before the answer came.
        let now: Timestamp = "2020-01-01T00:00:00Z".parse().unwrap();
        assert_eq!(e.retry_after.unwrap().not_before(now), now);
        assert_eq!(parse_retry_after("soon"), None);
    }
}
