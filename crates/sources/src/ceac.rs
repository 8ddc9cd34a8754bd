//! The CEAC status tracker, asked directly: the real flow (reference §1.2).
//!
//! 1. GET `/ceacstattracker/status.aspx?App=IV|NIV`, keeping the session cookie;
//! 2. read every hidden input and the captcha image's address from the form;
//! 3. GET the BotDetect captcha image with the same session;
//! 4. (someone or something reads the code: see [`crate::captcha`])
//! 5. POST the form back, every hidden input as found plus the real field names, as an
//!    ASP.NET AJAX partial postback, and read the result panel or the error.
//!
//! Steps 1–3 make a [`Challenge`]; step 5 is [`CeacClient::submit`]. The two halves are apart
//! so a person can type the code in between (the `manual` strategy): a challenge serializes,
//! so it can wait in the database between two web requests.
//!
//! A Cloudflare block is recognised at every step and reported as [`CheckError::Blocked`]: a
//! provider incident, never retried here. Every answer that is not a validated result is a
//! failure, never a status: see [`validate`].

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use visanav_core::ceac::{
    ApplicationKind, CeacParseError, CeacResult, parse_result_with, read_form,
};
use visanav_core::knowledge::Knowledge;
use visanav_core::monitor::CheckError;

use crate::net::{CookieJar, HttpClient, NetError, Request, Response, Session};

/// The form's field names (reference §1.2 step 5).
mod field {
    pub const SCRIPT_MANAGER: &str = "ctl00$ToolkitScriptManager1";
    pub const SCRIPT_MANAGER_VALUE: &str =
        "ctl00$ContentPlaceHolder1$UpdatePanel1|ctl00$ContentPlaceHolder1$btnSubmit";
    pub const EVENT_TARGET: &str = "__EVENTTARGET";
    pub const SUBMIT: &str = "ctl00$ContentPlaceHolder1$btnSubmit";
    pub const APP_TYPE: &str = "ctl00$ContentPlaceHolder1$Visa_Application_Type";
    pub const LOCATION: &str = "ctl00$ContentPlaceHolder1$Location_Dropdown";
    pub const CASE_NUMBER: &str = "ctl00$ContentPlaceHolder1$Visa_Case_Number";
    pub const PASSPORT: &str = "ctl00$ContentPlaceHolder1$Passport_Number";
    pub const SURNAME: &str = "ctl00$ContentPlaceHolder1$Surname";
    pub const CAPTCHA: &str = "ctl00$ContentPlaceHolder1$Captcha";
    pub const ASYNC: &str = "__ASYNCPOST";
}

/// The status page, as peers and official links spell it (IIS ignores the case).
const STATUS_PATH: &str = "/ceacstattracker/status.aspx";

/// What to look up. `Debug` shows no passport number or surname.
#[derive(Clone)]
pub struct CeacQuery {
    pub kind: ApplicationKind,
    /// The NVC case number (IV, and K visas) or the DS-160 id (NIV).
    pub case_number: String,
    /// The CEAC location code (NIV only).
    pub location: Option<String>,
    pub passport: String,
    pub surname: String,
}

impl std::fmt::Debug for CeacQuery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CeacQuery")
            .field("kind", &self.kind)
            .field("location", &self.location)
            .finish_non_exhaustive()
    }
}

impl CeacQuery {
    /// The surname as the form takes it: its first five letters, upper case (reference §1.4).
    pub fn surname_field(&self) -> String {
        self.surname
            .chars()
            .filter(|c| c.is_alphabetic())
            .flat_map(char::to_uppercase)
            .take(5)
            .collect()
    }
}

/// A form fetched and its captcha image, waiting for the code. It holds the session cookie,
/// so it is personal to one check: keep it encrypted if it is stored.
#[derive(Clone, Serialize, Deserialize)]
pub struct Challenge {
    pub kind: ApplicationKind,
    jar: CookieJar,
    hidden: Vec<(String, String)>,
    /// The captcha image as CEAC sent it (PNG, GIF or JPEG).
    pub captcha_image: Vec<u8>,
}

