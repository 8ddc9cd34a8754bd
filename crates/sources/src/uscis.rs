//! The USCIS Case Status API (Torch, developer.uscis.gov), reference §3.1.
//!
//! OAuth2 client credentials: `POST {base}/oauth/accesstoken` with the id and secret as form
//! fields; the token is cached until shortly before `expires_in` (a string, "1799") and
//! fetched again on expiry or on a 401. Statuses: `GET {base}/case-status/{receipt}` with the
//! bearer token. 429 (Spike Arrest) and 503 are retried a few times with growing pauses
//! (Retry-After honoured); quotas per second and per day (the day resets at midnight US
//! Eastern, as the API's does) are kept here so visanav never spends more than configured.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use jiff::Timestamp;
use jiff::civil::Date;
use serde::Deserialize;
use visanav_core::ids::ReceiptNumber;
use visanav_core::monitor::CheckError;
use visanav_core::uscis::{UscisStatus, parse_case_status};

use crate::ceac::Failure;
use crate::net::{HttpClient, NetError, Request, Response};

/// Spending limits. Defaults are the sandbox's: 5 per second, 1,000 per day; production
/// grants 10 and 400,000 (reference §3.1). Both are configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    pub per_second: u32,
    pub per_day: u32,
}

impl Default for Quota {
    fn default() -> Quota {
        Quota {
            per_second: 5,
            per_day: 1_000,
        }
    }
}

/// The client secret, kept out of `Debug` and logs.
#[derive(Clone)]
pub struct ClientSecret(String);

impl ClientSecret {
    pub fn new(secret: String) -> ClientSecret {
        ClientSecret(secret)
    }
}

impl std::fmt::Debug for ClientSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ClientSecret(<redacted>)")
    }
}

struct Token {
    value: String,
    /// When to fetch a new one: a minute before USCIS says it expires.
    renew_at: Instant,
}

#[derive(Default)]
struct Spending {
    second_started: Option<Instant>,
    in_second: u32,
    day: Option<Date>,
    in_day: u32,
}

/// A validated reading and the answer it came from.
#[derive(Debug, Clone)]
pub struct UscisAnswer {
    pub status: UscisStatus,
    pub raw: String,
}

pub struct UscisClient {
    base: url::Url,
    client_id: String,
    secret: ClientSecret,
    http: HttpClient,
    quota: Quota,
    /// The first pause after a 429 or 503; doubled each time.
    backoff: Duration,
    token: tokio::sync::Mutex<Option<Token>>,
    spending: Mutex<Spending>,
}

impl std::fmt::Debug for UscisClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UscisClient")
            .field("base", &self.base.as_str())
            .field("quota", &self.quota)
            .finish_non_exhaustive()
    }
}

/// How many times one check asks again after a 429 or 503.
const RETRIES: u32 = 2;
/// The longest Retry-After honoured inside one check; longer waits are the scheduler's.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(10);

impl UscisClient {
    pub fn new(
        base_url: &str,
        client_id: String,
        secret: ClientSecret,
        http: HttpClient,
        quota: Quota,
    ) -> Result<UscisClient, NetError> {
        let base = url::Url::parse(base_url)
            .map_err(|e| NetError::BadUrl(base_url.to_string(), e.to_string()))?;
        Ok(UscisClient {
            base,
            client_id,
            secret,
            http,
            quota,
            backoff: Duration::from_secs(1),
            token: tokio::sync::Mutex::new(None),
            spending: Mutex::new(Spending::default()),
        })
    }

    /// Shorter pauses, for tests against the fake API.
    pub fn with_backoff(mut self, backoff: Duration) -> UscisClient {
        self.backoff = backoff;
        self
    }

    fn url(&self, path: &str) -> url::Url {
        let mut url = self.base.clone();
        let prefix = url.path().trim_end_matches('/').to_string();
        url.set_path(&format!("{prefix}{path}"));
        url
    }

    /// The status of one receipt, with the history USCIS keeps for it.
    pub async fn case_status(&self, receipt: &ReceiptNumber) -> Result<UscisAnswer, Failure> {
        let mut refreshed = false;
        let mut pause = self.backoff;
        let mut tries = 0;
        loop {
            let token = self.token(false).await?;
            self.spend().await?;
            let request = Request::get(self.url(&format!("/case-status/{}", receipt.as_str())))
                .header("authorization", &format!("Bearer {token}"))
                .header("accept", "application/json");
            let response = self
                .http
                .send(request)
                .await
                .map_err(|e| Failure::from_net(&e))?;
            match response.status {
                200 => return read_status(&response),
                401 if !refreshed => {
                    // Expired or revoked early: one new token, one more try.
                    refreshed = true;
                    self.token(true).await?;
                }
                429 | 503 if tries < RETRIES => {
                    tries += 1;
                    tokio::time::sleep(retry_after(&response).unwrap_or(pause)).await;
                    pause *= 2;
                }
                status => return Err(failure_for(status, &response)),
            }
        }
    }

