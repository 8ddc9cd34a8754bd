//! Counters the fakes keep for tests and benchmarks (`GET /__fake/stats`, `POST
//! /__fake/reset`): how many forms, captchas, submits, tokens and status reads were served,
//! and how often each case was looked up, so a test can show that two workers never
//! checked the same case twice.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    /// Status forms served (`GET status.aspx`, and type-switch postbacks).
    pub ceac_form_gets: u64,
    /// Captcha images served.
    pub ceac_captcha_gets: u64,
    /// Submits received (`POST status.aspx`) by the site behind Cloudflare.
    pub ceac_posts: u64,
    /// Submits that reached the case lookup, by case number (upper case, as posted).
    pub ceac_posts_by_case: BTreeMap<String, u64>,
    /// CEAC requests answered by a failure mode (Cloudflare block or challenge, 503)
    /// instead of the site.
    pub ceac_blocked: u64,
    /// Access tokens issued.
    pub uscis_tokens: u64,
    /// Status requests received (`GET /case-status/…`) outside a failure mode.
    pub uscis_status_gets: u64,
    /// Status requests that reached the receipt lookup, by receipt (upper case).
    pub uscis_by_receipt: BTreeMap<String, u64>,
    /// Status requests refused with 429 (Spike Arrest, per-token or mode).
    pub uscis_rate_limited: u64,
}
