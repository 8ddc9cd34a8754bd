//! Reading the CEAC status tracker's answer (ceac.state.gov/CEACStatTracker/Status.aspx).
//!
//! One parser for every way an answer reaches visanav: the page a person saved from their
//! browser, the text they copied from it, and (later) the response of a direct check. It
//! finds the result panel's spans by their element ids, or CEAC's error texts, or a
//! Cloudflare block page, and says plainly what to do when the input is not a result.
//!
//! Element ids and error texts are those documented in `shared/reference/status-peers.md`
//! §1.2–1.3 (agreed by several independent status trackers).

mod html;
mod text;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::knowledge::{Knowledge, StatusSource};
use crate::monitor::CheckError;
use crate::text::normalize_key;

/// The result panel's span ids (`ucApplicationStatusView`).
mod ids {
    pub const CASE_NUMBER: &str = "ctl00_ContentPlaceHolder1_ucApplicationStatusView_lblCaseNo";
    pub const APP_NAME: &str = "ctl00_ContentPlaceHolder1_ucApplicationStatusView_lblAppName";
    pub const STATUS: &str = "ctl00_ContentPlaceHolder1_ucApplicationStatusView_lblStatus";
    pub const CREATED: &str = "ctl00_ContentPlaceHolder1_ucApplicationStatusView_lblSubmitDate";
    pub const UPDATED: &str = "ctl00_ContentPlaceHolder1_ucApplicationStatusView_lblStatusDate";
    pub const MESSAGE: &str = "ctl00_ContentPlaceHolder1_ucApplicationStatusView_lblMessage";
    /// The one error element CEAC fills after a submit.
    pub const ERROR: &str = "ctl00_ContentPlaceHolder1_lblError";
    pub const VALIDATION: &str = "ctl00_ContentPlaceHolder1_ValidationSummary1";
    /// Present on the status form whether or not it was submitted.
    pub const FORM_MARKERS: [&str; 3] = [
        "ctl00_ContentPlaceHolder1_btnSubmit",
        "ctl00_ContentPlaceHolder1_Visa_Case_Number",
        "c_status_ctl00_contentplaceholder1_defaultcaptcha_CaptchaImage",
    ];
}

/// CEAC's error texts, as normalized keys (case, spacing and punctuation do not matter).
mod errors {
    pub const CAPTCHA: &[&str] = &[
        "the code entered does not match the code displayed on the page",
        "incorrect security code",
    ];
    pub const NO_DATA: &[&str] = &["your search did not return any data"];
    pub const INVALID_ID: &[&str] = &["invalid application id or case number"];
    /// Cloudflare's block and challenge pages.
    pub const CLOUDFLARE: &[&str] = &[
        "attention required cloudflare",
        "sorry you have been blocked",
        "performing security check",
        "performing security verification",
        "cloudflare ray id",
    ];
}

/// Which side of the tracker the case is on, read from the application type CEAC shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ApplicationKind {
    /// Immigrant visas, and K visas (which CEAC tracks with the NVC case number).
    #[serde(rename = "IV")]
    Iv,
    /// Nonimmigrant visas, tracked by DS-160 application id.
    #[serde(rename = "NIV")]
    Niv,
}

impl ApplicationKind {
    /// Reads "NONIMMIGRANT VISA APPLICATION" as NIV and "IMMIGRANT VISA APPLICATION" as IV.
    pub fn from_shown(text: &str) -> Option<ApplicationKind> {
        let key = normalize_key(text);
        if key.contains("nonimmigrant") || key.split(' ').any(|w| w == "niv") {
            Some(ApplicationKind::Niv)
        } else if key.contains("immigrant") || key.split(' ').any(|w| w == "iv") {
            Some(ApplicationKind::Iv)
        } else {
            None
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ApplicationKind::Iv => "IV",
            ApplicationKind::Niv => "NIV",
        }
    }
}

