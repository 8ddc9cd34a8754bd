//! Webhooks signed as the Standard Webhooks specification says
//! (<https://www.standardwebhooks.com/>, `spec/standard-webhooks.md`, version 1.0.0):
//!
//! - the body is POSTed as JSON, exactly the bytes that were signed;
//! - `webhook-id`: the message id, the same on every retry (the receiver's idempotency key);
//! - `webhook-timestamp`: the attempt's time in integer Unix seconds;
//! - `webhook-signature`: space-separated `v1,<base64 HMAC-SHA256>` over
//!   `"{id}.{timestamp}.{body}"`, one per secret, so a receiver keeps working while its
//!   secret is rotated (the new and the previous secret both sign during a grace period);
//! - secrets are shown as `whsec_` followed by the base64 of 24 to 64 random bytes; the
//!   HMAC key is the decoded bytes.
//!
//! Any official Standard Webhooks library verifies what this module sends; CI checks it
//! with the Python one (`scripts/verify-webhook.py`).

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use visanav_sources::net::{HttpClient, Request};

use crate::{ChannelError, Delivered, classify, from_net, host_of};

/// The prefix of a shown secret.
pub const SECRET_PREFIX: &str = "whsec_";
/// The size of the secrets visanav makes: 32 bytes (256 bits).
const GENERATED_BYTES: usize = 32;
/// The specification's limits on a secret's size.
const MIN_BYTES: usize = 24;
const MAX_BYTES: usize = 64;

/// Why a text is not a usable secret. The message names what was given (by its length, never
/// its value: it may be a real secret with a typo) and how to get a good one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    #[error(
        "the webhook secret does not start with \"whsec_\" (it is {len} characters long); \
         give the whole secret as shown when the endpoint was made, e.g. whsec_MfKQ9r8G…, \
         or leave it out and visanav makes a new one"
    )]
    NoPrefix { len: usize },
    #[error(
        "the webhook secret after \"whsec_\" is not base64 ({detail}); copy it again in full, \
         without spaces or line breaks, or leave it out and visanav makes a new one"
    )]
    NotBase64 { detail: String },
    #[error(
        "the webhook secret holds {bytes} bytes; the Standard Webhooks specification wants 24 \
         to 64 random bytes. Make a new one (leave --secret out) rather than padding this one"
    )]
    BadLength { bytes: usize },
    #[error("the system's random number generator failed: {0}")]
    Random(String),
}

/// A webhook signing secret. Its `Debug` never shows the key; [`WebhookSecret::expose`]
/// gives the `whsec_…` text, to show the person once and to store encrypted.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookSecret {
    key: Vec<u8>,
}

impl std::fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WebhookSecret(<redacted>)")
    }
}

impl WebhookSecret {
    /// A new random secret of 32 bytes.
    pub fn generate() -> Result<WebhookSecret, SecretError> {
        let mut key = vec![0u8; GENERATED_BYTES];
        getrandom::getrandom(&mut key).map_err(|e| SecretError::Random(e.to_string()))?;
        Ok(WebhookSecret { key })
    }

    /// Reads a `whsec_<base64>` secret (surrounding spaces are ignored).
    pub fn parse(text: &str) -> Result<WebhookSecret, SecretError> {
        let text = text.trim();
        let encoded = text
            .strip_prefix(SECRET_PREFIX)
            .ok_or(SecretError::NoPrefix {
                len: text.chars().count(),
            })?;
        let key = BASE64.decode(encoded).map_err(|e| SecretError::NotBase64 {
            detail: e.to_string(),
        })?;
        if !(MIN_BYTES..=MAX_BYTES).contains(&key.len()) {
            return Err(SecretError::BadLength { bytes: key.len() });
        }
        Ok(WebhookSecret { key })
    }

    /// The secret as the person sees it: `whsec_` and the base64 of the key.
    pub fn expose(&self) -> String {
        format!("{SECRET_PREFIX}{}", BASE64.encode(&self.key))
    }

    /// One signature, `v1,<base64>`, over `{msg_id}.{timestamp}.{body}`.
    pub fn sign(&self, msg_id: &str, timestamp: i64, body: &[u8]) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.key)
            .expect("HMAC takes a key of any length");
        mac.update(msg_id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        format!("v1,{}", BASE64.encode(mac.finalize().into_bytes()))
    }
}

