//! Status monitoring with the real binary against the fake upstreams (`visanav fake-upstream`)
//! on loopback, on SQLite and on PostgreSQL: a K-1 case moving from Refused to Issued is seen
//! in one cycle with exactly one change event; broken upstreams never make a change; two
//! workers never check a case twice; the USCIS API path works end to end.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use sqlx::Connection;

use crate::support::{BIN, Env, drop_postgres, example, postgres_env};

/// A running fake upstream and its cases file.
pub(crate) struct Fake {
    child: Child,
    url: String,
    cases: PathBuf,
    _dir: tempfile::TempDir,
}

const CEAC_CASE: &str = r#"
[[ceac.cases]]
kind = "NIV"
case_number = "AA00B7QPGN"
location = "MNL"
passport = "X7654321"
surname = "REYES"
status = "Issued"
created = "2024-12-24"
last_updated = "2025-01-09"
message = "Your visa is in final processing."

[[ceac.cases]]
kind = "IV"
case_number = "MNL2025512345"
passport = "P1234567A"
surname = "SANTOS"
created = "2025-05-01"
"#;

impl Fake {
    pub(crate) fn start() -> Fake {
        let dir = tempfile::tempdir().expect("tmp");
        let cases = dir.path().join("cases.toml");
        let fake = Fake {
            child: Command::new(BIN)
                .args(["fake-upstream", "serve", "--cases"])
                .arg(&cases)
                .stdout(Stdio::piped())
                .stderr(Stdio::inherit())
                .spawn()
                .expect("start the fake upstream"),
            url: String::new(),
            cases,
            _dir: dir,
        };
        fake.set("normal", "Refused", "2025-06-02", "normal");
        let mut fake = fake;
        let stdout = fake.child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).expect("read");
        fake.url = line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .expect("the fake prints its address")
            .to_string();
        fake
    }

    /// Rewrites the cases file: CEAC mode and the K-1 case's status, and the USCIS mode.
    pub(crate) fn set(&self, ceac_mode: &str, status: &str, updated: &str, uscis_mode: &str) {
        let message = match status {
            "Issued" => "Your visa is in final processing.",
            _ => "A U.S. consular officer has adjudicated and refused your visa application.",
        };
        // The example case's USCIS history ends at "Case Was Approved".
        let uscis_status = if status == "Issued" {
            "Case Was Sent To The Department of State"
        } else {
            "Case Was Approved"
        };
        let text = format!(
            "[ceac]\nmode = \"{ceac_mode}\"\nslow_ms = 3000\n{CEAC_CASE}status = \"{status}\"\n\
             last_updated = \"{updated}\"\nmessage = \"{message}\"\n\n\
             [uscis]\nmode = \"{uscis_mode}\"\nclient_id = \"test-client\"\n\
             client_secret = \"test-secret\"\ntoken_ttl_seconds = 1799\ntps = 0\n\n\
             [[uscis.cases]]\nreceipt = \"IOE0912345678\"\nform_type = \"I-129F\"\n\
             status = \"{uscis_status}\"\ndescription = \"About your Form I-129F.\"\n\
             history = [{{ date = \"2025-01-10\", text = \"We received your Form I-129F.\" }}]\n"
        );
        std::fs::write(&self.cases, text).expect("write cases");
    }

    fn stats(&self) -> serde_json::Value {
        let addr = self.url.trim_start_matches("http://");
        let (status, _, body) = crate::support::http_get(addr, "/__fake/stats");
        assert_eq!(status, 200, "{body}");
        serde_json::from_str(&crate::support::dechunk(&body))
            .or_else(|_| serde_json::from_str(&body))
            .expect("stats json")
    }
}

