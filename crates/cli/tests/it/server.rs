//! The web server: a case survives a restart on either backend, pages render and escape,
//! and the server listens on loopback only.

use crate::support::*;

/// The foundation's promise: a case imported from examples/ survives a server restart.
fn case_survives_restart(env: &Env, backend: &str) {
    let server = Server::start(env);
    let (code, headers, home) = server.get("/");
    assert_eq!(code, 200);
    assert!(home.contains("My cases"), "{home}");
    assert!(
        home.contains("/cases/new"),
        "home page says how to add a case"
    );
    assert!(
        !home.contains(backend),
        "the home page speaks to people, not about its database"
    );
    assert!(home.contains("not legal advice"));
    let (code, _, health) = server.get("/healthz");
    assert_eq!(code, 200);
    assert!(
        health.contains(backend),
        "the health check names the {backend} backend"
    );
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
        page.contains("What should I do today?")
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
    assert!(
        page.contains("<details class=\"source\"><summary>Source</summary>"),
        "each item shows its source on demand"
    );
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
fn serve_refuses_public_addresses_without_an_https_public_url() {
    let env = Env::sqlite();
    let out = env.run(&["serve", "--listen", "0.0.0.0:0"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success()
            && err.contains("https public address")
            && err.contains("--public-url"),
        "{err}"
    );
    let out = env.run(&[
        "serve",
        "--listen",
        "0.0.0.0:0",
        "--public-url",
        "http://visanav.example.org",
    ]);
    assert!(!out.status.success(), "plain http is not enough");
    let out = env.run(&["serve", "--listen", "nonsense"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("\"nonsense\""));
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

/// The operator's account commands: add (with a one-time link), list, disable (sessions end,
/// links stop working), enable, reset the second factor; clear errors for unknown accounts.
#[test]
fn user_commands_for_operators() {
    let env = Env::sqlite();
    let out = env.ok(&["user", "add", "Paula@Firm.example", "--role", "admin"]);
    assert!(
        out.contains("Added admin account") && out.contains("/sign-in/link?token="),
        "{out}"
    );
    let again = env.fails(&["user", "add", "paula@firm.example"]);
    assert!(
        again.contains("already an account") && again.contains("user link"),
        "{again}"
    );
    let bad = env.fails(&["user", "add", "not an address"]);
    assert!(bad.contains("is not an email address"), "{bad}");
    let list = env.ok(&["user", "list"]);
    assert!(
        list.contains("paula@firm.example") && list.contains("admin"),
        "{list}"
    );
    assert!(
        list.contains("(this machine)"),
        "the local account is listed: {list}"
    );

    let server = Server::start(&env);
    let link = env.ok(&["user", "link", "paula@firm.example"]);
    let token = link
        .split("token=")
        .nth(1)
        .and_then(|t| t.split_whitespace().next())
        .expect("token");
    env.ok(&["user", "disable", "paula@firm.example"]);
    assert!(env.ok(&["user", "list"]).contains("disabled"));
    let (form_cookie, form_token) = form_token(&server.addr, "/sign-in/link");
    let (code, _, _) = http_post(
        &server.addr,
        "/sign-in/link",
        "application/x-www-form-urlencoded",
        format!("token={token}&form_token={form_token}").as_bytes(),
        &[("Sec-Fetch-Site", "same-origin"), ("Cookie", &form_cookie)],
    );
    assert_ne!(code, 303, "a disabled account cannot sign in with a link");
    env.ok(&["user", "enable", "paula@firm.example"]);
    let reset = env.ok(&["user", "reset-mfa", "paula@firm.example"]);
    assert!(reset.contains("Removed the second factor"), "{reset}");
    let unknown = env.fails(&["user", "disable", "nobody@example.org"]);
    assert!(
        unknown.contains("no account for nobody@example.org"),
        "{unknown}"
    );
    assert!(server.stop().success());
}

/// `visanav user token` prints a read-write token alone on standard output (so a script can
/// capture it), and the running server takes it on the API.
#[test]
fn a_token_made_on_the_command_line_opens_the_api() {
    let env = Env::sqlite();
    let id = env.import_example();
    let bad = env.fails(&["user", "token", "--scope", "admin"]);
    assert!(bad.contains("read,write"), "{bad}");
    let out = env.ok(&["user", "token", "--scope", "read,write", "--days", "2"]);
    let token = out.trim();
    assert!(
        token.starts_with("visanav_") && !token.contains(' '),
        "{out}"
    );
    let server = Server::start(&env);
    let request = format!(
        "GET /api/v1/cases/{id} HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n",
        server.addr
    );
    let (code, _, body) = http_exchange(&server.addr, request.as_bytes());
    assert_eq!(code, 200, "{body}");
    assert!(body.contains("MNL2025512345"), "{body}");
    let (code, _, _) = http_post(
        &server.addr,
        "/api/v1/cases/MNL2025512345/status",
        "application/json",
        br#"{"on": "2025-06-09", "status": "Administrative Processing"}"#,
        &[("Authorization", &format!("Bearer {token}"))],
    );
    assert_eq!(code, 201);
}

/// `serve --demo` runs on a database of its own, seeded with a firm and five cases, and says
/// how to sign in; the person's own database is never created or touched. The firm's public
/// booking page it prints lists free times.
#[test]
fn demo_runs_on_its_own_database_and_says_how_to_sign_in() {
    let env = Env::sqlite();
    let demo = Demo::start(&env, &[]);
    let printed = &demo.printed;
    for expected in [
        "DEMO: a separate database",
        "attorney@demo.visanav.invalid",
        "paralegal@demo.visanav.invalid",
        "second-factor key",
        "a fresh 221(g) with documents missing",
        "administrative processing for five months",
        "deadline in 12 days",
        "visa issued",
        "90 days to marry",
        "/sign-in/link?token=",
        "/dashboard",
        "/consult (sign in as the attorney)",
    ] {
        assert!(
            printed.contains(expected),
            "missing {expected:?} in:\n{printed}"
        );
    }
    booking_page_lists_times(&demo);
    demo.stop();
    let data = env.dir.path();
    assert!(data.join("demo/visanav-demo.db").exists());
    assert!(
        !data.join("visanav.db").exists(),
        "the person's own database must not be created by the demo"
    );
}

/// The booking link the demo prints opens the firm's page with both consultation types; a
/// type's page lists free times on the visitor's clock with the attorney's beside them.
fn booking_page_lists_times(demo: &Demo) {
    let link = demo.line_after("Public booking page (anyone, no account needed):");
    let path = link
        .strip_prefix(&format!("http://{}", demo.addr))
        .unwrap_or_else(|| panic!("{link} is not on {}", demo.addr));
    assert!(path.starts_with("/book/"), "{link}");
    let (code, _, page) = http_get(&demo.addr, path);
    assert_eq!(code, 200, "{page}");
    for expected in [
        "First consultation (free)",
        "Full case review, $150",
        "Elena Rivera",
    ] {
        assert!(page.contains(expected), "missing {expected:?} in {page}");
    }
    let marker = "?type=";
    let at = page.find(marker).expect("a link to a type") + marker.len();
    let type_id: String = page[at..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    let (code, _, times) = http_get(
        &demo.addr,
        &format!("{path}?type={type_id}&zone=Asia/Manila"),
    );
    assert_eq!(code, 200, "{times}");
    let slots = times.matches("<label class=\"slot\">").count();
    assert!(slots >= 5, "{slots} free times in:\n{times}");
    assert!(times.contains("Times in Asia/Manila"), "{times}");
    assert!(
        times.contains("New York"),
        "the attorney's clock beside each: {times}"
    );
}
