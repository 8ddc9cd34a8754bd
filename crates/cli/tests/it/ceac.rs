//! `visanav ceac parse`: a saved CEAC result page read into plain words and JSON, and a
//! non-result refused with a message that says what to do.

use std::io::Write as _;
use std::process::Stdio;

use crate::support::*;

fn fixture(name: &str) -> String {
    repo_root()
        .join("crates/core/tests/fixtures/ceac")
        .join(name)
        .to_str()
        .expect("utf-8 path")
        .to_string()
}

#[test]
fn ceac_parse_reads_a_saved_page() {
    let env = Env::sqlite();
    let page = fixture("iv-refused.html");
    let text = env.ok(&["ceac", "parse", &page]);
    assert!(
        text.starts_with("CEAC shows the status: Refused\n"),
        "{text}"
    );
    assert!(text.contains("Case: MNL2025512345 (IV)"), "{text}");
    assert!(text.contains("Case created: 3 March 2025"), "{text}");
    assert!(text.contains("Last updated: 15 July 2025"), "{text}");
    assert!(text.contains("What this means:"), "{text}");
    assert!(
        text.contains("221(g)"),
        "the knowledge base's meaning: {text}"
    );
    assert!(
        text.trim_end()
            .ends_with("talk to a licensed immigration attorney."),
        "ends with the disclaimer: {text}"
    );

    let v: serde_json::Value =
        serde_json::from_str(&env.ok(&["ceac", "parse", &page, "--json"])).expect("json");
    assert_eq!(v["source"], "ceac");
    assert_eq!(v["ok"], true);
    assert_eq!(v["status"], "Refused");
    assert_eq!(v["status_slug"], "ceac-refused");
    assert_eq!(v["case_created"], "2025-03-03");
    assert_eq!(v["last_updated"], "2025-07-15");
    assert_eq!(v["kind"], "IV");
    assert!(
        v["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("A U.S. consular officer has adjudicated"))
    );
    assert!(
        !env.dir.path().join("visanav.db").exists(),
        "parsing touches no database"
    );
}

#[test]
fn ceac_parse_reads_copied_text_from_stdin() {
    let env = Env::sqlite();
    let mut child = env
        .cmd(&["ceac", "parse", "-", "--json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn");
    let text =
        std::fs::read_to_string(fixture("copied-niv-issued-labels-apart.txt")).expect("read");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(text.as_bytes())
        .expect("write");
    let out = child.wait_with_output().expect("wait");
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["status"], "Issued");
    assert_eq!(v["case_number"], "AA00B7QPGN");
    assert_eq!(v["last_updated"], "2022-10-19");
}

#[test]
fn ceac_parse_refuses_what_is_not_a_result() {
    let env = Env::sqlite();
    let form = fixture("form-only.html");
    let err = env.fails(&["ceac", "parse", &form]);
    assert!(err.contains("press Submit first"), "{err}");
    assert_eq!(env.run(&["ceac", "parse", &form]).status.code(), Some(2));

    let out = env.run(&["ceac", "parse", &fixture("captcha-mismatch.html"), "--json"]);
    assert_eq!(out.status.code(), Some(2));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["ok"], false);
    assert_eq!(v["error"], "captcha_mismatch");
    assert!(
        v["error_message"]
            .as_str()
            .is_some_and(|m| m.contains("captcha"))
    );

    let err = env.fails(&["ceac", "parse", "no-such-file.html"]);
    assert!(err.contains("cannot read no-such-file.html"), "{err}");
}

#[test]
fn ceac_submit_records_a_saved_page_for_a_stored_case() {
    let env = Env::sqlite();
    let id = env.import_example();
    let page = fixture("iv-refused.html");
    // The example's last reading is Refused, last updated 2025-06-02: the page's 15 July is news.
    let out = env.ok(&["ceac", "submit", &id, &page, "--json"]);
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(
        (&v["source"], &v["via"], &v["ok"]),
        (&"ceac".into(), &"assisted".into(), &true.into())
    );
    assert_eq!(v["status"], "Refused");
    assert_eq!(v["last_updated"], "2025-07-15");
    assert_eq!(v["changed"], true);
    assert_eq!(v["change"]["kind"], "last_updated_changed");
    assert!(v["attempt_id"].is_string());
    // The same page again: nothing new, said in words.
    let text = env.ok(&["ceac", "submit", "MNL2025512345", &page]);
    assert!(text.starts_with("CEAC shows the status: Refused"), "{text}");
    assert!(text.contains("No change since the last reading."), "{text}");
    let shown = env.ok(&["monitor", "show", &id]);
    assert_eq!(shown.matches("ceac assisted Refused").count(), 2, "{shown}");

    // A captcha page: no status, exit 2, kept as a check; the bare form: nothing kept.
    let out = env.run(&[
        "ceac",
        "submit",
        &id,
        &fixture("captcha-mismatch.html"),
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(
        (&v["ok"], &v["error"]),
        (&false.into(), &"captcha_mismatch".into())
    );
    assert!(v["attempt_id"].is_string() && v["detail"].is_string());
    let out = env.run(&["ceac", "submit", &id, &fixture("form-only.html")]);
    assert_eq!(out.status.code(), Some(2));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with("No status was recorded.") && text.contains("Submit"),
        "{text}"
    );
    let shown = env.ok(&["monitor", "show", &id]);
    assert_eq!(shown.matches("ceac assisted").count(), 3, "{shown}");
}
