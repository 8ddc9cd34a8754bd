//! Notifications with the real binary: a status change found by the worker reaches the case's
//! owner by email (through a real SMTP server, Python aiosmtpd, started by
//! `scripts/with-smtp-sink.sh`) in plain words, once; a dispatcher killed (SIGKILL) between
//! sending and recording loses nothing, and its re-sent copy carries the same Message-ID;
//! three dispatchers on one PostgreSQL deliver every event exactly once.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use sqlx::Connection;

use crate::monitoring::{Fake, column, run};
use crate::support::{Env, drop_postgres, example, postgres_env};

/// The SMTP sink's address and folder, or None outside `scripts/with-smtp-sink.sh` (where
/// CI, which always runs these under it, fails instead of skipping).
fn smtp_sink() -> Option<(String, PathBuf)> {
    match (
        std::env::var("VISANAV_TEST_SMTP_URL"),
        std::env::var("VISANAV_TEST_SMTP_DIR"),
    ) {
        (Ok(url), Ok(dir)) => Some((url, PathBuf::from(dir))),
        _ if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("CI runs the notification tests under scripts/with-smtp-sink.sh")
        }
        _ => {
            eprintln!("SMTP leg skipped: run under scripts/with-smtp-sink.sh (.ci/run does)");
            None
        }
    }
}

fn with_smtp(c: &mut Command, smtp: &str) {
    c.env("VISANAV_SMTP_URL", smtp)
        .env("VISANAV_SMTP_FROM", "visanav <noreply@visanav.test>")
        .env("VISANAV_PUBLIC_URL", "https://visanav.example.org");
}

/// A fresh folder of its own inside the sink (the sink is shared by the tests running at
/// once): the messages to `to` that arrived since `before`.
fn received(sink: &Path, to: &str, before: &[PathBuf]) -> Vec<mail_parser::Message<'static>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(sink)
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.sort();
    files
        .into_iter()
        .filter(|f| f.extension().is_some_and(|e| e == "eml") && !before.contains(f))
        .filter_map(|f| {
            let raw = std::fs::read(&f).ok()?;
            let parsed = mail_parser::MessageParser::default()
                .parse(&raw)?
                .into_owned();
            let addressed = parsed
                .to()
                .and_then(|t| t.first())
                .and_then(|a| a.address())
                .is_some_and(|a| a == to);
            addressed.then_some(parsed)
        })
        .collect()
}

fn sink_files(sink: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(sink)
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default()
}

/// A person with a verified address owning the example case; returns the case id.
fn maria_with_a_case(env: &Env, email: &str) -> String {
    env.ok(&["user", "add", email]);
    let out = env.ok(&[
        "--as",
        email,
        "case",
        "import",
        example().to_str().expect("path"),
        "--json",
        "--force",
    ]);
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    v["id"].as_str().expect("id").to_string()
}

fn dispatch_once(env: &Env, smtp: &str) -> serde_json::Value {
    let mut c = env.cmd(&["outbox", "dispatch", "--once"]);
    with_smtp(&mut c, smtp);
    let out = c.output().expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("report")
}

#[test]
fn a_status_change_reaches_the_owner_by_email_in_plain_words_once() {
    let Some((smtp, sink)) = smtp_sink() else {
        return;
    };
    let env = Env::sqlite();
    let email = "maria.status@example.org";
    let id = maria_with_a_case(&env, email);
    let fake = Fake::start();
    let (code, _, all) = run(&env, &fake, &["--as", email, "monitor", "on", &id]);
    assert_eq!(code, 0, "{all}");
    let (code, _, all) = run(&env, &fake, &["worker", "--once"]);
    assert_eq!(code, 0, "{all}");
    fake.set("normal", "Issued", "2025-09-20", "normal");
    let (code, report, all) = run(&env, &fake, &["worker", "--once"]);
    assert_eq!((code, report["changes"].as_u64()), (0, Some(1)), "{all}");
    let before = sink_files(&sink);
    let report = dispatch_once(&env, &smtp);
    assert_eq!(report["sent"], 1, "{report}");
    let messages = received(&sink, email, &before);
    assert_eq!(messages.len(), 1, "one email");
    let m = &messages[0];
    assert_eq!(
        m.subject(),
        Some("K-1 case, Manila: status changed to Issued")
    );
    let text = m.body_text(0).expect("text part").into_owned();
    assert!(text.contains("changed from Refused to Issued"), "{text}");
    assert!(text.contains("What it means:"), "{text}");
    assert!(text.contains("What to do next:"), "{text}");
    assert!(
        text.contains(&format!("https://visanav.example.org/cases/{id}")),
        "{text}"
    );
    assert!(text.contains("not legal advice"), "{text}");
    for private in ["SANTOS", "Santos", "P1234567A", "MNL2025512345"] {
        assert!(
            !text.contains(private),
            "no personal data in the email: {private}"
        );
        assert!(!m.subject().unwrap_or_default().contains(private));
    }
    assert!(m.body_html(0).is_some(), "an HTML part too");
    let unsubscribe = m
        .header_raw("List-Unsubscribe")
        .expect("List-Unsubscribe")
        .trim()
        .to_string();
    assert!(
        unsubscribe.starts_with("<https://visanav.example.org/notifications/unsubscribe/"),
        "{unsubscribe}"
    );
    assert_eq!(
        m.header_raw("List-Unsubscribe-Post").map(str::trim),
        Some("List-Unsubscribe=One-Click")
    );
    // The queue says sent; a second round sends nothing more.
    let out = env.ok(&["outbox", "list", "--json"]);
    let rows: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(rows.as_array().map(Vec::len), Some(1), "{rows}");
    assert_eq!(rows[0]["state"], "sent");
    assert_eq!(rows[0]["kind"], "status_changed");
    let again = dispatch_once(&env, &smtp);
    assert_eq!(
        (again["sent"].as_u64(), again["fanned_out"].as_u64()),
        (Some(0), Some(0))
    );
    assert_eq!(received(&sink, email, &before).len(), 1, "still one email");
}