/// What CEAC's result panel says about one case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CeacResult {
    /// The case number or application id as CEAC echoes it back.
    pub case_number: String,
    /// The application type as shown, e.g. "NONIMMIGRANT VISA APPLICATION" (may be empty).
    pub application_type: String,
    /// IV or NIV, when the application type says which.
    pub kind: Option<ApplicationKind>,
    /// The status: the knowledge base's spelling when it knows it, else as shown.
    pub status: String,
    /// The status exactly as the page showed it.
    pub status_shown: String,
    /// The knowledge base's id for the status, when it knows it.
    pub status_slug: Option<String>,
    /// "Case Created".
    pub case_created: Option<Date>,
    /// "Case Last Updated": a change here with the same status still means the case moved.
    pub last_updated: Option<Date>,
    /// The long description under the status.
    pub message: String,
}

impl CeacResult {
    /// Replaces the shown status with the knowledge base's spelling of it, when known.
    pub fn canonicalize(mut self, knowledge: &Knowledge) -> CeacResult {
        if let Some(s) = knowledge.find_status(&self.status_shown, Some(StatusSource::Ceac)) {
            self.status = s.name.clone();
            self.status_slug = Some(s.slug.clone());
        }
        self
    }
}

/// Why a page or text is not a readable CEAC result. Each message says what to do next.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CeacParseError {
    #[error(
        "CEAC did not look up the case: the code typed does not match the picture (captcha). \
         Nothing is wrong with the case. Type the new code exactly as shown, press Submit, \
         and save the page that shows the status."
    )]
    CaptchaMismatch,
    #[error(
        "CEAC found no case with these details (\"Your search did not return any data.\"). \
         Check the case number, the passport number and the first five letters of the \
         surname (and the location, for a nonimmigrant visa), then submit again. A new case \
         can take some days to appear."
    )]
    NotFound,
    #[error(
        "CEAC did not accept the case number (\"Invalid Application ID or Case Number.\"). \
         For a K-1 visa choose IV and enter the NVC case number (three letters and ten \
         digits, like MNL2025123456); for a nonimmigrant visa enter the DS-160 id \
         (starting with AA). Then submit again."
    )]
    InvalidId,
    #[error(
        "CEAC did not accept the form: \"{0}\". Correct that, press Submit again, and save \
         the page that shows the status."
    )]
    Validation(String),
    #[error(
        "This is Cloudflare's block page, not CEAC's answer: the site's protection refused \
         the request. The case is not affected. Wait a few hours, then check in an ordinary \
         browser on your own connection and save the page that shows the status."
    )]
    Blocked,
    #[error(
        "This looks like the CEAC form, not the result: press Submit first and save the \
         page that shows your status."
    )]
    FormNotSubmitted,
    #[error(
        "This does not look like a CEAC status result: no status was found in it. Open \
         https://ceac.state.gov/CEACStatTracker/Status.aspx, submit the form, then save the \
         page that shows the status (or copy its text)."
    )]
    NotCeac,
    #[error(
        "CEAC's {field} date {text:?} could not be read (CEAC writes dates like \
         15-Jul-2025). The saved page may be damaged: save it again."
    )]
    BadDate { field: &'static str, text: String },
}

impl CeacParseError {
    /// A stable name for machines (`--json`, the API): the check error codes of issue 12.
    pub fn code(&self) -> &'static str {
        self.check_error().code()
    }

    /// The monitoring error this stands for.
    pub fn check_error(&self) -> CheckError {
        match self {
            CeacParseError::CaptchaMismatch => CheckError::CaptchaMismatch,
            CeacParseError::NotFound => CheckError::NotFound,
            // The validation summary complains about what was typed: the id, passport or
            // surname, so it is reported with the invalid ids.
            CeacParseError::InvalidId | CeacParseError::Validation(_) => CheckError::InvalidId,
            CeacParseError::Blocked => CheckError::Blocked,
            CeacParseError::FormNotSubmitted
            | CeacParseError::NotCeac
            | CeacParseError::BadDate { .. } => CheckError::Unparseable,
        }
    }
}

