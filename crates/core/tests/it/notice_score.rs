//! Scoring the notice reader against a labelled set of notices. Shared by the corpus test
//! (`tests/it/notices.rs`) and the `notice_eval` example, which scores any folder:
//! `cargo run -p visanav-core --example notice_eval -- DIR [--verbose]`.
//!
//! A set is a folder of `NAME.txt` notices and one `expected.json` with the expected reading
//! of each (format and labelling rules: `tests/notices/README.md`). A notice file may start
//! with a metadata header ending at the first line `---`; the reader never sees it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::Deserialize;
use visanav_core::knowledge::Knowledge;
use visanav_core::notice::{NoticeKind, NoticeReader, NoticeReading};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expected {
    pub file: String,
    pub sections: Vec<String>,
    pub kind: NoticeKind,
    pub documents: Vec<String>,
    pub post: Option<String>,
    /// Ids named next to an unticked box: never to be returned.
    #[serde(default)]
    pub unchecked: Vec<String>,
    /// Ids named but not asked for (negations, reminders, things the post keeps...).
    #[serde(default)]
    pub not_requested: Vec<String>,
    /// Ids asked for only under a condition the notice does not settle.
    #[serde(default)]
    pub conditional: Vec<String>,
    /// Document id -> ISO country codes it must be requested from.
    #[serde(default)]
    pub countries: BTreeMap<String, Vec<String>>,
    /// `None` when the set does not label refusal dates; `Some(None)` when the label says
    /// the text states none.
    #[serde(default, deserialize_with = "labelled")]
    pub refusal_date: Option<Option<String>>,
    #[serde(default)]
    pub unrecognized_min: usize,
    /// Why: for the people who keep the labels, not read by the scorer.
    #[serde(default)]
    #[allow(dead_code)]
    pub notes: Option<String>,
}

/// A field that is present (perhaps `null`), as opposed to absent.
fn labelled<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    use serde::Deserialize;
    Option::<String>::deserialize(d).map(Some)
}

pub struct Case {
    pub name: String,
    pub text: String,
    pub expected: Expected,
}

/// The notice text a reader gets: everything after a metadata header, if the file has one.
pub fn notice_text(file: &str) -> &str {
    let has_header = file
        .lines()
        .next()
        .is_some_and(|l| l.split_once(':').is_some_and(|(k, _)| !k.contains(' ')))
        && file.contains("\n---\n");
    if has_header {
        file.split_once("\n---\n").map_or(file, |(_, rest)| rest)
    } else {
        file
    }
}

pub fn load_set(dir: &Path) -> Result<Vec<Case>, String> {
    let path = dir.join("expected.json");
    let json = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let expected: Vec<Expected> =
        serde_json::from_str(&json).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut out = Vec::new();
    for e in expected {
        let file = dir.join(&e.file);
        let text =
            std::fs::read_to_string(&file).map_err(|err| format!("{}: {err}", file.display()))?;
        out.push(Case {
            name: e.file.trim_end_matches(".txt").to_string(),
            text: notice_text(&text).to_string(),
            expected: e,
        });
    }
    Ok(out)
}

#[derive(Default)]
pub struct Score {
    pub notices: usize,
    pub posts: usize,
    pub tp: usize,
    pub fp: usize,
    pub fn_: usize,
    pub kinds_right: usize,
    pub posts_right: usize,
    /// Ids the notice names next to an unticked box, read as requested.
    pub unticked_requested: usize,
    /// Requests read from a line the reader itself classed as an unchecked box (structural).
    pub from_unchecked_line: usize,
    /// Ids named but not asked for, read as requested.
    pub named_not_requested: usize,
    /// Conditional ids read as requested / shown for the user to check.
    pub conditional_requested: usize,
    pub conditional_shown: usize,
    pub conditional_total: usize,
    /// Country labels (document, country) of requested documents, and how many were read.
    pub countries_total: usize,
    pub countries_right: usize,
    /// Notices whose sections differ from the label.
    pub sections_wrong: usize,
    /// Labelled refusal dates (the date the 221(g) deadline is counted from), how many were
    /// read as another date (the dangerous mistake) and how many were not read (the person
    /// is asked for it).
    pub refusal_dates_total: usize,
    pub refusal_dates_wrong: usize,
    pub refusal_dates_missed: usize,
    /// Notices whose label says the text states no refusal date, where one was read anyway.
    pub refusal_dates_unstated: usize,
    /// Notices with fewer unrecognized lines than labelled.
    pub unrecognized_short: usize,
    pub failures: Vec<String>,
}

