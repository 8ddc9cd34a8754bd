//! The fakes' cases file (TOML): what each fake upstream knows and how it misbehaves.
//!
//! Re-read on every request, so a test can change a status (or switch CEAC to Cloudflare
//! mode) in the middle of a run. A file that cannot be read or parsed gives a 500 naming
//! the file, never a crash. Unknown keys are errors, so a typo cannot silently leave a
//! test running against defaults.

use std::path::Path;

use jiff::civil::{Date, DateTime};
use serde::Deserialize;

/// A commented cases file with one case of each kind, for `visanav fake-upstream` to start from.
pub const EXAMPLE: &str = include_str!("example-cases.toml");

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CasesFile {
    #[serde(default)]
    pub ceac: CeacSection,
    #[serde(default)]
    pub uscis: UscisSection,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CeacSection {
    #[serde(default)]
    pub mode: CeacMode,
    /// How long mode `slow` waits before answering.
    #[serde(default = "default_slow_ms")]
    pub slow_ms: u64,
    #[serde(default)]
    pub cases: Vec<CeacCase>,
}

impl Default for CeacSection {
    fn default() -> Self {
        CeacSection {
            mode: CeacMode::default(),
            slow_ms: default_slow_ms(),
            cases: Vec::new(),
        }
    }
}

fn default_slow_ms() -> u64 {
    3000
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CeacMode {
    #[default]
    Normal,
    /// Every request gets Cloudflare's 403 block page (reference §1.3, §1.8).
    Cloudflare,
    /// Every request gets Cloudflare's "Just a moment…" interstitial.
    Challenge,
    /// Every request waits `slow_ms` first.
    Slow,
    /// The answer to a submit is damaged (cut short or nonsense).
    Garbled,
    /// Every request gets IIS's 503 "Service Unavailable".
    Unavailable,
    /// Every submit answers the captcha mismatch.
    CaptchaAlwaysWrong,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum CaseKind {
    /// Immigrant visas, and K visas under their NVC case number.
    #[serde(rename = "IV")]
    Iv,
    /// Nonimmigrant visas under the DS-160 id and a location.
    #[serde(rename = "NIV")]
    Niv,
}

impl CaseKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CaseKind::Iv => "IV",
            CaseKind::Niv => "NIV",
        }
    }

    /// How the form's `Visa_Application_Type` value names it (`IV` or `NIV`, any case).
    pub fn from_form(value: &str) -> Option<CaseKind> {
        match value.trim().to_ascii_uppercase().as_str() {
            "IV" => Some(CaseKind::Iv),
            "NIV" => Some(CaseKind::Niv),
            _ => None,
        }
    }

    /// The result panel's `lblAppName`.
    pub fn app_name(self) -> &'static str {
        match self {
            CaseKind::Iv => "IMMIGRANT VISA APPLICATION",
            CaseKind::Niv => "NONIMMIGRANT VISA APPLICATION",
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CeacCase {
    pub kind: CaseKind,
    pub case_number: String,
    /// The post code (NIV only), e.g. `MNL`.
    #[serde(default)]
    pub location: Option<String>,
    pub passport: String,
    /// The surname, or its first five letters: only those are compared.
    pub surname: String,
    pub status: String,
    pub created: Date,
    pub last_updated: Date,
    #[serde(default)]
    pub message: String,
}

impl CeacCase {
    /// Whether a submit with these values finds this case: CEAC compares the case number,
    /// the location (NIV), the passport number and the first five letters of the surname.
    /// A value of `*` in the file matches anything: one entry answers for every case of a
    /// benchmark (the answer echoes the case number asked for).
    pub fn matches(
        &self,
        kind: CaseKind,
        case_number: &str,
        location: &str,
        passport: &str,
        surname: &str,
    ) -> bool {
        let same = |a: &str, b: &str| a.trim() == "*" || a.trim().eq_ignore_ascii_case(b.trim());
        self.kind == kind
            && same(&self.case_number, case_number)
            && (kind == CaseKind::Iv || same(self.location.as_deref().unwrap_or(""), location))
            && same(&self.passport, passport)
            && (self.surname.trim() == "*"
                || same(&first_five(&self.surname), &first_five(surname)))
    }
}

/// The first five letters of a surname, as the form's five-character field holds it.
fn first_five(surname: &str) -> String {
    surname.trim().chars().take(5).collect()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UscisSection {
    #[serde(default)]
    pub mode: UscisMode,
    #[serde(default = "default_client_id")]
    pub client_id: String,
    #[serde(default = "default_client_secret")]
    pub client_secret: String,
    /// The token lifetime; the sandbox's is 1799 seconds (reference §3.1).
    #[serde(default = "default_ttl")]
    pub token_ttl_seconds: u64,
    /// Requests per second per token before Spike Arrest answers 429 (sandbox: 5).
    #[serde(default = "default_tps")]
    pub tps: u32,
    #[serde(default)]
    pub cases: Vec<UscisCase>,
}

impl Default for UscisSection {
    fn default() -> Self {
        UscisSection {
            mode: UscisMode::default(),
            client_id: default_client_id(),
            client_secret: default_client_secret(),
            token_ttl_seconds: default_ttl(),
            tps: default_tps(),
            cases: Vec::new(),
        }
    }
}

fn default_client_id() -> String {
    "test-client".to_string()
}

fn default_client_secret() -> String {
    "test-secret".to_string()
}

fn default_ttl() -> u64 {
    1799
}

fn default_tps() -> u32 {
    5
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UscisMode {
    #[default]
    Normal,
    /// Every status request gets 429 Spike Arrest.
    RateLimited,
    /// Every request gets the sandbox's 503.
    Unavailable,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UscisCase {
    pub receipt: String,
    pub form_type: String,
    pub status: String,
    #[serde(default)]
    pub description: String,
    /// The Spanish texts; the English ones stand in when absent.
    #[serde(default)]
    pub status_es: Option<String>,
    #[serde(default)]
    pub description_es: Option<String>,
    /// Left out of the answer for IOE receipts, as the real API does.
    #[serde(default)]
    pub submitted: Option<DateTime>,
    #[serde(default)]
    pub modified: Option<DateTime>,
    /// Absent: the answer's `hist_case_status` is `null`.
    #[serde(default)]
    pub history: Option<Vec<UscisHistory>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UscisHistory {
    pub date: Date,
    pub text: String,
    #[serde(default)]
    pub text_es: Option<String>,
}

/// Reads and parses the cases file; the error is a plain message naming the file.
pub async fn load(path: &Path) -> Result<CasesFile, String> {
    let text = tokio::fs::read_to_string(path).await.map_err(|e| {
        format!(
            "fake upstream: cannot read the cases file {}: {e}\n",
            path.display()
        )
    })?;
    parse(&text).map_err(|e| {
        format!(
            "fake upstream: the cases file {} is not valid: {e}\n",
            path.display()
        )
    })
}

pub fn parse(text: &str) -> Result<CasesFile, toml::de::Error> {
    toml::from_str(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = r#"
        [ceac]
        mode = "captcha_always_wrong"
        [[ceac.cases]]
        kind = "IV"
        case_number = "MNL2025123456"
        passport = "P1234567"
        surname = "SANTOS"
        status = "Refused"
        created = "2025-05-01"
        last_updated = "2025-06-02"
        [uscis]
        tps = 2
        [[uscis.cases]]
        receipt = "IOE0912345678"
        form_type = "I-129F"
        status = "Case Was Approved"
        submitted = "2025-01-10T14:28:46"
        history = [{ date = "2025-01-10", text = "We received your Form I-129F." }]
    "#;

    #[test]
    fn reads_the_documented_shape_with_defaults() {
        let file = parse(EXAMPLE).expect("parses");
        assert_eq!(file.ceac.mode, CeacMode::CaptchaAlwaysWrong);
        assert_eq!(file.ceac.slow_ms, 3000);
        assert_eq!(file.ceac.cases[0].created, Date::constant(2025, 5, 1));
        assert_eq!(file.uscis.tps, 2);
        assert_eq!(file.uscis.client_id, "test-client");
        assert_eq!(file.uscis.token_ttl_seconds, 1799);
        let u = &file.uscis.cases[0];
        assert_eq!(u.history.as_ref().map(Vec::len), Some(1));
        assert!(u.modified.is_none());
        assert!(parse("").expect("empty is fine").ceac.cases.is_empty());
    }

    #[test]
    fn the_shipped_example_parses() {
        let file = parse(super::EXAMPLE).expect("the example parses");
        assert_eq!(file.ceac.cases.len(), 2);
        assert_eq!(file.uscis.cases.len(), 2);
        assert!(file.uscis.cases[1].history.is_none());
    }

    #[test]
    fn typos_and_bad_dates_are_errors() {
        assert!(parse("[ceac]\nmod = \"normal\"").is_err());
        assert!(parse("[ceac]\nmode = \"sloww\"").is_err());
        let bad_date = EXAMPLE.replace("2025-05-01", "01-May-2025");
        assert!(parse(&bad_date).is_err());
    }

    #[test]
    fn matching_compares_five_surname_letters_and_ignores_case() {
        let file = parse(EXAMPLE).expect("parses");
        let c = &file.ceac.cases[0];
        assert!(c.matches(CaseKind::Iv, "mnl2025123456", "", "p1234567", "santo"));
        assert!(c.matches(CaseKind::Iv, "MNL2025123456", "BEJ", "P1234567", "SANTOSX"));
        assert!(!c.matches(CaseKind::Niv, "MNL2025123456", "", "P1234567", "SANTO"));
        assert!(!c.matches(CaseKind::Iv, "MNL2025123456", "", "P1234568", "SANTO"));
        assert!(!c.matches(CaseKind::Iv, "MNL2025123456", "", "P1234567", "SANT"));
    }
}
