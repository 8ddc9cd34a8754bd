//! What the end-to-end tests share: the binary, a sandboxed data directory per test, a running
//! server, a minimal HTTP client and throwaway PostgreSQL databases.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use sqlx::Connection;

pub(crate) const BIN: &str = env!("CARGO_BIN_EXE_visanav");

pub(crate) fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("repo root")
}

pub(crate) fn example() -> PathBuf {
    repo_root().join("examples/k1-manila-221g.toml")
}

/// A sandbox: its own data directory, and optionally a PostgreSQL database.
pub(crate) struct Env {
    pub(crate) dir: tempfile::TempDir,
    pub(crate) database_url: Option<String>,
}

impl Env {
    pub(crate) fn sqlite() -> Env {
        Env {
            dir: tempfile::tempdir().expect("tempdir"),
            database_url: None,
        }
    }

    pub(crate) fn cmd(&self, args: &[&str]) -> Command {
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
            "VISANAV_PUBLIC_URL",
            "VISANAV_REQUEST_TIMEOUT_SECS",
        ] {
            c.env_remove(var);
        }
        if let Some(url) = &self.database_url {
            c.env("VISANAV_DATABASE_URL", url);
        }
        c.stdin(Stdio::null());
        c
    }

    pub(crate) fn run(&self, args: &[&str]) -> Output {
        self.cmd(args).output().expect("run visanav")
    }

    pub(crate) fn ok(&self, args: &[&str]) -> String {
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

    /// Runs a command that must fail, and returns its standard error.
    pub(crate) fn fails(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(!out.status.success(), "visanav {args:?} should have failed");
        String::from_utf8_lossy(&out.stderr).into_owned()
    }

    /// Imports the example case (again, if it is there already: tests often need two).
    pub(crate) fn import_example(&self) -> String {
        let out = self.ok(&[
            "case",
            "import",
            example().to_str().expect("path"),
            "--json",
            "--force",
        ]);
        let v: serde_json::Value = serde_json::from_str(&out).expect("json");
        v["id"].as_str().expect("id").to_string()
    }

    pub(crate) fn case_count(&self) -> usize {
        let v: serde_json::Value =
            serde_json::from_str(&self.ok(&["case", "list", "--json"])).expect("json");
        v.as_array().expect("array").len()
    }

    pub(crate) fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.dir.path().join(name);
        std::fs::write(&p, text).expect("write");
        p
    }
}

/// A running `visanav serve`, stopped with SIGINT like Ctrl-C.
pub(crate) struct Server {
    pub(crate) child: Child,
    pub(crate) addr: String,
    /// The session cookie of the local account, signed in with `visanav user link`.
    pub(crate) cookie: String,
    /// Everything the server wrote to stderr (its log), drained so it never blocks.
    stderr: Option<std::thread::JoinHandle<String>>,
}

impl Server {
    pub(crate) fn start(env: &Env) -> Server {
        Server::start_with(env, &[])
    }

    pub(crate) fn start_with(env: &Env, vars: &[(&str, &Path)]) -> Server {
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
        // Keep draining stdout and stderr so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in reader.lines() {});
        let mut err = child.stderr.take().expect("stderr");
        let stderr = std::thread::spawn(move || {
            let mut log = Vec::new();
            let _ = err.read_to_end(&mut log);
            String::from_utf8_lossy(&log).into_owned()
        });
        let cookie = sign_in_locally(env, &addr);
        Server {
            child,
            addr,
            cookie,
            stderr: Some(stderr),
        }
    }

    /// A GET as the signed-in local account.
    pub(crate) fn get(&self, path: &str) -> (u16, String, String) {
        let request = format!(
            "GET {path} HTTP/1.1\r\nHost: {}\r\nCookie: {}\r\nConnection: close\r\n\r\n",
            self.addr, self.cookie
        );
        http_exchange(&self.addr, request.as_bytes())
    }

    /// The CSRF token the signed-in session's forms carry (read off the notice form).
    pub(crate) fn csrf(&self, case_id: &str) -> String {
        let (_, _, page) = self.get(&format!("/cases/{case_id}/notice"));
        let marker = "name=\"csrf\" value=\"";
        let start = page.find(marker).expect("a csrf field") + marker.len();
        page[start..].split('"').next().expect("value").to_string()
    }

    /// A POST as the signed-in local account, with extra headers.
    pub(crate) fn post(
        &self,
        path: &str,
        content_type: &str,
        body: &[u8],
        extra: &[(&str, &str)],
    ) -> (u16, String, String) {
        let mut headers = vec![("Cookie", self.cookie.as_str())];
        headers.extend_from_slice(extra);
        http_post(&self.addr, path, content_type, body, &headers)
    }

    /// Sends SIGINT and returns the exit status.
    pub(crate) fn stop(self) -> std::process::ExitStatus {
        self.stop_with_log().0
    }

