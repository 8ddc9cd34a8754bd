//! The curated knowledge base: statuses, documents, posts, countries, policy restrictions and
//! rules. Every entry carries `sources` (URLs) and `as_of`; uncertain facts say so in
//! `uncertain`. The TOML files in `knowledge/` are compiled into the binary, and a directory
//! with the same files can replace them at run time (`VISANAV_KNOWLEDGE_DIR`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::text::{closest, normalize_key};

mod vocabulary;
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
        "notice/am.toml",
        include_str!("../../../knowledge/notice/am.toml"),
    ),
    (
        "notice/ar.toml",
        include_str!("../../../knowledge/notice/ar.toml"),
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
        "notice/he.toml",
        include_str!("../../../knowledge/notice/he.toml"),
    ),
    (
        "notice/hi.toml",
        include_str!("../../../knowledge/notice/hi.toml"),
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
        "notice/ln.toml",
        include_str!("../../../knowledge/notice/ln.toml"),
    ),
    (
        "notice/lo.toml",
        include_str!("../../../knowledge/notice/lo.toml"),
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
        "notice/pl.toml",
        include_str!("../../../knowledge/notice/pl.toml"),
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
        "notice/si.toml",
        include_str!("../../../knowledge/notice/si.toml"),
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

/// Where a fact comes from and how sure we are of it. Flattened into every entry.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Provenance {
    /// URLs of the primary (or best available) sources.
    pub sources: Vec<String>,
    /// The date the entry was last checked against its sources (`YYYY-MM-DD`).
    pub as_of: String,
    /// Present when sources disagree or the fact is unverified; shown to users.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uncertain: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Country {
    /// ISO 3166-1 alpha-2 code, upper case.
    pub code: String,
    pub name: String,
    /// Other names people and notices use ("Burma" for Myanmar).
    #[serde(default)]
    pub aliases: Vec<String>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Provider {
    Beneficiary,
    Petitioner,
    Sponsor,
}

/// How long a document stays usable.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Validity {
    /// Usable for this many months from its issue date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub months: Option<u32>,
    /// Must remain valid at least this many months beyond the intended stay or travel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_remaining_months: Option<u32>,
    /// The rule in plain words, including links to other deadlines (the medical exam caps the
    /// K-1 visa's validity, for instance).
    pub rule: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Document {
    pub id: String,
    pub name: String,
    pub description: String,
    pub provided_by: Vec<Provider>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validity: Option<Validity>,
    pub sources: Vec<String>,
    pub as_of: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uncertain: Option<String>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum KVisaHandling {
    /// The post interviews K-1/K-2 applicants itself.
    Processed,
    /// K cases from this post's country are interviewed at another post (`k_processed_at`).
    Elsewhere,
    /// The post issues no immigrant or K visas (nonimmigrant-only, or suspended).
    NotProcessed,
    /// Not established from sources yet.
    Unknown,
}

/// One source behind a post's procedure, with the dates that tell an applicant how fresh it is.
///
/// In TOML: `{ url = "https://…", published = "2024-09-06", seen = "2026-11-30" }`. A bare URL
/// string is read too, so that an old knowledge copy loads far enough to be told what to add;
/// the check then refuses it for its missing `seen` date.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ProcedureSource {
    pub url: String,
    /// The date the page itself carries (published or last updated), as precisely as the page
    /// gives it: `YYYY-MM-DD`, `YYYY-MM` or `YYYY`. Absent when the page is undated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
    /// The date someone read this copy of the page (`YYYY-MM-DD`). Empty only for a bare-URL
    /// source, which the check refuses.
    pub seen: String,
}

/// The table form of [`ProcedureSource`]; unknown fields are refused.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProcedureSourceTable {
    url: String,
    #[serde(default)]
    published: Option<String>,
    seen: String,
}

impl<'de> Deserialize<'de> for ProcedureSource {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = ProcedureSource;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(
                    "a source table such as { url = \"https://…\", published = \"2024-09-06\", seen = \"2026-11-30\" }",
                )
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<ProcedureSource, E> {
                Ok(ProcedureSource {
                    url: v.to_string(),
                    published: None,
                    seen: String::new(),
                })
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<ProcedureSource, A::Error> {
                let t = ProcedureSourceTable::deserialize(
                    serde::de::value::MapAccessDeserializer::new(map),
                )?;
                Ok(ProcedureSource {
                    url: t.url,
                    published: t.published,
                    seen: t.seen,
                })
            }
        }
        d.deserialize_any(V)
    }
}

impl ProcedureSource {
    /// "published 2024-09-06, seen 2026-11-30", or "undated, seen …", for people.
    pub fn dates(&self) -> String {
        match &self.published {
            Some(p) => format!("published {p}, seen {}", self.seen),
            None => format!("undated, seen {}", self.seen),
        }
    }
}

