//! Reading the USCIS Case Status API's answer (`GET /case-status/{receipt}`, developer.uscis.gov).
//!
//! The response shape, the date formats (`MM-DD-YYYY HH:mm:ss` for the case, `YYYY-MM-DD` for
//! its history), the IOE variant without dates and the `null` history are documented in
//! `shared/reference/status-peers.md` §3.1. Pure: JSON text in, a typed reading or error out.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

/// What USCIS says about one receipt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UscisStatus {
    pub receipt: String,
    pub form_type: String,
    /// The status title, e.g. "Case Was Approved".
    pub status: String,
    /// The long English description.
    pub message: String,
    /// When the case was submitted (absent for IOE receipts).
    pub submitted_on: Option<Date>,
    /// When USCIS last changed the case (absent for IOE receipts): the "last updated" date.
    pub modified_on: Option<Date>,
    /// Earlier steps, oldest first.
    pub history: Vec<UscisHistoryEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UscisHistoryEntry {
    pub on: Date,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UscisParseError {
    #[error("the USCIS answer is not the JSON the Case Status API sends: {0}")]
    NotJson(String),
    #[error("the USCIS answer has no case status (no current_case_status_text_en)")]
    NoStatus,
    #[error("the USCIS answer's {field} {text:?} is not a date USCIS writes")]
    BadDate { field: &'static str, text: String },
}

#[derive(Deserialize)]
struct Envelope {
    case_status: Option<Body>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Body {
    receipt_number: Option<String>,
    form_type: Option<String>,
    submitted_date: Option<String>,
    modified_date: Option<String>,
    #[serde(rename = "current_case_status_text_en")]
    text_en: Option<String>,
    #[serde(rename = "current_case_status_desc_en")]
    desc_en: Option<String>,
    #[serde(rename = "hist_case_status")]
    history: Option<Vec<HistoryBody>>,
}

#[derive(Deserialize)]
struct HistoryBody {
    date: Option<String>,
    completed_text_en: Option<String>,
}

/// Reads a 200 answer of `GET /case-status/{receipt}`.
pub fn parse_case_status(json: &str) -> Result<UscisStatus, UscisParseError> {
    let envelope: Envelope =
        serde_json::from_str(json).map_err(|e| UscisParseError::NotJson(e.to_string()))?;
    let body = envelope.case_status.ok_or(UscisParseError::NoStatus)?;
    let status = body
        .text_en
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .ok_or(UscisParseError::NoStatus)?;
    let mut history = Vec::new();
    for h in body.history.unwrap_or_default() {
        let (Some(date), Some(text)) = (h.date, h.completed_text_en) else {
            continue;
        };
        let on = parse_uscis_date(&date).ok_or_else(|| UscisParseError::BadDate {
            field: "hist_case_status.date",
            text: date.clone(),
        })?;
        history.push(UscisHistoryEntry {
            on,
            text: text.trim().to_string(),
        });
    }
    history.sort_by_key(|h| h.on);
    Ok(UscisStatus {
        receipt: body.receipt_number.unwrap_or_default(),
        form_type: body.form_type.unwrap_or_default(),
        status,
        message: body.desc_en.unwrap_or_default().trim().to_string(),
        submitted_on: optional("submittedDate", body.submitted_date)?,
        modified_on: optional("modifiedDate", body.modified_date)?,
        history,
    })
}

fn optional(field: &'static str, text: Option<String>) -> Result<Option<Date>, UscisParseError> {
    match text.filter(|t| !t.trim().is_empty()) {
        None => Ok(None),
        Some(t) => parse_uscis_date(&t)
            .map(Some)
            .ok_or(UscisParseError::BadDate { field, text: t }),
    }
}

/// Reads `MM-DD-YYYY[ HH:mm:ss]` (the case dates) and `YYYY-MM-DD` (the history dates).
pub fn parse_uscis_date(text: &str) -> Option<Date> {
    let day_part = text.trim().split([' ', 'T']).next()?;
    let parts: Vec<&str> = day_part.split(['-', '/']).collect();
    let [a, b, c] = parts.as_slice() else {
        return None;
    };
    let (year, month, day) = if a.len() == 4 { (a, b, c) } else { (c, a, b) };
    if year.len() != 4 {
        return None;
    }
    Date::new(year.parse().ok()?, month.parse().ok()?, day.parse().ok()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The specification's example, as peers quote it (reference §3.1).
    const SPEC_EXAMPLE: &str = r#"{
      "case_status": {
        "receiptNumber": "EAC9999103403",
        "formType": "I-130",
        "submittedDate": "09-05-2023 14:28:46",
        "modifiedDate": "09-05-2023 14:28:46",
        "current_case_status_text_en": "Case Was Approved",
        "current_case_status_desc_en": "On September 5, 2023, we approved your Form I-130.",
        "current_case_status_text_es": "Caso Fue Aprobado",
        "current_case_status_desc_es": "…",
        "hist_case_status": [
          {"date": "2023-09-05", "completed_text_en": "We approved your Form I-130.", "completed_text_es": "Aprobamos su Formulario I-130."},
          {"date": "2023-06-01", "completed_text_en": "We received your Form I-130.", "completed_text_es": "…"}
        ]
      },
      "message": "Query was successful"
    }"#;

    #[test]
    fn reads_the_spec_example() {
        let s = parse_case_status(SPEC_EXAMPLE).expect("parses");
        assert_eq!(s.receipt, "EAC9999103403");
        assert_eq!(s.status, "Case Was Approved");
        assert_eq!(s.modified_on, Some(Date::constant(2023, 9, 5)));
        assert_eq!(s.history.len(), 2);
        assert_eq!(s.history[0].on, Date::constant(2023, 6, 1), "oldest first");
    }

    #[test]
    fn ioe_receipts_have_no_dates_and_history_may_be_null() {
        let json = r#"{"case_status":{"receiptNumber":"IOE0912345678","formType":"I-129F",
            "current_case_status_text_en":"Case Was Received","current_case_status_desc_en":"x",
            "hist_case_status":null},"message":"Query was successful"}"#;
        let s = parse_case_status(json).expect("parses");
        assert_eq!((s.submitted_on, s.modified_on), (None, None));
        assert!(s.history.is_empty());
    }

    #[test]
    fn rejects_what_is_not_a_status() {
        assert!(matches!(
            parse_case_status("<html>"),
            Err(UscisParseError::NotJson(_))
        ));
        assert_eq!(
            parse_case_status(r#"{"message":"x"}"#),
            Err(UscisParseError::NoStatus)
        );
        assert!(matches!(
            parse_case_status(
                r#"{"case_status":{"current_case_status_text_en":"A","modifiedDate":"13-45-2023"}}"#
            ),
            Err(UscisParseError::BadDate { .. })
        ));
    }

    #[test]
    fn dates_month_first_or_iso() {
        assert_eq!(
            parse_uscis_date("09-05-2023 14:28:46"),
            Some(Date::constant(2023, 9, 5))
        );
        assert_eq!(
            parse_uscis_date("2023-09-05"),
            Some(Date::constant(2023, 9, 5))
        );
        assert_eq!(parse_uscis_date("2023/13/05"), None);
    }
}
