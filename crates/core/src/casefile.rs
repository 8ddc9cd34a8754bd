//! The case file: the portable description of a case (TOML, JSON also accepted).
//!
//! Reading is two steps: serde reads the text into a loose `RawCaseFile` (every field as
//! written), then `validate` checks every field against the knowledge base and `today` and
//! returns either a typed `CaseFile` or every problem found, each naming the field, the bad
//! value and the expected form. The format is documented in `docs/case-file.md`.

use std::fmt;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::ids::{CeacCaseNumber, Ds160Id, PassportNumber, ReceiptNumber};
use crate::knowledge::{Knowledge, StatusSource};

mod privacy;
mod raw;
mod validate;

use privacy::{toml_message, without_quoted_values};
use raw::RawCaseFile;
use validate::Validator;

/// Largest case file accepted, so a wrong file (a video, a database) is refused quickly.
pub const MAX_CASE_FILE_BYTES: usize = 1024 * 1024;

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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

/// The longest note a checklist item keeps, in characters (case files, pages and the API).
pub const MAX_DOCUMENT_NOTE_CHARS: usize = 2_000;

/// A document on the case, and where it stands on the checklist. `Debug` leaves out the note.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
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
    /// The day it was gathered or submitted (whichever `status` says).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_on: Option<Date>,
    /// Free text ("sent by courier, tracking number …"); personal data, stored encrypted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl fmt::Debug for CaseDocument {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CaseDocument")
            .field("kind", &self.kind)
            .field("country", &self.country)
            .field("issued_on", &self.issued_on)
            .field("expires_on", &self.expires_on)
            .field("status", &self.status)
            .field("status_on", &self.status_on)
            .field("note", &self.note.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// A validated case file. `Debug` shows no personal value (names, passport number, birth
/// dates, notes) and only the prefix of case identifiers; see `ids`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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

/// One thing wrong with a case file.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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

impl StatusObservation {
    /// One status reading written as JSON (`{"on": "2025-06-02", "status": "Refused",
    /// "source": "ceac"}`), checked with the same rules as the readings in a case file. The
    /// problems name the reading's own fields (`on`, `status`).
    pub fn parse_json(
        text: &str,
        knowledge: &Knowledge,
        today: Date,
    ) -> Result<StatusObservation, CaseFileError> {
        let raw: raw::RawStatus =
            serde_json::from_str(text).map_err(|e| CaseFileError::Syntax {
                format: "JSON",
                message: without_quoted_values(&e.to_string()),
            })?;
        Validator::new(knowledge, today).one_status(raw)
    }
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
        Validator::new(knowledge, today).case(raw)
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

#[cfg(test)]
mod tests;
