//! End-to-end tests of the `visanav` binary: the commands a user types, the server they
//! start, and what survives a restart. Each test gets its own data directory.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use sqlx::Connection;

const BIN: &str = env!("CARGO_BIN_EXE_visanav");

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("repo root")
}

fn example() -> PathBuf {
    repo_root().join("examples/k1-manila-221g.toml")
}

/// A sandbox: its own data directory, and optionally a PostgreSQL database.
struct Env {
    dir: tempfile::TempDir,
    database_url: Option<String>,
}

impl Env {
    fn sqlite() -> Env {
        Env {
            dir: tempfile::tempdir().expect("tempdir"),
            database_url: None,
        }
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(BIN);
        c.args(["--data-dir", self.dir.path().to_str().expect("utf-8 path")]);
        c.args(args);
        c.env_remove("VISANAV_DATABASE_URL")
            .env_remove("VISANAV_CONFIG")
            .env_remove("VISANAV_KEY_FILE")
            .env_remove("VISANAV_KNOWLEDGE_DIR")
            .env_remove("VISANAV_LISTEN")
            .env_remove("RUST_LOG");
        for var in [
            "VISANAV_OCR_LANGUAGES",
            "VISANAV_OCR_LANGS",
            "VISANAV_OCR_TIME_LIMIT_SECS",
            "VISANAV_OCR_PAGE_LIMIT",
            "VISANAV_OCR_MAX_JOBS",
        ] {
            c.env_remove(var);
        }
        if let Some(url) = &self.database_url {
            c.env("VISANAV_DATABASE_URL", url);
        }
        c.stdin(Stdio::null());
        c
    }

    fn run(&self, args: &[&str]) -> Output {
        self.cmd(args).output().expect("run visanav")
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "visanav {args:?} failed ({:?}):\nstdout: {}\nstderr: {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf-8 stdout")
    }

    fn import_example(&self) -> String {
        let out = self.ok(&[
            "case",
            "import",
            example().to_str().expect("path"),
            "--json",
        ]);
        let v: serde_json::Value = serde_json::from_str(&out).expect("json");
        v["id"].as_str().expect("id").to_string()
    }

    fn case_count(&self) -> usize {
        let v: serde_json::Value =
            serde_json::from_str(&self.ok(&["case", "list", "--json"])).expect("json");
        v.as_array().expect("array").len()
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.dir.path().join(name);
        std::fs::write(&p, text).expect("write");
        p
    }
}

/// A running `visanav serve`, stopped with SIGINT like Ctrl-C.
struct Server {
    child: Child,
    addr: String,
}

impl Server {
    fn start(env: &Env) -> Server {
        Server::start_with(env, &[])
    }

    fn start_with(env: &Env, vars: &[(&str, &Path)]) -> Server {
        let mut cmd = env.cmd(&["serve", "--listen", "127.0.0.1:0"]);
        for (k, v) in vars {
            cmd.env(k, v);
        }
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn server");
        let stdout = child.stdout.take().expect("stdout");
        let mut reader = BufReader::new(stdout);
        let mut line = String::new();
        let deadline = Instant::now() + Duration::from_secs(30);
        let addr = loop {
            line.clear();
            if reader.read_line(&mut line).expect("read") == 0 || Instant::now() > deadline {
                let mut err = String::new();
                child.stderr.take().map(|mut s| s.read_to_string(&mut err));
                panic!("server did not start: {err}");
            }
            if let Some(rest) = line.trim().strip_prefix("visanav is listening on http://") {
                break rest.trim_end_matches('/').to_string();
            }
        };
        // Keep draining stdout so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in reader.lines() {});
        Server { child, addr }
    }

    fn get(&self, path: &str) -> (u16, String, String) {
        http_get(&self.addr, path)
    }

    /// Sends SIGINT and returns the exit status.
    fn stop(mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .expect("kill");
        assert!(sent.success());
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status;
            }
            assert!(Instant::now() < deadline, "server did not stop on SIGINT");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

/// A minimal HTTP/1.1 GET: status, headers, body.
fn http_get(addr: &str, path: &str) -> (u16, String, String) {
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    http_exchange(addr, request.as_bytes())
}

/// A minimal HTTP/1.1 POST with extra headers: status, headers, body.
fn http_post(
    addr: &str,
    path: &str,
    content_type: &str,
    body: &[u8],
    extra: &[(&str, &str)],
) -> (u16, String, String) {
    let mut request = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in extra {
        request.push_str(&format!("{k}: {v}\r\n"));
    }
    request.push_str("\r\n");
    let mut bytes = request.into_bytes();
    bytes.extend_from_slice(body);
    http_exchange(addr, &bytes)
}

/// Sends one request on a fresh connection and splits the answer into status, head, body.
fn http_exchange(addr: &str, request: &[u8]) -> (u16, String, String) {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    s.write_all(request).expect("send");
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).expect("read");
    let text = String::from_utf8_lossy(&raw).to_string();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    // The server sends small bodies; strip chunked framing if present.
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        dechunk(body)
    } else {
        body.to_string()
    };
    (status, head.to_string(), body)
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 {
            break;
        }
        out.push_str(&rest[..n.min(rest.len())]);
        body = rest.get(n + 2..).unwrap_or("");
    }
    out
}

/// A fresh database on the test PostgreSQL server, or None when it is not configured.
async fn postgres_env() -> Option<(Env, String, String)> {
    let admin = std::env::var("VISANAV_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.is_empty())?;
    let name = format!("t_{}", uuid::Uuid::now_v7().simple());
    let mut c = sqlx::PgConnection::connect(&admin)
        .await
        .expect("connect to test PostgreSQL");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut c)
        .await
        .expect("create db");
    let base = admin.rsplit_once('/').expect("db path").0;
    let env = Env {
        dir: tempfile::tempdir().expect("tempdir"),
        database_url: Some(format!("{base}/{name}")),
    };
    Some((env, admin, name))
}

