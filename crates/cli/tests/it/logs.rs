//! Personal data never reaches the logs: a whole flow through the binary with RUST_LOG=debug
//! (commands and server), and not one name, passport number or date of birth from the case in
//! what they write to stderr.

use crate::support::*;

/// The example case's personal data (examples/k1-manila-221g.toml), as it could appear.
const SECRETS: &[&str] = &[
    "maria",
    "clara",
    "santos",
    "daniel",
    "whitfield",
    "p1234567a",
    "1996-04-12",
    "1993-09-30",
];

/// The personal data found in `log`, case-insensitively.
fn leaks(log: &str) -> Vec<&'static str> {
    let lower = log.to_lowercase();
    SECRETS
        .iter()
        .copied()
        .filter(|s| lower.contains(s))
        .collect()
}

#[test]
fn no_personal_data_in_logs_at_debug_level() {
    let env = Env::sqlite();
    let mut logs: Vec<(String, String)> = Vec::new();
    let mut run = |args: &[&str]| -> String {
        let out = env
            .cmd(args)
            .env("RUST_LOG", "debug")
            .output()
            .expect("run visanav");
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(out.status.success(), "visanav {args:?} failed: {err}");
        logs.push((format!("visanav {}", args.join(" ")), err));
        String::from_utf8(out.stdout).expect("utf-8")
    };

    let example = example();
    let imported = run(&["case", "import", example.to_str().expect("p"), "--json"]);
    let id = serde_json::from_str::<serde_json::Value>(&imported).expect("json")["id"]
        .as_str()
        .expect("id")
        .to_string();
    run(&["plan", &id]);
    run(&["case", "list"]);
    assert!(
        run(&["case", "show", &id]).contains("Maria Clara Santos"),
        "sanity: the case holds the names the logs must not"
    );
    // A notice that names the applicant and her passport, as real ones do.
    let corpus = repo_root().join("crates/core/tests/notices/corpus/mnl-checkbox-police.txt");
    let notice = std::fs::read_to_string(corpus)
        .expect("notice")
        .replace("Case Number: MNL2024612345", "Case Number: MNL2025512345")
        .replace(
            "Applicant: DELA PAZ, MARICEL R.",
            "Applicant: SANTOS, MARIA CLARA (passport P1234567A, born 1996-04-12)\n\
             Petitioner: DANIEL WHITFIELD",
        );
    let notice = env.write("notice.txt", &notice);
    let notice = notice.to_str().expect("p");
    run(&["notice", "read", notice]);
    run(&[
        "notice",
        "read",
        notice,
        "--case",
        &id,
        "--apply",
        "--new-refusal",
        "--yes",
        "--today",
        "2025-04-01",
    ]);
    run(&["notice", "list", &id]);

    let debug = std::path::Path::new("debug");
    let server = Server::start_with(&env, &[("RUST_LOG", debug)]);
    for path in [
        "/".to_string(),
        "/api/v1/cases".to_string(),
        format!("/api/v1/cases/{id}"),
        format!("/cases/{id}"),
        format!("/cases/{id}/notice"),
        "/posts/MNL".to_string(),
        "/cases/ffffffff".to_string(),
    ] {
        let (code, _, _) = server.get(&path);
        assert!(code == 200 || code == 404, "GET {path}: {code}");
    }
    // The web preview of a pasted notice: personal text in a request body.
    let boundary = "visanavLOGboundary";
    let text = std::fs::read_to_string(notice).expect("notice");
    let csrf = server.csrf(&id);
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\n{text}\r\n--{boundary}--\r\n"
    );
    let (code, _, preview) = server.post(
        &format!("/cases/{id}/notice"),
        &format!("multipart/form-data; boundary={boundary}"),
        body.as_bytes(),
        &[("Sec-Fetch-Site", "same-origin")],
    );
    assert_eq!(code, 200, "{preview}");
    let (status, server_log) = server.stop_with_log();
    assert!(status.success());
    assert!(
        server_log.contains("DEBUG") && server_log.contains("listening"),
        "sanity: the server really logged at debug level: {server_log}"
    );
    // One line per request, naming the route template and never the path with its ids.
    let request_lines: Vec<&str> = server_log
        .lines()
        .filter(|l| l.contains("request_id=") && l.contains("route="))
        .collect();
    assert!(request_lines.len() >= 8, "{server_log}");
    assert!(
        request_lines
            .iter()
            .any(|l| l.contains("route=/cases/{id}") && l.contains("status=200")),
        "{server_log}"
    );
    assert!(
        !request_lines.iter().any(|l| l.contains(id.as_str())),
        "a request line names the case id: {server_log}"
    );
    run(&["case", "delete", &id, "--yes"]);
    logs.push(("visanav serve".into(), server_log));
    for (what, expected) in [
        ("visanav case import", "case created"),
        ("visanav notice read", "notice applied"),
        ("visanav case delete", "case deleted"),
    ] {
        assert!(
            logs.iter()
                .any(|(w, log)| w.starts_with(what) && log.contains(expected)),
            "sanity: {what} logged {expected:?} at debug level"
        );
    }

    let found: Vec<String> = logs
        .iter()
        .filter_map(|(what, log)| {
            let l = leaks(log);
            (!l.is_empty()).then(|| {
                let lines: Vec<&str> = log
                    .lines()
                    .filter(|line| !leaks(line).is_empty())
                    .take(5)
                    .collect();
                format!("{what}: {l:?} in\n  {}", lines.join("\n  "))
            })
        })
        .collect();
    assert!(
        found.is_empty(),
        "personal data in logs:\n{}",
        found.join("\n")
    );
}