impl std::fmt::Debug for Challenge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Challenge")
            .field("kind", &self.kind)
            .field("hidden_inputs", &self.hidden.len())
            .field("captcha_bytes", &self.captcha_image.len())
            .finish_non_exhaustive()
    }
}

/// A check that did not produce a validated reading.
#[derive(Debug, Clone)]
pub struct Failure {
    pub error: CheckError,
    /// For the attempt log and the operator: what exactly went wrong (no personal data).
    pub detail: String,
    /// What the source answered, if it answered: kept (encrypted) with the attempt.
    pub raw: Option<String>,
}

impl Failure {
    pub fn new(error: CheckError, detail: impl Into<String>) -> Failure {
        Failure {
            error,
            detail: detail.into(),
            raw: None,
        }
    }

    fn with_raw(mut self, response: &Response) -> Failure {
        self.raw = Some(response.text());
        self
    }

    /// Every network failure, a refused private address included (a configuration matter),
    /// is to the case a source that cannot be reached; the detail says which.
    pub fn from_net(e: &NetError) -> Failure {
        Failure::new(CheckError::Unavailable, e.to_string())
    }
}

/// A validated reading and the answer it came from.
#[derive(Debug, Clone)]
pub struct Answer {
    pub result: CeacResult,
    pub raw: String,
}

#[derive(Clone)]
pub struct CeacClient {
    base: url::Url,
    http: HttpClient,
    knowledge: Arc<Knowledge>,
}

impl CeacClient {
    /// `base_url` is the site, e.g. `https://ceac.state.gov` (configurable for tests and mirrors).
    pub fn new(
        base_url: &str,
        http: HttpClient,
        knowledge: Arc<Knowledge>,
    ) -> Result<CeacClient, NetError> {
        let base = url::Url::parse(base_url)
            .map_err(|e| NetError::BadUrl(base_url.to_string(), e.to_string()))?;
        Ok(CeacClient {
            base,
            http,
            knowledge,
        })
    }

    fn status_url(&self, kind: ApplicationKind) -> url::Url {
        let mut url = self.base.clone();
        url.set_path(STATUS_PATH);
        url.set_query(Some(&format!("App={}", kind.as_str())));
        url
    }

    /// A session for one check: the form, the captcha and the submit share a connection.
    pub fn session(&self) -> Session {
        self.http.session()
    }

    async fn send(&self, session: &mut Session, request: Request) -> Result<Response, Failure> {
        let response = session
            .send(request)
            .await
            .map_err(|e| Failure::from_net(&e))?;
        if is_cloudflare_block(&response) {
            return Err(Failure::new(
                CheckError::Blocked,
                format!("Cloudflare answered {}", response.status),
            )
            .with_raw(&response));
        }
        if response.status != 200 {
            return Err(Failure::new(
                CheckError::Unavailable,
                format!("CEAC answered HTTP {}", response.status),
            )
            .with_raw(&response));
        }
        Ok(response)
    }

    /// Steps 1–3: the form, its hidden inputs and the captcha image.
    pub async fn start(&self, kind: ApplicationKind) -> Result<Challenge, Failure> {
        self.start_in(&mut self.session(), kind).await
    }

