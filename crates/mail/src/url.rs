//! Reading `smtp.url`: which server, which kind of TLS, which credentials.
//!
//! Three forms, and nothing else:
//! - `smtps://USER:PASSWORD@HOST[:465]`: TLS from the first byte (RFC 8314, preferred);
//! - `smtp://USER:PASSWORD@HOST[:587]`: STARTTLS, required: a server that does not offer it
//!   is an error, never a silent fall-back to plain text;
//! - `smtp://HOST:PORT?tls=none`: no TLS and no credentials, for a test server on this
//!   machine only (scripts/with-smtp-sink.sh).
//!
//! Special characters in the user name or password are percent-encoded (`@` is `%40`).
//! No message built here contains the password.

use percent_encoding::percent_decode_str;

use crate::MailError;

/// The setting every message here names.
const SETTING: &str = "smtp.url";

const FORMS: &str = "use smtps://USER:PASSWORD@HOST (TLS, port 465), \
     smtp://USER:PASSWORD@HOST (STARTTLS, port 587), or smtp://HOST:PORT?tls=none \
     (no TLS, only for a test server on this machine)";

const NO_HOST: &str =
    "the URL has no host name: name the mail server, e.g. smtps://USER:PASSWORD@mail.example.org";

/// How the connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tls {
    /// TLS from the first byte (`smtps://`).
    Implicit,
    /// Plain connect, then STARTTLS, which the server must offer (`smtp://`).
    Starttls,
    /// No TLS at all (`smtp://…?tls=none`): a local test server only.
    None,
}

/// A parsed `smtp.url`.
#[derive(Clone)]
pub(crate) struct Server {
    pub host: String,
    pub port: u16,
    pub tls: Tls,
    pub credentials: Option<(String, String)>,
}

