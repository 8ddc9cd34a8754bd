//! The mailer against a real SMTP server (aiosmtpd, from scripts/with-smtp-sink.sh) and the
//! outbox directory, with messages read back by an independent parser (mail-parser).

use std::path::{Path, PathBuf};

use visanav_mail::{MailConfig, MailError, Mailer, Message, Sent, SmtpStep, SmtpUrl};

const FROM: &str = "visanav <noreply@example.org>";
const PASSWORD: &str = "hunter2-s3cret";

/// The test SMTP server: its URL and the directory it writes messages to
/// (`VISANAV_TEST_SMTP_URL`, `VISANAV_TEST_SMTP_DIR`, set by scripts/with-smtp-sink.sh).
/// Without them the SMTP tests are skipped with a note, except under CI (`CI=true`), where a
/// skipped test would let a broken SMTP path pass unseen: there it is a failure.
fn test_smtp() -> Option<(String, PathBuf)> {
    let var = |name| std::env::var(name).ok().filter(|v: &String| !v.is_empty());
    if let (Some(url), Some(dir)) = (var("VISANAV_TEST_SMTP_URL"), var("VISANAV_TEST_SMTP_DIR")) {
        return Some((url, PathBuf::from(dir)));
    }
    if std::env::var("CI").is_ok_and(|v| v.eq_ignore_ascii_case("true") || v == "1") {
        panic!(
            "VISANAV_TEST_SMTP_URL or VISANAV_TEST_SMTP_DIR is not set, and CI=true: the SMTP tests \
             must run in CI. Run the tests under scripts/with-smtp-sink.sh (for example \
             `scripts/with-smtp-sink.sh cargo test -p visanav-mail --test it`), which starts a \
             real SMTP server and sets both"
        );
    }
    eprintln!(
        "VISANAV_TEST_SMTP_URL not set: SMTP test skipped \
         (run under scripts/with-smtp-sink.sh; CI requires it)"
    );
    None
}

fn config(smtp_url: Option<&str>, outbox_dir: &Path) -> MailConfig {
    logs();
    MailConfig {
        smtp_url: smtp_url.map(SmtpUrl::new),
        from: FROM.to_string(),
        outbox_dir: outbox_dir.to_path_buf(),
    }
}

fn message(to: &str) -> Message {
    Message {
        kind: "test",
        to: to.to_string(),
        subject: "Maria José, your case… ✓".to_string(),
        text: "Olá Maria José,\n\nyour case… has a new step ✓\nhttps://visanav.example.org/verify?t=abc\n"
            .to_string(),
        html: "<p>Olá Maria José,</p><p>your case… has a new step ✓</p>".to_string(),
        idempotency_key: None,
        unsubscribe_url: None,
        invite: None,
    }
}

/// Reads a message back with mail-parser and checks every part of it.
use mail_parser::MimeHeaders;

fn check_received(raw: &[u8], message_id: &str, to: &str) {
    let want = message(to);
    let parsed = mail_parser::MessageParser::default()
        .parse(raw)
        .expect("the message parses");
    assert_eq!(parsed.subject(), Some(want.subject.as_str()));
    let addr = |a: Option<&mail_parser::Address>| {
        a.and_then(|a| a.first())
            .and_then(|a| a.address())
            .map(str::to_string)
    };
    assert_eq!(addr(parsed.to()).as_deref(), Some(to));
    assert_eq!(addr(parsed.from()).as_deref(), Some("noreply@example.org"));
    assert!(parsed.date().is_some(), "no Date header");
    assert_eq!(
        parsed.message_id().map(|id| format!("<{id}>")).as_deref(),
        Some(message_id)
    );
    assert!(message_id.ends_with("@example.org>"), "{message_id}");
    let content_type = parsed.header_raw("Content-Type").unwrap_or_default();
    assert!(
        content_type.contains("multipart/alternative"),
        "{content_type}"
    );
    assert_eq!(parsed.text_body_count(), 1);
    assert_eq!(
        parsed
            .body_text(0)
            .as_deref()
            .map(|t| t.replace("\r\n", "\n")),
        Some(want.text.clone())
    );
    assert_eq!(parsed.body_html(0).as_deref(), Some(want.html.as_str()));
    let text = String::from_utf8_lossy(raw).to_ascii_lowercase();
    assert!(text.contains("text/plain; charset=utf-8"), "{text}");
    assert!(text.contains("text/html; charset=utf-8"), "{text}");
    assert!(raw.is_ascii(), "the message is not 7-bit clean");
}

