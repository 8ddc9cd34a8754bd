//! Cross-checks of a loaded knowledge base: sources present and URLs, dates well formed,
//! ids unique, references resolvable, required entries present. Each kind of entry has its
//! own check; the problems come back in file order, worded for the person editing.

use std::collections::{BTreeMap, BTreeSet};

use super::{
    KVisaHandling, Knowledge, Problem, ProcedureSource, REQUIRED_DOCUMENT_IDS, REQUIRED_RULE_IDS,
    REQUIRED_STATUS_SLUGS, REQUIRED_TRIGGER_IDS, Restricts, StatusSource, vocabulary,
};
use crate::text::normalize_key;

/// The problems found so far.
#[derive(Default)]
struct Problems(Vec<Problem>);

impl Problems {
    fn add(&mut self, file: &str, entry: String, message: String) {
        self.0.push(Problem {
            file: file.into(),
            entry,
            message,
        });
    }

    /// Every entry names its sources (URLs) and the date it was checked.
    fn provenance(&mut self, file: &str, entry: String, sources: &[String], as_of: &str) {
        if sources.is_empty() {
            self.add(
                file,
                entry.clone(),
                "has no sources; add at least one URL".into(),
            );
        }
        for s in sources {
            if !(s.starts_with("https://") || s.starts_with("http://")) {
                self.add(file, entry.clone(), format!("source {s:?} is not a URL"));
            }
        }
        if crate::date::parse_date(as_of).is_err() {
            self.add(
                file,
                entry,
                format!("as_of {as_of:?} is not a YYYY-MM-DD date"),
            );
        }
    }
}

impl Knowledge {
    /// Cross-checks every entry: sources present and URLs, dates well formed, ids unique,
    /// references resolvable, required documents present.
    pub(super) fn check(&self) -> Vec<Problem> {
        let mut out = Problems::default();
        self.check_countries(&mut out);
        self.check_documents(&mut out);
        self.check_posts(&mut out);
        self.check_statuses(&mut out);
        self.check_restrictions(&mut out);
        self.check_required(&mut out);
        self.check_validities(&mut out);
        self.check_rules_and_triggers(&mut out);
        let document_ids: BTreeSet<&str> = self.documents.iter().map(|d| d.id.as_str()).collect();
        let post_codes: BTreeSet<&str> = self.posts.iter().map(|p| p.code.as_str()).collect();
        let country_codes: BTreeSet<&str> =
            self.countries.iter().map(|c| c.code.as_str()).collect();
        let known = vocabulary::Known {
            document_ids: &document_ids,
            post_codes: &post_codes,
            country_codes: &country_codes,
        };
        vocabulary::check(&self.notice_languages, &known, &mut out.0);
        out.0
    }

    /// Country codes: two upper-case letters, each once.
    fn check_countries(&self, out: &mut Problems) {
        let mut seen = BTreeSet::new();
        for c in &self.countries {
            let ok = c.code.len() == 2 && c.code.bytes().all(|b| b.is_ascii_uppercase());
            if !ok {
                out.add(
                    "countries.toml",
                    format!("country {}", c.code),
                    "code must be two upper-case letters (ISO 3166-1 alpha-2)".into(),
                );
            }
            if !seen.insert(c.code.clone()) {
                out.add(
                    "countries.toml",
                    format!("country {}", c.code),
                    "duplicate code".into(),
                );
            }
        }
    }

    /// Documents: unique ids, who provides them, provenance; the required ids present.
    fn check_documents(&self, out: &mut Problems) {
        let mut seen = BTreeSet::new();
        for d in &self.documents {
            let entry = format!("document {}", d.id);
            if !seen.insert(d.id.clone()) {
                out.add("documents.toml", entry.clone(), "duplicate id".into());
            }
            if d.provided_by.is_empty() {
                out.add(
                    "documents.toml",
                    entry.clone(),
                    "provided_by is empty".into(),
                );
            }
            out.provenance("documents.toml", entry, &d.sources, &d.as_of);
        }
        for id in REQUIRED_DOCUMENT_IDS {
            if !self.document_index.contains_key(*id) {
                out.add(
                    "documents.toml",
                    String::new(),
                    format!("required document id {id:?} is missing"),
                );
            }
        }
    }