    /// [`CeacClient::start`] on the given session's connection.
    pub async fn start_in(
        &self,
        session: &mut Session,
        kind: ApplicationKind,
    ) -> Result<Challenge, Failure> {
        let mut jar = CookieJar::default();
        let page_url = self.status_url(kind);
        let page = self.send(session, Request::get(page_url.clone())).await?;
        jar.absorb(&page);
        let form = read_form(&page.text()).map_err(|e| {
            let error = match e {
                CeacParseError::Blocked => CheckError::Blocked,
                _ => CheckError::Unparseable,
            };
            Failure::new(
                error,
                format!("the status form could not be read: {}", e.code()),
            )
            .with_raw(&page)
        })?;
        let captcha_url = page_url.join(&form.captcha_src).map_err(|e| {
            Failure::new(
                CheckError::Unparseable,
                format!(
                    "the captcha address {:?} is not a URL: {e}",
                    form.captcha_src
                ),
            )
        })?;
        if captcha_url.host_str() != page_url.host_str() {
            return Err(Failure::new(
                CheckError::Unparseable,
                "the captcha image is on another site; not fetched",
            ));
        }
        let image = self
            .send(session, jar.apply(Request::get(captcha_url)))
            .await?;
        jar.absorb(&image);
        if !is_image(&image.body) {
            return Err(Failure::new(
                CheckError::Unparseable,
                "the captcha answer is not an image",
            ));
        }
        Ok(Challenge {
            kind,
            jar,
            hidden: form.hidden,
            captcha_image: image.body,
        })
    }

    /// Step 5: posts the form with the code and reads the answer. Only a validated result
    /// is an [`Answer`].
    pub async fn submit(
        &self,
        challenge: Challenge,
        query: &CeacQuery,
        code: &str,
    ) -> Result<Answer, Failure> {
        self.submit_in(&mut self.session(), challenge, query, code)
            .await
    }

    /// [`CeacClient::submit`] on the given session's connection.
    pub async fn submit_in(
        &self,
        session: &mut Session,
        challenge: Challenge,
        query: &CeacQuery,
        code: &str,
    ) -> Result<Answer, Failure> {
        let fields = form_fields(&challenge, query, code);
        let request = challenge
            .jar
            .apply(Request::post_form(self.status_url(challenge.kind), &fields));
        let response = self.send(session, request).await?;
        let raw = response.text();
        match parse_result_with(&raw, &self.knowledge) {
            Ok(result) => match validate(&result, query) {
                Ok(()) => Ok(Answer { result, raw }),
                Err(detail) => Err(Failure {
                    error: CheckError::Unparseable,
                    detail,
                    raw: Some(raw),
                }),
            },
            Err(e) => Err(Failure {
                error: e.check_error(),
                detail: format!("CEAC's answer: {}", e.code()),
                raw: Some(raw),
            }),
        }
    }
}

/// The fields of the POST: every hidden input as the page gave it, then the submit's own.
fn form_fields(challenge: &Challenge, query: &CeacQuery, code: &str) -> Vec<(String, String)> {
    let mut fields: Vec<(String, String)> = challenge
        .hidden
        .iter()
        .filter(|(n, _)| n != field::EVENT_TARGET)
        .cloned()
        .collect();
    let mut set = |name: &str, value: &str| fields.push((name.to_string(), value.to_string()));
    set(field::SCRIPT_MANAGER, field::SCRIPT_MANAGER_VALUE);
    set(field::EVENT_TARGET, field::SUBMIT);
    set(field::APP_TYPE, challenge.kind.as_str());
    if challenge.kind == ApplicationKind::Niv {
        set(
            field::LOCATION,
            query.location.as_deref().unwrap_or_default(),
        );
    }
    set(field::CASE_NUMBER, &query.case_number);
    set(field::PASSPORT, &query.passport);
    set(field::SURNAME, &query.surname_field());
    set(field::CAPTCHA, code.trim());
    set(field::ASYNC, "true");
    fields
}

/// A result is taken as a reading only if it is about the case asked for and its status is
/// one the knowledge base knows: a page cut short mid-span ("Refu") or a result for another
/// case must never become a status change.
pub fn validate(result: &CeacResult, query: &CeacQuery) -> Result<(), String> {
    let compact = |s: &str| -> String {
        s.chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .map(|c| c.to_ascii_uppercase())
            .collect()
    };
    if compact(&result.case_number) != compact(&query.case_number) {
        return Err("CEAC answered about another case number than the one asked".into());
    }
    if result.status_slug.is_none() {
        return Err(format!(
            "CEAC showed a status visanav does not know ({:?}); not taken as a change",
            result.status_shown
        ));
    }
    Ok(())
}

