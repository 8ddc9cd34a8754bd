//! Case commands: import, export, validation errors, delete.

use crate::support::*;

#[test]
fn import_export_round_trip() {
    let env = Env::sqlite();
    let id = env.import_example();
    let exported = env.ok(&["case", "export", &id[..8]]);
    let path = env.write("exported.toml", &exported);
    // The same case number again is a mistake unless the person says otherwise.
    let refused = env.fails(&["case", "import", path.to_str().expect("p")]);
    assert!(
        refused.contains("you already have a case with case number MNL2025512345")
            && refused.contains("--force")
            && refused.contains("Nothing was imported"),
        "{refused}"
    );
    assert_eq!(env.case_count(), 1);
    let id2 = env.import_example();
    let again = env.ok(&[
        "case",
        "import",
        path.to_str().expect("p"),
        "--json",
        "--force",
    ]);
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
    env.ok(&["case", "import", jpath.to_str().expect("p"), "--force"]);
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

/// The examples in docs/case-file.md are real: both import.
#[test]
fn documented_examples_import() {
    let env = Env::sqlite();
    let doc = std::fs::read_to_string(repo_root().join("docs/case-file.md")).expect("doc");
    for (lang, ext) in [("toml", "toml"), ("json", "json")] {
        let start = doc.find(&format!("```{lang}\n")).expect("code block") + lang.len() + 4;
        let end = start + doc[start..].find("```").expect("end of block");
        let path = env.write(&format!("doc.{ext}"), &doc[start..end]);
        env.ok(&["case", "import", path.to_str().expect("p"), "--force"]);
    }
    assert_eq!(env.case_count(), 2);
}

/// `visanav case list | head -1`: when the reader has gone, visanav stops quietly like `cat`
/// (exit 141 = 128 + SIGPIPE, no panic message), for short and long outputs alike. The read
/// end is closed before visanav starts, so its first write always meets a closed pipe.
#[test]
fn writing_into_a_closed_pipe_ends_quietly() {
    let env = Env::sqlite();
    let id = env.import_example();
    for args in [
        &["case", "list"][..],
        &["case", "export", &id],
        &["knowledge", "documents"],
        &["status", "list"],
    ] {
        let (reader, writer) = std::io::pipe().expect("pipe");
        drop(reader);
        let out = env
            .cmd(args)
            .stdout(writer)
            .stderr(std::process::Stdio::piped())
            .output()
            .expect("run");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(141), "{args:?}: {err}");
        assert!(err.is_empty(), "{args:?} wrote to stderr: {err}");
    }
    // The case is still there: nothing was lost by the reader going away.
    assert_eq!(env.case_count(), 1);
}