/// A post's 221(g) document-submission procedure, where researched.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SubmissionProcedure {
    /// How documents reach the post: courier, email, drop-off, upload, in person.
    pub channel: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub courier: Option<String>,
    /// Whether the post keeps the passport while the case is pending: "yes", "no", "varies",
    /// "unknown".
    pub passport_kept: String,
    /// What to include with the submission.
    #[serde(default)]
    pub include: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    /// Where the procedure comes from, each with its published and seen dates.
    pub sources: Vec<ProcedureSource>,
    /// The date the procedure was last checked against its sources; no source may have been
    /// seen later. Shown to applicants as "as of".
    pub as_of: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uncertain: Option<String>,
    /// The sources' URLs, filled in at load, for texts that cite the procedure (the plan).
    #[serde(skip)]
    pub source_urls: Vec<String>,
}

impl SubmissionProcedure {
    /// The procedure's sources as plain URLs.
    pub fn urls(&self) -> Vec<&str> {
        self.sources.iter().map(|s| s.url.as_str()).collect()
    }

    /// The newest date any source carries, when at least one is dated.
    pub fn newest_published(&self) -> Option<&str> {
        self.sources
            .iter()
            .filter_map(|s| s.published.as_deref())
            .max()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Post {
    /// CEAC location code, three upper-case letters.
    pub code: String,
    /// The city (or the name CEAC shows).
    pub name: String,
    /// ISO 3166-1 alpha-2 code of the post's country.
    pub country: String,
    /// IANA time zone; a deadline at this post ends at midnight in this zone.
    pub time_zone: String,
    pub k_visas: KVisaHandling,
    /// Where K cases go when `k_visas = "elsewhere"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub k_processed_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub procedure: Option<SubmissionProcedure>,
    pub sources: Vec<String>,
    pub as_of: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uncertain: Option<String>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "snake_case")]
pub enum StatusSource {
    /// The State Department's CEAC status page.
    Ceac,
    /// USCIS case status (the I-129F petition).
    Uscis,
}

impl StatusSource {
    pub fn as_str(self) -> &'static str {
        match self {
            StatusSource::Ceac => "ceac",
            StatusSource::Uscis => "uscis",
        }
    }

    /// What a person calls the page the status came from.
    pub fn label(self) -> &'static str {
        match self {
            StatusSource::Ceac => "State Department CEAC visa status",
            StatusSource::Uscis => "USCIS petition status",
        }
    }

    pub fn parse(text: &str) -> Option<StatusSource> {
        match text.trim().to_ascii_lowercase().as_str() {
            "ceac" => Some(StatusSource::Ceac),
            "uscis" => Some(StatusSource::Uscis),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Status {
    /// URL-safe id, unique across sources (`ceac-refused`, `uscis-case-was-approved`).
    pub slug: String,
    pub source: StatusSource,
    /// The status exactly as the source displays it.
    pub name: String,
    /// Other spellings of the same status seen in the wild.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Which application types show it on CEAC: "niv", "iv" (K cases use the IV side).
    #[serde(default)]
    pub applies_to: Vec<String>,
    /// Plain-language meaning for an applicant.
    pub meaning: String,
    /// Whether the status ends the process (no further change expected).
    #[serde(rename = "final")]
    pub is_final: bool,
    #[serde(default)]
    pub causes: Vec<String>,
    pub next_steps: Vec<String>,
    #[serde(default)]
    pub misconceptions: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub typical_duration: Option<String>,
    pub sources: Vec<String>,
    pub as_of: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uncertain: Option<String>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum KVisaCoverage {
    Yes,
    No,
    Unclear,
}

/// What a restriction stops. The plan compares it with the stage the case is in: a pause on
/// issuance cannot touch a visa already issued, and neither reaches someone already admitted.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Restricts {
    /// Consulates do not issue the visa.
    VisaIssuance,
    /// The person is not admitted at the border.
    Entry,
    /// USCIS holds its decisions (the I-129F petition, adjustment of status).
    UscisBenefits,
}

impl Restricts {
    pub fn label(self) -> &'static str {
        match self {
            Restricts::VisaIssuance => "visa issuance",
            Restricts::Entry => "entry to the United States",
            Restricts::UscisBenefits => "decisions at USCIS",
        }
    }
}

/// A refusal that documents cannot cure: a presidential proclamation under INA 212(f), a
/// pause on issuance for listed nationalities, a hold on USCIS decisions, and the like.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Restriction {
    pub id: String,
    pub title: String,
    /// "212f_proclamation", "issuance_pause", "uscis_hold", ...
    pub kind: String,
    /// The first day it applies.
    pub effective_on: String,
    /// The last day it applied, once it has ended (lifted, enjoined).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ends_on: Option<String>,
    /// What it stops; never empty.
    pub restricts: Vec<Restricts>,
    /// True when a visa issued before `effective_on` (and still valid) is outside it, as with
    /// proclamations that reach only people without a valid visa on the effective date.
    /// Meaningful only when `restricts` holds `entry`.
    #[serde(default)]
    pub exempts_valid_visas: bool,
    /// Nationalities (ISO alpha-2) fully covered.
    #[serde(default)]
    pub countries: Vec<String>,
    /// Nationalities partly covered (some visa classes only).
    #[serde(default)]
    pub partial_countries: Vec<String>,
    pub applies_to_k: KVisaCoverage,
    /// What it means for an applicant, in plain words.
    pub effect: String,
    /// When a person last checked the country list against the source.
    pub last_verified: String,
    pub sources: Vec<String>,
    pub as_of: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uncertain: Option<String>,
}