/// The status form as CEAC serves it before a submit: what a direct check must post back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CeacForm {
    /// Every hidden input (name, value), to be posted back as found: VIEWSTATE, the
    /// captcha instance id and whatever else the page carries today.
    pub hidden: Vec<(String, String)>,
    /// The captcha image's `src`, as written in the page (relative, entities decoded).
    pub captcha_src: String,
}

/// The id of the BotDetect captcha image on the status form.
pub const CAPTCHA_IMAGE_ID: &str = "c_status_ctl00_contentplaceholder1_defaultcaptcha_CaptchaImage";

/// Reads the status form (the answer to the first GET of a direct check). A block page or
/// anything that is not the form is an error, never a result.
pub fn read_form(html: &str) -> Result<CeacForm, CeacParseError> {
    let page = html::Page::new(html);
    let captcha_src = page
        .attribute(CAPTCHA_IMAGE_ID, "src")
        .filter(|s| !s.is_empty());
    let hidden = page.hidden_inputs();
    match captcha_src {
        Some(captcha_src) if hidden.iter().any(|(n, _)| n == "__VIEWSTATE") => Ok(CeacForm {
            hidden,
            captcha_src,
        }),
        _ => {
            let whole = html::fragment_text(html);
            if contains_any(&whole, errors::CLOUDFLARE) {
                Err(CeacParseError::Blocked)
            } else {
                Err(CeacParseError::NotCeac)
            }
        }
    }
}

/// Reads a saved CEAC result page (HTML) or the text copied from it. The status is left as
/// shown; [`parse_result_with`] also gives the knowledge base's spelling.
pub fn parse_result(input: &str) -> Result<CeacResult, CeacParseError> {
    parse(input, None)
}

/// Like [`parse_result`], with the status spelled as the knowledge base spells it; in copied
/// text the known statuses also help find the status line.
pub fn parse_result_with(input: &str, knowledge: &Knowledge) -> Result<CeacResult, CeacParseError> {
    parse(input, Some(knowledge)).map(|r| r.canonicalize(knowledge))
}

fn parse(input: &str, knowledge: Option<&Knowledge>) -> Result<CeacResult, CeacParseError> {
    if looks_like_html(input) {
        parse_html(input)
    } else {
        text::parse_text(input, knowledge)
    }
}

/// Whether the input is markup rather than copied text: it has tags a page would have.
fn looks_like_html(input: &str) -> bool {
    let lower = input.to_ascii_lowercase();
    [
        "<html",
        "<!doctype",
        "<body",
        "<span",
        "<div",
        "<table",
        "<form",
    ]
    .iter()
    .any(|t| lower.contains(t))
}

fn parse_html(html: &str) -> Result<CeacResult, CeacParseError> {
    let page = html::Page::new(html);
    if let Some(error) = page.element_text(ids::ERROR).filter(|t| !t.is_empty()) {
        return Err(error_from_text(&error).unwrap_or(CeacParseError::Validation(error)));
    }
    if let Some(summary) = page.element_text(ids::VALIDATION).filter(|t| !t.is_empty()) {
        return Err(error_from_text(&summary).unwrap_or(CeacParseError::Validation(summary)));
    }
    let field = |id| page.element_text(id).unwrap_or_default();
    let status = field(ids::STATUS);
    if status.is_empty() {
        // No result panel: a Cloudflare page, an error message elsewhere on the page, the
        // bare form, or not CEAC at all. (Only here is the whole page's text needed.)
        let whole = html::fragment_text(html);
        if contains_any(&whole, errors::CLOUDFLARE) {
            return Err(CeacParseError::Blocked);
        }
        if let Some(e) = error_from_text(&whole) {
            return Err(e);
        }
        if ids::FORM_MARKERS.iter().any(|id| page.has_element(id)) {
            return Err(CeacParseError::FormNotSubmitted);
        }
        return Err(CeacParseError::NotCeac);
    }
    let application_type = field(ids::APP_NAME);
    Ok(CeacResult {
        case_number: field(ids::CASE_NUMBER),
        kind: ApplicationKind::from_shown(&application_type),
        application_type,
        status: status.clone(),
        status_shown: status,
        status_slug: None,
        case_created: optional_date("Case Created", &field(ids::CREATED))?,
        last_updated: optional_date("Case Last Updated", &field(ids::UPDATED))?,
        message: field(ids::MESSAGE),
    })
}

