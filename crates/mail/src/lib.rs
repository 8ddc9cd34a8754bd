//! Outgoing email: one [`Mailer`] built from a [`MailConfig`], one async [`Mailer::send`].
//!
//! With `smtp.url` set, messages go to that SMTP server over rustls (implicit TLS or required
//! STARTTLS; plain text only with `?tls=none`, meant for a test server on this machine). Without
//! it (a laptop), each message is written as an RFC 5322 `.eml` file into the outbox directory
//! and the log says where: a message is never silently dropped.
//!
//! Every message is `multipart/alternative` (UTF-8 text and HTML) with a `Date` and a
//! `Message-ID` on the sender's domain. Logs carry the message's kind and id only: never the
//! recipient, the subject or the body (personal data), and nothing here ever prints the SMTP
//! password (`Debug` of the configuration and the mailer masks it, errors leave it out).
//!
//! No database, no web code: the caller decides what to send and when (the outbox dispatcher
//! retries when [`MailError::is_transient`] says so).

mod outbox;
mod smtp;
mod url;

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};

/// The sender used when `smtp.from` is not set. Good enough for the outbox directory; a real
/// SMTP server needs an address on a domain it sends for, so [`Mailer::new`] refuses this one
/// together with `smtp.url`.
pub const DEFAULT_FROM: &str = "visanav <visanav@localhost>";

/// The longest one message may take over SMTP, from connecting to the server's answer.
const SEND_TIME_LIMIT: Duration = Duration::from_secs(60);

/// `smtp.url`: may hold a password. `Debug` shows it with the password masked.
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpUrl(String);

impl SmtpUrl {
    pub fn new(url: impl Into<String>) -> SmtpUrl {
        SmtpUrl(url.into())
    }

    /// The URL itself, password included: pass it on, never print it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The URL with its password replaced by `****`.
    pub fn masked(&self) -> String {
        url::masked(&self.0)
    }
}

impl fmt::Debug for SmtpUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SmtpUrl({})", self.masked())
    }
}

/// How mail leaves visanav.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailConfig {
    /// `smtp.url`; `None` writes every message to `outbox_dir` instead.
    pub smtp_url: Option<SmtpUrl>,
    /// `smtp.from`: the sender, e.g. `visanav <noreply@example.org>`.
    pub from: String,
    /// Where messages go when there is no SMTP server (created 0700 on first use).
    pub outbox_dir: PathBuf,
}

/// One message to one person.
#[derive(Clone)]
pub struct Message {
    /// What kind of message this is (`"verify-email"`, `"password-reset"`…): the only thing
    /// about it, besides its id, that reaches the log.
    pub kind: &'static str,
    /// The recipient's address (`name@example.org`).
    pub to: String,
    pub subject: String,
    /// The plain-text part.
    pub text: String,
    /// The HTML part: the same content as `text`.
    pub html: String,
    /// A stable key for this message (an outbox delivery's id): the Message-ID is built from
    /// it, so a message sent again after a crash carries the same Message-ID and mail systems
    /// and people can tell it is the same message. `None`: a fresh Message-ID.
    pub idempotency_key: Option<String>,
    /// The one-click unsubscribe link (RFC 8058): sent as `List-Unsubscribe` with
    /// `List-Unsubscribe-Post: List-Unsubscribe=One-Click`.
    pub unsubscribe_url: Option<String>,
    /// A calendar invitation (iTIP, RFC 6047): sent as a `text/calendar` part beside the
    /// text and HTML, which calendar-aware mail programs offer to add, move or remove.
    pub invite: Option<Invite>,
}

/// An iCalendar object with its METHOD (`REQUEST`, `CANCEL`), as `write_invite` makes it.
#[derive(Clone, PartialEq, Eq)]
pub struct Invite {
    pub method: &'static str,
    pub ics: String,
}

impl Message {
    /// A message with a fresh Message-ID and no unsubscribe link (account email).
    pub fn new(
        kind: &'static str,
        to: String,
        subject: String,
        text: String,
        html: String,
    ) -> Message {
        Message {
            kind,
            to,
            subject,
            text,
            html,
            idempotency_key: None,
            unsubscribe_url: None,
            invite: None,
        }
    }
}

