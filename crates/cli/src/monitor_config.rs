//! The monitoring keys of the configuration (`sources.*`, `captcha.*`, `net.*`, `monitor.*`)
//! as the server's [`MonitorConfig`], checked at start: a bad value stops visanav with the
//! key, where it came from and the fix (never a secret's value).

use std::time::Duration;

use anyhow::{Result, bail};
use jiff::SignedDuration;
use visanav_server::monitor::{CEAC_BASE_URL, MonitorConfig, USCIS_SANDBOX_URL};
use visanav_sources::captcha::CaptchaStrategy;
use visanav_sources::uscis::{ClientSecret, Quota};

use crate::config::{Layers, Origin, Setting};

/// The shortest CEAC interval allowed against the real site, and the USCIS one against the
/// real API: "no more often than every 6 hours" / "hourly" after a recent change (half).
const REAL_CEAC_MIN_MINUTES: u64 = 720;
const REAL_USCIS_MIN_MINUTES: u64 = 120;

fn number(max: u64) -> impl Fn(&str) -> Result<u64, String> {
    move |s: &str| match s.trim().parse::<u64>() {
        Ok(n) if n <= max => Ok(n),
        _ => Err(format!("is not a whole number from 0 to {max}")),
    }
}

fn http_url(s: &str) -> Result<String, String> {
    let s = s.trim().trim_end_matches('/');
    if (s.starts_with("https://") || s.starts_with("http://")) && s.len() > "https://".len() {
        Ok(s.to_string())
    } else {
        Err("is not an http(s) URL; use e.g. https://ceac.state.gov".into())
    }
}

pub fn monitor_settings(layers: &Layers) -> Result<Setting<MonitorConfig>> {
    let d = MonitorConfig::default();
    let mut origins = Vec::new();
    let mut track = |o: Origin| origins.push(o);

    let ceac_base = layers.parse("sources.ceac.base_url", d.ceac_base_url.clone(), http_url)?;
    track(ceac_base.origin);
    let uscis_base = layers.parse("sources.uscis.base_url", d.uscis_base_url.clone(), http_url)?;
    track(uscis_base.origin);
    let client_id = layers.parse("sources.uscis.client_id", None, |s| {
        Ok(Some(s.trim().to_string()).filter(|s| !s.is_empty()))
    })?;
    let client_secret = layers
        .get("sources.uscis.client_secret")
        .map(|(s, _)| ClientSecret::new(s.trim().to_string()));
    if client_id.value.is_some() != client_secret.is_some() {
        bail!(
            "sources.uscis.client_id and sources.uscis.client_secret go together: set both \
             (USCIS checks on) or neither (off)"
        );
    }
    let per_second = layers.parse("sources.uscis.per_second", 5, number(1_000))?;
    let per_day = layers.parse("sources.uscis.per_day", 1_000, number(10_000_000))?;
    let spacing = layers.parse("sources.ceac.spacing_secs", 20, number(86_400))?;
    let strategy = layers.parse("captcha.strategy", "manual".to_string(), |s| {
        match s.trim() {
            "manual" | "command" | "none" | "fake-upstream" => Ok(s.trim().to_string()),
            _ => Err("is not manual, command or none".into()),
        }
    })?;
    let command = layers.get("captcha.command").map(|(c, _)| c.to_string());
    let captcha_timeout = layers.parse("captcha.timeout_secs", 30, number(600))?;
    let captcha = match (strategy.value.as_str(), command) {
        ("command", Some(command)) if !command.trim().is_empty() => CaptchaStrategy::Command {
            command,
            timeout: Duration::from_secs(captcha_timeout.value.max(1)),
        },
        ("command", _) => bail!(
            "captcha.strategy is command (from {}) but captcha.command is not set; set \
             captcha.command (VISANAV_CAPTCHA_COMMAND) to a program that reads the PNG on \
             stdin and prints the code, or use captcha.strategy = manual",
            strategy.origin.label()
        ),
        ("none", _) => CaptchaStrategy::None,
        ("fake-upstream", _) if ceac_base.value == CEAC_BASE_URL => bail!(
            "captcha.strategy fake-upstream (from {}) reads only visanav's fake CEAC; it \
             cannot read the real site's pictures. Use manual or command",
            strategy.origin.label()
        ),
        ("fake-upstream", _) => CaptchaStrategy::FakeUpstream,
        _ => CaptchaStrategy::Manual,
    };
    let allow_private = layers.parse_bool("net.allow_private", false)?;
    let ceac_every = layers.parse("monitor.ceac_every_minutes", 720, number(60 * 24 * 30))?;
    let uscis_every = layers.parse("monitor.uscis_every_minutes", 180, number(60 * 24 * 30))?;
    if ceac_base.value == CEAC_BASE_URL && ceac_every.value < REAL_CEAC_MIN_MINUTES {
        bail!(
            "monitor.ceac_every_minutes {} (from {}) is too often for the real CEAC site: at \
             least {REAL_CEAC_MIN_MINUTES} (checks come twice as often for a while after a \
             change, never more than every 6 hours)",
            ceac_every.value,
            ceac_every.origin.label()
        );
    }
    if uscis_base.value == USCIS_SANDBOX_URL && uscis_every.value < REAL_USCIS_MIN_MINUTES {
        bail!(
            "monitor.uscis_every_minutes {} (from {}) is too often for the USCIS API: at least \
             {REAL_USCIS_MIN_MINUTES}",
            uscis_every.value,
            uscis_every.origin.label()
        );
    }
    let poll = layers.parse("monitor.poll_secs", 30, number(3_600))?;
    let timeout = layers.parse("sources.timeout_secs", 45, number(600))?;
    for o in [
        client_id.origin,
        per_second.origin,
        per_day.origin,
        spacing.origin,
        strategy.origin,
        allow_private.origin,
        ceac_every.origin,
        uscis_every.origin,
        poll.origin,
        timeout.origin,
    ] {
        track(o);
    }
    let minutes = |m: u64| SignedDuration::from_secs(i64::try_from(m * 60).unwrap_or(i64::MAX));
    let mut schedule = d.schedule.clone();
    schedule.ceac_every = minutes(ceac_every.value);
    schedule.ceac_recent_every = minutes(ceac_every.value) / 2;
    schedule.uscis_every = minutes(uscis_every.value);
    schedule.uscis_recent_every = minutes(uscis_every.value) / 2;
    let config = MonitorConfig {
        ceac_base_url: ceac_base.value,
        uscis_base_url: uscis_base.value,
        uscis_client_id: client_id.value,
        uscis_client_secret: client_secret,
        uscis_quota: Quota {
            per_second: u32::try_from(per_second.value.max(1)).unwrap_or(u32::MAX),
            per_day: u32::try_from(per_day.value).unwrap_or(u32::MAX),
        },
        captcha,
        allow_private: allow_private.value,
        ceac_spacing: SignedDuration::from_secs(i64::try_from(spacing.value).unwrap_or(0)),
        schedule,
        poll: Duration::from_secs(poll.value.max(1)),
        request_timeout: Duration::from_secs(timeout.value.max(1)),
        ..d
    };
    let origin = origins
        .into_iter()
        .max_by_key(|o| *o as u8)
        .unwrap_or(Origin::Default);
    Ok(Setting::new(config, origin))
}
