//! Issue 10's story with the real binary, the real server and a real SMTP server
//! (scripts/with-smtp-sink.sh): an admin made by `visanav user add --role admin` adds a firm
//! and invites its attorney, who signs up from the emailed links and sets up TOTP; an
//! applicant signs up, confirms the address from the email, imports a case with `--as`,
//! shares it with the firm; the attorney sees it and adds a firm note the applicant cannot
//! see; the applicant revokes, and the attorney's next request for the case is a 404.

use std::path::{Path, PathBuf};

use crate::support::*;

const PW: &str = "lantern orchard velvet harbor";

/// A browser over raw HTTP: keeps its cookies, sends what visanav's pages send.
struct Browser<'a> {
    addr: &'a str,
    cookies: std::collections::BTreeMap<String, String>,
}

impl<'a> Browser<'a> {
    fn new(addr: &'a str) -> Browser<'a> {
        Browser {
            addr,
            cookies: Default::default(),
        }
    }

    fn keep_cookies(&mut self, head: &str) {
        for line in head.lines() {
            if !line.to_ascii_lowercase().starts_with("set-cookie: ") {
                continue;
            }
            let pair = line["set-cookie: ".len()..].split(';').next().unwrap_or("");
            if let Some((name, value)) = pair.split_once('=') {
                if value.is_empty() {
                    self.cookies.remove(name);
                } else {
                    self.cookies.insert(name.to_string(), value.to_string());
                }
            }
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn get(&mut self, path: &str) -> (u16, String, String) {
        let request = format!(
            "GET {path} HTTP/1.1\r\nHost: {}\r\nCookie: {}\r\nConnection: close\r\n\r\n",
            self.addr,
            self.cookie_header()
        );
        let r = http_exchange(self.addr, request.as_bytes());
        self.keep_cookies(&r.1);
        r
    }

    fn post(&mut self, path: &str, form: &str) -> (u16, String, String) {
        let cookie = self.cookie_header();
        let r = http_post(
            self.addr,
            path,
            "application/x-www-form-urlencoded",
            form.as_bytes(),
            &[("Sec-Fetch-Site", "same-origin"), ("Cookie", &cookie)],
        );
        self.keep_cookies(&r.1);
        r
    }

    /// Posts a form shown before signing in: opens it first, for its form token and cookie.
    fn post_public(&mut self, path: &str, form: &str) -> (u16, String, String) {
        let (_, _, page) = self.get(path);
        let token = input_in(&page, "form_token");
        self.post(path, &format!("{form}&form_token={token}"))
    }

    /// The value of a hidden input on the page at `path`.
    fn input(&mut self, path: &str, name: &str) -> String {
        let (_, _, page) = self.get(path);
        input_in(&page, name)
    }
}

fn input_in(page: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = page
        .find(&marker)
        .unwrap_or_else(|| panic!("{name} in {page}"))
        + marker.len();
    page[start..].split('"').next().expect("value").to_string()
}

fn enc(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The token of the newest link to `path` in the mail the sink received for `to`.
fn token_from_sink(dir: &Path, to: &str, path: &str) -> String {
    let needle = format!("{path}?token=");
    for _ in 0..100 {
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default();
        files.sort();
        for f in files
            .iter()
            .rev()
            .filter(|f| f.extension().is_some_and(|e| e == "eml"))
        {
            let raw = std::fs::read_to_string(f).unwrap_or_default();
            let text = raw
                .replace("=\r\n", "")
                .replace("=\n", "")
                .replace("=3D", "=");
            if text.contains(&format!("To: {to}")) && text.contains(&needle) {
                let at = text.rfind(&needle).expect("link") + needle.len();
                return text[at..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                    .collect();
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    panic!("no message to {to} with {path} reached the SMTP server");
}

fn totp_now(secret_b32: &str) -> String {
    let bytes = visanav_auth::totp::base32_decode(secret_b32).expect("base32");
    let now = jiff::Timestamp::now().as_second() as u64;
    visanav_auth::totp(&bytes, now, 30, 6)
}

fn set_up_second_factor(b: &mut Browser) {
    let (_, _, page) = b.get("/account/second-factor");
    let secret = input_in(&page, "secret");
    let csrf = input_in(&page, "csrf");
    let (_, _, done) = b.post(
        "/account/second-factor",
        &format!("csrf={csrf}&secret={secret}&code={}", totp_now(&secret)),
    );
    assert!(done.contains("Your second factor is on"), "{done}");
}

fn sign_up_and_confirm(b: &mut Browser, sink: &Path, email: &str) {
    let (_, _, page) = b.post_public(
        "/sign-up",
        &format!("email={}&password={}", enc(email), enc(PW)),
    );
    assert!(page.contains("Check your email"), "{page}");
    let token = token_from_sink(sink, email, "/verify");
    let (_, _, page) = b.post_public("/verify", &format!("token={token}"));
    assert!(page.contains("Your address is confirmed"), "{page}");
    let (code, head, _) = b.post_public(
        "/sign-in",
        &format!("email={}&password={}&next=%2F", enc(email), enc(PW)),
    );
    assert_eq!(code, 303, "{head}");
}

#[test]
fn admin_firm_attorney_applicant_share_note_revoke_over_smtp() {
    let (Ok(smtp), Ok(sink)) = (
        std::env::var("VISANAV_TEST_SMTP_URL"),
        std::env::var("VISANAV_TEST_SMTP_DIR"),
    ) else {
        eprintln!("SMTP leg skipped: run under scripts/with-smtp-sink.sh (.ci/run does)");
        return;
    };
    let sink = PathBuf::from(sink);
    let env = Env::sqlite();
    // The first admin, from the command line: a one-time sign-in link.
    let out = env.ok(&["user", "add", "admin@example.org", "--role", "admin"]);
    let admin_token = out
        .split("token=")
        .nth(1)
        .and_then(|t| t.split_whitespace().next())
        .expect("a sign-in link")
        .to_string();
    let from = Path::new("visanav <noreply@visanav.test>");
    let server = Server::start_with(
        &env,
        &[
            ("VISANAV_SMTP_URL", Path::new(&smtp)),
            ("VISANAV_SMTP_FROM", from),
        ],
    );

    let mut admin = Browser::new(&server.addr);
    let (code, head, _) = admin.post_public("/sign-in/link", &format!("token={admin_token}"));
    assert_eq!(code, 303, "{head}");
    assert!(
        head.contains("/sign-in/code"),
        "an admin gives a second factor: {head}"
    );
    set_up_second_factor(&mut admin);
    let csrf = admin.input("/firms", "csrf");
    let (code, _, page) = admin.post(
        "/firms",
        &format!("csrf={csrf}&name=Reyes+Law&owner=atty%40firm.example"),
    );
    assert_eq!(code, 303, "{page}");

    // The attorney: signs up from the email, joins the firm, sets up TOTP.
    let invite = token_from_sink(&sink, "atty@firm.example", "/invites/firm");
    let mut atty = Browser::new(&server.addr);
    sign_up_and_confirm(&mut atty, &sink, "atty@firm.example");
    let csrf = atty.input(&format!("/invites/firm?token={invite}"), "csrf");
    let (code, _, page) = atty.post("/invites/firm", &format!("csrf={csrf}&token={invite}"));
    assert_eq!(code, 303, "{page}");
    let (code, head, _) = atty.get("/firms");
    assert_eq!(code, 303, "no second factor yet: {head}");
    set_up_second_factor(&mut atty);
    let (_, _, firms) = atty.get("/firms");
    let marker = "Firm code for clients: <code>";
    let at = firms.find(marker).expect("firm code") + marker.len();
    let firm_code: String = firms[at..].chars().take(36).collect();

    // The applicant: signs up from the email, imports a case from the command line, shares it.
    let mut ana = Browser::new(&server.addr);
    sign_up_and_confirm(&mut ana, &sink, "ana@example.org");
    let imported = env.ok(&[
        "--as",
        "ana@example.org",
        "case",
        "import",
        example().to_str().expect("path"),
        "--json",
    ]);
    let case: String = serde_json::from_str::<serde_json::Value>(&imported).expect("json")["id"]
        .as_str()
        .expect("id")
        .to_string();
    assert_eq!(atty.get(&format!("/cases/{case}")).0, 404, "not shared yet");
    let csrf = ana.input(&format!("/cases/{case}/sharing"), "csrf");
    let (code, _, page) = ana.post(
        &format!("/cases/{case}/sharing/firm"),
        &format!("csrf={csrf}&firm={firm_code}"),
    );
    assert_eq!(code, 303, "{page}");

    // The attorney accepts, sees the case, keeps a firm note.
    let (_, _, firms) = atty.get("/firms");
    let marker = "action=\"/firms/offers/";
    let at = firms.find(marker).expect("an offer") + marker.len();
    let share: String = firms[at..].chars().take_while(|c| *c != '"').collect();
    let csrf = input_in(&firms, "csrf");
    let (code, _, _) = atty.post(
        &format!("/firms/offers/{share}"),
        &format!("csrf={csrf}&answer=accept"),
    );
    assert_eq!(code, 303);
    assert_eq!(atty.get(&format!("/cases/{case}")).0, 200);
    let (code, _, _) = atty.post(
        &format!("/cases/{case}/firm-notes"),
        &format!("csrf={csrf}&firm={firm_code}&body=Conflict+check+clear"),
    );
    assert_eq!(code, 303);
    assert!(
        atty.get(&format!("/cases/{case}/firm-notes"))
            .2
            .contains("Conflict check clear")
    );
    assert!(
        !ana.get(&format!("/cases/{case}/firm-notes"))
            .2
            .contains("Conflict check")
    );

    // The applicant revokes: the attorney's next request is a 404.
    let csrf = ana.input(&format!("/cases/{case}/sharing"), "csrf");
    let (code, _, _) = ana.post(
        &format!("/cases/{case}/sharing/{share}/revoke"),
        &format!("csrf={csrf}"),
    );
    assert_eq!(code, 303);
    assert_eq!(atty.get(&format!("/cases/{case}")).0, 404);
    assert_eq!(atty.get(&format!("/api/v1/cases/{case}")).0, 404);
    assert!(server.stop().success());
}
