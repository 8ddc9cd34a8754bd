//! The fake USCIS Case Status API (developer.uscis.gov, "Torch"), faithful to reference §3.1:
//!
//! - `POST /oauth/accesstoken`, form `grant_type=client_credentials&client_id=…&client_secret=…`:
//!   an Apigee token answer (`token_type` `BearerToken`, `expires_in` a string). Another grant
//!   type is a 400, a missing `client_id` a 400, wrong credentials a 401, in Apigee's
//!   `{"ErrorCode","Error"}` shape.
//! - `GET /case-status/{receipt}` with `Authorization: Bearer <token>`: 401
//!   `{"code":401,"message":"Invalid Access Token"}` for an unknown or expired token; 429
//!   Spike Arrest (Apigee fault body) past `tps` requests in one second for one token (0: no
//!   limit); 422 for a receipt that is not 3 letters + 10 digits (or 3 letters, `*`, 9 digits);
//!   404 with the "Case Status Online does not recognize…" message for an unknown one; else
//!   200 with `case_status` (no `submittedDate`/`modifiedDate` for IOE receipts, and
//!   `hist_case_status` `null` when the file gives no history).
//! - Mode `rate_limited`: every status request gets 429; `unavailable`: every request gets the
//!   sandbox's 503 `{"error":{"code":"503",…}}` body with its leading whitespace.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::cases::{UscisCase, UscisMode};
use super::{Fake, lock, random};

const NOT_RECOGNIZED: &str = "Case Status Online does not recognize the receipt number entered. \
    Please check your receipt number and try again. If you need further assistance, please \
    call the USCIS Contact Center at 1-800-375-5283.";
const NOT_FORMATTED: &str = "The application receipt number is not formatted correctly, It \
    should be total of 13 characters (3 character prefix followed by 10 digits). Please check \
    your receipt number and try again";
/// The sandbox's 503, with the leading whitespace a live call showed.
const UNAVAILABLE_BODY: &str = "\n    {\"error\":{\"code\":\"503\",\"message\":\"The Case Status \
    API Sandbox is unavailable at this time. Please retry your API request during normal \
    operation hours M-F 7:00AM EST - 8:00 PM EST\"}}";

#[derive(Debug)]
struct Token {
    expires: Instant,
    /// When this token's recent accepted requests came, for the per-second limit.
    recent: VecDeque<Instant>,
}

/// The access tokens the fake issued.
#[derive(Debug, Default)]
pub struct Tokens {
    tokens: Mutex<HashMap<String, Token>>,
}

enum TokenCheck {
    Invalid,
    TooFast,
    Ok,
}

impl Tokens {
    fn issue(&self, ttl: Duration, now: Instant) -> String {
        let token = random::string_from(
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
            28,
        );
        let mut tokens = lock(&self.tokens);
        tokens.retain(|_, t| t.expires > now);
        tokens.insert(
            token.clone(),
            Token {
                expires: now + ttl,
                recent: VecDeque::new(),
            },
        );
        token
    }

    /// Whether the token is valid now and under its per-second limit; counts the request.
    fn admit(&self, token: &str, tps: u32, now: Instant) -> TokenCheck {
        let mut tokens = lock(&self.tokens);
        let Some(t) = tokens.get_mut(token).filter(|t| t.expires > now) else {
            return TokenCheck::Invalid;
        };
        while t
            .recent
            .front()
            .is_some_and(|&at| now.duration_since(at) >= Duration::from_secs(1))
        {
            t.recent.pop_front();
        }
        if tps > 0 && t.recent.len() >= tps as usize {
            return TokenCheck::TooFast;
        }
        t.recent.push_back(now);
        TokenCheck::Ok
    }
}

fn json_response(status: StatusCode, body: String) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

fn unavailable() -> Response {
    json_response(
        StatusCode::SERVICE_UNAVAILABLE,
        UNAVAILABLE_BODY.to_string(),
    )
}

/// Apigee's Spike Arrest fault.
fn spike_arrest(tps: u32) -> Response {
    let body = json!({
        "fault": {
            "faultstring": format!(
                "Spike arrest violation. Allowed rate : MessageRate{{messagesPerPeriod={tps}, \
                 periodInMicroseconds=1000000, maxBurstMessageCount={tps}.0}}"
            ),
            "detail": {"errorcode": "policies.ratelimit.SpikeArrestViolation"}
        }
    });
    json_response(StatusCode::TOO_MANY_REQUESTS, body.to_string())
}

fn code_message(status: StatusCode, message: &str) -> Response {
    let body = json!({"code": status.as_u16(), "message": message});
    json_response(status, body.to_string())
}

/// Apigee's OAuth error shape (`{"ErrorCode" : …, "Error" : …}`).
fn oauth_error(status: StatusCode, code: &str, error: &str) -> Response {
    let body = json!({"ErrorCode": code, "Error": error});
    json_response(status, body.to_string())
}