async fn drop_postgres(admin: &str, name: &str) {
    let mut c = sqlx::PgConnection::connect(admin).await.expect("connect");
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .execute(&mut c)
        .await
        .expect("drop");
}

/// The foundation's promise: a case imported from examples/ survives a server restart.
fn case_survives_restart(env: &Env, backend: &str) {
    let server = Server::start(env);
    let (code, headers, home) = server.get("/");
    assert_eq!(code, 200);
    assert!(home.contains("visanav is running"), "{home}");
    assert!(
        home.contains(backend),
        "home page names the {backend} backend"
    );
    assert!(
        home.contains("visanav case import"),
        "home page says how to add a case"
    );
    assert!(home.contains("not legal advice"));
    assert!(
        headers
            .to_ascii_lowercase()
            .contains("content-security-policy")
    );

    let id = env.import_example();
    let (code, _, body) = server.get("/api/v1/cases");
    assert_eq!(code, 200);
    assert!(body.contains(&id), "{body}");
    assert!(
        !body.contains("Maria"),
        "the API must not show personal data: {body}"
    );
    let status = server.stop();
    assert!(status.success(), "clean shutdown on Ctrl-C, got {status:?}");

    let server = Server::start(env);
    let (code, _, body) = server.get(&format!("/api/v1/cases/{id}"));
    assert_eq!(code, 200, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).expect("json");
    assert_eq!(v["ceac_case_number"], "MNL2025512345");
    assert_eq!(v["status"].as_array().map(Vec::len), Some(4));
    assert_eq!(v["refusal"]["requested"][0], "police_certificate");
    let (_, _, home) = server.get("/");
    assert!(
        home.contains(&id[..13]),
        "home lists the case after restart"
    );
    let (code, _, page) = server.get(&format!("/cases/{id}"));
    assert_eq!(code, 200, "{page}");
    assert!(
        page.contains("Your plan")
            && page.contains("Next steps")
            && page.contains("Police certificate"),
        "{page}"
    );
    assert!(
        !page.contains("Maria") && !page.contains("P1234567A"),
        "no personal data on pages"
    );
    assert!(
        !page.contains("221g_reconsideration_window") && !page.contains("i129f_validity"),
        "internal rule ids are not shown to people: {page}"
    );
    assert!(page.contains(">Source</a>"), "each item links its source");
    let (code, _, _) = server.get("/cases/ffffffff");
    assert_eq!(code, 404);
    assert!(server.stop().success());

    // And the CLI still decrypts it with the same key.
    let shown = env.ok(&["case", "show", &id]);
    assert!(shown.contains("Maria Clara Santos"), "{shown}");
}

#[test]
fn sqlite_case_survives_server_restart() {
    case_survives_restart(&Env::sqlite(), "SQLite");
}

#[tokio::test]
async fn postgres_case_survives_server_restart() {
    let Some((env, admin, name)) = postgres_env().await else {
        eprintln!("VISANAV_TEST_POSTGRES_URL not set: PostgreSQL leg skipped (CI sets it)");
        return;
    };
    let e = tokio::task::spawn_blocking(move || {
        case_survives_restart(&env, "PostgreSQL");
        // Migrations and status work the same way on PostgreSQL.
        let check = env.ok(&["db", "check"]);
        assert!(
            check.contains("PostgreSQL") && check.contains("up to date"),
            "{check}"
        );
        env
    })
    .await;
    drop_postgres(&admin, &name).await;
    e.expect("postgres leg");
}

#[test]
fn import_export_round_trip() {
    let env = Env::sqlite();
    let id = env.import_example();
    let exported = env.ok(&["case", "export", &id[..8]]);
    let path = env.write("exported.toml", &exported);
    let id2 = env.import_example();
    let again = env.ok(&["case", "import", path.to_str().expect("p"), "--json"]);
    let id3 = serde_json::from_str::<serde_json::Value>(&again).expect("json")["id"]
        .as_str()
        .expect("id")
        .to_string();
    let a = env.ok(&["case", "show", &id2, "--json"]);
    let b = env.ok(&["case", "show", &id3, "--json"]);
    let strip = |s: &str| {
        let mut v: serde_json::Value = serde_json::from_str(s).expect("json");
        v.as_object_mut().expect("object").remove("id");
        v
    };
    assert_eq!(
        strip(&a),
        strip(&b),
        "export then import gives the same case"
    );
    // JSON export is accepted too.
    let json = env.ok(&["case", "export", &id, "--format", "json"]);
    let jpath = env.write("exported.json", &json);
    env.ok(&["case", "import", jpath.to_str().expect("p")]);
    assert_eq!(env.case_count(), 4);
}

