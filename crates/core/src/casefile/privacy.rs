//! Keeping personal values out of `Debug` and out of error messages: a case file's names,
//! passport number, birth dates and notes never show; see the `ids` module for identifiers.

use std::fmt;

use super::{CaseFile, Person, Refusal};

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

/// A TOML error by position, without the excerpt of the file the toml crate prints (the
/// line may hold a name or a passport number) or any quoted value.
pub(super) fn toml_message(text: &str, e: &toml::de::Error) -> String {
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
pub(super) fn without_quoted_values(message: &str) -> String {
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
