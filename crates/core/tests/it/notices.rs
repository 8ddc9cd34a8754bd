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

fn corpus_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join(name)
}

fn load_corpus(dir: &Path) -> Vec<(String, String, Expected)> {
    let mut out = Vec::new();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
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

/// How the reader did on one directory of notices.
struct Score {
    notices: usize,
    posts: usize,
    tp: usize,
    fp: usize,
    fn_: usize,
    /// Requests read from a line the reader itself classed as an unchecked box (structural).
    from_unchecked_line: usize,
    /// Documents the notice names but does not request, reported as requested (semantic:
    /// an unticked box, or a line mapped to the wrong document).
    named_not_requested: usize,
    failures: Vec<String>,
}

impl Score {
    fn precision(&self) -> f64 {
        self.tp as f64 / (self.tp + self.fp).max(1) as f64
    }
    fn recall(&self) -> f64 {
        self.tp as f64 / (self.tp + self.fn_).max(1) as f64
    }
    fn report(&self, label: &str) {
        println!(
            "{label}: {} notices, {} posts; document precision {:.3} ({}/{}), recall {:.3} ({}/{}); \
             requests from unchecked lines: {}; named-but-not-requested documents reported as requested: {}",
            self.notices,
            self.posts,
            self.precision(),
            self.tp,
            self.tp + self.fp,
            self.recall(),
            self.tp,
            self.tp + self.fn_,
            self.from_unchecked_line,
            self.named_not_requested
        );
        for f in &self.failures {
            println!("MISMATCH {f}");
        }
    }
    fn misses(&self, what: &str) -> usize {
        self.failures.iter().filter(|f| f.contains(what)).count()
    }
}

fn score(dir: &str) -> Score {
    let k = Knowledge::embedded().expect("knowledge");
    let notices = load_corpus(&corpus_dir(dir));
    let posts: BTreeSet<&str> = notices
        .iter()
        .filter_map(|(_, _, e)| e.post.as_deref())
        .collect();

    let (mut tp, mut fp, mut fn_) = (0usize, 0usize, 0usize);
    let mut from_unchecked_line = 0usize;
    let mut named_not_requested = 0usize;
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
                named_not_requested += 1;
                problems.push(format!("{d} is requested but must not be"));
            }
        }
        // Structurally too: no request comes from an unchecked line.
        for req in &r.requests {
            if r.unchecked.iter().any(|u| u.text == req.text) {
                from_unchecked_line += 1;
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
    Score {
        notices: notices.len(),
        posts: posts.len(),
        tp,
        fp,
        fn_,
        from_unchecked_line,
        named_not_requested,
        failures,
    }
}

#[test]
fn corpus() {
    let s = score("notices");
    s.report("notice corpus");
    assert!(s.notices >= 25, "the corpus needs at least 25 notices");
    assert!(s.posts >= 10, "the corpus needs at least 10 posts");
    assert_eq!(
        s.from_unchecked_line, 0,
        "requests were read from unchecked boxes"
    );
    assert_eq!(
        s.named_not_requested, 0,
        "unchecked or unrequested documents were requested"
    );
    assert!(
        s.precision() >= 0.95,
        "precision {:.3} < 0.95",
        s.precision()
    );
    assert!(s.recall() >= 0.95, "recall {:.3} < 0.95", s.recall());
    // Kind, post and sections are part of the reading too: allow at most one miss each.
    assert!(
        s.misses("kind ") <= 1,
        "{} kind mismatches",
        s.misses("kind ")
    );
    assert!(
        s.misses("post ") <= 1,
        "{} post mismatches",
        s.misses("post ")
    );
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

/// The held-out set (crates/core/tests/notices-heldout/): written by someone who never saw the
/// reader. Its first, blind run (precision 0.778, recall 0.600) is the honest estimate recorded
/// in docs/notice-reader.md; the reader was then fixed in response, so the set is no longer
/// blind and the floors below only guard the fixed state against regressions.
#[test]
fn held_out() {
    let s = score("notices-heldout");
    s.report("held-out notices");
    assert!(s.notices >= 15, "the held-out set has at least 15 notices");
    assert_eq!(
        s.from_unchecked_line, 0,
        "requests were read from unchecked boxes"
    );
    assert!(
        s.precision() >= HELD_OUT_PRECISION_FLOOR,
        "precision {:.3}",
        s.precision()
    );
    assert!(
        s.recall() >= HELD_OUT_RECALL_FLOOR,
        "recall {:.3}",
        s.recall()
    );
}

const HELD_OUT_PRECISION_FLOOR: f64 = 0.95;
const HELD_OUT_RECALL_FLOOR: f64 = 0.95;