impl fmt::Debug for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Recipient, subject and body are personal data.
        f.debug_struct("Message")
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

/// Where a message went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sent {
    /// Accepted by the SMTP server.
    Smtp { message_id: String },
    /// Written to the outbox directory (no SMTP server configured).
    Outbox { message_id: String, path: PathBuf },
}

impl Sent {
    /// The `Message-ID` header's value, e.g. `<0193…@example.org>`.
    pub fn message_id(&self) -> &str {
        match self {
            Sent::Smtp { message_id } | Sent::Outbox { message_id, .. } => message_id,
        }
    }
}

/// The step of an SMTP conversation that failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpStep {
    Connect,
    Tls,
    Auth,
    Sender,
    Recipient,
    Message,
}

/// Why mail could not be set up or sent. No variant holds the SMTP password, the recipient's
/// address or the message.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// A setting is wrong: names the setting and the fix.
    #[error("{setting}: {problem}")]
    Config {
        setting: &'static str,
        problem: String,
    },
    /// The message itself cannot be built (for example, its recipient is not an address).
    #[error("cannot build the {kind} message: {problem}")]
    Message { kind: &'static str, problem: String },
    /// The SMTP conversation failed at `step`. `detail` is the server's or the network's
    /// answer, with any email address in it replaced by `<address>`.
    #[error("{}", smtp_message(*step, server, detail))]
    Smtp {
        step: SmtpStep,
        server: String,
        detail: String,
        transient: bool,
    },
    /// The outbox directory could not be written.
    #[error(
        "cannot write mail to the outbox directory {}: {source}; make it writable by visanav, or set smtp.url to send mail",
        dir.display()
    )]
    Outbox {
        dir: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl MailError {
    /// Whether trying again later may succeed (a network failure or a 4xx answer), rather
    /// than failing the same way (a wrong password, a refused address).
    pub fn is_transient(&self) -> bool {
        match self {
            MailError::Smtp { transient, .. } => *transient,
            MailError::Outbox { .. } => true,
            MailError::Config { .. } | MailError::Message { .. } => false,
        }
    }
}

fn smtp_message(step: SmtpStep, server: &str, detail: &str) -> String {
    match step {
        SmtpStep::Connect => format!(
            "cannot reach the mail server {server} ({detail}); check the host and port in smtp.url and that the server is up"
        ),
        SmtpStep::Tls => format!(
            "TLS with the mail server {server} failed ({detail}); smtps:// expects TLS from the first byte (usually port 465), smtp:// expects STARTTLS (usually port 587)"
        ),
        SmtpStep::Auth => format!(
            "the mail server {server} did not accept the user name and password in smtp.url ({detail})"
        ),
        SmtpStep::Sender => format!(
            "the mail server {server} refused the sender address in smtp.from ({detail}); use an address the server sends for"
        ),
        SmtpStep::Recipient => {
            format!("the mail server {server} refused the recipient address ({detail})")
        }
        SmtpStep::Message => format!("the mail server {server} refused the message ({detail})"),
    }
}

/// Sends messages: over SMTP when configured, else into the outbox directory. Cheap to clone.
#[derive(Clone)]
pub struct Mailer {
    from: Mailbox,
    via: Via,
}

#[derive(Clone)]
enum Via {
    Smtp(Box<smtp::Smtp>),
    Outbox(PathBuf),
}

impl fmt::Debug for Mailer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Mailer");
        d.field("from", &self.from.to_string());
        match &self.via {
            Via::Smtp(s) => d.field("smtp", s),
            Via::Outbox(dir) => d.field("outbox_dir", dir),
        };
        d.finish()
    }
}

