//! The case file: the portable description of a case (TOML, JSON also accepted).
//!
//! Reading is two steps: serde reads the text into a loose `RawCaseFile` (every field as
//! written), then `validate` checks every field against the knowledge base and `today` and
//! returns either a typed `CaseFile` or every problem found, each naming the field, the bad
//! value and the expected form. The format is documented in `docs/case-file.md`.

use std::fmt;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::date::parse_date;
use crate::ids::{CeacCaseNumber, Ds160Id, PassportNumber, ReceiptNumber};
use crate::knowledge::{Knowledge, StatusSource};

/// Largest case file accepted, so a wrong file (a video, a database) is refused quickly.
pub const MAX_CASE_FILE_BYTES: usize = 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum VisaClass {
    #[serde(rename = "K-1")]
    K1,
    #[serde(rename = "K-2")]
    K2,
}

impl VisaClass {
    pub const SUPPORTED: &'static [&'static str] = &["K-1", "K-2"];

    pub fn parse(text: &str) -> Result<VisaClass, String> {
        let key: String = text
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_uppercase();
        match key.as_str() {
            "K1" => Ok(VisaClass::K1),
            "K2" => Ok(VisaClass::K2),
            _ => Err(format!(
                "{text:?} is not a supported visa class; expected one of {}",
                Self::SUPPORTED.join(", ")
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            VisaClass::K1 => "K-1",
            VisaClass::K2 => "K-2",
        }
    }
}

impl fmt::Display for VisaClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum DocumentStatus {
    #[default]
    Needed,
    Gathered,
    Submitted,
}

impl DocumentStatus {
    pub fn parse(text: &str) -> Result<DocumentStatus, String> {
        match text.trim().to_ascii_lowercase().as_str() {
            "needed" => Ok(DocumentStatus::Needed),
            "gathered" => Ok(DocumentStatus::Gathered),
            "submitted" => Ok(DocumentStatus::Submitted),
            _ => Err(format!(
                "{text:?} is not a document status; expected needed, gathered or submitted"
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            DocumentStatus::Needed => "needed",
            DocumentStatus::Gathered => "gathered",
            DocumentStatus::Submitted => "submitted",
        }
    }
}

/// A person on the case. Everything here is personal data and is stored encrypted. `Debug`
/// shows only whether the name and birth date are set (the nationality, a country code
/// that identifies no one and drives the restriction checks, is shown).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Person {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub given_names: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub surname: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_of_birth: Option<Date>,
    /// ISO 3166-1 alpha-2 code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nationality: Option<String>,
}

impl Person {
    pub fn display_name(&self) -> String {
        [self.given_names.as_deref(), self.surname.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// One reading of a status page. The history of a case is a list of these, never rewritten.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusObservation {
    /// The day the status was seen.
    pub on: Date,
    /// The status as the source names it (canonical spelling from the knowledge base).
    pub status: String,
    /// The "last updated" date the status page showed, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_updated: Option<Date>,
    pub source: StatusSource,
}

/// A 221(g) refusal episode. `Debug` leaves out the notes.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refusal {
    pub on: Date,
    /// Legal sections cited, e.g. `221(g)` or `212(a)(4)`.
    pub sections: Vec<String>,
    /// Document ids from the catalogue that the consulate asked for.
    #[serde(default)]
    pub requested: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub submitted_on: Option<Date>,
    /// Free text; personal data, stored encrypted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseDocument {
    pub kind: String,
    /// ISO 3166-1 alpha-2 code of the issuing country.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issued_on: Option<Date>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_on: Option<Date>,
    pub status: DocumentStatus,
}

/// A validated case file. `Debug` shows no personal value (names, passport number, birth
/// dates, notes) and only the prefix of case identifiers; see `ids`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseFile {
    pub visa: VisaClass,
    /// CEAC post code.
    pub post: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ceac_case_number: Option<CeacCaseNumber>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ds160_id: Option<Ds160Id>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uscis_receipt: Option<ReceiptNumber>,
    /// The beneficiary's passport number, as the CEAC status page asks for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub passport_number: Option<PassportNumber>,
    /// The beneficiary's surname, as the CEAC status page asks for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub surname: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub petition_approved_on: Option<Date>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interview_on: Option<Date>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visa_issued_on: Option<Date>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entered_us_on: Option<Date>,
    /// K-2 only: when the K-1 parent's visa was issued; the child's one-year window to
    /// follow to join runs from it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub principal_visa_issued_on: Option<Date>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub beneficiary: Option<Person>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub petitioner: Option<Person>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub status: Vec<StatusObservation>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refusal: Option<Refusal>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub documents: Vec<CaseDocument>,
}

/// `Debug` stand-in for a personal value: whether it is set, never what it is.
struct Redacted(bool);

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0 { "<redacted>" } else { "None" })
    }
}