    /// Posts: codes, countries, time zones, where K cases go, submission procedures.
    fn check_posts(&self, out: &mut Problems) {
        let mut seen = BTreeSet::new();
        for p in &self.posts {
            let entry = format!("post {}", p.code);
            if !(p.code.len() == 3 && p.code.bytes().all(|b| b.is_ascii_uppercase())) {
                out.add(
                    "posts.toml",
                    entry.clone(),
                    "code must be three upper-case letters".into(),
                );
            }
            if !seen.insert(p.code.clone()) {
                out.add("posts.toml", entry.clone(), "duplicate code".into());
            }
            if !self.country_index.contains_key(&p.country) {
                out.add(
                    "posts.toml",
                    entry.clone(),
                    format!("country {:?} is not in countries.toml", p.country),
                );
            }
            if jiff::tz::TimeZone::get(&p.time_zone).is_err() {
                out.add(
                    "posts.toml",
                    entry.clone(),
                    format!("time_zone {:?} is not an IANA time zone", p.time_zone),
                );
            }
            match (&p.k_visas, &p.k_processed_at) {
                (KVisaHandling::Elsewhere, None) => out.add(
                    "posts.toml",
                    entry.clone(),
                    "k_visas = \"elsewhere\" needs k_processed_at".into(),
                ),
                (KVisaHandling::Elsewhere, Some(at)) if !self.post_index.contains_key(at) => out
                    .add(
                        "posts.toml",
                        entry.clone(),
                        format!("k_processed_at {at:?} is not a post code"),
                    ),
                _ => {}
            }
            if let Some(proc_) = &p.procedure {
                let urls: Vec<String> = proc_.sources.iter().map(|s| s.url.clone()).collect();
                out.provenance(
                    "posts.toml",
                    format!("{entry} procedure"),
                    &urls,
                    &proc_.as_of,
                );
                let as_of = crate::date::parse_date(&proc_.as_of).ok();
                let mut seen_urls = BTreeSet::new();
                for s in &proc_.sources {
                    for m in check_procedure_source(s, as_of) {
                        out.add("posts.toml", format!("{entry} procedure"), m);
                    }
                    if !seen_urls.insert(s.url.as_str()) {
                        out.add(
                            "posts.toml",
                            format!("{entry} procedure"),
                            format!("source {:?} is listed twice", s.url),
                        );
                    }
                }
            }
            out.provenance("posts.toml", entry, &p.sources, &p.as_of);
        }
    }

    /// Statuses: slugs, next steps, provenance, and no spelling claimed twice in one source.
    fn check_statuses(&self, out: &mut Problems) {
        let mut seen = BTreeSet::new();
        for s in &self.statuses {
            let entry = format!("status {}", s.slug);
            let slug_ok = !s.slug.is_empty()
                && s.slug
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
            if !slug_ok {
                out.add(
                    "statuses.toml",
                    entry.clone(),
                    "slug must be lower-case letters, digits and '-'".into(),
                );
            }
            if !seen.insert(s.slug.clone()) {
                out.add("statuses.toml", entry.clone(), "duplicate slug".into());
            }
            if s.next_steps.is_empty() {
                out.add("statuses.toml", entry.clone(), "next_steps is empty".into());
            }
            out.provenance("statuses.toml", entry, &s.sources, &s.as_of);
        }
        // Two statuses of one source must not claim the same spelling.
        let mut spellings: BTreeMap<(StatusSource, String), &str> = BTreeMap::new();
        for s in &self.statuses {
            for text in std::iter::once(&s.name).chain(&s.aliases) {
                if let Some(other) = spellings.insert((s.source, normalize_key(text)), &s.slug)
                    && other != s.slug
                {
                    out.add(
                        "statuses.toml",
                        format!("status {}", s.slug),
                        format!("spelling {text:?} is also claimed by {other}"),
                    );
                }
            }
        }
    }

    /// Restrictions: countries, dates, what they stop.
    fn check_restrictions(&self, out: &mut Problems) {
        let mut seen = BTreeSet::new();
        for r in &self.restrictions {
            let entry = format!("restriction {}", r.id);
            if !seen.insert(r.id.clone()) {
                out.add("restrictions.toml", entry.clone(), "duplicate id".into());
            }
            for c in r.countries.iter().chain(&r.partial_countries) {
                if !self.country_index.contains_key(c) {
                    out.add(
                        "restrictions.toml",
                        entry.clone(),
                        format!("country {c:?} is not in countries.toml"),
                    );
                }
            }
            for (field, value) in [
                ("effective_on", Some(&r.effective_on)),
                ("ends_on", r.ends_on.as_ref()),
                ("last_verified", Some(&r.last_verified)),
            ] {
                if let Some(v) = value
                    && crate::date::parse_date(v).is_err()
                {
                    out.add(
                        "restrictions.toml",
                        entry.clone(),
                        format!("{field} {v:?} is not a YYYY-MM-DD date"),
                    );
                }
            }
            if r.restricts.is_empty() {
                out.add(
                "restrictions.toml",
                entry.clone(),
                "restricts is empty; say what it stops: visa_issuance, entry and/or uscis_benefits".into(),
            );
            }
            if r.exempts_valid_visas && !r.restricts.contains(&Restricts::Entry) {
                out.add(
                    "restrictions.toml",
                    entry.clone(),
                    "exempts_valid_visas needs entry in restricts (it says who may still enter)"
                        .into(),
                );
            }
            let on = crate::date::parse_date(&r.effective_on).ok();
            let end = r
                .ends_on
                .as_deref()
                .and_then(|e| crate::date::parse_date(e).ok());
            if let (Some(on), Some(end)) = (on, end)
                && end < on
            {
                out.add(
                    "restrictions.toml",
                    entry.clone(),
                    format!("ends_on {end} is before effective_on {on}"),
                );
            }
            out.provenance("restrictions.toml", entry, &r.sources, &r.as_of);
        }
    }

