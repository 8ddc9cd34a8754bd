//! One SMTP conversation per message, step by step, so a failure says which step failed:
//! connect, TLS, authentication, the sender, the recipient or the message.
//!
//! lettre's transport runs MAIL, RCPT and DATA as one call and reads `smtp://` as "no TLS";
//! here `smtp://` requires STARTTLS and each step is its own call.

use std::fmt;
use std::time::Duration;

use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, TlsParameters};
use lettre::transport::smtp::commands::{Data, Mail, Rcpt};
use lettre::transport::smtp::extension::{ClientId, Extension, MailBodyParameter, MailParameter};

use crate::url::{Server, Tls};
use crate::{MailError, SEND_TIME_LIMIT, SmtpStep};

const CONNECT_TIME_LIMIT: Duration = Duration::from_secs(20);

#[derive(Clone)]
pub(crate) struct Smtp {
    server: Server,
    tls: Option<TlsParameters>,
    hello: ClientId,
    credentials: Option<Credentials>,
}

impl fmt::Debug for Smtp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // No user name or password.
        f.debug_struct("Smtp")
            .field("server", &self.server.address())
            .field("tls", &self.server.tls)
            .field("authenticates", &self.credentials.is_some())
            .finish()
    }
}

impl Smtp {
    /// `hello_domain` names this client in EHLO: the sender's domain.
    pub fn new(server: Server, hello_domain: &str) -> Result<Smtp, MailError> {
        let tls = match server.tls {
            Tls::None => None,
            Tls::Implicit | Tls::Starttls => Some(
                TlsParameters::new(server.host.clone()).map_err(|e| MailError::Config {
                    setting: "smtp.url",
                    problem: format!("cannot set up TLS for {}: {e}", server.address()),
                })?,
            ),
        };
        let credentials = server
            .credentials
            .as_ref()
            .map(|(user, pass)| Credentials::new(user.clone(), pass.clone()));
        Ok(Smtp {
            hello: ClientId::Domain(hello_domain.to_string()),
            tls,
            credentials,
            server,
        })
    }

    pub async fn send(&self, email: &lettre::Message) -> Result<(), MailError> {
        let mut step = SmtpStep::Connect;
        let outcome = tokio::time::timeout(SEND_TIME_LIMIT, self.converse(email, &mut step)).await;
        match outcome {
            Ok(result) => result,
            Err(_) => Err(self.fail(
                step,
                format!("no answer within {} seconds", SEND_TIME_LIMIT.as_secs()),
                true,
            )),
        }
    }

    async fn converse(
        &self,
        email: &lettre::Message,
        step: &mut SmtpStep,
    ) -> Result<(), MailError> {
        let implicit = match self.server.tls {
            Tls::Implicit => self.tls.clone(),
            Tls::Starttls | Tls::None => None,
        };
        let mut conn = AsyncSmtpConnection::connect_tokio1(
            (self.server.host.as_str(), self.server.port),
            Some(CONNECT_TIME_LIMIT),
            &self.hello,
            implicit,
            None,
        )
        .await
        .map_err(|e| {
            let step = if e.is_tls() {
                SmtpStep::Tls
            } else {
                SmtpStep::Connect
            };
            self.error(step, &e)
        })?;
        let result = self.session(&mut conn, email, step).await;
        if result.is_ok() {
            let _ = conn.quit().await;
        } else {
            conn.abort().await;
        }
        result
    }

    async fn session(
        &self,
        conn: &mut AsyncSmtpConnection,
        email: &lettre::Message,
        step: &mut SmtpStep,
    ) -> Result<(), MailError> {
        if let (Tls::Starttls, Some(tls)) = (self.server.tls, &self.tls) {
            *step = SmtpStep::Tls;
            if !conn.can_starttls() {
                return Err(self.fail(
                    SmtpStep::Tls,
                    "the server does not offer STARTTLS, which smtp:// requires (smtps:// is TLS from the start)".into(),
                    false,
                ));
            }
            conn.starttls(tls.clone(), &self.hello)
                .await
                .map_err(|e| self.error(SmtpStep::Tls, &e))?;
        }
        if let Some(credentials) = &self.credentials {
            *step = SmtpStep::Auth;
            conn.auth(&[Mechanism::Plain, Mechanism::Login], credentials)
                .await
                .map_err(|e| self.error(SmtpStep::Auth, &e))?;
        }

        let envelope = email.envelope();
        let bytes = email.formatted();
        let mut options = Vec::new();
        let info = conn.server_info();
        let non_ascii_address = envelope
            .from()
            .into_iter()
            .chain(envelope.to())
            .any(|a| !AsRef::<str>::as_ref(a).is_ascii());
        if non_ascii_address {
            if !info.supports_feature(Extension::SmtpUtfEight) {
                return Err(self.fail(
                    SmtpStep::Recipient,
                    "an address has non-ASCII characters and the server does not accept them (no SMTPUTF8)".into(),
                    false,
                ));
            }
            options.push(MailParameter::SmtpUtfEight);
        }
        if !bytes.is_ascii() && info.supports_feature(Extension::EightBitMime) {
            options.push(MailParameter::Body(MailBodyParameter::EightBitMime));
        }

        *step = SmtpStep::Sender;
        conn.command(Mail::new(envelope.from().cloned(), options))
            .await
            .map_err(|e| self.error(SmtpStep::Sender, &e))?;
        *step = SmtpStep::Recipient;
        for to in envelope.to() {
            conn.command(Rcpt::new(to.clone(), vec![]))
                .await
                .map_err(|e| self.error(SmtpStep::Recipient, &e))?;
        }
        *step = SmtpStep::Message;
        conn.command(Data)
            .await
            .map_err(|e| self.error(SmtpStep::Message, &e))?;
        conn.message(&bytes)
            .await
            .map_err(|e| self.error(SmtpStep::Message, &e))?;
        Ok(())
    }

    fn error(&self, step: SmtpStep, e: &lettre::transport::smtp::Error) -> MailError {
        let transient = e.is_transient() || e.is_timeout() || step == SmtpStep::Connect;
        let mut detail = e.to_string();
        let mut source = std::error::Error::source(e);
        while let Some(s) = source {
            detail.push_str(": ");
            detail.push_str(&s.to_string());
            source = s.source();
        }
        self.fail(step, detail, transient)
    }

    fn fail(&self, step: SmtpStep, detail: String, transient: bool) -> MailError {
        MailError::Smtp {
            step,
            server: self.server.address(),
            detail: without_addresses(&detail),
            transient,
        }
    }
}

/// Server answers often quote the address they refuse: keep them out of errors (and so out
/// of logs).
fn without_addresses(text: &str) -> String {
    text.split(' ')
        .map(|word| {
            if word.contains('@') {
                "<address>"
            } else {
                word
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    #[test]
    fn addresses_are_taken_out_of_server_answers() {
        assert_eq!(
            super::without_addresses(
                "permanent error (550): 5.1.1 <maria@example.org>: no such user"
            ),
            "permanent error (550): 5.1.1 <address> no such user"
        );
    }
}
