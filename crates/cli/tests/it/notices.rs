//! 221(g) notices: read from the CLI and the web form, corrected, applied to a case.

use crate::support::*;

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
    // Without the session cookie the case page sends to sign-in: nothing of the case shows.
    let (code, head, body) = http_get(&server.addr, &format!("/cases/{id}"));
    assert_eq!(code, 303, "{head}");
    assert!(
        head.to_ascii_lowercase()
            .contains("location: /sign-in?next="),
        "{head}"
    );
    assert!(!body.contains("MNL"), "{body}");
    let csrf = server.csrf(&id);
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\n{notice}\r\n--{boundary}\r\n\
         Content-Disposition: form-data; name=\"file\"; filename=\"\"\r\nContent-Type: application/octet-stream\r\n\r\n\r\n--{boundary}--\r\n"
    );
    let ctype = format!("multipart/form-data; boundary={boundary}");
    let (code, _, preview) = server.post(
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
        "draft={}&csrf={}&refused_on={refused}&doc=police_certificate&doc=i134_support",
        form_value(&input_value(&preview, "draft")),
        form_value(&input_value(&preview, "csrf")),
    );
    let cross = server.post(
        &format!("/cases/{id}/notice/apply"),
        "application/x-www-form-urlencoded",
        form.as_bytes(),
        &[("Sec-Fetch-Site", "cross-site")],
    );
    assert_eq!(
        cross.0, 403,
        "another site cannot write through the visitor's browser"
    );
    let (code, headers, _) = server.post(
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
    assert!(
        out.contains("Read from the notice's words: \"Date: March 14, 2025\""),
        "the date's source is shown to check: {out}"
    );

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

/// Saving a notice from the command line asks the same questions as the web: which refusal a
/// notice with another date is about, whether a notice with another case number is this
/// case's, and whether to save the same file twice. Nothing is saved until answered.
#[test]
fn notice_apply_asks_before_it_changes_the_refusal() {
    let env = Env::sqlite();
    let id = env.import_example();
    let letter = |date: &str, number: &str| {
        format!(
            "U.S. Embassy Manila\nCase Number: {number}\nDate: {date}\n\
             Your visa application is refused under Section 221(g).\n\
             Please submit the following:\n[X] Police certificate (NBI clearance)\n"
        )
    };
    let apply = |file: &str, extra: &[&str]| {
        let mut args = vec!["notice", "read", file, "--case", &id, "--apply", "--yes"];
        args.extend_from_slice(extra);
        args.extend_from_slice(&["--today", "2025-07-01"]);
        args.into_iter().map(String::from).collect::<Vec<_>>()
    };
    let run_ok = |args: Vec<String>| env.ok(&args.iter().map(String::as_str).collect::<Vec<_>>());
    let run_fails =
        |args: Vec<String>| env.fails(&args.iter().map(String::as_str).collect::<Vec<_>>());
    let show = || env.ok(&["case", "export", &id, "--format", "json"]);
    let before = show();

    let later = env.write("later.txt", &letter("2025-06-05", "MNL2025512345"));
    let later = later.to_str().expect("p");
    let err = run_fails(apply(later, &[]));
    assert!(
        err.contains("your case records a refusal on 2025-06-02")
            && err.contains("--same-refusal")
            && err.contains("--new-refusal"),
        "{err}"
    );
    assert_eq!(show(), before, "nothing saved");
    run_ok(apply(later, &["--same-refusal"]));
    let after: serde_json::Value = serde_json::from_str(&show()).expect("json");
    assert_eq!(after["refusal"]["on"], "2025-06-05");
    assert!(
        after["refusal"]["notes"]
            .as_str()
            .is_some_and(|n| n.contains("courier")),
        "the notes are kept: {after}"
    );

    let err = run_fails(apply(later, &["--same-refusal"]));
    assert!(
        err.contains("already saved") && err.contains("--force"),
        "{err}"
    );
    run_ok(apply(later, &["--same-refusal", "--force"]));
    assert_eq!(
        env.ok(&["notice", "list", &id]).lines().count(),
        1,
        "one copy of the file"
    );

    let other = env.write("other.txt", &letter("2025-06-05", "MNL2099999999"));
    let other = other.to_str().expect("p");
    let err = run_fails(apply(other, &[]));
    assert!(
        err.contains("may be for another case")
            && err.contains("MNL2099999999")
            && err.contains("--this-case"),
        "{err}"
    );
    run_ok(apply(other, &["--this-case"]));
}