impl Server {
    /// `host:port`, for messages.
    pub fn address(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

fn problem(problem: impl Into<String>) -> MailError {
    MailError::Config {
        setting: SETTING,
        problem: problem.into(),
    }
}

/// The URL with its password replaced by `****`, for messages and `Debug`.
pub(crate) fn masked(raw: &str) -> String {
    match url::Url::parse(raw) {
        Ok(mut u) => {
            if u.password().is_some() {
                let _ = u.set_password(Some("****"));
            }
            u.to_string()
        }
        Err(_) => "(not a URL; hidden because it may hold a password)".to_string(),
    }
}

fn decode(part: &str, what: &str) -> Result<String, MailError> {
    percent_decode_str(part)
        .decode_utf8()
        .map(|s| s.into_owned())
        .map_err(|_| {
            problem(format!(
                "the {what} in the URL is not valid UTF-8 after percent-decoding"
            ))
        })
}

pub(crate) fn parse(raw: &str) -> Result<Server, MailError> {
    let raw = raw.trim();
    let u = url::Url::parse(raw).map_err(|e| match e {
        url::ParseError::EmptyHost => problem(NO_HOST),
        // The value is not shown: it may hold a password.
        e => problem(format!("the value is not a URL ({e}); {FORMS}")),
    })?;
    let shown = masked(raw);
    let secure = match u.scheme() {
        "smtps" => true,
        "smtp" => false,
        other => {
            return Err(problem(format!(
                "{shown}: the scheme {other:?} is not supported; {FORMS}"
            )));
        }
    };
    let host = match u.host() {
        Some(url::Host::Domain(d)) if !d.is_empty() => d.to_string(),
        Some(url::Host::Ipv4(a)) => a.to_string(),
        Some(url::Host::Ipv6(a)) => a.to_string(),
        _ => {
            return Err(problem(NO_HOST));
        }
    };
    if !matches!(u.path(), "" | "/") || u.fragment().is_some() {
        return Err(problem(format!(
            "{shown} has a path; the URL names only a server: {FORMS}"
        )));
    }
    let mut tls = if secure { Tls::Implicit } else { Tls::Starttls };
    for (k, v) in u.query_pairs() {
        match (k.as_ref(), v.as_ref(), secure) {
            ("tls", "none", false) => tls = Tls::None,
            ("tls", "starttls" | "required", false) => tls = Tls::Starttls,
            ("tls", _, true) => {
                return Err(problem(format!(
                    "{shown}: smtps:// always uses TLS and takes no tls= option; for no TLS use smtp://HOST:PORT?tls=none"
                )));
            }
            ("tls", other, false) => {
                return Err(problem(format!(
                    "{shown}: tls={other:?} is not supported; leave it out (STARTTLS, required) or use tls=none for a test server on this machine"
                )));
            }
            (other, _, _) => {
                return Err(problem(format!(
                    "{shown}: the option {other:?} is not supported; the only option is tls=none"
                )));
            }
        }
    }
    let credentials = match (u.username(), u.password()) {
        ("", None) => None,
        ("", Some(_)) => {
            return Err(problem(format!(
                "{shown} has a password but no user name; write smtps://USER:PASSWORD@HOST"
            )));
        }
        (_, None) => {
            return Err(problem(format!(
                "{shown} has a user name but no password; write smtps://USER:PASSWORD@HOST \
                 (percent-encode special characters: @ is %40)"
            )));
        }
        (user, Some(pass)) => Some((decode(user, "user name")?, decode(pass, "password")?)),
    };
    if tls == Tls::None && credentials.is_some() {
        return Err(problem(format!(
            "{shown}: tls=none would send the password unencrypted; use smtps:// or smtp:// \
             (STARTTLS), or drop the user and password for a local test server"
        )));
    }
    let port = match (u.port(), tls) {
        (Some(p), _) => p,
        (None, Tls::Implicit) => 465,
        (None, Tls::Starttls) => 587,
        (None, Tls::None) => 25,
    };
    Ok(Server {
        host,
        port,
        tls,
        credentials,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(raw: &str) -> String {
        match parse(raw) {
            Ok(_) => panic!("{raw} parsed"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn the_three_forms() {
        let s = parse("smtps://u%40x.org:p%3Ass@mail.example.org").expect("smtps");
        assert_eq!(
            (s.host.as_str(), s.port, s.tls),
            ("mail.example.org", 465, Tls::Implicit)
        );
        assert_eq!(s.credentials, Some(("u@x.org".into(), "p:ss".into())));
        let s = parse("smtp://u:p@mail.example.org").expect("smtp");
        assert_eq!((s.port, s.tls), (587, Tls::Starttls));
        let s = parse("smtp://127.0.0.1:2525?tls=none").expect("plain");
        assert_eq!(
            (s.host.as_str(), s.port, s.tls),
            ("127.0.0.1", 2525, Tls::None)
        );
        assert!(s.credentials.is_none());
        let s = parse("smtps://[::1]:4650").expect("v6");
        assert_eq!(s.address(), "[::1]:4650");
    }

    #[test]
    fn errors_name_the_setting_and_hide_the_password() {
        for (raw, wanted) in [
            ("https://u:hunter2@h", "scheme \"https\" is not supported"),
            ("smtps://u:hunter2@", "no host name"),
            ("smtp:///x", "no host name"),
            ("smtp://u:hunter2@h?tls=none", "unencrypted"),
            ("smtps://u:hunter2@h?tls=none", "takes no tls= option"),
            ("smtp://h?tls=maybe", "tls=\"maybe\""),
            ("smtp://h?port=1", "\"port\" is not supported"),
            ("smtps://u@h", "no password"),
            ("smtps://u:hunter2@h/inbox", "has a path"),
            ("mail.example.org", "is not a URL"),
        ] {
            let e = err(raw);
            assert!(e.starts_with("smtp.url: "), "{e}");
            assert!(e.contains(wanted), "{raw}: {e}");
            assert!(!e.contains("hunter2"), "{e}");
        }
    }
}