fn redacted<T>(value: &Option<T>) -> Redacted {
    Redacted(value.is_some())
}

impl fmt::Debug for Person {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Person")
            .field("given_names", &redacted(&self.given_names))
            .field("surname", &redacted(&self.surname))
            .field("date_of_birth", &redacted(&self.date_of_birth))
            .field("nationality", &self.nationality)
            .finish()
    }
}

impl fmt::Debug for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Refusal")
            .field("on", &self.on)
            .field("sections", &self.sections)
            .field("requested", &self.requested)
            .field("submitted_on", &self.submitted_on)
            .field("notes", &redacted(&self.notes))
            .finish()
    }
}

impl fmt::Debug for CaseFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CaseFile")
            .field("visa", &self.visa)
            .field("post", &self.post)
            .field("ceac_case_number", &self.ceac_case_number)
            .field("ds160_id", &self.ds160_id)
            .field("uscis_receipt", &self.uscis_receipt)
            .field("passport_number", &self.passport_number)
            .field("surname", &redacted(&self.surname))
            .field("petition_approved_on", &self.petition_approved_on)
            .field("interview_on", &self.interview_on)
            .field("visa_issued_on", &self.visa_issued_on)
            .field("entered_us_on", &self.entered_us_on)
            .field("principal_visa_issued_on", &self.principal_visa_issued_on)
            .field("beneficiary", &self.beneficiary)
            .field("petitioner", &self.petitioner)
            .field("status", &self.status)
            .field("refusal", &self.refusal)
            .field("documents", &self.documents)
            .finish()
    }
}

/// One thing wrong with a case file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldProblem {
    /// Path of the field, e.g. `documents[2].kind`; empty for the file as a whole.
    pub field: String,
    pub message: String,
}

