//! Phone push through an ntfy server (<https://docs.ntfy.sh/publish/>): a POST to
//! `{server}/{topic}` whose body is the message text, with the headers `Title`, `Priority`
//! (1 to 5), `Tags` (comma-separated), `Click` (the link the notification opens) and, for a
//! protected topic, `Authorization: Bearer <access token>`.
//!
//! HTTP headers carry ASCII only; ntfy decodes RFC 2047 encoded words
//! (`=?UTF-8?B?…?=`), so a title with accents or other scripts is sent that way.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use visanav_sources::net::{HttpClient, Request};

use crate::{ChannelError, Delivered, classify, from_net, host_of};

/// ntfy keeps a message of up to 4,096 bytes as text; a longer one arrives as an attachment
/// file, which is no use on a lock screen. Longer messages are cut (at a character boundary).
const MAX_MESSAGE_BYTES: usize = 4096;

/// Where to publish: the server's base URL (a path prefix is kept, for a server behind a
/// reverse proxy) and the topic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NtfyTarget {
    server: url::Url,
    topic: String,
}

impl NtfyTarget {
    /// A server URL (`https://ntfy.example.org`) and a topic name (letters, digits, `-`, `_`,
    /// at most 64: ntfy's own rule).
    pub fn new(server: &str, topic: &str) -> Result<NtfyTarget, String> {
        let server = url::Url::parse(server.trim()).map_err(|e| {
            format!(
                "the ntfy server {:?} is not a URL ({e}); give it as https://ntfy.example.org",
                server.trim()
            )
        })?;
        if !matches!(server.scheme(), "http" | "https") || server.host_str().is_none() {
            return Err(format!(
                "the ntfy server {server} is not an http or https address; give it as \
                 https://ntfy.example.org"
            ));
        }
        if server.query().is_some() || server.fragment().is_some() {
            return Err(format!(
                "the ntfy server {server} carries a query or fragment; give only the \
                 server's address"
            ));
        }
        let topic = topic.trim();
        let good = !topic.is_empty()
            && topic.len() <= 64
            && topic
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !good {
            return Err(format!(
                "the ntfy topic {topic:?} is not usable: ntfy topics are 1 to 64 letters, \
                 digits, '-' or '_'"
            ));
        }
        Ok(NtfyTarget {
            server,
            topic: topic.to_string(),
        })
    }

    /// A whole publishing URL, `https://ntfy.example.org/mytopic`: the last path segment is
    /// the topic, the rest the server.
    pub fn from_url(url: &str) -> Result<NtfyTarget, String> {
        let trimmed = url.trim().trim_end_matches('/');
        match trimmed.rsplit_once('/') {
            Some((server, topic)) if server.contains("://") && !server.ends_with('/') => {
                NtfyTarget::new(server, topic)
            }
            _ => Err(format!(
                "{:?} does not name an ntfy topic; give it as https://ntfy.example.org/mytopic",
                url.trim()
            )),
        }
    }

    pub fn server(&self) -> &url::Url {
        &self.server
    }

    pub fn topic(&self) -> &str {
        &self.topic
    }

    /// The URL messages are POSTed to.
    pub fn publish_url(&self) -> url::Url {
        let mut url = self.server.clone();
        let path = format!("{}/{}", url.path().trim_end_matches('/'), self.topic);
        url.set_path(&path);
        url
    }
}

/// An ntfy access token (`tk_…`). `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct NtfyToken(String);

impl std::fmt::Debug for NtfyToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NtfyToken(<redacted>)")
    }
}

impl NtfyToken {
    /// A token as the ntfy server issued it; it must fit in a header (visible ASCII).
    pub fn new(token: &str) -> Result<NtfyToken, String> {
        let token = token.trim();
        if token.is_empty() || token.len() > 256 || !token.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(
                "the ntfy access token is not usable: copy it again from the ntfy server \
                 (`ntfy token add`, or its web app), it looks like tk_…"
                    .into(),
            );
        }
        Ok(NtfyToken(token.to_string()))
    }

    /// The token itself, to store it (encrypted).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// What the phone shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NtfyMessage {
    pub title: String,
    pub message: String,
    /// 1 (min) to 5 (max, urgent); 3 is ntfy's default.
    pub priority: u8,
    /// Opened when the notification is tapped: the case's page.
    pub click: Option<url::Url>,
    /// ntfy tags; names of emoji show as icons (`warning`, `calendar`).
    pub tags: Vec<String>,
}