impl Mailer {
    /// Checks the configuration; connects to nothing and creates nothing yet.
    pub fn new(config: MailConfig) -> Result<Mailer, MailError> {
        let from: Mailbox = config.from.trim().parse().map_err(|e| MailError::Config {
            setting: "smtp.from",
            problem: format!(
                "{:?} is not an email address ({e}); use e.g. \"visanav <noreply@example.org>\"",
                config.from
            ),
        })?;
        let via = match &config.smtp_url {
            Some(url) => {
                if from.email.domain().eq_ignore_ascii_case("localhost") {
                    return Err(MailError::Config {
                        setting: "smtp.from",
                        problem: format!(
                            "{:?} is not an address a mail server will send for; with smtp.url set, set smtp.from \
                             (VISANAV_SMTP_FROM) to an address on your domain, e.g. \"visanav <noreply@example.org>\"",
                            config.from
                        ),
                    });
                }
                let server = url::parse(url.expose())?;
                Via::Smtp(Box::new(smtp::Smtp::new(server, from.email.domain())?))
            }
            None => Via::Outbox(config.outbox_dir.clone()),
        };
        Ok(Mailer { from, via })
    }

    /// Whether messages go to an SMTP server (else to the outbox directory).
    pub fn uses_smtp(&self) -> bool {
        matches!(self.via, Via::Smtp(_))
    }

    /// Sends one message, or writes it to the outbox directory when no SMTP server is
    /// configured. Logs the message's kind and id, never its recipient or content.
    pub async fn send(&self, message: &Message) -> Result<Sent, MailError> {
        let (email, message_id) = self.build(message)?;
        match &self.via {
            Via::Smtp(smtp) => {
                smtp.send(&email).await?;
                tracing::info!(kind = message.kind, message_id = %message_id, "mail sent over SMTP");
                Ok(Sent::Smtp { message_id })
            }
            Via::Outbox(dir) => {
                let path = outbox::write(dir, &message_id, email.formatted()).await?;
                tracing::info!(
                    kind = message.kind,
                    message_id = %message_id,
                    path = %path.display(),
                    "no SMTP server configured (smtp.url): mail written to the outbox directory"
                );
                Ok(Sent::Outbox { message_id, path })
            }
        }
    }

    /// The sender's address (an invitation's ORGANIZER).
    pub fn from_address(&self) -> String {
        self.from.email.to_string()
    }

    fn build(&self, message: &Message) -> Result<(lettre::Message, String), MailError> {
        let bad = |problem: String| MailError::Message {
            kind: message.kind,
            problem,
        };
        let to: lettre::Address = message
            .to
            .trim()
            .parse()
            .map_err(|e| bad(format!("the recipient is not an email address ({e})")))?;
        let local: String = match &message.idempotency_key {
            Some(key) => key.chars().filter(char::is_ascii_alphanumeric).collect(),
            None => uuid::Uuid::now_v7().simple().to_string(),
        };
        let message_id = format!("<{local}@{}>", self.from.email.domain());
        let mut builder = lettre::Message::builder();
        if let Some(url) = &message.unsubscribe_url {
            let header = |name: &'static str, value: String| {
                HeaderValue::new(HeaderName::new_from_ascii_str(name), value)
            };
            builder = builder
                .raw_header(header("List-Unsubscribe", format!("<{url}>")))
                .raw_header(header(
                    "List-Unsubscribe-Post",
                    "List-Unsubscribe=One-Click".into(),
                ));
        }
        let email = builder
            .from(self.from.clone())
            .to(Mailbox::new(None, to))
            .subject(message.subject.clone())
            .date_now()
            .message_id(Some(message_id.clone()))
            .multipart(body(message).map_err(|e| bad(e.to_string()))?)
            .map_err(|e| bad(e.to_string()))?;
        Ok((email, message_id))
    }
}

/// Text and HTML as alternatives, and the invitation as a third when there is one.
fn body(message: &Message) -> Result<MultiPart, lettre::message::header::ContentTypeErr> {
    let parts = MultiPart::alternative_plain_html(message.text.clone(), message.html.clone());
    Ok(match &message.invite {
        None => parts,
        Some(invite) => {
            let kind = lettre::message::header::ContentType::parse(&format!(
                "text/calendar; charset=utf-8; method={}",
                invite.method
            ))?;
            parts.singlepart(
                lettre::message::SinglePart::builder()
                    .header(kind)
                    .body(invite.ics.clone()),
            )
        }
    })
}