/// Mismatches per labelled field: what a set's test allows (today's figure for a
/// measurement set with known misses, zero where every label must hold).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Misses {
    /// Documents read that the label does not ask for.
    pub extra_documents: usize,
    /// Documents the label asks for that were not read.
    pub missing_documents: usize,
    pub kind: usize,
    pub post: usize,
    pub sections: usize,
    pub refusal_date: usize,
    /// (document, country) labels with no request for that document from that country.
    pub countries: usize,
    pub unrecognized: usize,
    /// Documents named but not asked for, read as requested.
    pub named_not_requested: usize,
}

impl Misses {
    /// The fields where `self` has more misses than `allowed`, as "field: got > allowed".
    pub fn over(&self, allowed: &Misses) -> Vec<String> {
        let fields = [
            (
                "extra documents",
                self.extra_documents,
                allowed.extra_documents,
            ),
            (
                "missing documents",
                self.missing_documents,
                allowed.missing_documents,
            ),
            ("kind", self.kind, allowed.kind),
            ("post", self.post, allowed.post),
            ("sections", self.sections, allowed.sections),
            ("refusal date", self.refusal_date, allowed.refusal_date),
            ("countries", self.countries, allowed.countries),
            (
                "unrecognized lines",
                self.unrecognized,
                allowed.unrecognized,
            ),
            (
                "named but not requested",
                self.named_not_requested,
                allowed.named_not_requested,
            ),
        ];
        fields
            .iter()
            .filter(|(_, got, max)| got > max)
            .map(|(name, got, max)| format!("{name}: {got} mismatches, {max} allowed"))
            .collect()
    }
}

impl Score {
    pub fn precision(&self) -> f64 {
        self.tp as f64 / (self.tp + self.fp).max(1) as f64
    }
    pub fn recall(&self) -> f64 {
        self.tp as f64 / (self.tp + self.fn_).max(1) as f64
    }
    pub fn kind_accuracy(&self) -> f64 {
        self.kinds_right as f64 / self.notices.max(1) as f64
    }
    /// Mismatches per labelled field.
    pub fn misses(&self) -> Misses {
        Misses {
            extra_documents: self.fp,
            missing_documents: self.fn_,
            kind: self.notices - self.kinds_right,
            post: self.notices - self.posts_right,
            sections: self.sections_wrong,
            refusal_date: self.refusal_dates_wrong + self.refusal_dates_missed,
            countries: self.countries_total - self.countries_right,
            unrecognized: self.unrecognized_short,
            named_not_requested: self.named_not_requested,
        }
    }
    pub fn summary(&self, label: &str) -> String {
        format!(
            "{label}: {} notices, {} posts; precision {:.3} ({}/{}), recall {:.3} ({}/{}); \
             kind {:.3} ({}/{}); post {}/{}; unticked read as requested: {}; requests from \
             unchecked lines: {}; named-not-requested reported: {}; conditional: {} requested, \
             {} of {} shown to check; countries {}/{}; sections wrong {}; refusal dates: \
             {} labelled, {} read as another date, {} not read, {} read where none is stated; \
             short of unrecognized lines {}",
            self.notices,
            self.posts,
            self.precision(),
            self.tp,
            self.tp + self.fp,
            self.recall(),
            self.tp,
            self.tp + self.fn_,
            self.kind_accuracy(),
            self.kinds_right,
            self.notices,
            self.posts_right,
            self.notices,
            self.unticked_requested,
            self.from_unchecked_line,
            self.named_not_requested,
            self.conditional_requested,
            self.conditional_shown,
            self.conditional_total,
            self.countries_right,
            self.countries_total,
            self.sections_wrong,
            self.refusal_dates_total,
            self.refusal_dates_wrong,
            self.refusal_dates_missed,
            self.refusal_dates_unstated,
            self.unrecognized_short,
        )
    }
    pub fn report(&self, label: &str) {
        println!("{}", self.summary(label));
        for f in &self.failures {
            println!("MISMATCH {f}");
        }
    }
}

pub fn reader() -> NoticeReader {
    let k = Knowledge::embedded().unwrap_or_else(|e| panic!("{e}"));
    NoticeReader::new(&k)
}

pub fn score(reader: &NoticeReader, cases: &[Case]) -> Score {
    let k = Knowledge::embedded().unwrap_or_else(|e| panic!("{e}"));
    let mut s = Score {
        notices: cases.len(),
        posts: cases
            .iter()
            .filter_map(|c| c.expected.post.as_deref())
            .collect::<BTreeSet<_>>()
            .len(),
        ..Score::default()
    };
    for case in cases {
        let exp = &case.expected;
        for d in exp
            .documents
            .iter()
            .chain(&exp.not_requested)
            .chain(&exp.unchecked)
            .chain(&exp.conditional)
        {
            assert!(
                k.document(d).is_some(),
                "{}: unknown document id {d}",
                case.name
            );
        }
        let r = reader.read(&case.text, None).expect("reading");
        let problems = compare(&r, exp, &mut s);
        if !problems.is_empty() {
            s.failures.push(format!(
                "{}:\n    {}\n    reading: {}",
                case.name,
                problems.join("\n    "),
                brief(&r)
            ));
        }
    }
    s
}