/// A Cloudflare block or challenge: 403/503 with Cloudflare's headers, or its block page.
pub fn is_cloudflare_block(response: &Response) -> bool {
    // Cloudflare fronts every answer of the real site, 200s included, so its headers alone
    // mean nothing; a 403 with them is its block. A 503 or 429 is a block only with the
    // block or challenge page (otherwise it is the site itself being down or busy).
    if !matches!(response.status, 403 | 429 | 503) {
        return false;
    }
    let cloudflare_headers = response
        .header("server")
        .is_some_and(|s| s.to_ascii_lowercase().contains("cloudflare"))
        || response.header("cf-ray").is_some()
        || response.header("cf-mitigated").is_some();
    if response.status == 403 && cloudflare_headers {
        return true;
    }
    let text = String::from_utf8_lossy(&response.body[..response.body.len().min(20_000)])
        .to_ascii_lowercase();
    [
        "attention required! | cloudflare",
        "sorry, you have been blocked",
        "performing security verification",
        "just a moment...",
    ]
    .iter()
    .any(|p| text.contains(p))
}

fn is_image(bytes: &[u8]) -> bool {
    bytes.starts_with(b"\x89PNG\r\n\x1a\n")
        || bytes.starts_with(b"GIF8")
        || bytes.starts_with(&[0xff, 0xd8, 0xff])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query() -> CeacQuery {
        CeacQuery {
            kind: ApplicationKind::Iv,
            case_number: "MNL2025123456".into(),
            location: None,
            passport: "P1234567".into(),
            surname: "Dela Cruz".into(),
        }
    }

    #[test]
    fn surname_is_the_first_five_letters() {
        assert_eq!(query().surname_field(), "DELAC");
    }

    #[test]
    fn posts_every_hidden_input_and_the_real_field_names() {
        let challenge = Challenge {
            kind: ApplicationKind::Iv,
            jar: CookieJar::default(),
            hidden: vec![
                ("__EVENTTARGET".into(), String::new()),
                ("__VIEWSTATE".into(), "abc".into()),
                ("ctl00$ApplicationInfo".into(), "G-X".into()),
            ],
            captcha_image: Vec::new(),
        };
        let fields = form_fields(&challenge, &query(), " k3x9q ");
        let get = |n: &str| {
            fields
                .iter()
                .filter(|(k, _)| k == n)
                .map(|(_, v)| v.as_str())
                .collect::<Vec<_>>()
        };
        assert_eq!(get("__VIEWSTATE"), ["abc"]);
        assert_eq!(
            get("ctl00$ApplicationInfo"),
            ["G-X"],
            "unknown hidden inputs go back too"
        );
        assert_eq!(
            get("__EVENTTARGET"),
            [field::SUBMIT],
            "once, set to the submit button"
        );
        assert_eq!(get(field::CAPTCHA), ["k3x9q"]);
        assert_eq!(get(field::SURNAME), ["DELAC"]);
        assert!(get(field::LOCATION).is_empty(), "IV has no location");
    }

    #[test]
    fn cloudflare_blocks_are_recognised_by_headers_or_page() {
        let response = |status, headers: &[(&str, &str)], body: &str| Response {
            status,
            headers: headers
                .iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect(),
            body: body.as_bytes().to_vec(),
        };
        assert!(is_cloudflare_block(&response(
            403,
            &[("server", "cloudflare")],
            ""
        )));
        assert!(is_cloudflare_block(&response(
            403,
            &[("cf-ray", "8abc-IAD")],
            ""
        )));
        assert!(is_cloudflare_block(&response(
            403,
            &[],
            "<title>Attention Required! | Cloudflare</title>"
        )));
        assert!(!is_cloudflare_block(&response(
            503,
            &[("server", "Microsoft-IIS/10.0")],
            "Service Unavailable"
        )));
        assert!(!is_cloudflare_block(&response(
            200,
            &[("server", "cloudflare")],
            "ok"
        )));
    }
}
