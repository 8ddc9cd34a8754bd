//! Account email: confirmations, new passwords, invitations. Each message is plain text
//! with an HTML copy; the log names its kind, never its recipient or content.

use crate::AppState;

/// Sends a message; without a mailer configured, says so in the log. Never fails the request:
/// the person is told to check their email either way, and an operator sees the log line.
pub async fn send(state: &AppState, kind: &'static str, to: &str, subject: &str, text: String) {
    let Some(mailer) = &state.mailer else {
        tracing::warn!(kind, "no mailer configured: message not sent");
        return;
    };
    let html = format!("<p>{}</p>", escape_html(&text).replace("\n\n", "</p><p>"));
    let message = visanav_mail::Message::new(kind, to.to_string(), subject.to_string(), text, html);
    if let Err(e) = mailer.send(&message).await {
        tracing::error!(kind, error = %e, "message not sent");
    }
}

pub(crate) fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A single-use link to `path` on this server: the URL to send, and the hash the database
/// keeps in its place.
pub fn new_link(state: &AppState, path: &str) -> (String, String) {
    let (token, hash) = visanav_auth::new_token();
    (
        format!("{}{path}?token={}", state.server.base_url, token.expose()),
        hash,
    )
}