#[tokio::test]
async fn an_invitation_travels_as_a_text_calendar_part_with_its_method() {
    let tmp = tempfile::tempdir().expect("tmp");
    let mailer = Mailer::new(config(None, tmp.path())).expect("mailer");
    let ics = "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nUID:consultation.k1@visa.example.org\r\nSEQUENCE:1\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    let m = Message {
        invite: Some(visanav_mail::Invite {
            method: "REQUEST",
            ics: ics.to_string(),
        }),
        ..message("maria@example.net")
    };
    let Sent::Outbox { path, .. } = mailer.send(&m).await.expect("written") else {
        panic!("not the outbox")
    };
    let raw = std::fs::read(&path).expect("read");
    let parsed = mail_parser::MessageParser::default()
        .parse(&raw[..])
        .expect("parses");
    let calendar = parsed
        .parts
        .iter()
        .find(|p| {
            p.content_type()
                .is_some_and(|c| c.ctype() == "text" && c.subtype() == Some("calendar"))
        })
        .expect("a text/calendar part");
    let ct = calendar.content_type().expect("content type");
    assert_eq!(ct.attribute("method"), Some("REQUEST"));
    let body = calendar
        .text_contents()
        .expect("text")
        .replace("\r\n", "\n");
    assert!(
        body.contains("UID:consultation.k1@visa.example.org"),
        "{body}"
    );
    // Text and HTML are still there for people.
    assert_eq!(parsed.text_body_count(), 1);
}

#[tokio::test]
async fn without_smtp_each_message_is_an_eml_file_in_the_outbox() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("data").join("outbox-mail");
    let mailer = Mailer::new(config(None, &dir)).expect("mailer");
    assert!(!mailer.uses_smtp());
    let mut paths = Vec::new();
    let mut ids = Vec::new();
    for _ in 0..2 {
        let sent = mailer
            .send(&message("maria@example.net"))
            .await
            .expect("written");
        let Sent::Outbox { path, message_id } = sent else {
            panic!("not the outbox: {sent:?}")
        };
        assert_eq!(path.parent(), Some(dir.as_path()));
        assert_eq!(path.extension().and_then(|e| e.to_str()), Some("eml"));
        let raw = std::fs::read(&path).expect("read");
        check_received(&raw, &message_id, "maria@example.net");
        paths.push(path);
        ids.push(message_id);
        std::thread::sleep(std::time::Duration::from_millis(3));
    }
    assert_ne!(ids[0], ids[1]);
    // Names sort in the order the messages were written.
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let written: Vec<String> = paths
        .iter()
        .map(|p| p.file_name().expect("name").to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, written, "only the messages, in time order");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&paths[0]), 0o600);
    }
}

/// A message sent again with the same idempotency key (a retry after a crash) carries the same
/// Message-ID; the one-click unsubscribe headers of RFC 8058 are there, read by mail-parser.
#[tokio::test]
async fn a_keyed_message_keeps_its_message_id_and_carries_one_click_unsubscribe() {
    let tmp = tempfile::tempdir().expect("tmp");
    let mailer = Mailer::new(config(None, tmp.path())).expect("mailer");
    let mut keyed = message("maria@example.net");
    keyed.idempotency_key = Some("0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b".into());
    keyed.unsubscribe_url = Some("https://visanav.example.org/unsubscribe?t=abc".into());
    let first = mailer.send(&keyed).await.expect("sent");
    std::thread::sleep(std::time::Duration::from_millis(3));
    let again = mailer.send(&keyed).await.expect("sent");
    assert_eq!(first.message_id(), again.message_id());
    assert_eq!(
        first.message_id(),
        "<0193a1b2c3d47e5f8a9b0c1d2e3f4a5b@example.org>"
    );
    let Sent::Outbox { path, .. } = first else {
        panic!("not the outbox")
    };
    let raw = std::fs::read(&path).expect("read");
    let parsed = mail_parser::MessageParser::default()
        .parse(&raw)
        .expect("parses");
    let header = |name: &str| {
        parsed
            .header_raw(name)
            .map(|v| v.trim().to_string())
            .unwrap_or_else(|| panic!("no {name} header"))
    };
    assert_eq!(
        header("List-Unsubscribe"),
        "<https://visanav.example.org/unsubscribe?t=abc>"
    );
    assert_eq!(
        header("List-Unsubscribe-Post"),
        "List-Unsubscribe=One-Click"
    );
    // Without a key, every message has its own id and no unsubscribe headers.
    let plain = mailer
        .send(&message("maria@example.net"))
        .await
        .expect("sent");
    assert_ne!(plain.message_id(), again.message_id());
}

