//! `visanav plan`: from a case file or the database, in whole sentences with sources.

use crate::support::*;

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