/// A remark that holds at one post only ("London asks for an original letter"). The plan
/// shows it only for cases at that post.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PostNote {
    /// CEAC post code.
    pub post: String,
    pub text: String,
}

/// A legal or procedural rule with its parameters. The engine reads numbers only from here.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub id: String,
    pub title: String,
    /// The rule in plain words.
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub days: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub months: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub years: Option<u32>,
    /// What happens if the deadline is missed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consequence: Option<String>,
    #[serde(default)]
    pub exceptions: Vec<String>,
    /// Remarks that hold at one post only.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub post_notes: Vec<PostNote>,
    pub sources: Vec<String>,
    pub as_of: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uncertain: Option<String>,
}

impl Rule {
    /// The remarks of this rule that hold at `post`.
    pub fn notes_for(&self, post: &str) -> Vec<&str> {
        self.post_notes
            .iter()
            .filter(|n| n.post == post)
            .map(|n| n.text.as_str())
            .collect()
    }
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Urgency {
    None,
    Consider,
    Soon,
    Now,
}

impl Urgency {
    /// How strongly visanav recommends an attorney, in words.
    pub fn label(self) -> &'static str {
        match self {
            Urgency::None => "not needed now, based on what visanav knows about this case",
            Urgency::Consider => "worth considering",
            Urgency::Soon => "recommended soon",
            Urgency::Now => "recommended now",
        }
    }
}

/// A situation in which visanav recommends talking to an attorney.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct LegalHelpTrigger {
    pub id: String,
    pub title: String,
    pub urgency: Urgency,
    /// Why, in plain words, shown to the applicant.
    pub reason: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub days: Option<u32>,
    pub sources: Vec<String>,
    pub as_of: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uncertain: Option<String>,
}