#[tokio::test]
async fn a_real_smtp_server_receives_both_parts() {
    let Some((url, dir)) = test_smtp() else {
        return;
    };
    let tmp = tempfile::tempdir().expect("tmp");
    let mailer = Mailer::new(config(Some(&url), tmp.path())).expect("mailer");
    assert!(mailer.uses_smtp());
    let to = "maria.jose@example.net";
    let sent = mailer.send(&message(to)).await.expect("sent");
    let Sent::Smtp { message_id } = sent else {
        panic!("not sent over SMTP: {sent:?}")
    };
    assert!(
        std::fs::read_dir(tmp.path()).expect("dir").next().is_none(),
        "nothing goes to the outbox when SMTP is configured"
    );
    // Other tests may share the server: find this message by its id.
    let needle = format!("Message-ID: {message_id}");
    let mut found = None;
    for entry in std::fs::read_dir(&dir).expect("sink dir") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "json") {
            let raw = std::fs::read(path.with_extension("eml")).expect("eml");
            if String::from_utf8_lossy(&raw).contains(&needle) {
                found = Some((path, raw));
            }
        }
    }
    let (envelope, raw) = found.expect("the SMTP server received the message");
    check_received(&raw, &message_id, to);
    let envelope = std::fs::read_to_string(envelope).expect("envelope");
    assert!(
        envelope.contains("\"mail_from\": \"noreply@example.org\"")
            && envelope.contains(&format!("\"rcpt_tos\": [\"{to}\"]")),
        "{envelope}"
    );
}

