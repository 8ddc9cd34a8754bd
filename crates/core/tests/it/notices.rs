//! The notice-reader corpus test (see crates/core/tests/notices/), fuzzing and hostile input.
//!
//! Every `NAME.txt` in the corpus has a `NAME.expected.toml` beside it. The test reads each
//! notice, compares kind, post, sections and the requested documents, checks that no unchecked
//! item is requested, and reports precision and recall of `document` over the whole corpus.
//! Run with `--nocapture` to see the figures:
//! `cargo test -p visanav-core --test it notices::corpus -- --nocapture`

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use proptest::prelude::*;
use serde::Deserialize;
use visanav_core::knowledge::Knowledge;
use visanav_core::notice::{
    MAX_NOTICE_BYTES, NoticeError, NoticeKind, NoticeReader, NoticeReading, RequestSource,
};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expected {
    kind: NoticeKind,
    post: Option<String>,
    sections: Vec<String>,
    documents: Vec<String>,
    /// Documents named only in unchecked boxes (or in sentences that do not ask for them).
    not_requested: Vec<String>,
    #[serde(default)]
    refusal_date: Option<String>,
    /// `[document, country]` pairs that must be among the requests.
    #[serde(default)]
    countries: Vec<(String, String)>,
    #[serde(default)]
    unrecognized_min: usize,
}

fn reader() -> &'static NoticeReader {
    static READER: OnceLock<NoticeReader> = OnceLock::new();
    READER.get_or_init(|| {
        let k = Knowledge::embedded().unwrap_or_else(|e| panic!("{e}"));
        NoticeReader::new(&k)
    })
}

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/notices")
}