/// The `webhook-signature` value: one signature per secret, space-separated, in the order
/// given (the current secret first, then the previous one during its grace period).
pub fn signature_header(
    secrets: &[WebhookSecret],
    msg_id: &str,
    timestamp: i64,
    body: &[u8],
) -> String {
    secrets
        .iter()
        .map(|s| s.sign(msg_id, timestamp, body))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Sends `body` (serialised compactly) to `url`, signed with every secret in `secrets`.
/// `msg_id` identifies the event for this endpoint and stays the same on every retry;
/// `timestamp` is the attempt's time in Unix seconds.
pub async fn send_webhook(
    client: &HttpClient,
    url: &url::Url,
    secrets: &[WebhookSecret],
    msg_id: &str,
    timestamp: i64,
    body: &serde_json::Value,
) -> Result<Delivered, ChannelError> {
    let bytes = serde_json::to_vec(body)
        .map_err(|e| ChannelError::permanent(format!("the event cannot be serialised: {e}")))?;
    send_webhook_bytes(client, url, secrets, msg_id, timestamp, bytes).await
}

/// The same with the JSON already serialised (the bytes are sent exactly as given).
pub async fn send_webhook_bytes(
    client: &HttpClient,
    url: &url::Url,
    secrets: &[WebhookSecret],
    msg_id: &str,
    timestamp: i64,
    body: Vec<u8>,
) -> Result<Delivered, ChannelError> {
    check_msg_id(msg_id)?;
    if secrets.is_empty() {
        return Err(ChannelError::permanent(
            "the webhook endpoint has no secret to sign with",
        ));
    }
    let signature = signature_header(secrets, msg_id, timestamp, &body);
    let request = Request::post_bytes(url.clone(), "application/json", body)
        .header("user-agent", crate::USER_AGENT)
        .header("webhook-id", msg_id)
        .header("webhook-timestamp", &timestamp.to_string())
        .header("webhook-signature", &signature);
    let answer = client.send(request).await.map_err(from_net)?;
    classify(&host_of(url), &answer)
}

/// The specification asks that the id hold no `.` (it delimits the signed content); it is
/// also a header value, so visible ASCII only.
fn check_msg_id(msg_id: &str) -> Result<(), ChannelError> {
    let ok = !msg_id.is_empty()
        && msg_id.len() <= 256
        && msg_id.bytes().all(|b| b.is_ascii_graphic() && b != b'.');
    if ok {
        Ok(())
    } else {
        Err(ChannelError::permanent(format!(
            "the webhook message id {msg_id:?} must be 1 to 256 visible ASCII characters without '.'"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The test vector published with the Standard Webhooks libraries (and Svix's manual
    // verification guide): a value computed by others, not by this code.
    const VECTOR_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const VECTOR_ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const VECTOR_TS: i64 = 1_614_265_330;
    const VECTOR_BODY: &[u8] = br#"{"test": 2432232314}"#;
    const VECTOR_SIGNATURE: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    #[test]
    fn signature_matches_the_published_test_vector() {
        let secret = WebhookSecret::parse(VECTOR_SECRET).unwrap();
        assert_eq!(
            secret.sign(VECTOR_ID, VECTOR_TS, VECTOR_BODY),
            VECTOR_SIGNATURE
        );
        // A changed byte anywhere changes the signature.
        assert_ne!(
            secret.sign(VECTOR_ID, VECTOR_TS + 1, VECTOR_BODY),
            VECTOR_SIGNATURE
        );
        assert_ne!(
            secret.sign(VECTOR_ID, VECTOR_TS, br#"{"test": 2432232315}"#),
            VECTOR_SIGNATURE
        );
    }

    #[test]
    fn rotation_signs_with_each_secret_space_separated_current_first() {
        let old = WebhookSecret::parse(VECTOR_SECRET).unwrap();
        let new = WebhookSecret::generate().unwrap();
        let header = signature_header(&[new.clone(), old], VECTOR_ID, VECTOR_TS, VECTOR_BODY);
        let parts: Vec<&str> = header.split(' ').collect();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0], new.sign(VECTOR_ID, VECTOR_TS, VECTOR_BODY));
        assert_eq!(parts[1], VECTOR_SIGNATURE);
        assert!(parts.iter().all(|p| p.starts_with("v1,")));
    }

    #[test]
    fn generated_secrets_round_trip_and_differ() {
        let a = WebhookSecret::generate().unwrap();
        let b = WebhookSecret::generate().unwrap();
        assert_ne!(a, b);
        assert!(a.expose().starts_with("whsec_"));
        assert_eq!(WebhookSecret::parse(&a.expose()).unwrap(), a);
        assert_eq!(a.key.len(), 32);
    }

    #[test]
    fn debug_never_shows_the_key() {
        let s = WebhookSecret::parse(VECTOR_SECRET).unwrap();
        let shown = format!("{s:?}");
        assert!(!shown.contains("MfKQ"), "{shown}");
        assert!(shown.contains("redacted"));
    }

    #[test]
    fn bad_secrets_are_refused_with_the_fix_and_without_the_value() {
        let e = WebhookSecret::parse("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap_err();
        assert!(matches!(e, SecretError::NoPrefix { len: 32 }));
        assert!(e.to_string().contains("whsec_"));
        assert!(!e.to_string().contains("LaLaSw"));
        let e = WebhookSecret::parse("whsec_not base64!").unwrap_err();
        assert!(matches!(e, SecretError::NotBase64 { .. }), "{e}");
        assert!(e.to_string().contains("copy it again"));
        // "c2hvcnQ=" is "short": 5 bytes.
        let e = WebhookSecret::parse("whsec_c2hvcnQ=").unwrap_err();
        assert_eq!(e, SecretError::BadLength { bytes: 5 });
        assert!(WebhookSecret::parse(&format!("  {VECTOR_SECRET}\n")).is_ok());
    }

    #[test]
    fn message_ids_with_dots_or_spaces_are_refused() {
        assert!(check_msg_id("msg_01J0ABC").is_ok());
        assert!(check_msg_id("a.b").is_err());
        assert!(check_msg_id("a b").is_err());
        assert!(check_msg_id("").is_err());
    }
}