// One struct per file, so a file holds exactly the tables it should.
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

    /// Cross-checks every entry: sources present and URLs, dates well formed, ids unique,
    /// references resolvable, required documents present.
    fn check(&self) -> Vec<Problem> {
        let mut problems = Vec::new();
        let mut problem = |file: &str, entry: String, message: String| {
            problems.push(Problem {
                file: file.into(),
                entry,
                message,
            })
        };
        let check_provenance =
            |file: &str,
             entry: String,
             sources: &[String],
             as_of: &str,
             problem: &mut dyn FnMut(&str, String, String)| {
                if sources.is_empty() {
                    problem(
                        file,
                        entry.clone(),
                        "has no sources; add at least one URL".into(),
                    );
                }
                for s in sources {
                    if !(s.starts_with("https://") || s.starts_with("http://")) {
                        problem(file, entry.clone(), format!("source {s:?} is not a URL"));
                    }
                }
                if crate::date::parse_date(as_of).is_err() {
                    problem(
                        file,
                        entry,
                        format!("as_of {as_of:?} is not a YYYY-MM-DD date"),
                    );
                }
            };

        let mut seen = BTreeSet::new();
        for c in &self.countries {
            let ok = c.code.len() == 2 && c.code.bytes().all(|b| b.is_ascii_uppercase());
            if !ok {
                problem(
                    "countries.toml",
                    format!("country {}", c.code),
                    "code must be two upper-case letters (ISO 3166-1 alpha-2)".into(),
                );
            }
            if !seen.insert(c.code.clone()) {
                problem(
                    "countries.toml",
                    format!("country {}", c.code),
                    "duplicate code".into(),
                );
            }
        }

        let mut seen = BTreeSet::new();
        for d in &self.documents {
            let entry = format!("document {}", d.id);
            if !seen.insert(d.id.clone()) {
                problem("documents.toml", entry.clone(), "duplicate id".into());
            }
            if d.provided_by.is_empty() {
                problem(
                    "documents.toml",
                    entry.clone(),
                    "provided_by is empty".into(),
                );
            }
            check_provenance("documents.toml", entry, &d.sources, &d.as_of, &mut problem);
        }
        for id in REQUIRED_DOCUMENT_IDS {
            if !self.document_index.contains_key(*id) {
                problem(
                    "documents.toml",
                    String::new(),
                    format!("required document id {id:?} is missing"),
                );
            }
        }

        let mut seen = BTreeSet::new();
        for p in &self.posts {
            let entry = format!("post {}", p.code);
            if !(p.code.len() == 3 && p.code.bytes().all(|b| b.is_ascii_uppercase())) {
                problem(
                    "posts.toml",
                    entry.clone(),
                    "code must be three upper-case letters".into(),
                );
            }
            if !seen.insert(p.code.clone()) {
                problem("posts.toml", entry.clone(), "duplicate code".into());
            }
            if !self.country_index.contains_key(&p.country) {
                problem(
                    "posts.toml",
                    entry.clone(),
                    format!("country {:?} is not in countries.toml", p.country),
                );
            }
            if jiff::tz::TimeZone::get(&p.time_zone).is_err() {
                problem(
                    "posts.toml",
                    entry.clone(),
                    format!("time_zone {:?} is not an IANA time zone", p.time_zone),
                );
            }
            match (&p.k_visas, &p.k_processed_at) {
                (KVisaHandling::Elsewhere, None) => problem(
                    "posts.toml",
                    entry.clone(),
                    "k_visas = \"elsewhere\" needs k_processed_at".into(),
                ),
                (KVisaHandling::Elsewhere, Some(at)) if !self.post_index.contains_key(at) => {
                    problem(
                        "posts.toml",
                        entry.clone(),
                        format!("k_processed_at {at:?} is not a post code"),
                    )
                }
                _ => {}
            }
            if let Some(proc_) = &p.procedure {
                let urls: Vec<String> = proc_.sources.iter().map(|s| s.url.clone()).collect();
                check_provenance(
                    "posts.toml",
                    format!("{entry} procedure"),
                    &urls,
                    &proc_.as_of,
                    &mut problem,
                );
                let as_of = crate::date::parse_date(&proc_.as_of).ok();
                let mut seen_urls = BTreeSet::new();
                for s in &proc_.sources {
                    for m in check_procedure_source(s, as_of) {
                        problem("posts.toml", format!("{entry} procedure"), m);
                    }
                    if !seen_urls.insert(s.url.as_str()) {
                        problem(
                            "posts.toml",
                            format!("{entry} procedure"),
                            format!("source {:?} is listed twice", s.url),
                        );
                    }
                }
            }
            check_provenance("posts.toml", entry, &p.sources, &p.as_of, &mut problem);
        }

        let mut seen = BTreeSet::new();
        for s in &self.statuses {
            let entry = format!("status {}", s.slug);
            let slug_ok = !s.slug.is_empty()
                && s.slug
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
            if !slug_ok {
                problem(
                    "statuses.toml",
                    entry.clone(),
                    "slug must be lower-case letters, digits and '-'".into(),
                );
            }
            if !seen.insert(s.slug.clone()) {
                problem("statuses.toml", entry.clone(), "duplicate slug".into());
            }
            if s.next_steps.is_empty() {
                problem("statuses.toml", entry.clone(), "next_steps is empty".into());
            }
            check_provenance("statuses.toml", entry, &s.sources, &s.as_of, &mut problem);
        }
        // Two statuses of one source must not claim the same spelling.
        let mut spellings: BTreeMap<(StatusSource, String), &str> = BTreeMap::new();
        for s in &self.statuses {
            for text in std::iter::once(&s.name).chain(&s.aliases) {
                if let Some(other) = spellings.insert((s.source, normalize_key(text)), &s.slug)
                    && other != s.slug
                {
                    problem(
                        "statuses.toml",
                        format!("status {}", s.slug),
                        format!("spelling {text:?} is also claimed by {other}"),
                    );
                }
            }
        }

        let mut seen = BTreeSet::new();
        for r in &self.restrictions {
            let entry = format!("restriction {}", r.id);
            if !seen.insert(r.id.clone()) {
                problem("restrictions.toml", entry.clone(), "duplicate id".into());
            }
            for c in r.countries.iter().chain(&r.partial_countries) {
                if !self.country_index.contains_key(c) {
                    problem(
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
                    problem(
                        "restrictions.toml",
                        entry.clone(),
                        format!("{field} {v:?} is not a YYYY-MM-DD date"),
                    );
                }
            }
            if r.restricts.is_empty() {
                problem(
                    "restrictions.toml",
                    entry.clone(),
                    "restricts is empty; say what it stops: visa_issuance, entry and/or uscis_benefits".into(),
                );
            }
            if r.exempts_valid_visas && !r.restricts.contains(&Restricts::Entry) {
                problem(
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
                problem(
                    "restrictions.toml",
                    entry.clone(),
                    format!("ends_on {end} is before effective_on {on}"),
                );
            }
            check_provenance(
                "restrictions.toml",
                entry,
                &r.sources,
                &r.as_of,
                &mut problem,
            );
        }

        for id in REQUIRED_RULE_IDS {
            if !self.rule_index.contains_key(*id) {
                problem(
                    "rules.toml",
                    String::new(),
                    format!("required rule id {id:?} is missing"),
                );
            }
        }
        for id in REQUIRED_TRIGGER_IDS {
            if !self.trigger_index.contains_key(*id) {
                problem(
                    "rules.toml",
                    String::new(),
                    format!("required trigger id {id:?} is missing"),
                );
            }
        }
        for slug in REQUIRED_STATUS_SLUGS {
            if !self.slug_index.contains_key(*slug) {
                problem(
                    "statuses.toml",
                    String::new(),
                    format!("required status slug {slug:?} is missing"),
                );
            }
        }
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
                problem(
                    "documents.toml",
                    format!("document {doc_id}"),
                    format!(
                        "validity is {d} months but rule {rule_id} in rules.toml says {r}; make them agree"
                    ),
                );
            }
        }
        let mut seen = BTreeSet::new();
        for r in &self.rules {
            let entry = format!("rule {}", r.id);
            if !seen.insert(r.id.clone()) {
                problem("rules.toml", entry.clone(), "duplicate id".into());
            }
            for n in &r.post_notes {
                if !self.post_index.contains_key(&n.post) {
                    problem(
                        "rules.toml",
                        entry.clone(),
                        format!(
                            "post_notes names post {:?}, which is not in posts.toml",
                            n.post
                        ),
                    );
                }
            }
            check_provenance("rules.toml", entry, &r.sources, &r.as_of, &mut problem);
        }
        for t in &self.triggers {
            let entry = format!("trigger {}", t.id);
            if !seen.insert(t.id.clone()) {
                problem("rules.toml", entry.clone(), "duplicate id".into());
            }
            check_provenance("rules.toml", entry, &t.sources, &t.as_of, &mut problem);
        }
        let document_ids: BTreeSet<&str> = self.documents.iter().map(|d| d.id.as_str()).collect();
        let post_codes: BTreeSet<&str> = self.posts.iter().map(|p| p.code.as_str()).collect();
        let country_codes: BTreeSet<&str> =
            self.countries.iter().map(|c| c.code.as_str()).collect();
        vocabulary::check(
            &self.notice_languages,
            &document_ids,
            &post_codes,
            &country_codes,
            &mut problems,
        );
        problems
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

fn parse<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, String> {
    toml::from_str(text).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_knowledge_loads_and_checks_clean() {
        let k = Knowledge::embedded().unwrap_or_else(|e| panic!("{e}"));
        for id in REQUIRED_DOCUMENT_IDS {
            assert!(k.document(id).is_some(), "{id}");
        }
    }

    /// Every status, under every name it goes by, in the spellings people type.
    #[test]
    fn every_status_is_found_in_every_spelling() {
        let k = Knowledge::embedded().unwrap_or_else(|e| panic!("{e}"));
        let mut checked = 0;
        for s in &k.statuses {
            for name in std::iter::once(&s.name).chain(&s.aliases) {
                let variants = [
                    name.clone(),
                    name.to_lowercase(),
                    name.to_uppercase(),
                    format!("  {name} "),
                    name.replace(' ', "  "),
                    format!("{name}."),
                    name.replace(' ', "-"),
                ];
                for v in &variants {
                    let found = k.find_status(v, Some(s.source)).map(|x| x.slug.as_str());
                    assert_eq!(found, Some(s.slug.as_str()), "{v:?} should find {}", s.slug);
                    checked += 1;
                }
            }
            assert!(!s.sources.is_empty(), "{} has sources", s.slug);
        }
        assert!(checked > 200, "checked {checked} spellings");
        assert_eq!(
            k.find_status("refused", None).map(|s| s.slug.as_str()),
            Some("ceac-refused")
        );
        assert_eq!(
            k.find_status("Administrative  Processing", None)
                .map(|s| s.slug.as_str()),
            Some("ceac-administrative-processing")
        );
        assert!(k.find_status("not a status", None).is_none());
        let suggestions = k.suggest_statuses("refsued", None);
        assert_eq!(
            suggestions.first().map(|s| s.slug.as_str()),
            Some("ceac-refused")
        );
    }

    /// Every text a person reads, with where it comes from.
    fn human_texts(k: &Knowledge) -> Vec<(String, &str)> {
        let mut out: Vec<(String, &str)> = Vec::new();
        for r in &k.rules {
            out.push((format!("rule {}", r.id), &r.title));
            out.push((format!("rule {}", r.id), &r.text));
            out.extend(
                r.consequence
                    .iter()
                    .map(|c| (format!("rule {}", r.id), c.as_str())),
            );
            out.extend(
                r.exceptions
                    .iter()
                    .map(|c| (format!("rule {}", r.id), c.as_str())),
            );
            out.extend(
                r.uncertain
                    .iter()
                    .map(|c| (format!("rule {}", r.id), c.as_str())),
            );
            out.extend(
                r.post_notes
                    .iter()
                    .map(|n| (format!("rule {}", r.id), n.text.as_str())),
            );
        }
        for t in &k.triggers {
            out.push((format!("trigger {}", t.id), &t.title));
            out.push((format!("trigger {}", t.id), &t.reason));
            out.extend(
                t.uncertain
                    .iter()
                    .map(|c| (format!("trigger {}", t.id), c.as_str())),
            );
        }
        for r in &k.restrictions {
            out.push((format!("restriction {}", r.id), &r.title));
            out.push((format!("restriction {}", r.id), &r.effect));
            out.extend(
                r.uncertain
                    .iter()
                    .map(|c| (format!("restriction {}", r.id), c.as_str())),
            );
        }
        for d in &k.documents {
            out.push((format!("document {}", d.id), &d.description));
        }
        for s in &k.statuses {
            out.push((format!("status {}", s.slug), &s.meaning));
            out.extend(
                s.next_steps
                    .iter()
                    .map(|c| (format!("status {}", s.slug), c.as_str())),
            );
        }
        out
    }

    /// Internal ids (`k1_visa_validity`) are for the engine, never for the people reading.
    #[test]
    fn texts_for_people_name_no_internal_id() {
        let k = Knowledge::embedded().unwrap_or_else(|e| panic!("{e}"));
        let ids: Vec<&str> = k
            .rules
            .iter()
            .map(|r| r.id.as_str())
            .chain(k.triggers.iter().map(|t| t.id.as_str()))
            .chain(k.restrictions.iter().map(|r| r.id.as_str()))
            .filter(|id| id.contains('_'))
            .collect();
        for (entry, text) in human_texts(&k) {
            for id in &ids {
                assert!(!text.contains(id), "{entry} names {id}: {text}");
            }
        }
    }

    /// Texts shown at every post (a rule's text and consequence, a trigger's reason, a
    /// restriction's effect) do not speak for one post; that goes in `post_notes`.
    #[test]
    fn texts_for_every_post_do_not_speak_for_one() {
        let k = Knowledge::embedded().unwrap_or_else(|e| panic!("{e}"));
        let cities: Vec<&str> = k
            .posts
            .iter()
            .filter(|p| p.k_visas == KVisaHandling::Processed)
            .map(|p| p.name.as_str())
            .filter(|n| !k.countries.iter().any(|c| n.contains(c.name.as_str())))
            .collect();
        let general = k
            .rules
            .iter()
            .flat_map(|r| {
                std::iter::once(&r.text)
                    .chain(&r.consequence)
                    .map(move |t| (&r.id, t))
            })
            .chain(k.triggers.iter().map(|t| (&t.id, &t.reason)))
            .chain(k.restrictions.iter().map(|r| (&r.id, &r.effect)));
        for (id, text) in general {
            for city in &cities {
                assert!(
                    !text.contains(city),
                    "{id} names {city} in a text shown at every post; move it to post_notes: {text}"
                );
            }
        }
    }

    #[test]
    fn restrictions_say_what_they_stop() {
        let k = Knowledge::embedded().unwrap_or_else(|e| panic!("{e}"));
        for r in &k.restrictions {
            assert!(!r.restricts.is_empty(), "{}", r.id);
        }
        let dir = std::env::temp_dir().join(format!("visanav-kb-r-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for (name, text) in FILES {
            std::fs::write(dir.join(name), text).unwrap();
        }
        let restrictions = FILES
            .iter()
            .find(|(n, _)| *n == "restrictions.toml")
            .unwrap()
            .1;
        let broken = restrictions
            .replacen("restricts = [\"visa_issuance\", \"entry\"]", "restricts = []", 1)
            .replacen(
                "restricts = [\"visa_issuance\"]",
                "restricts = [\"visa_issuance\"]\nexempts_valid_visas = true\nends_on = \"2020-01-01\"",
                1,
            );
        std::fs::write(dir.join("restrictions.toml"), broken).unwrap();
        let rules = FILES.iter().find(|(n, _)| *n == "rules.toml").unwrap().1;
        std::fs::write(
            dir.join("rules.toml"),
            rules.replacen("post = \"LND\"", "post = \"ZZZ\"", 1),
        )
        .unwrap();
        let err = Knowledge::from_dir(&dir).unwrap_err().to_string();
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(
            err.contains("restriction pp10998-full: restricts is empty"),
            "{err}"
        );
        assert!(err.contains("exempts_valid_visas needs entry"), "{err}");
        assert!(
            err.contains("ends_on 2020-01-01 is before effective_on"),
            "{err}"
        );
        assert!(err.contains("post_notes names post \"ZZZ\""), "{err}");
    }

    /// A copy of the embedded files in a fresh directory, with `posts.toml` replaced.
    fn dir_with_posts(tag: &str, posts: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("visanav-kb-{tag}-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("notice")).unwrap();
        for (name, text) in FILES.iter().chain(NOTICE_FILES) {
            std::fs::write(dir.join(name), text).unwrap();
        }
        std::fs::write(dir.join("posts.toml"), posts).unwrap();
        dir
    }

    fn posts_text() -> &'static str {
        FILES.iter().find(|(n, _)| *n == "posts.toml").unwrap().1
    }

    /// Manila's first procedure source, as the shipped file spells it.
    fn manila_first_source() -> String {
        let text = posts_text();
        let mnl = text.find("code = \"MNL\"").unwrap();
        let at = mnl + text[mnl..].find("  { url = ").unwrap();
        let end = at + text[at..].find('\n').unwrap();
        text[at..end].to_string()
    }

    fn load_error(tag: &str, posts: &str) -> String {
        let dir = dir_with_posts(tag, posts);
        let err = Knowledge::from_dir(&dir).unwrap_err().to_string();
        std::fs::remove_dir_all(&dir).unwrap();
        err
    }

    #[test]
    fn procedure_source_dates_are_checked_with_clear_errors() {
        let first = manila_first_source();
        let url = first.split('"').nth(1).unwrap().to_string();

        // A date in words instead of YYYY-MM-DD.
        let bad = first.replace("seen = ", "published = \"June 2024\", seen = ");
        let err = load_error("published", &posts_text().replacen(&first, &bad, 1));
        assert!(
            err.contains("posts.toml: post MNL procedure")
                && err.contains(&url)
                && err.contains("published \"June 2024\" is not a date")
                && err.contains("YYYY-MM-DD, YYYY-MM or YYYY"),
            "{err}"
        );

        // A bare URL: loads far enough to be told what to write instead.
        let bare = format!("  \"{url}\",");
        let err = load_error("bare", &posts_text().replacen(&first, &bare, 1));
        assert!(
            err.contains("post MNL procedure")
                && err.contains("has no seen date")
                && err.contains(&format!("{{ url = \"{url}\", seen = \"YYYY-MM-DD\" }}")),
            "{err}"
        );

        // Seen after the procedure's as_of: as_of is stale.
        let late = first.replace("seen = \"2026-11-30\"", "seen = \"2027-01-05\"");
        assert_ne!(late, first, "the shipped Manila source is seen 2026-11-30");
        let err = load_error("late", &posts_text().replacen(&first, &late, 1));
        assert!(
            err.contains("was seen on 2027-01-05, after the procedure's as_of"),
            "{err}"
        );

        // Published after it was seen, and an impossible seen date.
        let future = first.replace("seen = ", "published = \"2026-12\", seen = ");
        let err = load_error("future", &posts_text().replacen(&first, &future, 1));
        assert!(
            err.contains("is published 2026-12, after it was seen on 2026-11-30"),
            "{err}"
        );
        let impossible = first.replace("seen = \"2026-11-30\"", "seen = \"2026-02-30\"");
        let err = load_error("impossible", &posts_text().replacen(&first, &impossible, 1));
        assert!(
            err.contains("seen \"2026-02-30\" is not a real calendar date"),
            "{err}"
        );

        // A misspelt field is refused, naming the field.
        let typo = first.replace("seen = ", "seeen = ");
        let err = load_error("typo", &posts_text().replacen(&first, &typo, 1));
        assert!(err.contains("posts.toml") && err.contains("seeen"), "{err}");
    }

    #[test]
    fn procedure_freshness_is_available_to_every_display() {
        let k = Knowledge::embedded().unwrap_or_else(|e| panic!("{e}"));
        let p = k.post("MNL").and_then(|p| p.procedure.as_ref()).unwrap();
        assert_eq!(p.newest_published(), Some("2024-09-06"));
        assert!(p.urls().iter().all(|u| u.starts_with("http")));
        let undated = p.sources.iter().find(|s| s.published.is_none()).unwrap();
        assert_eq!(undated.dates(), format!("undated, seen {}", undated.seen));
        let json = serde_json::to_value(p).unwrap();
        assert_eq!(json["sources"][2]["published"], "2024-09-06");
        assert!(json["sources"][0].get("published").is_none());
    }

    /// Every language file in knowledge/notice/ is compiled in: a new file cannot be forgotten.
    #[test]
    fn every_notice_language_file_is_embedded() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../knowledge/notice");
        let mut on_disk: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| format!("notice/{}", e.unwrap().file_name().to_string_lossy()))
            .filter(|n| n.ends_with(".toml"))
            .collect();
        on_disk.sort();
        let embedded: Vec<String> = NOTICE_FILES.iter().map(|(n, _)| n.to_string()).collect();
        assert_eq!(on_disk, embedded);
    }

    #[test]
    fn broken_directories_are_reported_by_file_and_entry() {
        let dir = std::env::temp_dir().join(format!("visanav-kb-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::create_dir_all(dir.join("notice")).unwrap();
        for (name, text) in FILES.iter().chain(NOTICE_FILES) {
            std::fs::write(dir.join(name), text).unwrap();
        }
        assert!(Knowledge::from_dir(&dir).is_ok());
        // A language file whose name and language disagree, and a term for two documents.
        std::fs::write(
            dir.join("notice/xx.toml"),
            "language = \"es\"\nname = \"X\"\nstopwords = [\"a\", \"b\", \"c\", \"d\", \"e\"]\n\
             sources = []\nas_of = \"2026-11-30\"\n",
        )
        .unwrap();
        std::fs::write(
            dir.join("notice/yy.toml"),
            "language = \"yy\"\nname = \"Y\"\nstopwords = [\"a\", \"b\", \"c\", \"d\", \"e\"]\n\
             sources = []\nas_of = \"2026-11-30\"\n[documents]\nmedical_exam = [\"Police Certificate\"]\n",
        )
        .unwrap();
        let err = Knowledge::from_dir(&dir).unwrap_err().to_string();
        assert!(
            err.contains("notice/xx.toml: says language = \"es\""),
            "{err}"
        );
        std::fs::remove_file(dir.join("notice/xx.toml")).unwrap();
        let err = Knowledge::from_dir(&dir).unwrap_err().to_string();
        assert!(
            err.contains("notice/yy.toml") && err.contains("must be lower case"),
            "{err}"
        );
        std::fs::write(
            dir.join("notice/yy.toml"),
            "language = \"yy\"\nname = \"Y\"\nstopwords = [\"a\", \"b\", \"c\", \"d\", \"e\"]\n\
             sources = []\nas_of = \"2026-11-30\"\n[documents]\nmedical_exam = [\"police certificate\"]\n",
        )
        .unwrap();
        let err = Knowledge::from_dir(&dir).unwrap_err().to_string();
        assert!(
            err.contains("\"police certificate\" is also a term for \"police_certificate\""),
            "{err}"
        );
        std::fs::remove_file(dir.join("notice/yy.toml")).unwrap();
        let docs = FILES
            .iter()
            .find(|(n, _)| *n == "documents.toml")
            .unwrap()
            .1;
        std::fs::write(
            dir.join("documents.toml"),
            docs.replace("id = \"ds5535\"", "id = \"ds5535x\""),
        )
        .unwrap();
        let rules = FILES.iter().find(|(n, _)| *n == "rules.toml").unwrap().1;
        std::fs::write(
            dir.join("rules.toml"),
            rules.replace("id = \"marriage_90_days\"", "id = \"marriage\""),
        )
        .unwrap();
        std::fs::remove_file(dir.join("countries.toml")).unwrap();
        let err = Knowledge::from_dir(&dir).unwrap_err().to_string();
        assert!(err.contains("countries.toml: cannot read"), "{err}");
        std::fs::write(dir.join("countries.toml"), FILES[0].1).unwrap();
        let err = Knowledge::from_dir(&dir).unwrap_err().to_string();
        assert!(
            err.contains("required document id \"ds5535\" is missing"),
            "{err}"
        );
        assert!(
            err.contains("required rule id \"marriage_90_days\" is missing"),
            "{err}"
        );
        std::fs::write(
            dir.join("rules.toml"),
            rules.replace("months = 24", "months = 12"),
        )
        .unwrap();
        let err = Knowledge::from_dir(&dir).unwrap_err().to_string();
        assert!(
            err.contains("rule police_certificate_validity in rules.toml says 12"),
            "{err}"
        );
        std::fs::write(dir.join("rules.toml"), "[[rule]]\nid = 1\n").unwrap();
        let err = Knowledge::from_dir(&dir).unwrap_err().to_string();
        assert!(
            err.contains("rules.toml") && err.contains("invalid type"),
            "{err}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