/// Writes `n` change events for the case, as the worker would.
async fn add_events(env: &Env, case_id: &str, n: usize) {
    for i in 0..n {
        let sql = format!(
            "INSERT INTO events (id, case_id, kind, payload, created_ms) VALUES ('{}', '{case_id}', \
             'last_updated_changed', '{{\"source\":\"ceac\",\"change\":{{\"kind\":\"last_updated_changed\",\"status\":\"Refused\",\"from\":\"2025-06-02\",\"to\":\"2025-07-{:02}\"}}}}', {})",
            uuid::Uuid::now_v7(),
            i % 28 + 1,
            1_760_000_000_000_i64 + i as i64
        );
        exec(env, &sql).await;
    }
}

async fn exec(env: &Env, sql: &str) {
    match &env.database_url {
        Some(url) => {
            let mut c = sqlx::PgConnection::connect(url).await.expect("connect");
            sqlx::query(sql).execute(&mut c).await.expect("exec");
        }
        None => {
            let path = env.dir.path().join("visanav.db");
            let url = format!("sqlite://{}", path.display());
            let mut c = sqlx::SqliteConnection::connect(&url)
                .await
                .expect("connect");
            sqlx::query(sql).execute(&mut c).await.expect("exec");
        }
    }
}

fn message_ids(messages: &[mail_parser::Message<'_>]) -> Vec<String> {
    messages
        .iter()
        .map(|m| m.message_id().expect("Message-ID").to_string())
        .collect()
}

#[test]
fn a_dispatcher_killed_between_send_and_record_loses_nothing() {
    let Some((smtp, sink)) = smtp_sink() else {
        return;
    };
    let env = Env::sqlite();
    let email = "maria.crash@example.org";
    let id = maria_with_a_case(&env, email);
    let rt = tokio::runtime::Runtime::new().expect("rt");
    rt.block_on(add_events(&env, &id, 5));
    let before = sink_files(&sink);
    // A dispatcher that pauses 30 s after each send, before recording it.
    let mut c = env.cmd(&["outbox", "dispatch"]);
    with_smtp(&mut c, &smtp);
    c.env("VISANAV_FAULT_PAUSE_AFTER_SEND_MS", "30000")
        .env("VISANAV_NOTIFY_LEASE_SECS", "2")
        .env("VISANAV_NOTIFY_POLL_SECS", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let mut child = c.spawn().expect("start the dispatcher");
    let started = Instant::now();
    while received(&sink, email, &before).is_empty() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the first email never arrived"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    // Sent, not recorded: SIGKILL now. (The batch's five go out at once, so up to five
    // may have arrived; none is recorded, each pauses before its acknowledgement.)
    std::thread::sleep(Duration::from_millis(300));
    child.kill().expect("SIGKILL");
    child.wait().expect("reaped");
    let first = received(&sink, email, &before);
    let interrupted = message_ids(&first);
    assert!(!interrupted.is_empty());
    let out = env.ok(&["outbox", "list", "--json", "--state", "sent"]);
    assert_eq!(out.trim(), "[]", "nothing was recorded as sent");
    // After the lease runs out, a new dispatcher sends everything, the interrupted again.
    std::thread::sleep(Duration::from_millis(2500));
    let mut c = env.cmd(&["outbox", "dispatch", "--once"]);
    with_smtp(&mut c, &smtp);
    let out = c.output().expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("report");
    assert_eq!(report["sent"], 5, "{report}");
    let all = received(&sink, email, &before);
    let mut ids = message_ids(&all);
    assert_eq!(
        ids.len(),
        5 + interrupted.len(),
        "five events, and one copy of each interrupted one"
    );
    for copy in &interrupted {
        assert_eq!(
            ids.iter().filter(|i| *i == copy).count(),
            2,
            "a copy carries the same Message-ID, so it can be recognised and dropped"
        );
    }
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 5, "every event arrived");
    let sent = env.ok(&["outbox", "list", "--json", "--state", "sent"]);
    let rows: serde_json::Value = serde_json::from_str(&sent).expect("json");
    assert_eq!(rows.as_array().map(Vec::len), Some(5));
}

#[tokio::test]
async fn three_dispatchers_on_postgres_deliver_each_event_exactly_once() {
    let Some((smtp, sink)) = smtp_sink() else {
        return;
    };
    let Some((env, admin, name)) = postgres_env().await else {
        return;
    };
    let email = "maria.three@example.org";
    let id = maria_with_a_case(&env, email);
    add_events(&env, &id, 30).await;
    let before = sink_files(&sink);
    // Three running dispatchers. Each holds its batch a second after sending, as a slow
    // channel would: the others must lease around it, not wait for it or take its deliveries.
    let logs = tempfile::tempdir().expect("logs");
    let mut children: Vec<_> = (0..3)
        .map(|i| {
            let mut c = env.cmd(&["outbox", "dispatch"]);
            with_smtp(&mut c, &smtp);
            let log = std::fs::File::create(logs.path().join(format!("{i}.log"))).expect("log");
            c.env("VISANAV_FAULT_PAUSE_AFTER_SEND_MS", "1000")
                .env("VISANAV_NOTIFY_POLL_SECS", "1")
                .stdout(Stdio::null())
                .stderr(log);
            c.spawn().expect("start")
        })
        .collect();
    let started = Instant::now();
    loop {
        let states = column(&env, "SELECT state FROM deliveries WHERE channel = 'email'").await;
        if states.len() == 30 && states.iter().all(|s| s == "sent") {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(90),
            "not all sent: {states:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Time for a second copy to show, were there one.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    for child in &mut children {
        child.kill().expect("stop");
        child.wait().expect("reaped");
    }
    // What each said it sent ("notifications dispatched ... sent=N").
    let sent_by: Vec<u64> = (0..3)
        .map(|i| {
            let log = std::fs::read_to_string(logs.path().join(format!("{i}.log"))).expect("log");
            log.split("sent=")
                .skip(1)
                .filter_map(|rest| {
                    rest.chars()
                        .take_while(char::is_ascii_digit)
                        .collect::<String>()
                        .parse::<u64>()
                        .ok()
                })
                .sum()
        })
        .collect();
    let total: u64 = sent_by.iter().sum();
    let busy = sent_by.iter().filter(|n| **n > 0).count();
    let all = received(&sink, email, &before);
    let mut ids = message_ids(&all);
    assert_eq!(total, 30, "every delivery sent once in all");
    assert_eq!(ids.len(), 30, "30 emails, no duplicates");
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 30);
    assert!(busy >= 2, "the work was shared: {sent_by:?}");
    let states = column(&env, "SELECT state FROM deliveries WHERE channel = 'email'").await;
    assert!(
        states.iter().all(|s| s == "sent") && states.len() == 30,
        "{states:?}"
    );
    drop_postgres(&admin, &name).await;
}

#[test]
fn notify_test_email_goes_through_the_real_mail_code() {
    let env = Env::sqlite();
    // Without a mail server: a file in the outbox directory, and the output says so.
    let out = env.ok(&["notify", "test", "--email", "maria.test@example.org"]);
    assert!(out.contains("No mail server is set (smtp.url)"), "{out}");
    let bad = env.fails(&["notify", "test", "--email", "not-an-address"]);
    assert!(bad.contains("is not an email address"), "{bad}");
    let Some((smtp, sink)) = smtp_sink() else {
        return;
    };
    let before = sink_files(&sink);
    let mut c = env.cmd(&["notify", "test", "--email", "maria.test@example.org"]);
    with_smtp(&mut c, &smtp);
    let out = c.output().expect("run");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("Sent: the mail server accepted"),
        "{stdout}"
    );
    let got = received(&sink, "maria.test@example.org", &before);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].subject(), Some("visanav test notification"));
}
