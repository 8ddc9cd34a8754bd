//! The curated knowledge base: statuses, documents, posts, countries, policy restrictions and
//! rules. Every entry carries `sources` (URLs) and `as_of`; uncertain facts say so in
//! `uncertain`. The TOML files in `knowledge/` are compiled into the binary, and a directory
//! with the same files can replace them at run time (`VISANAV_KNOWLEDGE_DIR`).

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::text::{closest, normalize_key};

mod check;
mod entries;
mod vocabulary;

pub use entries::*;
pub use vocabulary::{GAP, NoticeCues, NoticeDispositions, NoticeLanguage};

/// The knowledge files, in load order, with their compiled-in contents.
pub const FILES: &[(&str, &str)] = &[
    (
        "countries.toml",
        include_str!("../../../knowledge/countries.toml"),
    ),
    (
        "documents.toml",
        include_str!("../../../knowledge/documents.toml"),
    ),
    ("posts.toml", include_str!("../../../knowledge/posts.toml")),
    (
        "statuses.toml",
        include_str!("../../../knowledge/statuses.toml"),
    ),
    (
        "restrictions.toml",
        include_str!("../../../knowledge/restrictions.toml"),
    ),
    ("rules.toml", include_str!("../../../knowledge/rules.toml")),
];

/// The notice vocabulary, one file per language (`knowledge/notice/`), compiled in. A
/// knowledge directory given at run time is read for every `notice/*.toml` it holds instead.
pub const NOTICE_FILES: &[(&str, &str)] = &[
    (
        "notice/af.toml",
        include_str!("../../../knowledge/notice/af.toml"),
    ),
    (
        "notice/ak.toml",
        include_str!("../../../knowledge/notice/ak.toml"),
    ),
    (
        "notice/am.toml",
        include_str!("../../../knowledge/notice/am.toml"),
    ),
    (
        "notice/ar.toml",
        include_str!("../../../knowledge/notice/ar.toml"),
    ),
    (
        "notice/az.toml",
        include_str!("../../../knowledge/notice/az.toml"),
    ),
    (
        "notice/bg.toml",
        include_str!("../../../knowledge/notice/bg.toml"),
    ),
    (
        "notice/bn.toml",
        include_str!("../../../knowledge/notice/bn.toml"),
    ),
    (
        "notice/ceb.toml",
        include_str!("../../../knowledge/notice/ceb.toml"),
    ),
    (
        "notice/de.toml",
        include_str!("../../../knowledge/notice/de.toml"),
    ),
    (
        "notice/el.toml",
        include_str!("../../../knowledge/notice/el.toml"),
    ),
    (
        "notice/en.toml",
        include_str!("../../../knowledge/notice/en.toml"),
    ),
    (
        "notice/es.toml",
        include_str!("../../../knowledge/notice/es.toml"),
    ),
    (
        "notice/fa.toml",
        include_str!("../../../knowledge/notice/fa.toml"),
    ),
    (
        "notice/fr.toml",
        include_str!("../../../knowledge/notice/fr.toml"),
    ),
    (
        "notice/gu.toml",
        include_str!("../../../knowledge/notice/gu.toml"),
    ),
    (
        "notice/ha.toml",
        include_str!("../../../knowledge/notice/ha.toml"),
    ),
    (
        "notice/he.toml",
        include_str!("../../../knowledge/notice/he.toml"),
    ),
    (
        "notice/hi.toml",
        include_str!("../../../knowledge/notice/hi.toml"),
    ),
    (
        "notice/hil.toml",
        include_str!("../../../knowledge/notice/hil.toml"),
    ),
    (
        "notice/ht.toml",
        include_str!("../../../knowledge/notice/ht.toml"),
    ),
    (
        "notice/hy.toml",
        include_str!("../../../knowledge/notice/hy.toml"),
    ),
    (
        "notice/id.toml",
        include_str!("../../../knowledge/notice/id.toml"),
    ),
    (
        "notice/ig.toml",
        include_str!("../../../knowledge/notice/ig.toml"),
    ),
    (
        "notice/ilo.toml",
        include_str!("../../../knowledge/notice/ilo.toml"),
    ),
    (
        "notice/it.toml",
        include_str!("../../../knowledge/notice/it.toml"),
    ),
    (
        "notice/ja.toml",
        include_str!("../../../knowledge/notice/ja.toml"),
    ),
    (
        "notice/ka.toml",
        include_str!("../../../knowledge/notice/ka.toml"),
    ),
    (
        "notice/kk.toml",
        include_str!("../../../knowledge/notice/kk.toml"),
    ),
    (
        "notice/km.toml",
        include_str!("../../../knowledge/notice/km.toml"),
    ),
    (
        "notice/ko.toml",
        include_str!("../../../knowledge/notice/ko.toml"),
    ),
    (
        "notice/ku.toml",
        include_str!("../../../knowledge/notice/ku.toml"),
    ),
    (
        "notice/ky.toml",
        include_str!("../../../knowledge/notice/ky.toml"),
    ),
    (
        "notice/ln.toml",
        include_str!("../../../knowledge/notice/ln.toml"),
    ),
    (
        "notice/lo.toml",
        include_str!("../../../knowledge/notice/lo.toml"),
    ),
    (
        "notice/mk.toml",
        include_str!("../../../knowledge/notice/mk.toml"),
    ),
    (
        "notice/mn.toml",
        include_str!("../../../knowledge/notice/mn.toml"),
    ),
    (
        "notice/mr.toml",
        include_str!("../../../knowledge/notice/mr.toml"),
    ),
    (
        "notice/ms.toml",
        include_str!("../../../knowledge/notice/ms.toml"),
    ),
    (
        "notice/my.toml",
        include_str!("../../../knowledge/notice/my.toml"),
    ),
    (
        "notice/ne.toml",
        include_str!("../../../knowledge/notice/ne.toml"),
    ),
    (
        "notice/pa.toml",
        include_str!("../../../knowledge/notice/pa.toml"),
    ),
    (
        "notice/pl.toml",
        include_str!("../../../knowledge/notice/pl.toml"),
    ),
    (
        "notice/ps.toml",
        include_str!("../../../knowledge/notice/ps.toml"),
    ),
    (
        "notice/pt.toml",
        include_str!("../../../knowledge/notice/pt.toml"),
    ),
    (
        "notice/ro.toml",
        include_str!("../../../knowledge/notice/ro.toml"),
    ),
    (
        "notice/ru.toml",
        include_str!("../../../knowledge/notice/ru.toml"),
    ),
    (
        "notice/rw.toml",
        include_str!("../../../knowledge/notice/rw.toml"),
    ),
    (
        "notice/si.toml",
        include_str!("../../../knowledge/notice/si.toml"),
    ),
    (
        "notice/sn.toml",
        include_str!("../../../knowledge/notice/sn.toml"),
    ),
    (
        "notice/so.toml",
        include_str!("../../../knowledge/notice/so.toml"),
    ),
    (
        "notice/sq.toml",
        include_str!("../../../knowledge/notice/sq.toml"),
    ),
    (
        "notice/sr.toml",
        include_str!("../../../knowledge/notice/sr.toml"),
    ),
    (
        "notice/sw.toml",
        include_str!("../../../knowledge/notice/sw.toml"),
    ),
    (
        "notice/ta.toml",
        include_str!("../../../knowledge/notice/ta.toml"),
    ),
    (
        "notice/te.toml",
        include_str!("../../../knowledge/notice/te.toml"),
    ),
    (
        "notice/tg.toml",
        include_str!("../../../knowledge/notice/tg.toml"),
    ),
    (
        "notice/th.toml",
        include_str!("../../../knowledge/notice/th.toml"),
    ),
    (
        "notice/tl.toml",
        include_str!("../../../knowledge/notice/tl.toml"),
    ),
    (
        "notice/tr.toml",
        include_str!("../../../knowledge/notice/tr.toml"),
    ),
    (
        "notice/uk.toml",
        include_str!("../../../knowledge/notice/uk.toml"),
    ),
    (
        "notice/ur.toml",
        include_str!("../../../knowledge/notice/ur.toml"),
    ),
    (
        "notice/uz.toml",
        include_str!("../../../knowledge/notice/uz.toml"),
    ),
    (
        "notice/vi.toml",
        include_str!("../../../knowledge/notice/vi.toml"),
    ),
    (
        "notice/war.toml",
        include_str!("../../../knowledge/notice/war.toml"),
    ),
    (
        "notice/yo.toml",
        include_str!("../../../knowledge/notice/yo.toml"),
    ),
    (
        "notice/zh.toml",
        include_str!("../../../knowledge/notice/zh.toml"),
    ),
];