    /// Sends SIGINT; returns the exit status and everything the server wrote to stderr.
    pub(crate) fn stop_with_log(mut self) -> (std::process::ExitStatus, String) {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .expect("kill");
        assert!(sent.success());
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                let log = self
                    .stderr
                    .take()
                    .map(|t| t.join().expect("stderr reader"))
                    .unwrap_or_default();
                return (status, log);
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

/// Signs the local account in as a person would: `visanav user link` prints a one-time link,
/// and pressing its button gives the session cookie.
fn sign_in_locally(env: &Env, addr: &str) -> String {
    sign_in_with_link(addr, &env.ok(&["user", "link"]))
}

/// Signs in with the one-time link in `text` (as `user link` or `serve --demo` print it):
/// the session cookie.
pub(crate) fn sign_in_with_link(addr: &str, text: &str) -> String {
    let token = text
        .split("token=")
        .nth(1)
        .and_then(|t| t.split_whitespace().next())
        .expect("a sign-in link");
    let (form_cookie, form_token) = form_token(addr, "/sign-in/link");
    let (code, head, body) = http_post(
        addr,
        "/sign-in/link",
        "application/x-www-form-urlencoded",
        format!("token={token}&form_token={form_token}").as_bytes(),
        &[("Sec-Fetch-Site", "same-origin"), ("Cookie", &form_cookie)],
    );
    assert_eq!(code, 303, "signing in with the link: {head}\n{body}");
    head.lines()
        .find_map(|l| {
            let l = l
                .strip_prefix("set-cookie: ")
                .or_else(|| l.strip_prefix("Set-Cookie: "))?;
            l.split(';').next().map(str::to_string)
        })
        .expect("a session cookie")
}

/// A running `visanav serve --demo`: its address and what it printed up to "Press Ctrl-C".
pub(crate) struct Demo {
    child: Child,
    pub(crate) addr: String,
    pub(crate) printed: String,
}

impl Demo {
    pub(crate) fn start(env: &Env, vars: &[(&str, &str)]) -> Demo {
        let mut cmd = env.cmd(&["serve", "--demo", "--listen", "127.0.0.1:0"]);
        for (k, v) in vars {
            cmd.env(k, v);
        }
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn");
        let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let mut printed = String::new();
        for line in lines.by_ref() {
            let line = line.expect("line");
            printed.push_str(&line);
            printed.push('\n');
            if line.starts_with("Press Ctrl-C") {
                break;
            }
        }
        // Keep draining stdout so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        let addr = printed
            .lines()
            .find_map(|l| l.strip_prefix("visanav is listening on http://"))
            .unwrap_or_else(|| panic!("no address in:\n{printed}"))
            .trim_end_matches('/')
            .to_string();
        Demo {
            child,
            addr,
            printed,
        }
    }

    /// The rest of the printed line that starts with `prefix` (after trimming).
    pub(crate) fn line_after(&self, prefix: &str) -> String {
        self.printed
            .lines()
            .find_map(|l| l.trim().strip_prefix(prefix))
            .unwrap_or_else(|| panic!("no line starting {prefix:?} in:\n{}", self.printed))
            .trim()
            .to_string()
    }

    /// Stops it as Ctrl-C does, so the demo database is closed cleanly.
    pub(crate) fn stop(mut self) {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-INT", &pid]).status();
        let deadline = Instant::now() + Duration::from_secs(20);
        while self.child.try_wait().expect("wait").is_none() {
            assert!(Instant::now() < deadline, "the demo did not stop on SIGINT");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

/// Opens a form shown before signing in, as a fresh browser: the form cookie it sets and the
/// token its form carries.
pub(crate) fn form_token(addr: &str, path: &str) -> (String, String) {
    let (_, head, page) = http_get(addr, path);
    let cookie = head
        .lines()
        .find_map(|l| {
            let lower = l.to_ascii_lowercase();
            lower.strip_prefix("set-cookie: ")?;
            l["set-cookie: ".len()..]
                .split(';')
                .next()
                .map(str::to_string)
        })
        .expect("a form cookie");
    let marker = "name=\"form_token\" value=\"";
    let start = page.find(marker).expect("a form token") + marker.len();
    (
        cookie,
        page[start..].split('"').next().expect("value").to_string(),
    )
}

/// A minimal HTTP/1.1 GET: status, headers, body.
pub(crate) fn http_get(addr: &str, path: &str) -> (u16, String, String) {
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    http_exchange(addr, request.as_bytes())
}

/// A minimal HTTP/1.1 POST with extra headers: status, headers, body.
pub(crate) fn http_post(
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
pub(crate) fn http_exchange(addr: &str, request: &[u8]) -> (u16, String, String) {
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

pub(crate) fn dechunk(mut body: &str) -> String {
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

/// The test PostgreSQL server (`VISANAV_TEST_POSTGRES_URL`, set by scripts/with-postgres.sh).
/// Without it the PostgreSQL legs are skipped with a note, except under CI (`CI=true`), where a
/// skipped leg would let a broken PostgreSQL path pass unseen: there it is a failure.
pub(crate) fn test_postgres_url() -> Option<String> {
    if let Ok(url) = std::env::var("VISANAV_TEST_POSTGRES_URL")
        && !url.is_empty()
    {
        return Some(url);
    }
    if std::env::var("CI").is_ok_and(|v| v.eq_ignore_ascii_case("true") || v == "1") {
        panic!(
            "VISANAV_TEST_POSTGRES_URL is not set, and CI=true: the PostgreSQL tests must run in CI. \
             Run the tests under scripts/with-postgres.sh (for example \
             `scripts/with-postgres.sh cargo test -p visanav --test it`), which starts a throwaway \
             PostgreSQL and sets VISANAV_TEST_POSTGRES_URL"
        );
    }
    eprintln!(
        "VISANAV_TEST_POSTGRES_URL not set: PostgreSQL leg skipped \
         (run under scripts/with-postgres.sh; CI requires it)"
    );
    None
}

/// A fresh database on the test PostgreSQL server, or None when it is not configured (see
/// [`test_postgres_url`]).
pub(crate) async fn postgres_env() -> Option<(Env, String, String)> {
    let admin = test_postgres_url()?;
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

pub(crate) async fn drop_postgres(admin: &str, name: &str) {
    let mut c = sqlx::PgConnection::connect(admin).await.expect("connect");
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .execute(&mut c)
        .await
        .expect("drop");
}