impl Drop for Fake {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

/// `visanav` configured to check against the fake: the captcha read by the fake's own
/// solver (the `command` strategy), loopback allowed, no waiting between checks, and an
/// interval of zero so each `worker --once` is a new cycle.
pub(crate) fn cmd(env: &Env, fake: &Fake, args: &[&str]) -> Command {
    let mut c = env.cmd(args);
    c.env("VISANAV_CEAC_BASE_URL", &fake.url)
        .env("VISANAV_USCIS_BASE_URL", &fake.url)
        .env("VISANAV_ALLOW_PRIVATE", "true")
        .env("VISANAV_CAPTCHA", "command")
        .env(
            "VISANAV_CAPTCHA_COMMAND",
            format!("{BIN} fake-upstream solve"),
        )
        .env("VISANAV_USCIS_CLIENT_ID", "test-client")
        .env("VISANAV_USCIS_CLIENT_SECRET", "test-secret")
        .env("VISANAV_CEAC_SPACING_SECS", "0")
        .env("VISANAV_MONITOR_CEAC_EVERY_MINUTES", "0")
        .env("VISANAV_MONITOR_USCIS_EVERY_MINUTES", "0")
        .env("VISANAV_SOURCES_TIMEOUT_SECS", "2");
    c
}

pub(crate) fn run(env: &Env, fake: &Fake, args: &[&str]) -> (i32, serde_json::Value, String) {
    let out = cmd(env, fake, args).output().expect("run");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let json = serde_json::from_str(&stdout).unwrap_or(serde_json::Value::Null);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    (
        out.status.code().unwrap_or(-1),
        json,
        format!("{stdout}{stderr}"),
    )
}

fn cycle(env: &Env, fake: &Fake) -> serde_json::Value {
    let (code, report, all) = run(env, fake, &["worker", "--once"]);
    assert_eq!(code, 0, "{all}");
    report
}

/// Rows of one text column from the test's database.
pub(crate) async fn column(env: &Env, sql: &str) -> Vec<String> {
    match &env.database_url {
        Some(url) => {
            let mut c = sqlx::PgConnection::connect(url).await.expect("connect");
            sqlx::query_scalar(sql)
                .fetch_all(&mut c)
                .await
                .expect("query")
        }
        None => {
            let path = env.dir.path().join("visanav.db");
            let url = format!("sqlite://{}", path.display());
            let mut c = sqlx::SqliteConnection::connect(&url)
                .await
                .expect("connect");
            sqlx::query_scalar(sql)
                .fetch_all(&mut c)
                .await
                .expect("query")
        }
    }
}

async fn refused_to_issued(env: &Env) {
    let fake = Fake::start();
    let id = env.import_example();
    let (code, _, all) = run(env, &fake, &["monitor", "on", &id]);
    assert_eq!(code, 0, "{all}");
    // First cycle: CEAC says what the case already holds (Refused, 2 June 2025): no change.
    let first = cycle(env, &fake);
    assert_eq!(
        (first["checked"].as_u64(), first["changes"].as_u64()),
        (Some(1), Some(0)),
        "{first}"
    );
    fake.set("normal", "Issued", "2025-09-20", "normal");
    let second = cycle(env, &fake);
    assert_eq!(
        (second["checked"].as_u64(), second["changes"].as_u64()),
        (Some(1), Some(1)),
        "{second}"
    );
    let third = cycle(env, &fake);
    assert_eq!(
        third["checked"].as_u64(),
        Some(0),
        "once issued, checks slow to daily: {third}"
    );
    let events = column(env, "SELECT kind FROM events ORDER BY created_ms").await;
    assert_eq!(events, ["status_changed"], "exactly one change event");
    let statuses = column(
        env,
        "SELECT status || '/' || via FROM status_observations WHERE source = 'ceac' ORDER BY observed_on, recorded_ms",
    )
    .await;
    assert_eq!(
        statuses.last().map(String::as_str),
        Some("Issued/direct"),
        "{statuses:?}"
    );
    // The CLI shows it, and `check --json` reads the same from CEAC.
    let (code, json, all) = run(env, &fake, &["check", &id, "--json"]);
    assert_eq!(code, 0, "{all}");
    assert_eq!(json["status"], "Issued");
    assert_eq!(json["last_updated"], "2025-09-20");
    assert_eq!(json["case_created"], "2025-05-01");
    assert_eq!(json["ok"], true);
    assert_eq!(
        json["changed"], false,
        "the same reading again is no change"
    );
    let stats = fake.stats();
    assert_eq!(
        stats["ceac_posts"].as_u64(),
        Some(3),
        "one POST per check: {stats}"
    );
}

#[test]
fn refused_to_issued_is_seen_in_one_cycle_with_one_event_on_sqlite() {
    let env = Env::sqlite();
    tokio::runtime::Runtime::new()
        .expect("rt")
        .block_on(refused_to_issued(&env));
}

#[tokio::test]
async fn refused_to_issued_is_seen_in_one_cycle_with_one_event_on_postgres() {
    let Some((env, admin, name)) = postgres_env().await else {
        return;
    };
    refused_to_issued(&env).await;
    drop_postgres(&admin, &name).await;
}

async fn broken_upstreams(env: &Env) {
    let fake = Fake::start();
    let id = env.import_example();
    run(env, &fake, &["monitor", "on", &id]);
    let history_before = column(env, "SELECT status FROM status_observations")
        .await
        .len();
    // Each mode answers the same case (Refused → would be Issued if read) in a broken way.
    for (mode, error) in [
        ("garbled", "unparseable"),
        ("unavailable", "unavailable"),
        ("captcha_always_wrong", "captcha_mismatch"),
        ("slow", "unavailable"),
        ("cloudflare", "blocked"),
    ] {
        fake.set(mode, "Issued", "2025-09-20", "normal");
        let (code, json, all) = run(env, &fake, &["check", &id, "--json"]);
        assert_eq!(code, 2, "{mode}: no reading is exit 2: {all}");
        assert_eq!(
            (json["ok"].as_bool(), json["error"].as_str()),
            (Some(false), Some(error)),
            "{mode}: {all}"
        );
        assert!(json["status"].is_null(), "{mode}");
        if mode != "cloudflare" {
            let report = cycle(env, &fake);
            assert_eq!(report["changes"].as_u64(), Some(0), "{mode}: {report}");
        }
    }
    // A block is a provider incident: the worker does not touch CEAC for hours.
    let posts = fake.stats()["ceac_form_gets"].as_u64();
    let report = cycle(env, &fake);
    assert_eq!(
        report["checked"].as_u64(),
        Some(0),
        "nothing checked during the block: {report}"
    );
    assert_eq!(
        fake.stats()["ceac_form_gets"].as_u64(),
        posts,
        "no request to a blocked provider"
    );
    let kinds = column(env, "SELECT kind FROM events ORDER BY created_ms").await;
    assert!(
        !kinds.iter().any(|k| k.ends_with("_changed")),
        "no change event: {kinds:?}"
    );
    assert_eq!(
        kinds.iter().filter(|k| *k == "provider_blocked").count(),
        1,
        "{kinds:?}"
    );
    assert_eq!(
        kinds.iter().filter(|k| *k == "checks_failing").count(),
        1,
        "told once: {kinds:?}"
    );
    assert_eq!(
        column(env, "SELECT status FROM status_observations")
            .await
            .len(),
        history_before,
        "failed checks add nothing to the status history"
    );
    let failures = column(env, "SELECT error FROM check_attempts WHERE NOT ok").await;
    assert!(
        failures.len() >= 9,
        "every attempt is recorded: {failures:?}"
    );
}

#[test]
fn broken_upstreams_never_make_a_change_on_sqlite() {
    let env = Env::sqlite();
    tokio::runtime::Runtime::new()
        .expect("rt")
        .block_on(broken_upstreams(&env));
}

#[tokio::test]
async fn broken_upstreams_never_make_a_change_on_postgres() {
    let Some((env, admin, name)) = postgres_env().await else {
        return;
    };
    broken_upstreams(&env).await;
    drop_postgres(&admin, &name).await;
}

/// Two `visanav worker` processes on one PostgreSQL, at once, over 24 due cases: every case
/// is checked exactly once, and both workers do some of the work.
#[tokio::test]
async fn two_workers_never_check_a_case_twice() {
    let Some((env, admin, name)) = postgres_env().await else {
        return;
    };
    let fake = Fake::start();
    for _ in 0..24 {
        let id = env.import_example();
        run(&env, &fake, &["monitor", "on", &id]);
    }
    // Each request takes a while, so the two workers overlap.
    let slow = std::fs::read_to_string(&fake.cases)
        .expect("read")
        .replace("slow_ms = 3000", "slow_ms = 60");
    std::fs::write(
        &fake.cases,
        slow.replacen("mode = \"normal\"", "mode = \"slow\"", 1),
    )
    .expect("write");
    let spawn = || {
        cmd(&env, &fake, &["worker", "--once"])
            .stdout(Stdio::piped())
            .spawn()
            .expect("worker")
    };
    let (a, b) = (spawn(), spawn());
    for w in [a, b] {
        let out = w.wait_with_output().expect("wait");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
    let per_case = column(
        &env,
        "SELECT CAST(COUNT(*) AS TEXT) FROM check_attempts GROUP BY case_id",
    )
    .await;
    assert_eq!(per_case.len(), 24, "every case checked");
    assert!(
        per_case.iter().all(|n| n == "1"),
        "no case checked twice: {per_case:?}"
    );
    let workers = column(&env, "SELECT DISTINCT worker FROM check_attempts").await;
    assert_eq!(
        workers.len(),
        2,
        "both workers did some of the work: {workers:?}"
    );
    assert_eq!(
        fake.stats()["ceac_posts"].as_u64(),
        Some(24),
        "24 POSTs to CEAC, no more"
    );
    drop_postgres(&admin, &name).await;
}

async fn uscis_end_to_end(env: &Env) {
    let fake = Fake::start();
    let id = env.import_example();
    run(env, &fake, &["monitor", "on", &id, "--source", "uscis"]);
    let first = cycle(env, &fake);
    assert_eq!(first["checked"].as_u64(), Some(1), "{first}");
    let (code, json, all) = run(env, &fake, &["check", &id, "--source", "uscis", "--json"]);
    assert_eq!(code, 0, "{all}");
    assert_eq!(
        (json["source"].as_str(), json["status"].as_str()),
        (Some("uscis"), Some("Case Was Approved"))
    );
    assert!(
        json["last_updated"].is_null(),
        "IOE receipts carry no dates"
    );
    fake.set("normal", "Issued", "2025-09-20", "normal");
    let second = cycle(env, &fake);
    assert_eq!(
        second["changes"].as_u64(),
        Some(1),
        "Approved → Sent To The Department of State: {second}"
    );
    // A rate-limited API: retried with backoff inside the check, then given up plainly.
    fake.set("normal", "Issued", "2025-09-20", "rate_limited");
    let (code, json, all) = run(env, &fake, &["check", &id, "--source", "uscis", "--json"]);
    assert_eq!(
        (code, json["error"].as_str()),
        (2, Some("unavailable")),
        "{all}"
    );
    let stats = fake.stats();
    assert!(
        stats["uscis_rate_limited"].as_u64() >= Some(3),
        "tried again before giving up: {stats}"
    );
    fake.set("normal", "Issued", "2025-09-20", "unavailable");
    assert_eq!(cycle(env, &fake)["changes"].as_u64(), Some(0));
    let kinds = column(env, "SELECT kind FROM events WHERE kind LIKE '%changed'").await;
    assert_eq!(kinds.len(), 1, "{kinds:?}");
    // USCIS's history is imported once, however many checks read it, and never as a status.
    let steps = column(env, "SELECT done_on || ' ' || text FROM history_steps").await;
    assert_eq!(steps, ["2025-01-10 We received your Form I-129F."]);
    let statuses = column(env, "SELECT status FROM status_observations").await;
    assert!(
        !statuses.iter().any(|s| s.starts_with("We ")),
        "{statuses:?}"
    );
}

#[test]
fn the_uscis_api_path_works_end_to_end_on_sqlite() {
    let env = Env::sqlite();
    tokio::runtime::Runtime::new()
        .expect("rt")
        .block_on(uscis_end_to_end(&env));
}

#[tokio::test]
async fn the_uscis_api_path_works_end_to_end_on_postgres() {
    let Some((env, admin, name)) = postgres_env().await else {
        return;
    };
    uscis_end_to_end(&env).await;
    drop_postgres(&admin, &name).await;
}

/// A case known to CEAC by its DS-160 id (no NVC case number) is looked up on the NIV side,
/// with the post as the location.
#[test]
fn a_ds160_case_is_checked_on_the_niv_side() {
    let env = Env::sqlite();
    let fake = Fake::start();
    let file = env.write(
        "niv.toml",
        "visa = \"K-1\"\npost = \"MNL\"\nds160_id = \"AA00B7QPGN\"\n\
         passport_number = \"X7654321\"\nsurname = \"Reyes\"\n",
    );
    let (code, json, all) = run(
        &env,
        &fake,
        &["check", file.to_str().expect("path"), "--json"],
    );
    assert_eq!(code, 0, "{all}");
    assert_eq!(
        (json["status"].as_str(), json["last_updated"].as_str()),
        (Some("Issued"), Some("2025-01-09")),
        "{all}"
    );
}

#[test]
fn a_case_file_is_checked_without_being_stored() {
    let env = Env::sqlite();
    let fake = Fake::start();
    let (code, json, all) = run(
        &env,
        &fake,
        &["check", example().to_str().expect("path"), "--json"],
    );
    assert_eq!(code, 0, "{all}");
    for field in [
        "source",
        "ok",
        "status",
        "case_created",
        "last_updated",
        "message",
    ] {
        assert!(json.get(field).is_some(), "{field} in {json}");
    }
    assert_eq!(json["status"], "Refused");
    assert!(
        !env.dir.path().join("visanav.db").exists(),
        "nothing stored"
    );
    // Outbound requests to loopback are refused unless allowed.
    let out = cmd(
        &env,
        &fake,
        &["check", example().to_str().expect("path"), "--json"],
    )
    .env("VISANAV_ALLOW_PRIVATE", "false")
    .output()
    .expect("run");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(json["error"], "unavailable");
    assert!(
        json["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("private"),
        "{json}"
    );
}