/// Document ids that other parts of visanav (and users' case files) rely on. They may gain
/// company, never be renamed.
pub const REQUIRED_DOCUMENT_IDS: &[&str] = &[
    "passport",
    "photos",
    "ds160_confirmation",
    "appointment_letter",
    "birth_certificate",
    "police_certificate",
    "court_records",
    "military_records",
    "medical_exam",
    "i134_support",
    "tax_documents",
    "employment_letter",
    "bank_statements",
    "relationship_evidence",
    "meeting_evidence",
    "intent_to_marry",
    "prior_marriage_termination",
    "name_change",
    "petitioner_citizenship",
    "i129f_approval",
    "ds5535",
    "resume",
    "translation",
    "custody_documents",
    "adoption_documents",
    "other",
];

/// Rules the plan engine reads by id. A knowledge directory without them is refused, so a
/// firm's edited copy can never silently drop a deadline.
pub const REQUIRED_RULE_IDS: &[&str] = &[
    "221g_reconsideration_window",
    "i129f_validity",
    "k1_visa_validity",
    "entry_before_visa_expiry",
    "marriage_90_days",
    "k2_follow_to_join",
    "administrative_processing_typical",
    "administrative_processing_inquiry_wait",
];

/// Legal-help triggers the plan engine evaluates.
pub const REQUIRED_TRIGGER_IDS: &[&str] = &[
    "misrepresentation",
    "criminal_grounds",
    "prior_overstay",
    "petition_returned",
    "relationship_doubted",
    "relationship_evidence_requested",
    "public_charge",
    "long_administrative_processing",
    "long_administrative_processing_severe",
    "deadline_approaching",
    "expiring_document",
    "repeated_221g",
    "policy_restriction",
];