    /// The rules, triggers and statuses the code relies on are present.
    fn check_required(&self, out: &mut Problems) {
        for id in REQUIRED_RULE_IDS {
            if !self.rule_index.contains_key(*id) {
                out.add(
                    "rules.toml",
                    String::new(),
                    format!("required rule id {id:?} is missing"),
                );
            }
        }
        for id in REQUIRED_TRIGGER_IDS {
            if !self.trigger_index.contains_key(*id) {
                out.add(
                    "rules.toml",
                    String::new(),
                    format!("required trigger id {id:?} is missing"),
                );
            }
        }
        for slug in REQUIRED_STATUS_SLUGS {
            if !self.slug_index.contains_key(*slug) {
                out.add(
                    "statuses.toml",
                    String::new(),
                    format!("required status slug {slug:?} is missing"),
                );
            }
        }
    }

    /// A validity period stated both as a rule and on the document must agree.
    fn check_validities(&self, out: &mut Problems) {
        // A validity period stated both as a rule and on the document must agree: the plan
        // reads the document's, the explanations quote the rule's.
        for (rule_id, doc_id) in [
            ("medical_exam_validity", "medical_exam"),
            ("police_certificate_validity", "police_certificate"),
            ("passport_validity", "passport"),
        ] {
            let rule_months = self
                .rule_index
                .get(rule_id)
                .and_then(|&i| self.rules[i].months);
            let validity = self
                .document_index
                .get(doc_id)
                .and_then(|&i| self.documents[i].validity.as_ref());
            let doc_months = validity.and_then(|v| v.months.or(v.min_remaining_months));
            if let (Some(r), Some(d)) = (rule_months, doc_months)
                && r != d
            {
                out.add(
                "documents.toml",
                format!("document {doc_id}"),
                format!(
                    "validity is {d} months but rule {rule_id} in rules.toml says {r}; make them agree"
                ),
            );
            }
        }
    }

    /// Rules and triggers: ids unique across both, post notes name known posts, provenance.
    fn check_rules_and_triggers(&self, out: &mut Problems) {
        let mut seen = BTreeSet::new();
        for r in &self.rules {
            let entry = format!("rule {}", r.id);
            if !seen.insert(r.id.clone()) {
                out.add("rules.toml", entry.clone(), "duplicate id".into());
            }
            for n in &r.post_notes {
                if !self.post_index.contains_key(&n.post) {
                    out.add(
                        "rules.toml",
                        entry.clone(),
                        format!(
                            "post_notes names post {:?}, which is not in posts.toml",
                            n.post
                        ),
                    );
                }
            }
            out.provenance("rules.toml", entry, &r.sources, &r.as_of);
        }
        for t in &self.triggers {
            let entry = format!("trigger {}", t.id);
            if !seen.insert(t.id.clone()) {
                out.add("rules.toml", entry.clone(), "duplicate id".into());
            }
            out.provenance("rules.toml", entry, &t.sources, &t.as_of);
        }
    }
}

/// Checks one procedure source's dates; returns the problems, worded for the person editing.
fn check_procedure_source(s: &ProcedureSource, as_of: Option<jiff::civil::Date>) -> Vec<String> {
    let mut out = Vec::new();
    if s.seen.is_empty() {
        out.push(format!(
            "source {:?} has no seen date; write it as {{ url = {:?}, seen = \"YYYY-MM-DD\" }} \
             with the date someone read it, and add published = \"YYYY-MM-DD\" if the page is dated",
            s.url, s.url
        ));
        return out;
    }
    let seen = match crate::date::parse_date(&s.seen) {
        Ok(d) => Some(d),
        Err(e) => {
            out.push(format!("source {:?}: seen {e}", s.url));
            None
        }
    };
    if let (Some(seen), Some(as_of)) = (seen, as_of)
        && seen > as_of
    {
        out.push(format!(
            "source {:?} was seen on {seen}, after the procedure's as_of {as_of}; \
             move as_of to the date the procedure was last checked",
            s.url
        ));
    }
    if let Some(published) = &s.published {
        match first_day_of(published) {
            Err(e) => out.push(format!("source {:?}: published {e}", s.url)),
            Ok(first) => {
                if let Some(seen) = seen
                    && first > seen
                {
                    out.push(format!(
                        "source {:?} is published {published}, after it was seen on {seen}",
                        s.url
                    ));
                }
            }
        }
    }
    out
}

/// The first day of a `YYYY-MM-DD`, `YYYY-MM` or `YYYY` date, for comparing partial dates.
fn first_day_of(text: &str) -> Result<jiff::civil::Date, String> {
    let full = match text.len() {
        4 => format!("{text}-01-01"),
        7 => format!("{text}-01"),
        _ => text.to_string(),
    };
    let bad = || format!("{text:?} is not a date; expected YYYY-MM-DD, YYYY-MM or YYYY");
    if text.len() != 4 && text.len() != 7 && text.len() != 10 {
        return Err(bad());
    }
    crate::date::parse_date(&full).map_err(|_| bad())
}