    /// A cached token, or a new one (always a new one with `renew`).
    async fn token(&self, renew: bool) -> Result<String, Failure> {
        let mut cached = self.token.lock().await;
        if let Some(token) = cached
            .as_ref()
            .filter(|t| !renew && Instant::now() < t.renew_at)
        {
            return Ok(token.value.clone());
        }
        let fields = [
            ("grant_type".to_string(), "client_credentials".to_string()),
            ("client_id".to_string(), self.client_id.clone()),
            ("client_secret".to_string(), self.secret.0.clone()),
        ];
        let response = self
            .http
            .send(Request::post_form(self.url("/oauth/accesstoken"), &fields))
            .await
            .map_err(|e| Failure::from_net(&e))?;
        if response.status != 200 {
            *cached = None;
            let detail = if matches!(response.status, 400 | 401) {
                "USCIS refused the client id and secret: check sources.uscis.client_id and \
                 client_secret"
                    .to_string()
            } else {
                format!("USCIS's token endpoint answered HTTP {}", response.status)
            };
            return Err(Failure::new(CheckError::Unavailable, detail));
        }
        let token: TokenAnswer = serde_json::from_slice(&response.body).map_err(|e| {
            Failure::new(
                CheckError::Unavailable,
                format!("USCIS's token answer could not be read: {e}"),
            )
        })?;
        let lifetime = token.expires_in.seconds().unwrap_or(1_799);
        let renew_at = Instant::now() + Duration::from_secs(lifetime.saturating_sub(60).max(1));
        *cached = Some(Token {
            value: token.access_token.clone(),
            renew_at,
        });
        Ok(token.access_token)
    }

    /// Takes one request from the quotas: waits for the next second when this one is spent;
    /// refuses when the day's quota is.
    async fn spend(&self) -> Result<(), Failure> {
        loop {
            let wait = {
                let mut s = self
                    .spending
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                let today = eastern_today();
                if s.day != Some(today) {
                    s.day = Some(today);
                    s.in_day = 0;
                }
                if s.in_day >= self.quota.per_day {
                    return Err(Failure::new(
                        CheckError::Unavailable,
                        format!(
                            "the day's USCIS quota ({} requests) is used up; checks resume \
                             after midnight US Eastern",
                            self.quota.per_day
                        ),
                    ));
                }
                let now = Instant::now();
                match s.second_started {
                    Some(start) if now.duration_since(start) < Duration::from_secs(1) => {
                        if s.in_second < self.quota.per_second {
                            s.in_second += 1;
                            s.in_day += 1;
                            None
                        } else {
                            Some(Duration::from_secs(1) - now.duration_since(start))
                        }
                    }
                    _ => {
                        s.second_started = Some(now);
                        s.in_second = 1;
                        s.in_day += 1;
                        None
                    }
                }
            };
            match wait {
                None => return Ok(()),
                Some(wait) => tokio::time::sleep(wait).await,
            }
        }
    }
}

fn eastern_today() -> Date {
    let now = Timestamp::now();
    match jiff::tz::TimeZone::get("America/New_York") {
        Ok(tz) => now.to_zoned(tz).date(),
        // Without a time zone database: Eastern standard time is close enough for a quota.
        Err(_) => now
            .to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::offset(-5)))
            .date(),
    }
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
    #[serde(default)]
    expires_in: ExpiresIn,
}

/// `expires_in` is a string in USCIS's answers ("1799"); a number is read too.
#[derive(Deserialize, Default)]
#[serde(untagged)]
enum ExpiresIn {
    Text(String),
    Number(u64),
    #[default]
    Missing,
}

impl ExpiresIn {
    fn seconds(&self) -> Option<u64> {
        match self {
            ExpiresIn::Text(t) => t.trim().parse().ok(),
            ExpiresIn::Number(n) => Some(*n),
            ExpiresIn::Missing => None,
        }
    }
}

fn read_status(response: &Response) -> Result<UscisAnswer, Failure> {
    let raw = response.text();
    match parse_case_status(&raw) {
        Ok(status) => Ok(UscisAnswer { status, raw }),
        Err(e) => Err(Failure {
            error: CheckError::Unparseable,
            detail: e.to_string(),
            raw: Some(raw),
        }),
    }
}

fn failure_for(status: u16, response: &Response) -> Failure {
    let (error, detail) = match status {
        404 => (
            CheckError::NotFound,
            "USCIS does not recognise the receipt number".to_string(),
        ),
        422 => (
            CheckError::InvalidId,
            "USCIS says the receipt number is not formatted correctly".to_string(),
        ),
        401 => (
            CheckError::Unavailable,
            "USCIS refused visanav's access token twice".to_string(),
        ),
        429 => (
            CheckError::Unavailable,
            "USCIS is limiting requests (429 Spike Arrest)".to_string(),
        ),
        503 => (
            CheckError::Unavailable,
            "USCIS's API is unavailable (503; the sandbox is open on weekdays, US Eastern \
             daytime)"
                .to_string(),
        ),
        other => (
            CheckError::Unavailable,
            format!("USCIS answered HTTP {other}"),
        ),
    };
    Failure {
        error,
        detail,
        raw: Some(response.text()),
    }
}

fn retry_after(response: &Response) -> Option<Duration> {
    let seconds: u64 = response.header("retry-after")?.trim().parse().ok()?;
    Some(Duration::from_secs(seconds).min(MAX_RETRY_AFTER))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expires_in_as_text_or_number() {
        let a: TokenAnswer =
            serde_json::from_str(r#"{"access_token":"t","expires_in":"1799"}"#).expect("json");
        assert_eq!(a.expires_in.seconds(), Some(1799));
        let b: TokenAnswer =
            serde_json::from_str(r#"{"access_token":"t","expires_in":3600}"#).expect("json");
        assert_eq!(b.expires_in.seconds(), Some(3600));
    }

    #[test]
    fn secrets_stay_out_of_debug() {
        assert_eq!(
            format!("{:?}", ClientSecret::new("hunter2".into())),
            "ClientSecret(<redacted>)"
        );
    }
}