/// Statuses the plan engine recognises by slug.
pub const REQUIRED_STATUS_SLUGS: &[&str] = &[
    "ceac-refused",
    "ceac-administrative-processing",
    "ceac-issued",
    "uscis-department-of-state-sent-case-to-uscis-for-review",
    "uscis-intent-to-revoke-notice-was-sent",
    "uscis-case-approval-was-revoked",
    "uscis-case-was-automatically-revoked",
    "uscis-case-approval-was-reaffirmed-and-mailed-back-to-department-of-state",
];

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct CountriesFile {
    #[serde(default)]
    country: Vec<Country>,
}
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct DocumentsFile {
    #[serde(default)]
    document: Vec<Document>,
}
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct PostsFile {
    #[serde(default)]
    post: Vec<Post>,
}
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct StatusesFile {
    #[serde(default)]
    status: Vec<Status>,
}
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RestrictionsFile {
    #[serde(default)]
    restriction: Vec<Restriction>,
}
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RulesFile {
    #[serde(default)]
    rule: Vec<Rule>,
    #[serde(default)]
    trigger: Vec<LegalHelpTrigger>,
}

/// One problem found while loading or checking a knowledge directory.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub file: String,
    /// The entry (`post MNL`, `document medical_exam`) or empty for file-level problems.
    pub entry: String,
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.entry.is_empty() {
            write!(f, "{}: {}", self.file, self.message)
        } else {
            write!(f, "{}: {}: {}", self.file, self.entry, self.message)
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("the knowledge base has {} problem(s):\n{}", .0.len(), .0.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n"))]
pub struct KnowledgeError(pub Vec<Problem>);

/// The loaded, validated knowledge base.
#[derive(Debug, Clone, Default)]
pub struct Knowledge {
    pub countries: Vec<Country>,
    pub documents: Vec<Document>,
    pub posts: Vec<Post>,
    pub statuses: Vec<Status>,
    pub restrictions: Vec<Restriction>,
    pub rules: Vec<Rule>,
    pub triggers: Vec<LegalHelpTrigger>,
    /// The words notices use, per language, for the notice reader.
    pub notice_languages: Vec<NoticeLanguage>,
    country_index: BTreeMap<String, usize>,
    document_index: BTreeMap<String, usize>,
    post_index: BTreeMap<String, usize>,
    rule_index: BTreeMap<String, usize>,
    trigger_index: BTreeMap<String, usize>,
    slug_index: BTreeMap<String, usize>,
    /// normalised status text (name or alias) per source -> index into `statuses`
    status_index: BTreeMap<(StatusSource, String), usize>,
}

impl Knowledge {
    /// The knowledge base compiled into the binary.
    pub fn embedded() -> Result<Knowledge, KnowledgeError> {
        Self::from_sources(
            FILES
                .iter()
                .chain(NOTICE_FILES)
                .map(|(n, t)| (n.to_string(), Ok(t.to_string()))),
        )
    }

    /// Loads a knowledge directory holding the same files as `knowledge/`.
    pub fn from_dir(dir: &Path) -> Result<Knowledge, KnowledgeError> {
        let read = |name: String| {
            let path = dir.join(&name);
            let text = std::fs::read_to_string(&path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()));
            (name, text)
        };
        let notice_dir = dir.join("notice");
        let mut notice_files: Vec<String> = std::fs::read_dir(&notice_dir)
            .map(|entries| {
                entries
                    .filter_map(|e| e.ok()?.file_name().into_string().ok())
                    .filter(|n| n.ends_with(".toml"))
                    .map(|n| format!("notice/{n}"))
                    .collect()
            })
            .unwrap_or_default();
        notice_files.sort();
        Self::from_sources(
            FILES
                .iter()
                .map(|(name, _)| name.to_string())
                .chain(notice_files)
                .map(read),
        )
    }

    fn from_sources(
        files: impl Iterator<Item = (String, Result<String, String>)>,
    ) -> Result<Knowledge, KnowledgeError> {
        let mut k = Knowledge::default();
        let mut problems = Vec::new();
        for (name, text) in files {
            let text = match text {
                Ok(t) => t,
                Err(message) => {
                    problems.push(Problem {
                        file: name,
                        entry: String::new(),
                        message,
                    });
                    continue;
                }
            };
            let parsed = match name.as_str() {
                "countries.toml" => parse::<CountriesFile>(&text).map(|f| k.countries = f.country),
                "documents.toml" => parse::<DocumentsFile>(&text).map(|f| k.documents = f.document),
                "posts.toml" => parse::<PostsFile>(&text).map(|f| k.posts = f.post),
                "statuses.toml" => parse::<StatusesFile>(&text).map(|f| k.statuses = f.status),
                "restrictions.toml" => {
                    parse::<RestrictionsFile>(&text).map(|f| k.restrictions = f.restriction)
                }
                "rules.toml" => parse::<RulesFile>(&text).map(|f| {
                    k.rules = f.rule;
                    k.triggers = f.trigger;
                }),
                notice if notice.starts_with("notice/") => {
                    parse::<NoticeLanguage>(&text).and_then(|l| {
                        let stem = notice
                            .trim_start_matches("notice/")
                            .trim_end_matches(".toml");
                        if l.language != stem {
                            return Err(format!(
                                "says language = {:?}; a language file must be named after its \
                                 language ({}.toml)",
                                l.language, l.language
                            ));
                        }
                        k.notice_languages.push(l);
                        Ok(())
                    })
                }
                other => Err(format!("unexpected knowledge file {other}")),
            };
            if let Err(message) = parsed {
                problems.push(Problem {
                    file: name,
                    entry: String::new(),
                    message,
                });
            }
        }
        if problems.is_empty() {
            k.build_indexes();
            problems = k.check();
        }
        if problems.is_empty() {
            Ok(k)
        } else {
            Err(KnowledgeError(problems))
        }
    }

    fn build_indexes(&mut self) {
        for p in &mut self.posts {
            if let Some(proc_) = &mut p.procedure {
                proc_.source_urls = proc_.sources.iter().map(|s| s.url.clone()).collect();
            }
        }
        self.country_index = self
            .countries
            .iter()
            .enumerate()
            .map(|(i, c)| (c.code.clone(), i))
            .collect();
        self.document_index = self
            .documents
            .iter()
            .enumerate()
            .map(|(i, d)| (d.id.clone(), i))
            .collect();
        self.post_index = self
            .posts
            .iter()
            .enumerate()
            .map(|(i, p)| (p.code.clone(), i))
            .collect();
        self.rule_index = self
            .rules
            .iter()
            .enumerate()
            .map(|(i, r)| (r.id.clone(), i))
            .collect();
        self.trigger_index = self
            .triggers
            .iter()
            .enumerate()
            .map(|(i, t)| (t.id.clone(), i))
            .collect();
        self.slug_index = self
            .statuses
            .iter()
            .enumerate()
            .map(|(i, s)| (s.slug.clone(), i))
            .collect();
        self.status_index.clear();
        for (i, s) in self.statuses.iter().enumerate() {
            for text in std::iter::once(&s.name).chain(&s.aliases) {
                self.status_index
                    .entry((s.source, normalize_key(text)))
                    .or_insert(i);
            }
        }
    }

    pub fn country(&self, code: &str) -> Option<&Country> {
        self.country_index.get(code).map(|&i| &self.countries[i])
    }

    /// Finds a country by ISO code or by name/alias, ignoring case and punctuation.
    pub fn find_country(&self, text: &str) -> Option<&Country> {
        let upper = text.trim().to_ascii_uppercase();
        if let Some(c) = self.country(&upper) {
            return Some(c);
        }
        let key = normalize_key(text);
        self.countries.iter().find(|c| {
            normalize_key(&c.name) == key || c.aliases.iter().any(|a| normalize_key(a) == key)
        })
    }

    pub fn document(&self, id: &str) -> Option<&Document> {
        self.document_index.get(id).map(|&i| &self.documents[i])
    }

    /// The document's name for people, or its id when the catalogue does not know it.
    pub fn document_name<'a>(&'a self, id: &'a str) -> &'a str {
        self.document(id).map(|d| d.name.as_str()).unwrap_or(id)
    }

    pub fn post(&self, code: &str) -> Option<&Post> {
        self.post_index.get(code).map(|&i| &self.posts[i])
    }

    pub fn rule(&self, id: &str) -> Option<&Rule> {
        self.rule_index.get(id).map(|&i| &self.rules[i])
    }

    pub fn trigger(&self, id: &str) -> Option<&LegalHelpTrigger> {
        self.trigger_index.get(id).map(|&i| &self.triggers[i])
    }

    pub fn status_by_slug(&self, slug: &str) -> Option<&Status> {
        self.slug_index.get(slug).map(|&i| &self.statuses[i])
    }

    /// Looks a status up by the text a source displays, tolerant of case, spacing and
    /// punctuation. With no source given, CEAC is tried before USCIS.
    pub fn find_status(&self, text: &str, source: Option<StatusSource>) -> Option<&Status> {
        let key = normalize_key(text);
        let sources = match source {
            Some(s) => vec![s],
            None => vec![StatusSource::Ceac, StatusSource::Uscis],
        };
        sources
            .into_iter()
            .find_map(|s| self.status_index.get(&(s, key.clone())))
            .map(|&i| &self.statuses[i])
    }

    /// The known statuses closest to `text`, best first, for "did you mean".
    pub fn suggest_statuses(&self, text: &str, source: Option<StatusSource>) -> Vec<&Status> {
        let candidates: Vec<(String, usize)> = self
            .statuses
            .iter()
            .enumerate()
            .filter(|(_, s)| source.is_none_or(|src| s.source == src))
            .flat_map(|(i, s)| {
                std::iter::once(&s.name)
                    .chain(&s.aliases)
                    .map(move |t| (t.clone(), i))
            })
            .collect();
        let mut out: Vec<&Status> = Vec::new();
        for (_, i) in closest(text, candidates.iter().map(|(t, i)| (t.as_str(), *i)), 5) {
            if !out.iter().any(|s| s.slug == self.statuses[i].slug) {
                out.push(&self.statuses[i]);
            }
        }
        out.truncate(3);
        out
    }

    /// Document ids closest to `text`, for "did you mean".
    pub fn suggest_documents(&self, text: &str) -> Vec<&str> {
        closest(
            text,
            self.documents
                .iter()
                .map(|d| (d.id.as_str(), d.id.as_str())),
            3,
        )
        .into_iter()
        .map(|(_, id)| id)
        .collect()
    }

    /// Post codes closest to `text` (by code and by city name).
    pub fn suggest_posts(&self, text: &str) -> Vec<&str> {
        let by_code = self
            .posts
            .iter()
            .map(|p| (p.code.as_str(), p.code.as_str()));
        let by_name = self
            .posts
            .iter()
            .map(|p| (p.name.as_str(), p.code.as_str()));
        let mut out: Vec<&str> = Vec::new();
        for (_, code) in closest(text, by_code.chain(by_name), 6) {
            if !out.contains(&code) {
                out.push(code);
            }
        }
        out.truncate(3);
        out
    }
}

fn parse<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, String> {
    toml::from_str(text).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests;
