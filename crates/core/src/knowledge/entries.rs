//! The entries of the knowledge base, one type per kind of fact: countries, documents,
//! posts (with their submission procedures), statuses, restrictions, rules and legal-help
//! triggers. Each carries its sources and `as_of`.

use serde::{Deserialize, Serialize};

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

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