impl fmt::Display for FieldProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.field, self.message)
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CaseFileError {
    #[error("the case file is {size} bytes; the limit is {limit} bytes. Is this the right file?")]
    TooLarge { size: usize, limit: usize },
    #[error("the case file is not valid {format}: {message}")]
    Syntax {
        format: &'static str,
        message: String,
    },
    #[error("the case file has {} problem(s):\n{}", .0.len(), .0.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n"))]
    Invalid(Vec<FieldProblem>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Toml,
    Json,
}

impl Format {
    /// JSON when the text starts with `{`, TOML otherwise.
    pub fn sniff(text: &str) -> Format {
        if text.trim_start().starts_with('{') {
            Format::Json
        } else {
            Format::Toml
        }
    }
}

/// A date as written: a string, or a native TOML date (`2025-06-02` without quotes).
#[derive(Clone)]
struct DateText(String);

impl<'de> Deserialize<'de> for DateText {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = DateText;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a date written YYYY-MM-DD")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<DateText, E> {
                Ok(DateText(v.to_string()))
            }
            // The toml crate hands native dates over as a one-entry map.
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<DateText, A::Error> {
                let (_, value): (String, String) = map
                    .next_entry()?
                    .ok_or_else(|| serde::de::Error::custom("empty date"))?;
                Ok(DateText(value))
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawPerson {
    given_names: Option<String>,
    surname: Option<String>,
    date_of_birth: Option<DateText>,
    nationality: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStatus {
    on: DateText,
    status: String,
    last_updated: Option<DateText>,
    source: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRefusal {
    on: DateText,
    sections: Option<Vec<String>>,
    #[serde(default)]
    requested: Vec<String>,
    submitted_on: Option<DateText>,
    notes: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDocument {
    kind: String,
    country: Option<String>,
    issued_on: Option<DateText>,
    expires_on: Option<DateText>,
    status: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCaseFile {
    visa: String,
    post: String,
    ceac_case_number: Option<String>,
    ds160_id: Option<String>,
    uscis_receipt: Option<String>,
    passport_number: Option<String>,
    surname: Option<String>,
    petition_approved_on: Option<DateText>,
    interview_on: Option<DateText>,
    visa_issued_on: Option<DateText>,
    entered_us_on: Option<DateText>,
    principal_visa_issued_on: Option<DateText>,
    beneficiary: Option<RawPerson>,
    petitioner: Option<RawPerson>,
    #[serde(default)]
    status: Vec<RawStatus>,
    refusal: Option<RawRefusal>,
    #[serde(default)]
    documents: Vec<RawDocument>,
}

impl CaseFile {
    /// Reads and validates a case file. `today` is the date against which "in the future" is
    /// judged (the CLI's `--today`, or the current date).
    pub fn parse(
        text: &str,
        format: Format,
        knowledge: &Knowledge,
        today: Date,
    ) -> Result<CaseFile, CaseFileError> {
        if text.len() > MAX_CASE_FILE_BYTES {
            return Err(CaseFileError::TooLarge {
                size: text.len(),
                limit: MAX_CASE_FILE_BYTES,
            });
        }
        let raw: RawCaseFile = match format {
            Format::Toml => toml::from_str(text).map_err(|e| CaseFileError::Syntax {
                format: "TOML",
                message: toml_message(text, &e),
            })?,
            Format::Json => serde_json::from_str(text).map_err(|e| CaseFileError::Syntax {
                format: "JSON",
                message: without_quoted_values(&e.to_string()),
            })?,
        };
        Validator {
            k: knowledge,
            today,
            problems: Vec::new(),
        }
        .case(raw)
    }

    /// The case file as TOML, in the same form `parse` reads.
    pub fn to_toml(&self) -> String {
        // Serialising plain data with string keys cannot fail.
        toml::to_string(self).unwrap_or_else(|e| format!("# could not write TOML: {e}\n"))
    }

    /// Checks a case file that is already typed (e.g. one read back from the store) against
    /// the knowledge base and `today`, with the same rules as `parse`.
    pub fn revalidate(
        &self,
        knowledge: &Knowledge,
        today: Date,
    ) -> Result<CaseFile, CaseFileError> {
        let json = serde_json::to_string(self).map_err(|e| CaseFileError::Syntax {
            format: "JSON",
            message: e.to_string(),
        })?;
        Self::parse(&json, Format::Json, knowledge, today)
    }

    /// The most recent status observation (by date, then by position).
    pub fn latest_status(&self) -> Option<&StatusObservation> {
        self.status
            .iter()
            .enumerate()
            .max_by_key(|(i, s)| (s.on, *i))
            .map(|(_, s)| s)
    }
}

struct Validator<'a> {
    k: &'a Knowledge,
    today: Date,
    problems: Vec<FieldProblem>,
}

impl Validator<'_> {
    fn problem(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.problems.push(FieldProblem {
            field: field.into(),
            message: message.into(),
        });
    }

    fn id<T>(
        &mut self,
        field: &str,
        value: Option<String>,
        parse: fn(&str) -> Result<T, String>,
    ) -> Option<T> {
        let v = value?;
        match parse(&v) {
            Ok(id) => Some(id),
            Err(e) => {
                self.problem(field, e);
                None
            }
        }
    }

    /// A date that must not lie after `today` (it records something that already happened).
    fn past_date(&mut self, field: &str, value: Option<DateText>) -> Option<Date> {
        let d = self.date(field, value)?;
        if d > self.today {
            self.problem(
                field,
                format!(
                    "{d} is in the future (today is {}); record only what has happened",
                    self.today
                ),
            );
        }
        Some(d)
    }

    fn date(&mut self, field: &str, value: Option<DateText>) -> Option<Date> {
        match parse_date(&value?.0) {
            Ok(d) => Some(d),
            Err(e) => {
                self.problem(field, e);
                None
            }
        }
    }

    /// A date of birth: checked like `past_date`, but the problems never repeat it.
    fn birth_date(&mut self, field: &str, value: Option<DateText>) -> Option<Date> {
        let Ok(d) = parse_date(&value?.0) else {
            self.problem(
                field,
                "is not a real date written YYYY-MM-DD, e.g. 1990-06-02",
            );
            return None;
        };
        if d > self.today {
            self.problem(
                field,
                format!("is in the future (today is {}); check the year", self.today),
            );
        }
        Some(d)
    }

    /// A person's nationality: like `country`, but the problem does not repeat what was
    /// written (it is part of the person's record).
    fn nationality(&mut self, field: &str, value: Option<String>) -> Option<String> {
        let v = value?;
        match self.k.find_country(&v) {
            Some(c) => Some(c.code.clone()),
            None => {
                self.problem(field, "is not a known country; use its two-letter ISO code, e.g. PH for the Philippines");
                None
            }
        }
    }

    fn country(&mut self, field: &str, value: Option<String>) -> Option<String> {
        let v = value?;
        match self.k.find_country(&v) {
            Some(c) => Some(c.code.clone()),
            None => {
                self.problem(field, format!("{v:?} is not a known country; use its two-letter ISO code, e.g. PH for the Philippines"));
                None
            }
        }
    }

    fn text(&mut self, field: &str, value: Option<String>, max: usize) -> Option<String> {
        let v = value?.trim().to_string();
        if v.is_empty() {
            return None;
        }
        if v.chars().count() > max {
            self.problem(
                field,
                format!(
                    "is {} characters long; the limit is {max}",
                    v.chars().count()
                ),
            );
            return None;
        }
        if v.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
            self.problem(field, "contains control characters; remove them");
            return None;
        }
        Some(v)
    }

    fn document_id(&mut self, field: &str, id: &str) -> Option<String> {
        let id = id.trim();
        if self.k.document(id).is_some() {
            return Some(id.to_string());
        }
        let hint = self.k.suggest_documents(id);
        let hint = if hint.is_empty() {
            "see `visanav knowledge documents` or docs/case-file.md for the list".to_string()
        } else {
            format!("did you mean {}?", hint.join(", "))
        };
        self.problem(
            field,
            format!("{id:?} is not a document kind in the catalogue; {hint}"),
        );
        None
    }

    fn person(&mut self, prefix: &str, raw: Option<RawPerson>) -> Option<Person> {
        let raw = raw?;
        let p = Person {
            given_names: self.text(&format!("{prefix}.given_names"), raw.given_names, 200),
            surname: self.text(&format!("{prefix}.surname"), raw.surname, 200),
            date_of_birth: self.birth_date(&format!("{prefix}.date_of_birth"), raw.date_of_birth),
            nationality: self.nationality(&format!("{prefix}.nationality"), raw.nationality),
        };
        Some(p)
    }

    fn order(&mut self, field: &str, earlier: (&str, Option<Date>), later: (&str, Option<Date>)) {
        if let ((ename, Some(e)), (lname, Some(l))) = (earlier, later)
            && l < e
        {
            self.problem(
                field,
                format!("{lname} ({l}) is before {ename} ({e}); check both dates"),
            );
        }
    }

    fn case(mut self, raw: RawCaseFile) -> Result<CaseFile, CaseFileError> {
        let visa = match VisaClass::parse(&raw.visa) {
            Ok(v) => Some(v),
            Err(e) => {
                self.problem("visa", e);
                None
            }
        };
        let post_code = raw.post.trim().to_ascii_uppercase();
        let post = if self.k.post(&post_code).is_some() {
            Some(post_code)
        } else {
            let hint = self.k.suggest_posts(&raw.post);
            let hint = if hint.is_empty() {
                String::new()
            } else {
                format!(" (did you mean {}?)", hint.join(", "))
            };
            self.problem("post", format!("{:?} is not a CEAC post code; expected the 3-letter code CEAC uses, e.g. MNL for Manila{hint}", raw.post));
            None
        };
        let ceac_case_number = self.id(
            "ceac_case_number",
            raw.ceac_case_number,
            CeacCaseNumber::parse,
        );
        let ds160_id = self.id("ds160_id", raw.ds160_id, Ds160Id::parse);
        let uscis_receipt = self.id("uscis_receipt", raw.uscis_receipt, ReceiptNumber::parse);
        let passport_number = self.id(
            "passport_number",
            raw.passport_number,
            PassportNumber::parse,
        );
        let surname = self.text("surname", raw.surname, 200);

        let petition_approved_on = self.past_date("petition_approved_on", raw.petition_approved_on);
        // An interview may be scheduled ahead, so it alone may lie in the future.
        let interview_on = self.date("interview_on", raw.interview_on);
        let visa_issued_on = self.past_date("visa_issued_on", raw.visa_issued_on);
        let entered_us_on = self.past_date("entered_us_on", raw.entered_us_on);
        let principal_visa_issued_on =
            self.past_date("principal_visa_issued_on", raw.principal_visa_issued_on);
        if principal_visa_issued_on.is_some() && visa != Some(VisaClass::K2) {
            self.problem(
                "principal_visa_issued_on",
                "applies only to K-2 cases (the K-1 parent's visa issue date); remove it or set visa = \"K-2\"",
            );
        }
        self.order(
            "interview_on",
            ("petition_approved_on", petition_approved_on),
            ("interview_on", interview_on),
        );
        self.order(
            "visa_issued_on",
            ("interview_on", interview_on),
            ("visa_issued_on", visa_issued_on),
        );
        self.order(
            "entered_us_on",
            ("visa_issued_on", visa_issued_on),
            ("entered_us_on", entered_us_on),
        );

        let beneficiary = self.person("beneficiary", raw.beneficiary);
        let petitioner = self.person("petitioner", raw.petitioner);

        let mut status = Vec::new();
        for (i, s) in raw.status.into_iter().enumerate() {
            let f = |name: &str| format!("status[{i}].{name}");
            let on = self.past_date(&f("on"), Some(s.on));
            let last_updated = self.past_date(&f("last_updated"), s.last_updated);
            self.order(
                &f("last_updated"),
                ("last_updated", last_updated),
                ("on", on),
            );
            let source = match s.source.as_deref().map(StatusSource::parse) {
                None => Some(StatusSource::Ceac),
                Some(Some(src)) => Some(src),
                Some(None) => {
                    self.problem(
                        f("source"),
                        format!(
                            "{:?} is not a status source; expected ceac or uscis",
                            s.source.unwrap_or_default()
                        ),
                    );
                    None
                }
            };
            let name = match source {
                Some(src) => match self.k.find_status(&s.status, Some(src)) {
                    Some(known) => Some(known.name.clone()),
                    None => {
                        let hint: Vec<String> = self
                            .k
                            .suggest_statuses(&s.status, Some(src))
                            .iter()
                            .map(|k| format!("{:?}", k.name))
                            .collect();
                        let hint = if hint.is_empty() {
                            String::new()
                        } else {
                            format!("; did you mean {}?", hint.join(", "))
                        };
                        self.problem(f("status"), format!("{:?} is not a known {} status{hint} (`visanav status explain` lists them)", s.status, src.as_str()));
                        None
                    }
                },
                None => None,
            };
            if let (Some(on), Some(status_name), Some(source)) = (on, name, source) {
                status.push(StatusObservation {
                    on,
                    status: status_name,
                    last_updated,
                    source,
                });
            }
        }

        let refusal = raw.refusal.map(|r| {
            let on = self.past_date("refusal.on", Some(r.on));
            self.order(
                "refusal.on",
                ("interview_on", interview_on),
                ("refusal.on", on),
            );
            let submitted_on = self.past_date("refusal.submitted_on", r.submitted_on);
            self.order(
                "refusal.submitted_on",
                ("refusal.on", on),
                ("refusal.submitted_on", submitted_on),
            );
            let sections = r.sections.unwrap_or_else(|| vec!["221(g)".to_string()]);
            let mut clean_sections = Vec::new();
            for (i, s) in sections.iter().enumerate() {
                match normalize_section(s) {
                    Some(n) => clean_sections.push(n),
                    None => self.problem(
                        format!("refusal.sections[{i}]"),
                        format!(
                            "{s:?} is not an INA section; expected e.g. 221(g), 212(a)(4) or 214(b)"
                        ),
                    ),
                }
            }
            let mut requested = Vec::new();
            for (i, id) in r.requested.iter().enumerate() {
                if let Some(id) = self.document_id(&format!("refusal.requested[{i}]"), id)
                    && !requested.contains(&id)
                {
                    requested.push(id);
                }
            }
            let notes = self.text("refusal.notes", r.notes, 20_000);
            on.map(|on| Refusal {
                on,
                sections: clean_sections,
                requested,
                submitted_on,
                notes,
            })
        });
        let refusal = refusal.flatten();

        let mut documents = Vec::new();
        for (i, d) in raw.documents.into_iter().enumerate() {
            let f = |name: &str| format!("documents[{i}].{name}");
            let kind = self.document_id(&f("kind"), &d.kind);
            let country = self.country(&f("country"), d.country);
            let issued_on = self.past_date(&f("issued_on"), d.issued_on);
            let expires_on = self.date(&f("expires_on"), d.expires_on);
            self.order(
                &f("expires_on"),
                ("issued_on", issued_on),
                ("expires_on", expires_on),
            );
            let status = match d.status.as_deref().map(DocumentStatus::parse) {
                None => Some(DocumentStatus::Needed),
                Some(Ok(s)) => Some(s),
                Some(Err(e)) => {
                    self.problem(f("status"), e);
                    None
                }
            };
            if let (Some(kind), Some(status)) = (kind, status) {
                documents.push(CaseDocument {
                    kind,
                    country,
                    issued_on,
                    expires_on,
                    status,
                });
            }
        }

        if !self.problems.is_empty() {
            return Err(CaseFileError::Invalid(self.problems));
        }
        let (Some(visa), Some(post)) = (visa, post) else {
            return Err(CaseFileError::Invalid(self.problems));
        };
        Ok(CaseFile {
            visa,
            post,
            ceac_case_number,
            ds160_id,
            uscis_receipt,
            passport_number,
            surname,
            petition_approved_on,
            interview_on,
            visa_issued_on,
            entered_us_on,
            principal_visa_issued_on,
            beneficiary,
            petitioner,
            status,
            refusal,
            documents,
        })
    }
}

/// A TOML error by position, without the excerpt of the file the toml crate prints (the
/// line may hold a name or a passport number) or any quoted value.
fn toml_message(text: &str, e: &toml::de::Error) -> String {
    let message = without_quoted_values(e.message().trim_end());
    match e.span() {
        Some(span) => {
            let before = &text[..span.start.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            format!("line {line}, column {column}: {message}")
        }
        None => message,
    }
}

/// serde quotes the value it could not use (`invalid type: string "Maria"`): a value from
/// the case file, possibly personal. Each double-quoted run becomes `"…"`; field names,
/// which serde puts in backticks, stay.
fn without_quoted_values(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(open) = rest.find('"') {
        let after = &rest[open + 1..];
        let mut close = None;
        let mut escaped = false;
        for (i, c) in after.char_indices() {
            match c {
                '\\' if !escaped => escaped = true,
                '"' if !escaped => {
                    close = Some(i);
                    break;
                }
                _ => escaped = false,
            }
        }
        let Some(close) = close else {
            break;
        };
        out.push_str(&rest[..open]);
        out.push_str("\"…\"");
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    out
}

/// `221g`, `221 (g)`, `INA 221(g)` -> `221(g)`; `212(a)(6)(C)(i)` kept with its case.
fn normalize_section(text: &str) -> Option<String> {
    let t = text.trim();
    let t = t
        .strip_prefix("INA")
        .or_else(|| t.strip_prefix("ina"))
        .unwrap_or(t)
        .trim();
    let t = t.strip_prefix("§").unwrap_or(t).trim();
    let compacted: String = t.chars().filter(|c| !c.is_whitespace()).collect();
    if compacted.eq_ignore_ascii_case("221g") {
        return Some("221(g)".into());
    }
    let digits: String = compacted
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    let rest = &compacted[digits.len()..];
    let ok = digits.len() == 3
        && !rest.is_empty()
        && rest.starts_with('(')
        && rest
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '(' || c == ')')
        && rest.matches('(').count() == rest.matches(')').count();
    ok.then_some(compacted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_normalise() {
        assert_eq!(normalize_section("221g").as_deref(), Some("221(g)"));
        assert_eq!(normalize_section("INA 221(g)").as_deref(), Some("221(g)"));
        assert_eq!(
            normalize_section("212(a)(6)(C)(i)").as_deref(),
            Some("212(a)(6)(C)(i)")
        );
        assert_eq!(normalize_section("214(b)").as_deref(), Some("214(b)"));
        assert_eq!(normalize_section("lost"), None);
        assert_eq!(normalize_section("221(g"), None);
    }

    const EXAMPLE: &str = include_str!("../../../examples/k1-manila-221g.toml");

    fn knowledge() -> Knowledge {
        Knowledge::embedded().unwrap_or_else(|e| panic!("{e}"))
    }

    fn today() -> Date {
        "2026-01-01".parse().expect("date")
    }

    /// Every personal value the example case file holds.
    const PERSONAL: &[&str] = &[
        "SANTOS",
        "Santos",
        "Maria",
        "Clara",
        "Daniel",
        "Whitfield",
        "P1234567A",
        "1996-04-12",
        "1993-09-30",
    ];

    #[test]
    fn debug_of_a_case_file_shows_no_personal_value() {
        let mut case = CaseFile::parse(EXAMPLE, Format::Toml, &knowledge(), today())
            .unwrap_or_else(|e| panic!("{e}"));
        if let Some(r) = case.refusal.as_mut() {
            r.notes = Some("Officer Whitfield kept Maria's passport".into());
        }
        for shown in [format!("{case:?}"), format!("{case:#?}")] {
            for value in PERSONAL {
                assert!(!shown.contains(value), "{value} in {shown}");
            }
            // Not personal, and useful: the post, the dates, the documents, id prefixes.
            for useful in ["MNL", "2025-06-02", "police_certificate", "<redacted>"] {
                assert!(shown.contains(useful), "{useful} missing from {shown}");
            }
            assert!(!shown.contains("MNL2025512345") && !shown.contains("IOE0912345678"));
            assert!(!shown.contains("AA00B7QPGN"));
        }
        let person = case.beneficiary.as_ref().expect("beneficiary");
        assert_eq!(
            format!("{person:?}"),
            "Person { given_names: <redacted>, surname: <redacted>, date_of_birth: <redacted>, nationality: Some(\"PH\") }"
        );
        // Serialising (for the encrypted store) still gives the values.
        assert!(case.to_toml().contains("P1234567A"));
    }

    #[test]
    fn problems_and_syntax_errors_do_not_repeat_personal_values() {
        let k = knowledge();
        // The example's passport number is also the format's example in the message.
        let example = EXAMPLE.replace("P1234567A", "ZX9876543");
        let broken = [
            example.replace("ZX9876543", "ZX98765#3"),
            example.replace("1996-04-12", "1996-14-12"),
            example.replace(
                "date_of_birth = 1996-04-12",
                "date_of_birth = \"2096-04-12\"",
            ),
            example.replace("nationality = \"PH\"", "nationality = \"Santos\""),
            // TOML syntax: an unquoted name (the toml crate prints the line).
            example.replace("surname = \"Santos\"", "surname = Santos"),
            // serde quotes a value of the wrong type.
            example.replace(
                "[beneficiary]\n",
                "beneficiary = \"Maria Clara Santos\"\n[x]\n",
            ),
            example.replace(
                "given_names = \"Maria Clara\"",
                "given_names = [\"Maria Clara\"]",
            ),
        ];
        for text in &broken {
            let e = CaseFile::parse(text, Format::Toml, &k, today())
                .expect_err("the file is broken")
                .to_string();
            for value in PERSONAL.iter().filter(|v| **v != "P1234567A").chain(&[
                "ZX9876543",
                "ZX98765#3",
                "1996-14-12",
                "2096-04-12",
            ]) {
                assert!(!e.contains(value), "{value} in {e}");
            }
        }
        let json =
            r#"{"visa": "K-1", "post": "MNL", "surname": ["Santos"], "beneficiary": "Maria"}"#;
        let e = CaseFile::parse(json, Format::Json, &k, today())
            .expect_err("wrong types")
            .to_string();
        assert!(!e.contains("Santos") && !e.contains("Maria"), "{e}");
        assert!(e.contains("line 1"), "{e}");
    }

    #[test]
    fn quoted_values_are_cut_from_serde_messages() {
        assert_eq!(
            without_quoted_values(r#"invalid type: string "Ma\"ria", expected `visa` at line 2"#),
            r#"invalid type: string "…", expected `visa` at line 2"#
        );
        assert_eq!(
            without_quoted_values("expected `\"`, `'`"),
            "expected `\"`, `'`"
        );
    }

    #[test]
    fn visa_classes() {
        assert_eq!(VisaClass::parse("k1"), Ok(VisaClass::K1));
        assert_eq!(VisaClass::parse("K-2"), Ok(VisaClass::K2));
        assert!(VisaClass::parse("H-1B").unwrap_err().contains("K-1, K-2"));
    }
}
