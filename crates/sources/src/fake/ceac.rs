//! The fake CEAC status tracker (ceac.state.gov/CEACStatTracker/Status.aspx), faithful to
//! the flow every peer implements (reference §1.2) and to its errors (§1.3):
//!
//! 1. `GET /ceacstattracker/status.aspx?App=IV|NIV` (any path case, as IIS): the WebForms
//!    page with fresh hidden inputs (VIEWSTATE, BotDetect instance id) and a session cookie.
//! 2. `GET /ceacstattracker/botdetectcaptcha.ashx?get=image&c=…&t=<VCID>` with that cookie:
//!    the captcha PNG. An unknown session or instance, or a used or expired one, is a 404.
//! 3. `POST /ceacstattracker/status.aspx` with every hidden input posted back:
//!    - a hidden input missing, or a VIEWSTATE this session was never given: the request is
//!      refused as ASP.NET refuses a tampered postback: a 500 "Runtime Error" page (no
//!      `ValidationSummary1`, which peers read as "rejected"), or for `__ASYNCPOST=true` an
//!      MS AJAX `error` entry. Both parse as "not CEAC" (`unparseable`).
//!    - no session, or a wrong, used (single use, right or wrong) or expired captcha:
//!      `lblError` = "The code entered does not match the code displayed on the page.";
//!    - an empty case number, passport, surname (or NIV location): the validation summary;
//!    - a case number of the wrong shape (IV: 3 letters + 10 digits; NIV: `AA` + 8 letters
//!      or digits): "Invalid Application ID or Case Number.";
//!    - no case with that type, number (and location), passport and first five letters of
//!      the surname: "Your search did not return any data.";
//!    - else the result panel with its six spans.
//!
//!    With `__ASYNCPOST=true` the answer is the partial-postback delta, else the full page;
//!    either way with a new VIEWSTATE and captcha, as WebForms re-renders the form.
//!    A postback from the type select (`__EVENTTARGET` = the select) re-renders the form.
//!
//! Every answer carries `server: cloudflare` and a `cf-ray`, as the real site behind
//! Cloudflare does; the modes of the cases file add the failures (see [`modes`]).

mod modes;
mod page;
mod sessions;

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

use super::Fake;
use super::captcha;
use super::cases::{CaseKind, CasesFile, CeacMode};
use page::{Fields, ResultPanel, View, field};
pub use sessions::Sessions;

const CAPTCHA_MISMATCH: &str = "The code entered does not match the code displayed on the page.";
const NO_DATA: &str = "Your search did not return any data.";
const INVALID_ID: &str = "Invalid Application ID or Case Number.";
/// What ASP.NET says of a postback whose state it cannot accept.
const STATE_INVALID: &str =
    "The state information is invalid for this page and might be corrupted.";
const SESSION_COOKIE: &str = "ASP.NET_SessionId";

/// Serves every path that is not the USCIS API or the fake's own: the CEAC site.
pub async fn dispatch(
    State(fake): State<Arc<Fake>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let cases = match fake.load_cases().await {
        Ok(cases) => cases,
        Err(response) => return response,
    };
    let failure = match cases.ceac.mode {
        CeacMode::Cloudflare => Some(modes::blocked()),
        CeacMode::Challenge => Some(modes::challenge()),
        CeacMode::Unavailable => Some(modes::unavailable()),
        _ => None,
    };
    if let Some(failure) = failure {
        fake.count(|s| s.ceac_blocked += 1);
        return failure;
    }
    if cases.ceac.mode == CeacMode::Slow {
        tokio::time::sleep(Duration::from_millis(cases.ceac.slow_ms)).await;
    }
    let path = uri.path().to_ascii_lowercase();
    let mut response = match (method, path.as_str()) {
        (Method::GET, "/ceacstattracker/status.aspx") => form_page(&fake, &cases, &uri, &headers),
        (Method::POST, "/ceacstattracker/status.aspx") => submit(&fake, &cases, &headers, &body),
        (Method::GET, "/ceacstattracker/botdetectcaptcha.ashx") => {
            captcha_image(&fake, &uri, &headers)
        }
        (_, "/ceacstattracker/status.aspx" | "/ceacstattracker/botdetectcaptcha.ashx") => {
            StatusCode::METHOD_NOT_ALLOWED.into_response()
        }
        _ => (
            StatusCode::NOT_FOUND,
            [(header::CONTENT_TYPE, "text/html")],
            "<h2>404 - File or directory not found.</h2>\n",
        )
            .into_response(),
    };
    modes::cloudflare_headers(&mut response);
    response
}

/// A query parameter, its name compared without case (as ASP.NET's `Request.QueryString`).
fn query_param(uri: &Uri, name: &str) -> Option<String> {
    form_urlencoded::parse(uri.query()?.as_bytes())
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.into_owned())
}

fn session_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| {
            let (name, value) = c.trim().split_once('=')?;
            (name == SESSION_COOKIE).then(|| value.to_string())
        })
}