/// The error CEAC's own wording stands for, if the text contains one.
fn error_from_text(text: &str) -> Option<CeacParseError> {
    if contains_any(text, errors::CAPTCHA) {
        Some(CeacParseError::CaptchaMismatch)
    } else if contains_any(text, errors::NO_DATA) {
        Some(CeacParseError::NotFound)
    } else if contains_any(text, errors::INVALID_ID) {
        Some(CeacParseError::InvalidId)
    } else if contains_any(text, errors::CLOUDFLARE) {
        Some(CeacParseError::Blocked)
    } else {
        None
    }
}

/// Whether `text`, as a tolerant key, contains any of the (already normalized) phrases.
fn contains_any(text: &str, phrases: &[&str]) -> bool {
    let key = format!(" {} ", normalize_key(text));
    phrases.iter().any(|p| key.contains(&format!(" {p} ")))
}

fn optional_date(field: &'static str, text: &str) -> Result<Option<Date>, CeacParseError> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    parse_ceac_date(text)
        .map(Some)
        .ok_or_else(|| CeacParseError::BadDate {
            field,
            text: text.trim().to_string(),
        })
}

/// Parses a date as CEAC prints it: `15-Jul-2025` (day, English month abbreviation, year).
/// Full month names and single-digit days are accepted too; impossible dates are not.
pub fn parse_ceac_date(text: &str) -> Option<Date> {
    let mut parts = text.trim().split(['-', ' ', '/']).filter(|p| !p.is_empty());
    let (day, month, year) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || day.len() > 2 || year.len() != 4 {
        return None;
    }
    let day: i8 = day.parse().ok()?;
    let year: i16 = year.parse().ok()?;
    let month = month_number(month)?;
    Date::new(year, month, day).ok()
}

fn month_number(name: &str) -> Option<i8> {
    const MONTHS: [&str; 12] = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    let lower = name.to_ascii_lowercase();
    if lower.len() < 3 {
        return None;
    }
    let found = MONTHS.iter().position(|m| {
        *m == lower
            || (lower.len() == 3 && m.starts_with(&lower))
            || (lower == "sept" && *m == "september")
    })?;
    i8::try_from(found + 1).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ceac_dates() {
        assert_eq!(
            parse_ceac_date("15-Jul-2025"),
            Some(Date::constant(2025, 7, 15))
        );
        assert_eq!(
            parse_ceac_date(" 3-SEP-2024 "),
            Some(Date::constant(2024, 9, 3))
        );
        assert_eq!(
            parse_ceac_date("19-October-2022"),
            Some(Date::constant(2022, 10, 19))
        );
        for bad in [
            "30-Feb-2025",
            "2025-07-15",
            "15-Jly-2025",
            "15-Jul-25",
            "",
            "Jul",
        ] {
            assert_eq!(parse_ceac_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn application_kinds() {
        assert_eq!(
            ApplicationKind::from_shown("NONIMMIGRANT VISA APPLICATION"),
            Some(ApplicationKind::Niv)
        );
        assert_eq!(
            ApplicationKind::from_shown("Immigrant Visa Application"),
            Some(ApplicationKind::Iv)
        );
        assert_eq!(ApplicationKind::from_shown("VISA APPLICATION"), None);
    }

    #[test]
    fn error_codes_are_the_issue_names() {
        assert_eq!(CeacParseError::CaptchaMismatch.code(), "captcha_mismatch");
        assert_eq!(CeacParseError::Blocked.code(), "blocked");
        assert_eq!(CeacParseError::NotCeac.code(), "unparseable");
    }
}