#[test]
fn bad_case_files_are_refused_with_clear_errors_and_nothing_saved() {
    let env = Env::sqlite();
    let good = std::fs::read_to_string(example()).expect("example");
    let cases: &[(&str, &str, &[&str])] = &[
        (
            "bad case number",
            "ceac_case_number = \"MNL2025512345\"",
            &[
                "ceac_case_number",
                "\"MNL12\"",
                "3 letters followed by 10 digits",
            ],
        ),
        (
            "bad ds160",
            "ds160_id = \"AA00B7QPGN\"",
            &["ds160_id", "AA followed by 8"],
        ),
        (
            "bad receipt",
            "uscis_receipt = \"IOE0912345678\"",
            &["uscis_receipt", "3 letters followed by 10 digits"],
        ),
        (
            "unknown post",
            "post = \"MNL\"",
            &["post", "\"XYZ\"", "3-letter code"],
        ),
        (
            "unknown document",
            "kind = \"police_certificate\"",
            &[
                "documents[0].kind",
                "\"police_certficate\"",
                "did you mean police_certificate",
            ],
        ),
        (
            "refusal before interview",
            "interview_on = 2025-06-02",
            &["refusal.on", "is before interview_on"],
        ),
        (
            "impossible date",
            "petition_approved_on = 2025-03-14",
            &["petition_approved_on", "not a real calendar date"],
        ),
        (
            "future issue date",
            "[[documents]]\nkind = \"passport\"",
            &["documents[3].issued_on", "in the future"],
        ),
    ];
    let replacement = |name: &str| -> (&str, &str) {
        match name {
            "bad case number" => (
                "ceac_case_number = \"MNL2025512345\"",
                "ceac_case_number = \"MNL12\"",
            ),
            "bad ds160" => ("ds160_id = \"AA00B7QPGN\"", "ds160_id = \"AB00\""),
            "bad receipt" => (
                "uscis_receipt = \"IOE0912345678\"",
                "uscis_receipt = \"IOE09\"",
            ),
            "unknown post" => ("post = \"MNL\"", "post = \"XYZ\""),
            "unknown document" => (
                "kind = \"police_certificate\"",
                "kind = \"police_certficate\"",
            ),
            "refusal before interview" => {
                ("interview_on = 2025-06-02", "interview_on = 2025-07-02")
            }
            "impossible date" => (
                "petition_approved_on = 2025-03-14",
                "petition_approved_on = \"2025-02-30\"",
            ),
            _ => ("issued_on = 2021-08-01", "issued_on = 2030-08-01"),
        }
    };
    for (name, _, expected) in cases {
        let (from, to) = replacement(name);
        assert!(good.contains(from), "{name}: example has {from}");
        let path = env.write("bad.toml", &good.replacen(from, to, 1));
        let out = env.run(&[
            "case",
            "import",
            path.to_str().expect("p"),
            "--today",
            "2026-01-15",
        ]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{name}: {err}");
        for e in *expected {
            assert!(
                err.contains(e),
                "{name}: error should mention {e:?}:\n{err}"
            );
        }
        assert!(err.contains("Nothing was saved"), "{name}: {err}");
    }
    // Syntax errors and unknown fields name the line and the field.
    let path = env.write(
        "typo.toml",
        &good.replacen("visa = \"K-1\"", "vissa = \"K-1\"", 1),
    );
    let out = env.run(&["case", "import", path.to_str().expect("p")]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("vissa"), "{err}");
    // A native TOML date that cannot exist is caught by the parser, with its line.
    let path = env.write("native.toml", &good.replacen("2025-03-14", "2025-02-30", 1));
    let out = env.run(&["case", "import", path.to_str().expect("p")]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("line 18") && err.contains("invalid date"),
        "{err}"
    );
    let out = env.run(&["case", "import", "/nonexistent/case.toml"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/case.toml"));
    assert_eq!(env.case_count(), 0, "nothing partial was written");
}

#[test]
fn delete_asks_unless_yes() {
    let env = Env::sqlite();
    let id = env.import_example();
    let out = env.run(&["case", "delete", &id]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--yes"));
    assert_eq!(env.case_count(), 1);
    env.ok(&["case", "delete", &id, "--yes"]);
    assert_eq!(env.case_count(), 0);
    let out = env.run(&["case", "show", &id]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("no case matches"));
}

#[test]
fn key_file_is_private_and_database_has_no_clear_pii() {
    let env = Env::sqlite();
    env.import_example();
    let key = env.dir.path().join("visanav.key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&key).expect("key").permissions().mode() & 0o777,
            0o600
        );
    }
    let mut bytes = Vec::new();
    for e in std::fs::read_dir(env.dir.path()).expect("dir") {
        let p = e.expect("entry").path();
        if p.file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with("visanav.db"))
        {
            bytes.extend(std::fs::read(p).expect("read"));
        }
    }
    let text = String::from_utf8_lossy(&bytes);
    assert!(text.contains("MNL2025512345"));
    assert!(!text.contains("P1234567A"), "passport number in clear text");
    assert!(!text.contains("Whitfield"), "name in clear text");
    // Without the right key the data is unreadable, and the error says why.
    std::fs::remove_file(&key).expect("rm key");
    let out = env.run(&["case", "list"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("key file"), "{err}");
}

#[test]
fn config_show_masks_secrets_and_reads_file_variables() {
    let env = Env::sqlite();
    let secret = env.write(
        "db-url",
        "postgres://visanav:hunter2@db.internal:5432/visanav\n",
    );
    let out = env
        .cmd(&["config", "show"])
        .env("VISANAV_DATABASE_URL_FILE", &secret)
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("postgres://visanav:****@db.internal:5432/visanav"),
        "{text}"
    );
    assert!(!text.contains("hunter2"));
    assert!(text.contains("# environment"));
    let cfg = env.write("visanav.toml", "listen = \"127.0.0.1:9999\"\n");
    let text = env.ok(&["config", "show"]);
    assert!(
        text.contains(&cfg.display().to_string())
            && text.contains("127.0.0.1:9999\"  # config file"),
        "{text}"
    );
    let text = env.ok(&[
        "config",
        "show",
        "--data-dir",
        env.dir.path().to_str().expect("p"),
    ]);
    assert!(text.contains("data_dir"), "{text}");
}

#[test]
fn config_show_lists_the_ocr_keys_with_their_origins() {
    let env = Env::sqlite();
    let text = env.ok(&["config", "show"]);
    for line in [
        "ocr.languages = \"eng\"  # default",
        "ocr.time_limit_secs = 120  # default",
        "ocr.page_limit = 6  # default",
        "ocr.max_jobs = 2  # default",
    ] {
        assert!(text.contains(line), "{line} in\n{text}");
    }
    env.write(
        "visanav.toml",
        "[ocr]\nlanguages = \"eng+spa\"\npage_limit = 2\n",
    );
    let out = env
        .cmd(&["config", "show"])
        .env("VISANAV_OCR_MAX_JOBS", "4")
        .env("VISANAV_OCR_TIME_LIMIT_SECS", "30")
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for line in [
        "ocr.languages = \"eng+spa\"  # config file",
        "ocr.time_limit_secs = 30  # environment",
        "ocr.page_limit = 2  # config file",
        "ocr.max_jobs = 4  # environment",
    ] {
        assert!(text.contains(line), "{line} in\n{text}");
    }
    // What `config show` prints is itself a config file that gives the same values.
    env.write("visanav.toml", &text);
    let again = env.ok(&["config", "show"]);
    assert!(again.contains("ocr.max_jobs = 4  # config file"), "{again}");
    let out = env
        .cmd(&["config", "show"])
        .env("VISANAV_OCR_PAGE_LIMIT", "many")
        .output()
        .expect("run");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("VISANAV_OCR_PAGE_LIMIT") && err.contains("many"),
        "{err}"
    );
}

#[test]
fn db_migrate_and_check_report_the_schema() {
    let env = Env::sqlite();
    let check = env.run(&["db", "check"]);
    let text = String::from_utf8_lossy(&check.stdout);
    assert_eq!(
        check.status.code(),
        Some(3),
        "pending migrations on a new database: {text}"
    );
    assert!(text.contains("pending"), "{text}");
    let migrated = env.ok(&["db", "migrate"]);
    assert!(migrated.contains("Applied"), "{migrated}");
    let again = env.ok(&["db", "migrate"]);
    assert!(again.contains("up to date"), "{again}");
    let check = env.ok(&["db", "check"]);
    assert!(
        check.contains("SQLite")
            && check.contains("connection: ok")
            && check.contains("up to date"),
        "{check}"
    );
}

#[test]
fn serve_refuses_public_addresses_until_sign_in_exists() {
    let env = Env::sqlite();
    let out = env.run(&["serve", "--listen", "0.0.0.0:0"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("loopback"), "{err}");
    let out = env.run(&["serve", "--listen", "nonsense"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("\"nonsense\""));
}

#[test]
fn status_explain_answers_refused_plainly() {
    let env = Env::sqlite();
    for spelling in ["refused", "REFUSED ", "Refused."] {
        let text = env.ok(&["status", "explain", spelling]);
        assert!(text.starts_with("Refused ("), "{spelling}: {text}");
        assert!(text.contains("221(g)"), "{text}");
        assert!(text.contains("Is this final? No"), "{text}");
        assert!(text.contains("https://"), "cites sources");
        assert!(
            text.trim_end()
                .ends_with("talk to a licensed immigration attorney."),
            "ends with the disclaimer"
        );
    }
    let text = env.ok(&["status", "explain", "Administrative  Processing"]);
    assert!(text.starts_with("Administrative Processing"), "{text}");
    let v: serde_json::Value =
        serde_json::from_str(&env.ok(&["status", "explain", "refused", "--json"])).expect("json");
    for key in [
        "status",
        "source",
        "meaning",
        "final",
        "next_steps",
        "misconceptions",
        "sources",
        "as_of",
        "disclaimer",
    ] {
        assert!(v.get(key).is_some(), "--json has {key}");
    }
    assert_eq!(v["final"], false);
    assert_eq!(v["source"], "ceac");
    assert!(v["next_steps"].as_array().is_some_and(|a| !a.is_empty()));
    let v: serde_json::Value = serde_json::from_str(&env.ok(&[
        "status",
        "explain",
        "case was approved",
        "--source",
        "uscis",
        "--json",
    ]))
    .expect("json");
    assert_eq!(v["source"], "uscis");
}

/// The 2025 online-presence (social media) review is confirmed for F, M, J, H-1B and H-4
/// visas only; for K-1 the explanation must say it is unverified, in the text a person reads.
#[test]
fn administrative_processing_explains_online_presence_review_as_unverified_for_k1() {
    let env = Env::sqlite();
    for status in ["administrative processing", "refused"] {
        let text = env.ok(&["status", "explain", status]);
        let note = text
            .split("Not fully verified:")
            .nth(1)
            .unwrap_or_else(|| panic!("{status}: no uncertain note: {text}"));
        assert!(note.contains("online-presence"), "{status}: {note}");
        assert!(
            note.contains("K-1") && note.contains("unverified"),
            "{status}: {note}"
        );
        assert!(note.contains("221(g)"), "{status}: {note}");
        assert!(
            text.contains("https://www.state.gov/releases/office-of-the-spokesperson/2025/06/"),
            "{status}: cites the June 2025 announcement"
        );
    }
    let v: serde_json::Value = serde_json::from_str(&env.ok(&[
        "status",
        "explain",
        "administrative processing",
        "--json",
    ]))
    .expect("json");
    assert_eq!(v["as_of"], "2026-11-30");
    assert!(
        v["causes"].as_array().is_some_and(|c| c
            .iter()
            .any(|c| c.as_str().is_some_and(|c| c.contains("online presence")))),
        "{v}"
    );
}

/// The USCIS nationality holds (PM-602-0192, PM-602-0194) may explain a long wait; whether
/// they reach the I-129F is not stated, and every pending status must say so.
#[test]
fn pending_uscis_statuses_mention_the_nationality_hold_as_uncertain_for_i129f() {
    let env = Env::sqlite();
    for status in [
        "case is on hold",
        "case was received",
        "case was received and a receipt notice was emailed",
        "case is being actively reviewed by uscis",
        "response to uscis' request for evidence was received",
    ] {
        let text = env.ok(&["status", "explain", status, "--source", "uscis"]);
        let note = text
            .split("Not fully verified:")
            .nth(1)
            .unwrap_or_else(|| panic!("{status}: no uncertain note: {text}"));
        for needle in ["PM-602-0192", "PM-602-0194", "Proclamation 10998", "I-129F"] {
            assert!(note.contains(needle), "{status}: {needle} missing: {note}");
        }
    }
}

#[test]
fn unknown_status_exits_2_with_suggestions() {
    let env = Env::sqlite();
    let out = env.run(&["status", "explain", "refussed"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("Did you mean") && err.contains("Refused"),
        "{err}"
    );
    let out = env.run(&["status", "explain", "qwertyuiop zxcv", "--json"]);
    assert_eq!(out.status.code(), Some(2));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert!(
        v["error"]
            .as_str()
            .is_some_and(|e| e.contains("qwertyuiop"))
    );
}

/// Copies a directory with its subdirectories (the knowledge base has `notice/`).
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read dir") {
        let p = e.expect("entry").path();
        let dest = to.join(p.file_name().expect("name"));
        if p.is_dir() {
            copy_dir(&p, &dest);
        } else {
            std::fs::copy(&p, &dest).expect("copy");
        }
    }
}

/// A firm corrects a fact in its own knowledge directory; the server uses it without a rebuild.
#[test]
fn knowledge_dir_overrides_and_is_checked() {
    let env = Env::sqlite();
    let kdir = env.dir.path().join("knowledge");
    std::fs::create_dir(&kdir).expect("mkdir");
    copy_dir(&repo_root().join("knowledge"), &kdir);
    let ok = env.ok(&["knowledge", "check", kdir.to_str().expect("p")]);
    assert!(ok.contains("is valid"), "{ok}");

    let posts = kdir.join("posts.toml");
    let text = std::fs::read_to_string(&posts).expect("posts");
    let marker = "Courier pickup moved to the new Makati office (test edit)";
    // Edit Manila's procedure notes, a realistic one-line correction.
    let mnl = text.find("code = \"MNL\"").expect("MNL");
    let notes_at = mnl
        + text[mnl..]
            .find("notes = ")
            .expect("MNL has procedure notes");
    let line_end = notes_at + text[notes_at..].find('\n').expect("eol");
    let edited = format!(
        "{}notes = \"{marker}\"{}",
        &text[..notes_at],
        &text[line_end..]
    );
    std::fs::write(&posts, &edited).expect("write");
    env.ok(&["knowledge", "check", kdir.to_str().expect("p")]);

    let server = Server::start_with(&env, &[("VISANAV_KNOWLEDGE_DIR", &kdir)]);
    let (code, _, page) = server.get("/posts/MNL");
    assert_eq!(code, 200);
    assert!(page.contains(marker), "the server shows the corrected fact");
    assert!(server.stop().success());

    // A broken directory is refused with the file, the entry and the problem.
    std::fs::write(
        &posts,
        edited.replacen(
            "time_zone = \"Asia/Manila\"",
            "time_zone = \"Asia/Manilla\"",
            1,
        ),
    )
    .expect("write");
    let out = env.run(&["knowledge", "check", kdir.to_str().expect("p")]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        err.contains("posts.toml") && err.contains("post MNL") && err.contains("Asia/Manilla"),
        "{err}"
    );
    let out = env
        .cmd(&["status", "explain", "refused"])
        .env("VISANAV_KNOWLEDGE_DIR", &kdir)
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("visanav knowledge check"));
}

#[test]
fn pages_render_and_escape() {
    let env = Env::sqlite();
    let server = Server::start(&env);
    let (code, _, page) = server.get("/statuses");
    assert_eq!(code, 200);
    assert!(
        page.contains("/statuses/ceac-refused") && page.contains("not legal advice"),
        "{page}"
    );
    let (code, _, page) = server.get("/statuses/ceac-refused");
    assert_eq!(code, 200);
    assert!(
        page.contains("<h1>Refused</h1>")
            && page.contains("What to do now")
            && page.contains("https://")
    );
    assert!(page.contains("name=\"viewport\""), "readable on a phone");
    let (code, _, page) = server.get("/posts/mnl");
    assert_eq!(code, 200);
    assert!(
        page.contains("Manila") && page.contains("Asia/Manila"),
        "{page}"
    );
    let (code, _, _) = server.get("/statuses/nope");
    assert_eq!(code, 404);
    let (code, _, page) = server.get("/%3Cscript%3Ealert(1)%3C/script%3E");
    assert_eq!(code, 404);
    assert!(!page.contains("<script>"));
    let (code, _, body) = server.get("/healthz");
    assert_eq!(code, 200);
    assert!(body.contains("\"ok\""));
    assert!(server.stop().success());
}

/// The examples in docs/case-file.md are real: both import.
#[test]
fn documented_examples_import() {
    let env = Env::sqlite();
    let doc = std::fs::read_to_string(repo_root().join("docs/case-file.md")).expect("doc");
    for (lang, ext) in [("toml", "toml"), ("json", "json")] {
        let start = doc.find(&format!("```{lang}\n")).expect("code block") + lang.len() + 4;
        let end = start + doc[start..].find("```").expect("end of block");
        let path = env.write(&format!("doc.{ext}"), &doc[start..end]);
        env.ok(&["case", "import", path.to_str().expect("p")]);
    }
    assert_eq!(env.case_count(), 2);
}

#[test]
fn plan_from_a_case_file_and_from_the_database() {
    let env = Env::sqlite();
    let example = example();
    let path = example.to_str().expect("p");
    let out = env.ok(&["plan", path, "--today", "2026-05-13", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    let window = v["deadlines"]
        .as_array()
        .expect("deadlines")
        .iter()
        .find(|d| d["kind"] == "221g_reconsideration")
        .expect("221(g) deadline");
    assert_eq!(window["due"], "2026-06-02");
    assert!(window["sources"].as_array().is_some_and(|s| !s.is_empty()));
    assert!(v["expiries"].is_array() && v["next_steps"].is_array());
    assert_eq!(v["legal_help"]["recommended"], true);
    assert!(
        v["disclaimer"]
            .as_str()
            .is_some_and(|d| d.contains("not legal advice"))
    );

    let id = env.import_example();
    let human = env.ok(&["plan", &id[..13], "--today", "2026-05-13"]);
    assert!(
        human.contains("2026-06-02")
            && human.contains("Next steps")
            && human.contains("not legal advice"),
        "{human}"
    );
    assert!(human.contains("[ ] Gather: Police certificate"), "{human}");

    let out = env.run(&["plan", "missing/case.toml"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("no case file at missing/case.toml"));
}

/// What a person reads in `visanav plan`: whole sentences (never cut after "U.S."), no
/// internal ids, nothing another post said, and the main source of every item.
#[test]
fn plan_text_keeps_sentences_whole_and_names_its_sources() {
    let env = Env::sqlite();
    let refused = env.write(
        "refused.toml",
        r#"
visa = "K-1"
post = "MNL"
petition_approved_on = 2025-03-14
interview_on = 2025-06-02
[refusal]
on = 2025-06-02
sections = ["221(g)", "212(a)(6)(C)(i)"]
requested = ["police_certificate"]
"#,
    );
    let text = env.ok(&[
        "plan",
        refused.to_str().expect("p"),
        "--today",
        "2025-06-10",
    ]);
    assert!(
        text.contains("USCIS counts the U.S. citizen fiancé(e)."),
        "the second sentence of the reason is whole: {text}"
    );
    for line in text.lines() {
        assert!(!line.trim_end().ends_with(" U.S."), "cut at U.S.: {line}");
    }
    let issued = env.write(
        "issued.toml",
        "visa = \"K-1\"\npost = \"MNL\"\ninterview_on = 2025-08-01\nvisa_issued_on = 2025-08-20\n",
    );
    let issued_text = env.ok(&["plan", issued.to_str().expect("p"), "--today", "2025-09-01"]);
    for text in [&text, &issued_text] {
        for id in [
            "k1_visa_validity",
            "221g_reconsideration_window",
            "case_termination",
            "entry_before_visa_expiry",
            "medical_exam_validity",
            "i129f_validity",
        ] {
            assert!(!text.contains(id), "internal id {id} shown: {text}");
        }
        assert!(
            !text.contains("London"),
            "a London remark at Manila: {text}"
        );
        assert!(text.contains("not legal advice"));
        // Each deadline, step and reason is followed by its source before the next item.
        let mut open: Option<&str> = None;
        for line in text.lines() {
            let item =
                line.starts_with("  20") || line.starts_with("  [ ]") || line.starts_with("  - ");
            if item || line.is_empty() {
                assert!(open.is_none(), "no source for {open:?}:\n{text}");
                open = item.then_some(line);
            }
            if line.trim_start().starts_with("Source: http") {
                open = None;
            }
        }
    }
    let london = env.write(
        "london.toml",
        "visa = \"K-1\"\npost = \"LND\"\ninterview_on = 2025-08-01\nvisa_issued_on = 2025-08-20\n",
    );
    let london = env.ok(&["plan", london.to_str().expect("p"), "--today", "2025-09-01"]);
    assert!(london.contains("London asks"), "{london}");
}

/// Percent-encodes a form value.
fn form_value(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Pulls `value="..."` of the input named `name` out of a page (values are HTML-escaped).
fn input_value(page: &str, name: &str) -> String {
    let at = page
        .find(&format!("name=\"{name}\" value=\""))
        .unwrap_or_else(|| panic!("no input {name}"));
    let rest = &page[at + name.len() + 15..];
    rest[..rest.find('"').expect("end quote")]
        .replace("&#43;", "+")
        .replace("&#x2B;", "+")
        .replace("&#61;", "=")
        .replace("&#x3D;", "=")
        .replace("&#47;", "/")
        .replace("&#x2F;", "/")
}

#[test]
fn web_notice_paste_preview_correct_and_save() {
    let env = Env::sqlite();
    // A case with no refusal yet: interviewed two months ago, waiting. Dates are relative to
    // today so the one-year window is still open whenever the test runs.
    let today = jiff::Zoned::now().date();
    let refused = today - jiff::Span::new().days(60);
    let deadline = refused + jiff::Span::new().years(1);
    let case_file = env.write(
        "case.toml",
        &format!("visa = \"K-1\"\npost = \"MNL\"\ninterview_on = {refused}\n"),
    );
    let out = env.ok(&["case", "import", case_file.to_str().expect("p"), "--json"]);
    let id = serde_json::from_str::<serde_json::Value>(&out).expect("json")["id"]
        .as_str()
        .expect("id")
        .to_string();
    let server = Server::start(&env);
    let (code, _, form) = server.get(&format!("/cases/{id}/notice"));
    assert_eq!(code, 200);
    assert!(form.contains("Paste the text of the notice"));

    let notice = format!(
        "U.S. Embassy Manila\nDate: {refused}\nYour visa application is refused under Section 221(g).\n\
         Please submit the following:\n[X] Police certificate (NBI clearance)\n[ ] Medical examination\n\n\
         If you were married before, also submit the annulment decree. The Embassy will keep \
         your passport.\n<script>alert(1)</script>\n"
    );
    let boundary = "visanavTESTboundary";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\n{notice}\r\n--{boundary}\r\n\
         Content-Disposition: form-data; name=\"file\"; filename=\"\"\r\nContent-Type: application/octet-stream\r\n\r\n\r\n--{boundary}--\r\n"
    );
    let ctype = format!("multipart/form-data; boundary={boundary}");
    let (code, _, preview) = http_post(
        &server.addr,
        &format!("/cases/{id}/notice"),
        &ctype,
        body.as_bytes(),
        &[("Sec-Fetch-Site", "same-origin")],
    );
    assert_eq!(code, 200, "{preview}");
    assert!(
        preview.contains("Check what visanav read") && preview.contains("Nothing is saved yet")
    );
    assert!(
        preview.contains("value=\"police_certificate\" checked"),
        "the ticked box is read as a request"
    );
    assert!(
        !preview.contains("value=\"medical_exam\" checked"),
        "an unticked box is never a request"
    );
    assert!(
        preview.contains("Please check: asked for only in some cases")
            && preview.contains("value=\"prior_marriage_termination\">"),
        "a conditional request is offered to tick, not ticked: {preview}"
    );
    assert!(
        preview.contains("Named in the notice but not asked for")
            && preview.contains("the notice says the post keeps it"),
        "what was left out says why"
    );
    assert!(preview.contains("How sure visanav is of this reading"));
    assert!(
        !preview.contains("<script>alert(1)</script>"),
        "notice text is escaped"
    );
    assert!(
        preview.contains(&deadline.to_string()),
        "the preview shows the one-year deadline"
    );
    let as_of = manila_procedure_as_of();
    assert!(
        preview.contains("LBC") && preview.contains(&format!("as of {as_of}")),
        "and how Manila takes documents, with how fresh that is"
    );
    let (_, _, before) = server.get(&format!("/api/v1/cases/{id}"));
    assert!(
        !before.contains("police_certificate"),
        "nothing saved by the preview"
    );

    // The person corrects the reading: adds the I-134 the reader could not see, saves.
    let form = format!(
        "original={}&media_type=text%2Fplain&text={}&refused_on={refused}&doc=police_certificate&doc=i134_support",
        form_value(&input_value(&preview, "original")),
        form_value(&input_value(&preview, "text")),
    );
    let cross = http_post(
        &server.addr,
        &format!("/cases/{id}/notice/apply"),
        "application/x-www-form-urlencoded",
        form.as_bytes(),
        &[("Sec-Fetch-Site", "cross-site")],
    );
    assert_eq!(
        cross.0, 403,
        "another site cannot write through the visitor's browser"
    );
    let (code, headers, _) = http_post(
        &server.addr,
        &format!("/cases/{id}/notice/apply"),
        "application/x-www-form-urlencoded",
        form.as_bytes(),
        &[("Origin", &format!("http://{}", server.addr))],
    );
    assert_eq!(code, 303, "{headers}");
    assert!(headers.contains(&format!("/cases/{id}")));
    let (_, _, api) = server.get(&format!("/api/v1/cases/{id}"));
    let v: serde_json::Value = serde_json::from_str(&api).expect("json");
    assert_eq!(v["refusal"]["on"], refused.to_string());
    assert_eq!(
        v["refusal"]["requested"],
        serde_json::json!(["police_certificate", "i134_support"])
    );
    let kinds: Vec<&str> = v["documents"]
        .as_array()
        .expect("docs")
        .iter()
        .map(|d| d["kind"].as_str().expect("kind"))
        .collect();
    assert_eq!(kinds, ["police_certificate", "i134_support"]);
    let (_, _, page) = server.get(&format!("/cases/{id}"));
    assert!(
        page.contains("Gather: Police certificate") && page.contains(&deadline.to_string()),
        "the plan now has the checklist and the one-year date"
    );
    assert!(
        page.contains("LBC") && page.contains(&format!("notes as of {as_of}")),
        "the procedure step says how fresh it is"
    );
    assert!(page.contains("not legal advice"));
    assert!(server.stop().success());
}

/// The date Manila's procedure was last checked, from the compiled-in knowledge.
fn manila_procedure_as_of() -> String {
    visanav_core::knowledge::Knowledge::embedded()
        .expect("knowledge")
        .post("MNL")
        .and_then(|p| p.procedure.as_ref())
        .expect("MNL procedure")
        .as_of
        .clone()
}

/// Every place that shows a post's procedure shows when it was last checked, and how old
/// its sources are.
#[test]
fn procedure_freshness_is_shown_in_cli_and_pages() {
    let env = Env::sqlite();
    let as_of = manila_procedure_as_of();
    let notice = repo_root().join("crates/core/tests/notices/corpus/mnl-checkbox-police.txt");
    let out = env.ok(&["notice", "read", notice.to_str().expect("p")]);
    assert!(
        out.contains(&format!(
            "How Manila takes 221(g) documents (visanav's notes, as of {as_of}"
        )),
        "{out}"
    );
    assert!(
        out.contains("Source: https://globalnation.inquirer.net/")
            && out.contains("(published 2024-09-06, seen ")
            && out.contains("(undated, seen "),
        "{out}"
    );
    assert!(out.contains("not legal advice"), "{out}");

    let server = Server::start(&env);
    let (code, _, page) = server.get("/posts/MNL");
    assert_eq!(code, 200);
    assert!(
        page.contains(&format!("<strong>As of {as_of}</strong>"))
            && page.contains("newest source dated 2024-09-06")
            && page.contains("published 2024-09-06, seen "),
        "{page}"
    );
    assert!(page.contains("not legal advice"));
    // A post whose procedure is "not found" still says how fresh that finding is.
    let (code, _, page) = server.get("/posts/RDJ");
    assert_eq!(code, 200);
    assert!(
        page.contains("not found: follow your letter") && page.contains("<strong>As of "),
        "{page}"
    );
    assert!(server.stop().success());
}

/// The reading shows its evidence: what must be checked because the notice asks for it only
/// in some cases, what it names without asking, how sure the reading is; and a window that
/// has closed is said to have closed, with what can still be done.
#[test]
fn notice_read_shows_evidence_and_a_closed_window() {
    let env = Env::sqlite();
    let notice = env.write(
        "notice.txt",
        "U.S. Embassy Manila\nDate: March 14, 2025\n\
         Your visa application was refused under Section 221(g).\n\
         Please submit a new NBI clearance. If you were married before, also submit the \
         annulment decree. You do not need a new medical examination. The Embassy will keep \
         your passport.\n",
    );
    let notice = notice.to_str().expect("p");
    let out = env.ok(&["notice", "read", notice, "--today", "2025-04-01"]);
    assert!(out.contains("Police certificate"), "{out}");
    assert!(
        out.contains("Please check") && out.contains("Proof earlier marriages ended"),
        "the conditional request is shown to check, not counted: {out}"
    );
    assert!(
        out.contains("Medical exam (the notice says it is not needed)")
            && out.contains("Passport (the notice says the post keeps it)"),
        "what is named but not asked for says why: {out}"
    );
    assert!(out.contains("How sure visanav is of this reading"), "{out}");
    assert!(out.contains("send everything by 2026-03-14"), "{out}");

    let later = env.ok(&["notice", "read", notice, "--today", "2026-06-01"]);
    assert!(
        later.contains("ended on 2026-03-14") && !later.contains("send everything by"),
        "a passed window is never a date to act by: {later}"
    );
    assert!(later.contains("Talk to an immigration attorney"), "{later}");

    let v: serde_json::Value = serde_json::from_str(&env.ok(&[
        "notice",
        "read",
        notice,
        "--json",
        "--today",
        "2026-06-01",
    ]))
    .expect("json");
    assert_eq!(v["reconsideration_deadline"]["passed"], true);
    let reasons: Vec<(&str, &str)> = v["mentions"]
        .as_array()
        .expect("mentions")
        .iter()
        .map(|m| {
            (
                m["document"].as_str().expect("d"),
                m["reason"].as_str().expect("r"),
            )
        })
        .collect();
    assert!(
        reasons.contains(&("prior_marriage_termination", "conditional")),
        "{reasons:?}"
    );
    assert!(
        reasons.contains(&("medical_exam", "negated")),
        "{reasons:?}"
    );
    assert!(
        reasons.contains(&("passport", "kept_by_post")),
        "{reasons:?}"
    );

    // A petition sent back to USCIS asks for nothing: no date to send anything by.
    let returned = env.write(
        "returned.txt",
        "Date: March 14, 2025\nYour visa was refused under Section 221(g). The petition will be \
         returned to USCIS for review and possible revocation. Please do not send documents.\n",
    );
    let out = env.ok(&[
        "notice",
        "read",
        returned.to_str().expect("p"),
        "--today",
        "2025-04-01",
    ]);
    assert!(out.contains("petition returned to USCIS"), "{out}");
    assert!(!out.contains("send everything by"), "{out}");
}

#[test]
fn notice_read_and_apply_to_a_case() {
    let env = Env::sqlite();
    let notice = repo_root().join("crates/core/tests/notices/corpus/mnl-checkbox-police.txt");
    let notice = notice.to_str().expect("p");
    // Reading alone changes nothing and needs no case.
    let v: serde_json::Value =
        serde_json::from_str(&env.ok(&["notice", "read", notice, "--json"])).expect("json");
    assert_eq!(v["kind"], "documents_requested");
    assert_eq!(v["post"], "MNL");
    let docs: Vec<&str> = v["requests"]
        .as_array()
        .expect("requests")
        .iter()
        .map(|r| r["document"].as_str().expect("id"))
        .collect();
    assert_eq!(
        docs,
        ["police_certificate", "medical_exam"],
        "only the ticked boxes"
    );
    assert!(
        v["disclaimer"]
            .as_str()
            .is_some_and(|d| d.contains("not legal advice"))
    );

    let case_file = env.write(
        "case.toml",
        "visa = \"K-1\"\npost = \"MNL\"\ninterview_on = 2025-03-14\n",
    );
    let out = env.ok(&[
        "case",
        "import",
        case_file.to_str().expect("p"),
        "--json",
        "--today",
        "2025-04-01",
    ]);
    let id = serde_json::from_str::<serde_json::Value>(&out).expect("json")["id"]
        .as_str()
        .expect("id")
        .to_string();

    // Without --yes and without a terminal nothing is saved.
    let out = env.run(&[
        "notice",
        "read",
        notice,
        "--case",
        &id,
        "--apply",
        "--today",
        "2025-04-01",
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--yes"));
    // A correction naming an unknown document is refused, naming it.
    let out = env.run(&[
        "notice", "read", notice, "--case", &id, "--apply", "--yes", "--add", "passprot",
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("\"passprot\"") && err.contains("passport"),
        "{err}"
    );
    let shown = env.ok(&["case", "show", &id, "--json"]);
    assert!(
        !shown.contains("police_certificate"),
        "nothing partial was saved"
    );

    // Corrected and confirmed: the medical exam is dropped (say it was already redone), the
    // I-134 added.
    let out = env
        .cmd(&[
            "notice",
            "read",
            notice,
            "--case",
            &id,
            "--apply",
            "--yes",
            "--remove",
            "medical_exam",
            "--add",
            "i134_support",
            "--today",
            "2025-04-01",
        ])
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("Saved to case"));
    let case: serde_json::Value =
        serde_json::from_str(&env.ok(&["case", "show", &id, "--json"])).expect("json");
    assert_eq!(case["refusal"]["on"], "2025-03-14");
    assert_eq!(
        case["refusal"]["requested"],
        serde_json::json!(["police_certificate", "i134_support"])
    );
    let plan: serde_json::Value =
        serde_json::from_str(&env.ok(&["plan", &id, "--today", "2025-04-01", "--json"]))
            .expect("json");
    let window = plan["deadlines"]
        .as_array()
        .expect("d")
        .iter()
        .find(|d| d["kind"] == "221g_reconsideration")
        .expect("window");
    assert_eq!(window["due"], "2026-03-14");

    let listed = env.ok(&["notice", "list", &id]);
    assert!(
        listed.contains("  1  ")
            && listed.contains("documents_requested")
            && listed.contains("text/plain"),
        "{listed}"
    );
    let original = env.ok(&["notice", "original", &id]);
    assert_eq!(
        original,
        std::fs::read_to_string(notice).expect("notice"),
        "the original is kept byte for byte"
    );
    let out = env.run(&["notice", "original", &id, "2"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("has 1 saved notice"));
    let out = env.run(&["notice", "read", "/nonexistent.pdf"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent.pdf"));
    let big = env.write("big.txt", &"x".repeat(11 * 1024 * 1024));
    let out = env.run(&["notice", "read", big.to_str().expect("p")]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("10 MiB"));
}