fn compare(r: &NoticeReading, exp: &Expected, s: &mut Score) -> Vec<String> {
    let got: BTreeSet<&str> = r.document_ids().into_iter().collect();
    let want: BTreeSet<&str> = exp.documents.iter().map(String::as_str).collect();
    s.tp += got.intersection(&want).count();
    let extra: Vec<&&str> = got.difference(&want).collect();
    let missing: Vec<&&str> = want.difference(&got).collect();
    s.fp += extra.len();
    s.fn_ += missing.len();
    let mut problems = Vec::new();
    if !extra.is_empty() || !missing.is_empty() {
        problems.push(format!("documents: extra {extra:?}, missing {missing:?}"));
    }
    for d in &exp.unchecked {
        if got.contains(d.as_str()) && !want.contains(d.as_str()) {
            s.unticked_requested += 1;
            problems.push(format!("UNTICKED {d} is requested"));
        }
    }
    for d in &exp.not_requested {
        if got.contains(d.as_str()) && !want.contains(d.as_str()) {
            s.named_not_requested += 1;
            problems.push(format!("{d} is requested but must not be"));
        }
    }
    for d in &exp.conditional {
        s.conditional_total += 1;
        if got.contains(d.as_str()) {
            s.conditional_requested += 1;
        }
        if r.please_check().any(|m| &m.document == d) {
            s.conditional_shown += 1;
        }
    }
    for req in &r.requests {
        if r.unchecked.iter().any(|u| u.text == req.text) {
            s.from_unchecked_line += 1;
            problems.push(format!("request read from an unchecked box: {}", req.text));
        }
    }
    if r.kind == exp.kind {
        s.kinds_right += 1;
    } else {
        problems.push(format!("kind {:?}, expected {:?}", r.kind, exp.kind));
    }
    if r.post == exp.post {
        s.posts_right += 1;
    } else {
        problems.push(format!("post {:?}, expected {:?}", r.post, exp.post));
    }
    if r.sections != exp.sections {
        s.sections_wrong += 1;
        problems.push(format!(
            "sections {:?}, expected {:?}",
            r.sections, exp.sections
        ));
    }
    let got = r.refusal_date().map(|d| d.date.as_str());
    match (&exp.refusal_date, got) {
        (Some(Some(date)), Some(got)) if got == date => s.refusal_dates_total += 1,
        (Some(Some(date)), _) => {
            s.refusal_dates_total += 1;
            if got.is_some() {
                s.refusal_dates_wrong += 1;
            } else {
                s.refusal_dates_missed += 1;
            }
            problems.push(format!("refusal date {got:?}, expected {date}"));
        }
        (Some(None), Some(got)) => {
            s.refusal_dates_unstated += 1;
            problems.push(format!(
                "refusal date {got:?} read, the label says none is stated"
            ));
        }
        _ => {}
    }
    for (doc, countries) in &exp.countries {
        if !want.contains(doc.as_str()) {
            continue;
        }
        for country in countries {
            s.countries_total += 1;
            if r.requests
                .iter()
                .any(|q| &q.document == doc && q.country.as_deref() == Some(country.as_str()))
            {
                s.countries_right += 1;
            } else {
                problems.push(format!("no request for {doc} from {country}"));
            }
        }
    }
    if r.unrecognized.len() < exp.unrecognized_min {
        s.unrecognized_short += 1;
        problems.push(format!(
            "{} unrecognized line(s), expected at least {}",
            r.unrecognized.len(),
            exp.unrecognized_min
        ));
    }
    problems
}

/// The parts of a reading worth seeing next to a mismatch.
fn brief(r: &NoticeReading) -> String {
    let requests: Vec<String> = r
        .requests
        .iter()
        .map(|q| format!("{}({:.2}) ← {:?}", q.document, q.confidence, q.text))
        .collect();
    let mentions: Vec<String> = r
        .mentions
        .iter()
        .map(|m| format!("{}:{:?}", m.document, m.reason))
        .collect();
    format!(
        "kind {:?} parts {:?} langs {:?}\n      requests {requests:?}\n      mentions {mentions:?}\n      unrecognized {:?}",
        r.kind, r.parts, r.languages, r.unrecognized
    )
}