/// The session the request belongs to, or a new one (then the cookie must be set).
fn session(fake: &Fake, headers: &HeaderMap, now: Instant) -> (String, bool) {
    match fake.ceac.known(session_cookie(headers).as_deref()) {
        Some(id) => (id, false),
        None => (fake.ceac.create(now), true),
    }
}

fn with_cookie(mut response: Response, new_session: Option<&str>) -> Response {
    if let Some(id) = new_session
        && let Ok(v) = HeaderValue::from_str(&format!("{SESSION_COOKIE}={id}; path=/; HttpOnly"))
    {
        response.headers_mut().insert(header::SET_COOKIE, v);
    }
    let h = response.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private"));
    h.insert("x-aspnet-version", HeaderValue::from_static("4.0.30319"));
    h.insert("x-powered-by", HeaderValue::from_static("ASP.NET"));
    response
}

/// NIV locations of the cases file missing from the built-in dropdown, so they can be chosen.
fn extra_locations(cases: &CasesFile) -> Vec<String> {
    let mut extra: Vec<String> = cases
        .ceac
        .cases
        .iter()
        .filter(|c| c.kind == CaseKind::Niv)
        .filter_map(|c| c.location.as_ref())
        .map(|l| l.trim().to_ascii_uppercase())
        .filter(|l| !l.is_empty() && !page::is_listed(l))
        .collect();
    extra.sort();
    extra.dedup();
    extra
}

fn form_page(fake: &Fake, cases: &CasesFile, uri: &Uri, headers: &HeaderMap) -> Response {
    fake.count(|s| s.ceac_form_gets += 1);
    let kind = query_param(uri, "App")
        .and_then(|a| CaseKind::from_form(&a))
        .unwrap_or(CaseKind::Niv);
    let now = Instant::now();
    let (session, new) = session(fake, headers, now);
    let form = fake.ceac.issue(&session, now);
    let fields = Fields::empty(kind);
    let extra = extra_locations(cases);
    let view = View {
        fields: &fields,
        viewstate: &form.viewstate,
        vcid: &form.vcid,
        error: "",
        validation: &[],
        result: None,
        extra_locations: &extra,
    };
    let response = (
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        page::full_page(&view),
    )
        .into_response();
    with_cookie(response, new.then_some(session.as_str()))
}

fn captcha_image(fake: &Fake, uri: &Uri, headers: &HeaderMap) -> Response {
    let now = Instant::now();
    let code = (query_param(uri, "get").as_deref() == Some("image"))
        .then(|| {
            let session = fake.ceac.known(session_cookie(headers).as_deref())?;
            fake.ceac
                .captcha_code(&session, &query_param(uri, "t")?, now)
        })
        .flatten();
    let Some(code) = code else {
        return (StatusCode::NOT_FOUND, "Captcha instance not found.\n").into_response();
    };
    fake.count(|s| s.ceac_captcha_gets += 1);
    (
        [
            (header::CONTENT_TYPE, "image/png"),
            (header::CACHE_CONTROL, "no-store, no-cache, must-revalidate"),
        ],
        captcha::image(&code),
    )
        .into_response()
}

/// What a submit leads to, before it is rendered.
#[derive(Default)]
struct Outcome {
    error: &'static str,
    validation: Vec<&'static str>,
    result: Option<ResultPanel>,
}

impl Outcome {
    fn error(error: &'static str) -> Outcome {
        Outcome {
            error,
            ..Outcome::default()
        }
    }
}