fn load_corpus() -> Vec<(String, String, Expected)> {
    let mut out = Vec::new();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(corpus_dir())
        .expect("corpus dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    entries.sort();
    for path in entries {
        let name = path
            .file_stem()
            .and_then(|s| s.to_str())
            .expect("name")
            .to_string();
        let text = std::fs::read_to_string(&path).expect("notice text");
        let exp_path = path.with_file_name(format!("{name}.expected.toml"));
        let exp_text = std::fs::read_to_string(&exp_path)
            .unwrap_or_else(|e| panic!("{}: {e}", exp_path.display()));
        let expected: Expected =
            toml::from_str(&exp_text).unwrap_or_else(|e| panic!("{}: {e}", exp_path.display()));
        out.push((name, text, expected));
    }
    out
}

fn read(text: &str) -> NoticeReading {
    reader().read(text, None).expect("reading")
}

#[test]
fn corpus() {
    let k = Knowledge::embedded().expect("knowledge");
    let notices = load_corpus();
    assert!(notices.len() >= 25, "the corpus needs at least 25 notices");
    let posts: BTreeSet<&str> = notices
        .iter()
        .filter_map(|(_, _, e)| e.post.as_deref())
        .collect();
    assert!(posts.len() >= 10, "the corpus needs at least 10 posts");

    let (mut tp, mut fp, mut fn_) = (0usize, 0usize, 0usize);
    let mut unchecked_requested = 0usize;
    let mut failures: Vec<String> = Vec::new();
    for (name, text, exp) in &notices {
        for d in exp.documents.iter().chain(&exp.not_requested) {
            assert!(k.document(d).is_some(), "{name}: unknown document id {d}");
        }
        let r = read(text);
        let got: BTreeSet<&str> = r.document_ids().into_iter().collect();
        let want: BTreeSet<&str> = exp.documents.iter().map(String::as_str).collect();
        tp += got.intersection(&want).count();
        let extra: Vec<&&str> = got.difference(&want).collect();
        let missing: Vec<&&str> = want.difference(&got).collect();
        fp += extra.len();
        fn_ += missing.len();
        let mut problems: Vec<String> = Vec::new();
        if !extra.is_empty() || !missing.is_empty() {
            problems.push(format!("documents: extra {extra:?}, missing {missing:?}"));
        }
        for d in &exp.not_requested {
            if got.contains(d.as_str()) {
                unchecked_requested += 1;
                problems.push(format!("{d} is requested but must not be"));
            }
        }
        // Structurally too: no request comes from an unchecked line.
        for req in &r.requests {
            if r.unchecked.iter().any(|u| u.text == req.text) {
                unchecked_requested += 1;
                problems.push(format!("request read from an unchecked box: {}", req.text));
            }
        }
        if r.kind != exp.kind {
            problems.push(format!("kind {:?}, expected {:?}", r.kind, exp.kind));
        }
        if r.post != exp.post {
            problems.push(format!("post {:?}, expected {:?}", r.post, exp.post));
        }
        if r.sections != exp.sections {
            problems.push(format!(
                "sections {:?}, expected {:?}",
                r.sections, exp.sections
            ));
        }
        if let Some(date) = &exp.refusal_date {
            let got = r.refusal_date().map(|d| d.date.as_str());
            if got != Some(date.as_str()) {
                problems.push(format!("refusal date {got:?}, expected {date}"));
            }
        }
        for (doc, country) in &exp.countries {
            if !r
                .requests
                .iter()
                .any(|q| &q.document == doc && q.country.as_deref() == Some(country.as_str()))
            {
                problems.push(format!("no request for {doc} from {country}"));
            }
        }
        if r.unrecognized.len() < exp.unrecognized_min {
            problems.push(format!(
                "{} unrecognized line(s), expected at least {}",
                r.unrecognized.len(),
                exp.unrecognized_min
            ));
        }
        if !problems.is_empty() {
            failures.push(format!(
                "{name}:\n    {}\n    reading: {}",
                problems.join("\n    "),
                serde_json::to_string(&r).unwrap_or_default()
            ));
        }
    }
    let precision = tp as f64 / (tp + fp).max(1) as f64;
    let recall = tp as f64 / (tp + fn_).max(1) as f64;
    println!(
        "notice corpus: {} notices, {} posts; document precision {precision:.3} ({tp}/{}), \
         recall {recall:.3} ({tp}/{}); unchecked items requested: {unchecked_requested}",
        notices.len(),
        posts.len(),
        tp + fp,
        tp + fn_
    );
    for f in &failures {
        println!("MISMATCH {f}");
    }
    assert_eq!(unchecked_requested, 0, "unchecked items were requested");
    assert!(precision >= 0.95, "precision {precision:.3} < 0.95");
    assert!(recall >= 0.95, "recall {recall:.3} < 0.95");
    // Kind, post and sections are part of the reading too: allow at most one miss each.
    let kind_misses = failures.iter().filter(|f| f.contains("kind ")).count();
    let post_misses = failures.iter().filter(|f| f.contains("post ")).count();
    assert!(kind_misses <= 1, "{kind_misses} kind mismatches");
    assert!(post_misses <= 1, "{post_misses} post mismatches");
}

#[test]
fn readings_serialize_with_the_documented_fields() {
    let r = read("Section 221(g)\n[X] Police certificate from Japan\n[ ] Medical exam\n");
    let v = serde_json::to_value(&r).expect("json");
    for field in [
        "sections",
        "kind",
        "post",
        "requests",
        "unrecognized",
        "dates",
        "instructions",
    ] {
        assert!(v.get(field).is_some(), "{field} missing");
    }
    assert_eq!(v["kind"], "documents_requested");
    assert_eq!(v["requests"][0]["document"], "police_certificate");
    assert_eq!(v["requests"][0]["country"], "JP");
    assert_eq!(v["requests"][0]["source"], "checked_box");
}

#[test]
fn post_hint_wins() {
    let r = reader()
        .read("U.S. Embassy Manila\n[X] Medical exam", Some("hcm"))
        .expect("reading");
    assert_eq!(r.post.as_deref(), Some("HCM"));
}

#[test]
fn hostile_html_and_scripts_never_come_through() {
    let text = "<script>document.write('<img src=x onerror=alert(1)>')</script>\
                <p onclick=\"steal()\">[X] Police certificate <b>from</b> Japan</p>\
                <style>body{display:none}</style><p>[ ] Medical exam</p>";
    let r = read(text);
    assert_eq!(r.document_ids(), vec!["police_certificate"]);
    let json = serde_json::to_string(&r).expect("json");
    for bad in ["<script", "onerror", "onclick", "<p", "<b>", "display:none"] {
        assert!(!json.contains(bad), "{bad} came through: {json}");
    }
    assert!(r.warnings.iter().any(|w| w.contains("HTML")));
}

#[test]
fn control_characters_and_escapes_are_removed() {
    let text = "Section 221(g)\n\x1b[2J\x1b[31m[X] Police\x07 certificate\u{202e}\u{200b}\r\n\
                [ ] Birth certificate\x00\x08\n";
    let r = read(text);
    assert_eq!(r.document_ids(), vec!["police_certificate"]);
    let json = serde_json::to_string(&r).expect("json");
    assert!(
        !json
            .chars()
            .any(|c| c.is_control() || c == '\u{202e}' || c == '\u{200b}')
    );
    assert!(!json.contains("\\u001b") && !json.contains("\\u0007"));
}

#[test]
fn oversize_input_gets_a_clear_size_error() {
    let big = "[X] Police certificate\n".repeat(MAX_NOTICE_BYTES / 20);
    match reader().read(&big, None) {
        Err(e @ NoticeError::TooLarge { .. }) => {
            let msg = e.to_string();
            assert!(msg.contains("bytes") && msg.contains("paste only"), "{msg}");
        }
        other => panic!("expected a size error, got {other:?}"),
    }
    // Just under the limit is read, in bounded time.
    let ok = "[X] Police certificate from Japan and a very long line of text\n"
        .repeat(MAX_NOTICE_BYTES / 70);
    assert!(ok.len() <= MAX_NOTICE_BYTES);
    let r = reader().read(&ok, None).expect("reading");
    assert_eq!(r.document_ids(), vec!["police_certificate"]);
}

#[test]
fn unchecked_boxes_in_every_style_are_never_requests() {
    let styles = [
        "[ ]", "[]", "[_]", "( )", "☐", "□", "○", "O ", "0 ", "D ", "|_|", "[  ]",
    ];
    for s in styles {
        let text = format!(
            "Refused under 221(g)\n[X] Medical exam\n{s} Police certificate\n{s} Court records\n\
             Please submit the following documents:\n{s} Birth certificate\n"
        );
        let r = read(&text);
        assert_eq!(r.document_ids(), vec!["medical_exam"], "style {s:?}: {r:?}");
    }
    let checked = [
        "[X]", "[x]", "☒", "☑", "✔", "✓", "■", "(x)", "(X)", "[v]", "[/]", "X ", "v ", "/ ",
    ];
    for s in checked {
        let text = format!("[ ] Medical exam\n{s} Police certificate\n[ ] Court records\n");
        let r = read(&text);
        assert_eq!(
            r.document_ids(),
            vec!["police_certificate"],
            "style {s:?}: {r:?}"
        );
        assert_eq!(r.requests[0].source, RequestSource::CheckedBox);
    }
}

fn arbitrary_notice() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("[X] ".to_string()),
        Just("[ ] ".to_string()),
        Just("☒ ".to_string()),
        Just("☐ ".to_string()),
        Just("Police certificate ".to_string()),
        Just("please submit the following:\n".to_string()),
        Just("221(g) 212(a)(".to_string()),
        Just("March 14, 2025 03/04/2025 ".to_string()),
        Just("<script>".to_string()),
        Just("\n".to_string()),
        Just("    ".to_string()),
        Just("\u{1b}[".to_string()),
        "[a-zA-Z0-9 ().:/-]{0,40}",
        any::<String>(),
    ];
    proptest::collection::vec(piece, 0..60).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn never_panics_on_notice_like_input(text in arbitrary_notice()) {
        let r = reader().read(&text, None);
        prop_assert!(r.is_ok());
        let r = r.expect("reading");
        let json = serde_json::to_string(&r).expect("json");
        prop_assert!(!json.contains("<script"));
    }

    #[test]
    fn never_panics_on_arbitrary_strings(text in any::<String>()) {
        prop_assert!(reader().read(&text, None).is_ok());
    }
}

proptest! {
    // Large inputs (up to the 1 MiB limit): few cases, to keep debug builds fast.
    #![proptest_config(ProptestConfig { cases: 4, ..ProptestConfig::default() })]

    #[test]
    fn bounded_work_on_large_input(seed in "[\\[\\]Xx ☒☐a-z0-9().:\n-]{64,256}", reps in 1usize..4096) {
        let mut text = seed.repeat(reps);
        while text.len() > MAX_NOTICE_BYTES {
            text.pop();
        }
        let started = std::time::Instant::now();
        let r = reader().read(&text, None);
        prop_assert!(r.is_ok());
        // Not a speed assertion (see the benchmark): only a guard against runaway work.
        prop_assert!(started.elapsed().as_secs() < 60);
    }
}