pub async fn token(State(fake): State<Arc<Fake>>, body: Bytes) -> Response {
    let cases = match fake.load_cases().await {
        Ok(cases) => cases,
        Err(response) => return response,
    };
    let u = &cases.uscis;
    if u.mode == UscisMode::Unavailable {
        return unavailable();
    }
    let form: HashMap<String, String> = form_urlencoded::parse(&body).into_owned().collect();
    let field = |name: &str| form.get(name).map(String::as_str).unwrap_or("");
    match field("grant_type") {
        "client_credentials" => {}
        "" => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "The request is missing a required parameter : grant_type",
            );
        }
        other => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                &format!("Unsupported grant type : {other}"),
            );
        }
    }
    if field("client_id").is_empty() {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "The request is missing a required parameter : client_id",
        );
    }
    if field("client_id") != u.client_id || field("client_secret") != u.client_secret {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Client credentials are invalid",
        );
    }
    let now = Instant::now();
    let access_token = fake
        .uscis
        .issue(Duration::from_secs(u.token_ttl_seconds), now);
    fake.count(|s| s.uscis_tokens += 1);
    let body = json!({
        "refresh_token_expires_in": "0",
        "token_type": "BearerToken",
        "issued_at": jiff::Timestamp::now().as_millisecond().to_string(),
        "client_id": u.client_id,
        "access_token": access_token,
        "scope": "",
        "expires_in": u.token_ttl_seconds.to_string(),
        "refresh_count": "0",
        "status": "approved",
    });
    json_response(StatusCode::OK, body.to_string())
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// `[A-Za-z]{3}[0-9]{10}` or `[A-Za-z]{3}\*[0-9]{9}` (reference §3.1).
fn well_formed(receipt: &str) -> bool {
    let b = receipt.as_bytes();
    b.len() == 13
        && b[..3].iter().all(u8::is_ascii_alphabetic)
        && (b[3] == b'*' || b[3].is_ascii_digit())
        && b[4..].iter().all(u8::is_ascii_digit)
}

pub async fn case_status(
    State(fake): State<Arc<Fake>>,
    Path(receipt): Path<String>,
    headers: HeaderMap,
) -> Response {
    let cases = match fake.load_cases().await {
        Ok(cases) => cases,
        Err(response) => return response,
    };
    let u = &cases.uscis;
    match u.mode {
        UscisMode::Unavailable => return unavailable(),
        UscisMode::RateLimited => {
            fake.count(|s| s.uscis_rate_limited += 1);
            return spike_arrest(u.tps);
        }
        UscisMode::Normal => {}
    }
    fake.count(|s| s.uscis_status_gets += 1);
    let check = match bearer(&headers) {
        Some(token) => fake.uscis.admit(token, u.tps, Instant::now()),
        None => TokenCheck::Invalid,
    };
    match check {
        TokenCheck::Invalid => {
            return code_message(StatusCode::UNAUTHORIZED, "Invalid Access Token");
        }
        TokenCheck::TooFast => {
            fake.count(|s| s.uscis_rate_limited += 1);
            return spike_arrest(u.tps);
        }
        TokenCheck::Ok => {}
    }
    if !well_formed(&receipt) {
        return code_message(StatusCode::UNPROCESSABLE_ENTITY, NOT_FORMATTED);
    }
    let receipt = receipt.to_ascii_uppercase();
    fake.count(|s| *s.uscis_by_receipt.entry(receipt.clone()).or_default() += 1);
    match u
        .cases
        .iter()
        .find(|c| c.receipt.trim().eq_ignore_ascii_case(&receipt))
    {
        Some(case) => json_response(StatusCode::OK, answer(case).to_string()),
        None => code_message(StatusCode::NOT_FOUND, NOT_RECOGNIZED),
    }
}

/// The 200 body for a case, in the shape of the specification's `SuccessResponse` (or
/// `IOE-Prefix-SuccessResponse`, without the dates).
fn answer(case: &UscisCase) -> Value {
    let receipt = case.receipt.trim().to_ascii_uppercase();
    let mut status = json!({
        "receiptNumber": receipt,
        "formType": case.form_type,
        "current_case_status_text_en": case.status,
        "current_case_status_desc_en": case.description,
        "current_case_status_text_es": case.status_es.as_deref().unwrap_or(&case.status),
        "current_case_status_desc_es": case.description_es.as_deref().unwrap_or(&case.description),
        "hist_case_status": case.history.as_ref().map(|h| {
            h.iter()
                .map(|e| json!({
                    "date": e.date.to_string(),
                    "completed_text_en": e.text,
                    "completed_text_es": e.text_es.as_deref().unwrap_or(&e.text),
                }))
                .collect::<Vec<_>>()
        }),
    });
    if !receipt.starts_with("IOE") {
        let shown = |d: jiff::civil::DateTime| d.strftime("%m-%d-%Y %H:%M:%S").to_string();
        if let Some(map) = status.as_object_mut() {
            if let Some(d) = case.submitted {
                map.insert("submittedDate".into(), shown(d).into());
            }
            if let Some(d) = case.modified {
                map.insert("modifiedDate".into(), shown(d).into());
            }
        }
    }
    json!({"case_status": status, "message": "Query was successful"})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn receipt_shapes() {
        assert!(well_formed("IOE0912345678"));
        assert!(well_formed("eac9999103403"));
        assert!(well_formed("EAC*999103403"));
        assert!(!well_formed("EAC-999103403"));
        assert!(!well_formed("EAC99991034031"));
        assert!(!well_formed("E1C9999103403"));
    }

    #[test]
    fn a_token_allows_tps_requests_in_any_second() {
        let tokens = Tokens::default();
        let now = Instant::now();
        let t = tokens.issue(Duration::from_secs(60), now);
        assert!(matches!(tokens.admit(&t, 2, now), TokenCheck::Ok));
        assert!(matches!(tokens.admit(&t, 2, now), TokenCheck::Ok));
        assert!(matches!(tokens.admit(&t, 2, now), TokenCheck::TooFast));
        let later = now + Duration::from_millis(1000);
        assert!(matches!(tokens.admit(&t, 2, later), TokenCheck::Ok));
        assert!(
            matches!(tokens.admit(&t, 0, later), TokenCheck::Ok),
            "0: no limit"
        );
        assert!(matches!(tokens.admit("nope", 2, now), TokenCheck::Invalid));
        let expired = now + Duration::from_secs(60);
        assert!(matches!(tokens.admit(&t, 2, expired), TokenCheck::Invalid));
    }
}