/// Publishes `message` to the target, with the token when the topic is protected.
pub async fn send_ntfy(
    client: &HttpClient,
    target: &NtfyTarget,
    token: Option<&NtfyToken>,
    message: &NtfyMessage,
) -> Result<Delivered, ChannelError> {
    let url = target.publish_url();
    let body = cut(&message.message, MAX_MESSAGE_BYTES).as_bytes().to_vec();
    let mut request = Request::post_bytes(url.clone(), "text/plain; charset=utf-8", body)
        .header("user-agent", crate::USER_AGENT)
        .header("Priority", &message.priority.clamp(1, 5).to_string());
    if !message.title.trim().is_empty() {
        request = request.header("Title", &header_text(message.title.trim()));
    }
    let tags: Vec<&str> = message
        .tags
        .iter()
        .map(String::as_str)
        .filter(|t| {
            !t.is_empty()
                && t.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        })
        .collect();
    if !tags.is_empty() {
        request = request.header("Tags", &tags.join(","));
    }
    if let Some(click) = &message.click {
        request = request.header("Click", click.as_str());
    }
    if let Some(token) = token {
        request = request.header("Authorization", &format!("Bearer {}", token.0));
    }
    let answer = client.send(request).await.map_err(from_net)?;
    classify(&host_of(&url), &answer)
}

/// A header value: printable ASCII as it is, anything else as an RFC 2047 encoded word.
pub fn header_text(text: &str) -> String {
    if text.bytes().all(|b| (b' '..=b'~').contains(&b)) {
        text.to_string()
    } else {
        format!("=?UTF-8?B?{}?=", BASE64.encode(text.as_bytes()))
    }
}

/// `text`, cut to at most `max` bytes at a character boundary, with an ellipsis when cut.
fn cut(text: &str, max: usize) -> std::borrow::Cow<'_, str> {
    if text.len() <= max {
        return text.into();
    }
    let ellipsis = "…";
    let mut end = max - ellipsis.len();
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}{ellipsis}", &text[..end]).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_publishing_url_splits_into_server_and_topic_and_joins_back() {
        let t = NtfyTarget::from_url("https://ntfy.example.org/visa-alerts").unwrap();
        assert_eq!(t.server().as_str(), "https://ntfy.example.org/");
        assert_eq!(t.topic(), "visa-alerts");
        assert_eq!(
            t.publish_url().as_str(),
            "https://ntfy.example.org/visa-alerts"
        );
        // A server behind a path prefix keeps it.
        let t = NtfyTarget::new("https://example.org/ntfy/", "k1").unwrap();
        assert_eq!(t.publish_url().as_str(), "https://example.org/ntfy/k1");
    }

    #[test]
    fn bad_servers_and_topics_are_refused_with_the_fix() {
        assert!(NtfyTarget::from_url("https://ntfy.example.org").is_err());
        assert!(NtfyTarget::from_url("ntfy.example.org/topic").is_err());
        let e = NtfyTarget::new("https://ntfy.example.org", "my topic").unwrap_err();
        assert!(e.contains("1 to 64 letters"), "{e}");
        assert!(NtfyTarget::new("ftp://ntfy.example.org", "t").is_err());
    }

    #[test]
    fn non_ascii_titles_are_encoded_words_ascii_ones_are_not() {
        assert_eq!(header_text("Status changed"), "Status changed");
        let encoded = header_text("Statut modifié");
        assert!(encoded.starts_with("=?UTF-8?B?") && encoded.ends_with("?="));
        let inner = &encoded["=?UTF-8?B?".len()..encoded.len() - 2];
        assert_eq!(BASE64.decode(inner).unwrap(), "Statut modifié".as_bytes());
    }

    #[test]
    fn long_messages_are_cut_at_a_character_boundary() {
        let long = "é".repeat(3000);
        let c = cut(&long, MAX_MESSAGE_BYTES);
        assert!(c.len() <= MAX_MESSAGE_BYTES);
        assert!(c.ends_with('…'));
        assert_eq!(cut("short", 10), "short");
    }

    #[test]
    fn tokens_are_redacted_in_debug() {
        let t = NtfyToken::new("tk_AgQdq7mVBoFD37zQVN29RhuMzNIz2").unwrap();
        assert!(!format!("{t:?}").contains("tk_"));
        assert!(NtfyToken::new("has space").is_err());
    }
}