fn submit(fake: &Fake, cases: &CasesFile, headers: &HeaderMap, body: &[u8]) -> Response {
    let nth = fake.count(|s| {
        s.ceac_posts += 1;
        s.ceac_posts
    });
    let posted: Vec<(String, String)> = form_urlencoded::parse(body).into_owned().collect();
    let get = |name: &str| {
        posted
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    let is_async = get("__ASYNCPOST").is_some_and(|v| v.eq_ignore_ascii_case("true"));
    if page::HIDDEN_INPUTS.iter().any(|name| get(name).is_none()) {
        return rejected(is_async);
    }
    let value = |name: &str| get(name).unwrap_or("").trim().to_string();
    let fields = Fields {
        kind: CaseKind::from_form(&value(field::APPLICATION_TYPE)).unwrap_or(CaseKind::Niv),
        location: value(field::LOCATION),
        case_number: value(field::CASE_NUMBER),
        passport: value(field::PASSPORT),
        surname: value(field::SURNAME),
    };
    let now = Instant::now();
    let viewstate = value("__VIEWSTATE");
    let vcid = value(page::VCID_FIELD);
    let (session, new_session) = session(fake, headers, now);
    let outcome = if new_session {
        // No session: BotDetect has no code to compare with.
        Outcome::error(CAPTCHA_MISMATCH)
    } else if get("__EVENTTARGET") == Some(field::APPLICATION_TYPE) {
        // The type select's postback: the form again, for the other type.
        if !fake.ceac.was_issued(&session, &viewstate) {
            return rejected(is_async);
        }
        fake.count(|s| s.ceac_form_gets += 1);
        Outcome::default()
    } else {
        let typed = value(field::CAPTCHA);
        match fake.ceac.check(&session, &viewstate, &vcid, &typed, now) {
            sessions::Check::Rejected => return rejected(is_async),
            sessions::Check::Solved if cases.ceac.mode != CeacMode::CaptchaAlwaysWrong => {
                lookup(fake, cases, &fields)
            }
            _ => Outcome::error(CAPTCHA_MISMATCH),
        }
    };
    let form = fake.ceac.issue(&session, now);
    let extra = extra_locations(cases);
    let view = View {
        fields: &fields,
        viewstate: &form.viewstate,
        vcid: &form.vcid,
        error: outcome.error,
        validation: &outcome.validation,
        result: outcome.result.as_ref(),
        extra_locations: &extra,
    };
    let (content_type, body) = if is_async {
        ("text/plain; charset=utf-8", page::delta(&view))
    } else {
        ("text/html; charset=utf-8", page::full_page(&view))
    };
    let body = if cases.ceac.mode == CeacMode::Garbled {
        modes::garble(&body, nth)
    } else {
        body.into_bytes()
    };
    let response = ([(header::CONTENT_TYPE, content_type)], body).into_response();
    with_cookie(response, new_session.then_some(session.as_str()))
}

/// A postback ASP.NET will not accept (a hidden input missing, a VIEWSTATE never issued).
fn rejected(is_async: bool) -> Response {
    if is_async {
        (
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            page::error_delta(STATE_INVALID),
        )
            .into_response()
    } else {
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            page::runtime_error_page(),
        )
            .into_response()
    }
}

/// The form's checks and the case lookup, once the captcha was solved.
fn lookup(fake: &Fake, cases: &CasesFile, f: &Fields) -> Outcome {
    let mut missing = Vec::new();
    if f.kind == CaseKind::Niv && f.location.is_empty() {
        missing.push("Location is required.");
    }
    if f.case_number.is_empty() {
        missing.push("Application ID or Case Number is required.");
    }
    if f.passport.is_empty() {
        missing.push("Passport Number is required.");
    }
    if f.surname.is_empty() {
        missing.push("Surname is required.");
    }
    if !missing.is_empty() {
        return Outcome {
            validation: missing,
            ..Outcome::default()
        };
    }
    let number = f.case_number.to_ascii_uppercase();
    if !well_formed(f.kind, &number) {
        return Outcome::error(INVALID_ID);
    }
    fake.count(|s| *s.ceac_posts_by_case.entry(number.clone()).or_default() += 1);
    let found = cases
        .ceac
        .cases
        .iter()
        .find(|c| c.matches(f.kind, &number, &f.location, &f.passport, &f.surname));
    let Some(case) = found else {
        return Outcome::error(NO_DATA);
    };
    let shown = |d: jiff::civil::Date| d.strftime("%d-%b-%Y").to_string();
    Outcome {
        result: Some(ResultPanel {
            case_number: match case.case_number.trim() {
                "*" => number.clone(),
                n => n.to_ascii_uppercase(),
            },
            app_name: case.kind.app_name(),
            status: case.status.clone(),
            created: shown(case.created),
            updated: shown(case.last_updated),
            message: case.message.clone(),
        }),
        ..Outcome::default()
    }
}

/// IV (and K): the NVC case number, 3 letters + 10 digits; NIV: the DS-160 id, `AA` + 8
/// letters or digits (reference §1.4).
fn well_formed(kind: CaseKind, number: &str) -> bool {
    let b = number.as_bytes();
    match kind {
        CaseKind::Iv => {
            b.len() == 13
                && b[..3].iter().all(u8::is_ascii_alphabetic)
                && b[3..].iter().all(u8::is_ascii_digit)
        }
        CaseKind::Niv => {
            b.len() == 10 && b.starts_with(b"AA") && b[2..].iter().all(u8::is_ascii_alphanumeric)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_number_shapes() {
        assert!(well_formed(CaseKind::Iv, "MNL2025123456"));
        assert!(!well_formed(CaseKind::Iv, "MNL202512345"));
        assert!(!well_formed(CaseKind::Iv, "M1L2025123456"));
        assert!(!well_formed(CaseKind::Iv, "AA00B7QPGN"));
        assert!(well_formed(CaseKind::Niv, "AA00B7QPGN"));
        assert!(!well_formed(CaseKind::Niv, "AB00B7QPGN"));
        assert!(!well_formed(CaseKind::Niv, "AA00B7QPG-"));
    }

    #[test]
    fn query_names_ignore_case_and_cookies_are_found_among_others() {
        let uri: Uri = "/x?app=IV&t=1".parse().expect("uri");
        assert_eq!(query_param(&uri, "App").as_deref(), Some("IV"));
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("a=b; ASP.NET_SessionId=abc123; c=d"),
        );
        assert_eq!(session_cookie(&headers).as_deref(), Some("abc123"));
    }
}
