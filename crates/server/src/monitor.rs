//! Status monitoring at run time: the sources built from configuration, one check of a case
//! ([`Checker`]), and the background worker that takes due checks from the database
//! ([`worker`]). `visanav serve` runs the worker beside the web server; `visanav worker` runs
//! it alone; `visanav check` runs one check.

pub mod assisted;
mod check;
pub mod worker;

use std::sync::Arc;
use std::time::Duration;

use jiff::SignedDuration;
use visanav_core::knowledge::Knowledge;
use visanav_core::monitor::{CheckSource, Schedule};
use visanav_sources::captcha::CaptchaStrategy;
use visanav_sources::ceac::CeacClient;
use visanav_sources::net::HttpClient;
use visanav_sources::uscis::{ClientSecret, Quota, UscisClient};

pub use check::{CheckOutcome, Checker, Observed, Pending, ceac_query};

/// Everything monitoring reads from the configuration (`sources.*`, `captcha.*`, `net.*`,
/// `monitor.*`). `Debug` leaves out the client secret and the captcha command.
#[derive(Clone)]
pub struct MonitorConfig {
    pub ceac_base_url: String,
    pub uscis_base_url: String,
    pub uscis_client_id: Option<String>,
    pub uscis_client_secret: Option<ClientSecret>,
    pub uscis_quota: Quota,
    pub captcha: CaptchaStrategy,
    pub allow_private: bool,
    /// Time allowed for one request to a source.
    pub request_timeout: Duration,
    /// The global rate limit: at least this long between two checks of one provider, across
    /// all workers.
    pub ceac_spacing: SignedDuration,
    pub uscis_spacing: SignedDuration,
    pub schedule: Schedule,
    /// How often an idle worker looks for due checks.
    pub poll: Duration,
    /// Checks a worker leases at once.
    pub batch: i64,
    /// How long a lease lasts: a worker that dies mid-check frees its cases after this.
    pub lease: SignedDuration,
    /// "Check now" requests per person per hour.
    pub check_now_per_hour: i64,
}

impl std::fmt::Debug for MonitorConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MonitorConfig")
            .field("ceac_base_url", &self.ceac_base_url)
            .field("uscis_base_url", &self.uscis_base_url)
            .field("uscis_configured", &self.uscis_client_id.is_some())
            .field("captcha", &self.captcha)
            .field("allow_private", &self.allow_private)
            .finish_non_exhaustive()
    }
}

/// The real CEAC site.
pub const CEAC_BASE_URL: &str = "https://ceac.state.gov";
/// The USCIS API sandbox: production hosts are given to each developer with production access
/// (reference §3.1).
pub const USCIS_SANDBOX_URL: &str = "https://api-int.uscis.gov";

impl Default for MonitorConfig {
    fn default() -> MonitorConfig {
        MonitorConfig {
            ceac_base_url: CEAC_BASE_URL.into(),
            uscis_base_url: USCIS_SANDBOX_URL.into(),
            uscis_client_id: None,
            uscis_client_secret: None,
            uscis_quota: Quota::default(),
            captcha: CaptchaStrategy::Manual,
            allow_private: false,
            request_timeout: Duration::from_secs(45),
            ceac_spacing: SignedDuration::from_secs(20),
            uscis_spacing: SignedDuration::from_millis(200),
            schedule: Schedule::default(),
            poll: Duration::from_secs(30),
            batch: 10,
            lease: SignedDuration::from_mins(10),
            check_now_per_hour: 6,
        }
    }
}

/// The sources, built once: clients keep their token cache and quotas between checks.
#[derive(Clone)]
pub struct Monitor {
    pub config: Arc<MonitorConfig>,
    pub checker: Arc<Checker>,
}

impl std::fmt::Debug for Monitor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Monitor")
            .field("config", &self.config)
            .finish()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum MonitorSetupError {
    #[error("sources.ceac.base_url: {0}")]
    CeacUrl(String),
    #[error("sources.uscis.base_url: {0}")]
    UscisUrl(String),
}

impl Monitor {
    pub fn new(
        config: MonitorConfig,
        knowledge: Arc<Knowledge>,
    ) -> Result<Monitor, MonitorSetupError> {
        let http = HttpClient::new(config.allow_private, config.request_timeout);
        let ceac = match config.captcha {
            CaptchaStrategy::None => None,
            _ => Some(
                CeacClient::new(&config.ceac_base_url, http.clone(), knowledge.clone())
                    .map_err(|e| MonitorSetupError::CeacUrl(e.to_string()))?,
            ),
        };
        let uscis = match (&config.uscis_client_id, &config.uscis_client_secret) {
            (Some(id), Some(secret)) => Some(
                UscisClient::new(
                    &config.uscis_base_url,
                    id.clone(),
                    secret.clone(),
                    http,
                    config.uscis_quota,
                )
                .map_err(|e| MonitorSetupError::UscisUrl(e.to_string()))?,
            ),
            _ => None,
        };
        let checker = Checker::new(knowledge, ceac, uscis, config.captcha.clone());
        Ok(Monitor {
            config: Arc::new(config),
            checker: Arc::new(checker),
        })
    }

    /// The sources a worker can check with nobody there: CEAC only with a captcha command.
    pub fn unattended_sources(&self) -> Vec<CheckSource> {
        let mut sources = Vec::new();
        if self.checker.has_ceac() && self.config.captcha.unattended() {
            sources.push(CheckSource::Ceac);
        }
        if self.checker.has_uscis() {
            sources.push(CheckSource::Uscis);
        }
        sources
    }

    pub fn spacing(&self, source: CheckSource) -> SignedDuration {
        match source {
            CheckSource::Ceac => self.config.ceac_spacing,
            CheckSource::Uscis => self.config.uscis_spacing,
        }
    }
}
