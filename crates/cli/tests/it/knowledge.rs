//! Status explanations and the knowledge base, built in or from a directory.

use std::path::Path;

use crate::support::*;

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
