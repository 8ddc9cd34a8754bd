//! Reading the text a person copied from CEAC's result panel.
//!
//! A copy keeps the panel's words but not its element ids, so fields are found by their
//! visible labels ("Case Created", "Case Last Updated", the case number's label), the
//! application type by its "… VISA APPLICATION" line, and the status as the first short
//! unlabelled line (or, with a knowledge base, the first line that is a known CEAC status).
//! Whatever follows the status is the message.

use super::{
    ApplicationKind, CeacParseError, CeacResult, contains_any, error_from_text, errors,
    html::collapse_whitespace, optional_date,
};
use crate::knowledge::{Knowledge, StatusSource};
use crate::text::normalize_key;

#[derive(Clone, Copy, PartialEq)]
enum Label {
    CaseNumber,
    Created,
    Updated,
    Status,
}

fn label(key: &str) -> Option<Label> {
    Some(match key {
        "application id or case number" | "case number" | "application id" | "case no" => {
            Label::CaseNumber
        }
        "case created" | "created" => Label::Created,
        "case last updated" | "last updated" => Label::Updated,
        "status" | "case status" | "visa status" => Label::Status,
        _ => return None,
    })
}

/// Splits "Case Created: 15-Jul-2025" (or "Case Created<TAB>15-Jul-2025") into the label and
/// its value; a label alone on its line gives an empty value (the value is on the next line).
fn labelled(line: &str) -> Option<(Label, &str)> {
    if let Some(l) = label(&normalize_key(line)) {
        return Some((l, ""));
    }
    let split = line.find([':', '\t'])?;
    let l = label(&normalize_key(&line[..split]))?;
    Some((l, line[split + 1..].trim()))
}

/// Phrases of the form page: a copy of the form, not of the result.
const FORM_PHRASES: &[&str] = &[
    "select a location",
    "enter your application",
    "enter the code",
    "visa application type",
];

#[derive(Default)]
struct Fields {
    case_number: String,
    application_type: String,
    status: String,
    created: String,
    updated: String,
    rest: Vec<String>,
}

pub(super) fn parse_text(
    input: &str,
    knowledge: Option<&Knowledge>,
) -> Result<CeacResult, CeacParseError> {
    if contains_any(input, errors::CLOUDFLARE) {
        return Err(CeacParseError::Blocked);
    }
    if let Some(e) = error_from_text(input) {
        return Err(e);
    }
    let lines: Vec<String> = input
        .lines()
        .map(|l| collapse_whitespace(&super::html::decode_entities(l)))
        .filter(|l| !l.is_empty())
        .collect();
    let fields = read_fields(&lines, knowledge);
    let anchored = !fields.case_number.is_empty()
        || !fields.created.is_empty()
        || !fields.updated.is_empty()
        || !fields.application_type.is_empty();
    if fields.status.is_empty() || !anchored {
        if contains_any(input, FORM_PHRASES) {
            return Err(CeacParseError::FormNotSubmitted);
        }
        return Err(CeacParseError::NotCeac);
    }
    Ok(CeacResult {
        case_number: fields.case_number,
        kind: ApplicationKind::from_shown(&fields.application_type),
        application_type: fields.application_type,
        status: fields.status.clone(),
        status_shown: fields.status,
        status_slug: None,
        case_created: optional_date("Case Created", &fields.created)?,
        last_updated: optional_date("Case Last Updated", &fields.updated)?,
        message: fields.rest.join(" "),
    })
}

fn read_fields(lines: &[String], knowledge: Option<&Knowledge>) -> Fields {
    let mut f = Fields::default();
    let mut unlabelled: Vec<&str> = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i].as_str();
        i += 1;
        if let Some((l, value)) = labelled(line) {
            let value = if value.is_empty() && i < lines.len() && labelled(&lines[i]).is_none() {
                i += 1;
                lines[i - 1].as_str()
            } else {
                value
            };
            let slot = match l {
                Label::CaseNumber => &mut f.case_number,
                Label::Created => &mut f.created,
                Label::Updated => &mut f.updated,
                Label::Status => &mut f.status,
            };
            if slot.is_empty() {
                *slot = value.to_string();
            }
        } else if f.application_type.is_empty() && is_application_type(line) {
            f.application_type = line.to_string();
        } else {
            unlabelled.push(line);
        }
    }
    let status_at = if f.status.is_empty() {
        find_status_line(&unlabelled, knowledge)
    } else {
        None
    };
    if let Some(at) = status_at {
        f.status = unlabelled[at].to_string();
        f.rest = unlabelled[at + 1..].iter().map(|s| s.to_string()).collect();
    } else {
        f.rest = unlabelled.iter().map(|s| s.to_string()).collect();
    }
    f
}

/// "NONIMMIGRANT VISA APPLICATION", "IMMIGRANT VISA APPLICATION".
fn is_application_type(line: &str) -> bool {
    normalize_key(line).ends_with("visa application") && line.split_whitespace().count() <= 4
}

/// The status line: a known CEAC status if the knowledge base recognises one, else the first
/// short line that is not a sentence.
fn find_status_line(lines: &[&str], knowledge: Option<&Knowledge>) -> Option<usize> {
    if let Some(k) = knowledge
        && let Some(at) = lines
            .iter()
            .position(|l| k.find_status(l, Some(StatusSource::Ceac)).is_some())
    {
        return Some(at);
    }
    lines.iter().position(|l| {
        let words = l.split_whitespace().count();
        (1..=4).contains(&words) && !l.ends_with('.') && !l.ends_with(':')
    })
}