#[tokio::test]
async fn smtp_failures_say_which_step_failed_without_the_password() {
    // Nobody listens on a port that was just closed.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let tmp = tempfile::tempdir().expect("tmp");
    let url = format!("smtps://maria:{PASSWORD}@127.0.0.1:{port}");
    let mailer = Mailer::new(config(Some(&url), tmp.path())).expect("mailer");
    let e = mailer
        .send(&message("maria@example.net"))
        .await
        .expect_err("nobody listens");
    assert!(
        matches!(
            e,
            MailError::Smtp {
                step: SmtpStep::Connect,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(e.is_transient());
    let text = e.to_string();
    assert!(
        text.contains("cannot reach the mail server 127.0.0.1:") && text.contains("smtp.url"),
        "{text}"
    );
    assert!(!text.contains(PASSWORD) && !format!("{e:?}").contains(PASSWORD));

    // smtp:// requires STARTTLS, which the test server does not offer: refused, never sent
    // in the clear.
    let Some((sink, _)) = test_smtp() else {
        return;
    };
    let authority = sink
        .trim_start_matches("smtp://")
        .split('?')
        .next()
        .expect("authority");
    let url = format!("smtp://maria:{PASSWORD}@{authority}");
    let mailer = Mailer::new(config(Some(&url), tmp.path())).expect("mailer");
    let e = mailer
        .send(&message("maria@example.net"))
        .await
        .expect_err("no STARTTLS");
    assert!(
        matches!(
            e,
            MailError::Smtp {
                step: SmtpStep::Tls,
                ..
            }
        ),
        "{e:?}"
    );
    let text = e.to_string();
    assert!(text.contains("does not offer STARTTLS"), "{text}");
    assert!(!text.contains(PASSWORD) && !format!("{e:?}").contains(PASSWORD));
}

#[test]
fn bad_settings_name_the_setting_and_the_fix() {
    let tmp = tempfile::tempdir().expect("tmp");
    for (url, from, setting, wanted) in [
        (
            "http://maria:PW@mail.example.org",
            FROM,
            "smtp.url",
            "scheme \"http\" is not supported; use smtps://",
        ),
        ("smtps://maria:PW@", FROM, "smtp.url", "no host name"),
        (
            "smtp://maria:PW@127.0.0.1:2525?tls=none",
            FROM,
            "smtp.url",
            "would send the password unencrypted",
        ),
        (
            "smtps://maria:PW@mail.example.org",
            "noreply at example.org",
            "smtp.from",
            "is not an email address",
        ),
        (
            "smtps://maria:PW@mail.example.org",
            visanav_mail::DEFAULT_FROM,
            "smtp.from",
            "VISANAV_SMTP_FROM",
        ),
    ] {
        let url = url.replace("PW", PASSWORD);
        let e = Mailer::new(MailConfig {
            from: from.to_string(),
            ..config(Some(&url), tmp.path())
        })
        .expect_err(&url);
        let text = e.to_string();
        assert!(
            matches!(&e, MailError::Config { setting: s, .. } if *s == setting),
            "{e:?}"
        );
        assert!(text.starts_with(&format!("{setting}: ")), "{text}");
        assert!(text.contains(wanted), "{text}");
        assert!(!text.contains(PASSWORD), "{text}");
    }
    // The default sender is fine for the outbox directory.
    Mailer::new(MailConfig {
        from: visanav_mail::DEFAULT_FROM.to_string(),
        ..config(None, tmp.path())
    })
    .expect("outbox with the default sender");
}

#[tokio::test]
async fn a_bad_recipient_is_refused_before_anything_is_sent() {
    let tmp = tempfile::tempdir().expect("tmp");
    let mailer = Mailer::new(config(None, tmp.path())).expect("mailer");
    let e = mailer
        .send(&message("maria at example dot net"))
        .await
        .expect_err("not an address");
    assert!(
        matches!(e, MailError::Message { kind: "test", .. }),
        "{e:?}"
    );
    assert!(!e.to_string().contains("maria"), "{e}");
    assert!(std::fs::read_dir(tmp.path()).expect("dir").next().is_none());
}

#[test]
fn debug_never_shows_the_password_or_the_message() {
    let tmp = tempfile::tempdir().expect("tmp");
    let url = format!("smtps://maria:{PASSWORD}@mail.example.org");
    let cfg = config(Some(&url), tmp.path());
    let shown = format!("{cfg:?}");
    assert!(!shown.contains(PASSWORD), "{shown}");
    assert!(
        shown.contains("smtps://maria:****@mail.example.org"),
        "{shown}"
    );
    let mailer = Mailer::new(cfg).expect("mailer");
    let shown = format!("{mailer:?}");
    assert!(!shown.contains(PASSWORD), "{shown}");
    assert!(shown.contains("mail.example.org:465"), "{shown}");
    let shown = format!("{:?}", message("maria@example.net"));
    assert!(
        !shown.contains("maria") && !shown.contains("José"),
        "{shown}"
    );
}

/// Collects what the mailer logs, in every test: a global subscriber installed before any
/// test sends (a scoped one would miss log calls another thread reached first).
#[derive(Clone, Default)]
struct LogBuffer(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for LogBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn logs() -> &'static LogBuffer {
    static LOGS: std::sync::OnceLock<LogBuffer> = std::sync::OnceLock::new();
    LOGS.get_or_init(|| {
        let logs = LogBuffer::default();
        let writer = logs.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_ansi(false)
            .with_max_level(tracing::Level::TRACE)
            .with_writer(move || writer.clone())
            .finish();
        tracing::subscriber::set_global_default(subscriber).expect("the only subscriber");
        logs
    })
}

#[tokio::test]
async fn the_log_names_the_kind_id_and_file_never_the_person() {
    let tmp = tempfile::tempdir().expect("tmp");
    let mailer = Mailer::new(config(None, tmp.path())).expect("mailer");
    let sent = mailer
        .send(&message("maria@example.net"))
        .await
        .expect("written");
    let Sent::Outbox { path, message_id } = &sent else {
        panic!("{sent:?}")
    };
    // Everything every test logged so far, this test's line included.
    let text = String::from_utf8(logs().0.lock().expect("lock").clone()).expect("utf-8");
    let line = text
        .lines()
        .find(|l| l.contains(message_id.as_str()))
        .unwrap_or_else(|| panic!("no log line with {message_id}: {text}"));
    assert!(line.contains("kind=\"test\""), "{line}");
    assert!(line.contains(&path.display().to_string()), "{line}");
    for private in ["maria", "José", "Jos", "your case", "verify?t=", PASSWORD] {
        assert!(!text.contains(private), "{private:?} in the log: {text}");
    }
}
