//! Effective configuration: built-in defaults, then the TOML config file, then environment
//! variables, then command-line flags (later wins). Secrets may come from a file named by a
//! `*_file` key or a `*_FILE` variable. `visanav config show` prints the result with secrets
//! masked and where each value came from.
//!
//! Every key is declared once, in [`KEYS`]: its name in the file (dotted names are TOML
//! tables: `ocr.languages` is `[ocr] languages`), its environment variable, whether it is a
//! secret and what it is for. Loading, unknown-key errors and `config show` all work from
//! that table, so adding a key is one entry there and one typed read in [`Config::load`].

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result, bail};

pub const CONFIG_FILE_NAME: &str = "visanav.toml";
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
/// The longest a consultation request may hold its time (`consult.hold_hours`): 30 days.
const MAX_HOLD_HOURS: u64 = 30 * 24;

/// Where a setting's value came from, for `config show`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    Default,
    File,
    Env,
    Flag,
}

impl Origin {
    pub(crate) fn label(self) -> &'static str {
        match self {
            Origin::Default => "default",
            Origin::File => "config file",
            Origin::Env => "environment",
            Origin::Flag => "command line",
        }
    }
}

/// How a value is shown by `config show` (and never by `Debug`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shown {
    Plain,
    /// A URL that may hold a password: the password is masked.
    Url,
    /// A secret (or a command line that may carry one): only whether it is set.
    Secret,
}

mod keys;
#[cfg(test)]
use keys::SHORT_ENV_NAMES;
use keys::{KEYS, Key, OLD_ENV_NAMES};

/// A secret value: usable, but never printed by `Debug` or `Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(****)")
    }
}

#[derive(Debug, Clone)]
pub struct Setting<T> {
    pub value: T,
    pub origin: Origin,
}

impl<T> Setting<T> {
    pub(crate) fn new(value: T, origin: Origin) -> Self {
        Setting { value, origin }
    }
}

/// What the command line said (flags, and the environment variables clap reads for them),
/// before layering: key name → value and origin.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub config: Option<(PathBuf, Origin)>,
    pub values: Vec<(&'static str, Secret, Origin)>,
}

impl Overrides {
    pub fn set(&mut self, key: &'static str, value: Option<String>, origin: Origin) {
        if let Some(v) = value {
            self.values.push((key, Secret::new(v), origin));
        }
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    pub config_file: Setting<Option<PathBuf>>,
    pub data_dir: Setting<PathBuf>,
    pub listen: Setting<SocketAddr>,
    pub public_url: Setting<Option<String>>,
    /// May hold a password: print only through [`mask_url`].
    pub database_url: Setting<Secret>,
    pub key_file: Setting<PathBuf>,
    pub knowledge_dir: Setting<Option<PathBuf>>,
    pub log: Setting<String>,
    pub request_timeout: Setting<Duration>,
    pub trust_forwarded: Setting<bool>,
    /// (idle, absolute) session lifetimes.
    pub session: Setting<(Duration, Duration)>,
    /// Reading photos and scanned PDFs (`ocr.*`).
    pub ocr: Setting<visanav_extract::ExtractConfig>,
    /// Outgoing mail (`smtp.*`), checked; its `Debug` masks the password.
    pub smtp: Setting<visanav_mail::MailConfig>,
    /// Status monitoring (`sources.*`, `captcha.*`, `net.*`, `monitor.*`); `Debug` masks
    /// the client secret and the captcha command.
    pub monitor: Setting<visanav_server::monitor::MonitorConfig>,
    /// Whether `serve` runs the status worker (`monitor.worker`).
    pub monitor_in_serve: Setting<bool>,
    /// `notify.lease_secs`: how long a dispatcher holds a delivery it is sending.
    pub notify_lease_secs: Setting<u64>,
    /// `notify.poll_secs`: how often an idle dispatcher looks for work.
    pub notify_poll_secs: Setting<u64>,
    /// `consult.hold_hours`: how long a consultation request holds its time unanswered.
    pub consult_hold_hours: Setting<u64>,
    /// Every key's effective raw value, for `config show`.
    shown: BTreeMap<&'static str, (Secret, Origin)>,
}

fn default_data_dir() -> Result<PathBuf> {
    dirs::data_dir().map(|d| d.join("visanav")).context(
        "cannot find this platform's data directory (is HOME set?); pass --data-dir or set VISANAV_DATA_DIR",
    )
}

fn read_secret_file(path: &Path, what: &str) -> Result<String> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read {what} from {}", path.display()))?;
    let value = text.trim().to_string();
    if value.is_empty() {
        bail!("{} is empty; it should hold the {what}", path.display());
    }
    Ok(value)
}

fn sqlite_url(path: &Path) -> String {
    format!("sqlite://{}", path.display())
}

fn find_key(name: &str) -> Option<&'static Key> {
    KEYS.iter().find(|k| k.name == name)
}

/// The raw layers: every key's value as text and where it came from (later layers win).
#[derive(Default)]
pub(crate) struct Layers(BTreeMap<&'static str, (Secret, Origin)>);

impl Layers {
    fn set(&mut self, key: &'static str, value: String, origin: Origin) {
        self.0.insert(key, (Secret::new(value), origin));
    }

    pub(crate) fn get(&self, key: &str) -> Option<(&str, Origin)> {
        self.0.get(key).map(|(v, o)| (v.expose(), *o))
    }

    /// A key's value, parsed, or its default. Errors name the key, the value's origin and
    /// the expected form.
    pub(crate) fn parse<T>(
        &self,
        key: &'static str,
        default: T,
        parse: impl Fn(&str) -> Result<T, String>,
    ) -> Result<Setting<T>> {
        match self.get(key) {
            None => Ok(Setting::new(default, Origin::Default)),
            Some((text, origin)) => match parse(text) {
                Ok(v) => Ok(Setting::new(v, origin)),
                Err(expected) => {
                    bail!("{key} {text:?} (from {}) {expected}", origin.label())
                }
            },
        }
    }

    pub(crate) fn parse_bool(&self, key: &'static str, default: bool) -> Result<Setting<bool>> {
        self.parse(key, default, |s| match s.trim() {
            "true" | "yes" | "1" => Ok(true),
            "false" | "no" | "0" => Ok(false),
            _ => Err("is not true or false".into()),
        })
    }

    /// Reads the config file's keys, flattening tables into dotted names.
    fn add_file(&mut self, table: &toml::Table, prefix: &str) -> Result<()> {
        for (name, value) in table {
            let full = if prefix.is_empty() {
                name.clone()
            } else {
                format!("{prefix}.{name}")
            };
            if let toml::Value::Table(inner) = value {
                self.add_file(inner, &full)?;
                continue;
            }
            let text = match value {
                toml::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            if let Some(k) = find_key(&full) {
                self.set(k.name, text, Origin::File);
            } else if let Some(k) = full
                .strip_suffix("_file")
                .and_then(find_key)
                .filter(|k| k.from_file)
            {
                // A value in the file itself wins over one it points to.
                if self.get(k.name).is_none() {
                    let value = read_secret_file(Path::new(&text), k.name)?;
                    self.set(k.name, value, Origin::File);
                }
            } else {
                let known: Vec<&str> = KEYS.iter().map(|k| k.name).collect();
                bail!(
                    "unknown key `{full}`; the keys visanav reads are: {}",
                    known.join(", ")
                );
            }
        }
        Ok(())
    }

    fn add_env(&mut self) -> Result<()> {
        for (key, var) in OLD_ENV_NAMES {
            if let (Some(k), Some(v)) = (find_key(key), std::env::var(var).ok()) {
                self.set(k.name, v, Origin::Env);
            }
        }
        for k in KEYS {
            if let Some(v) = std::env::var(k.env).ok().filter(|v| !v.is_empty()) {
                self.set(k.name, v, Origin::Env);
            } else if k.from_file
                && let Some(path) = std::env::var_os(format!("{}_FILE", k.env))
            {
                let value = read_secret_file(Path::new(&path), k.name)?;
                self.set(k.name, value, Origin::Env);
            }
        }
        Ok(())
    }
}

fn read_file(path: &Path, must_exist: bool) -> Result<Option<toml::Table>> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(toml::from_str(&text).with_context(|| {
            format!(
                "the config file {} is not valid TOML; see the README's Configuration section",
                path.display()
            )
        })?)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !must_exist => Ok(None),
        Err(e) => bail!("cannot read the config file {}: {e}", path.display()),
    }
}

impl Config {
    pub fn load(o: &Overrides) -> Result<Config> {
        let flag = |key: &str| o.values.iter().rev().find(|(k, _, _)| *k == key);
        // The data directory locates the config file, so flags and environment decide it
        // first; the file may still move it.
        let data_dir_early = match flag("data_dir") {
            Some((_, d, _)) => PathBuf::from(d.expose()),
            None => match std::env::var_os("VISANAV_DATA_DIR") {
                Some(d) if !d.is_empty() => PathBuf::from(d),
                _ => default_data_dir()?,
            },
        };
        let (config_path, config_origin, must_exist) = match &o.config {
            Some((p, origin)) => (p.clone(), *origin, true),
            None => (
                data_dir_early.join(CONFIG_FILE_NAME),
                Origin::Default,
                false,
            ),
        };
        let mut layers = Layers::default();
        let file = read_file(&config_path, must_exist)?;
        if let Some(table) = &file {
            layers.add_file(table, "").with_context(|| {
                format!("the config file {} is not valid", config_path.display())
            })?;
        }
        layers.add_env()?;
        for (key, value, origin) in &o.values {
            layers.set(key, value.expose().to_string(), *origin);
        }
        let config_file = Setting::new(file.map(|_| config_path), config_origin);

        let data_dir = layers.parse("data_dir", data_dir_early, |s| Ok(PathBuf::from(s)))?;
        let listen = layers.parse("listen", default_listen(), |s| {
            s.parse::<SocketAddr>()
                .map_err(|_| "is not an IP address and port; use e.g. 127.0.0.1:8080".into())
        })?;
        let public_url = layers.parse("public_url", None, |s| parse_public_url(s).map(Some))?;
        let default_db = Secret::new(sqlite_url(&data_dir.value.join("visanav.db")));
        let database_url = layers.parse("database_url", default_db, |s| {
            if ["sqlite:", "postgres:", "postgresql:"]
                .iter()
                .any(|p| s.starts_with(p))
            {
                Ok(Secret::new(s))
            } else {
                Err("is not supported; use postgres://USER:PASSWORD@HOST:PORT/DB or sqlite:///path/to/visanav.db".into())
            }
        })
        .map_err(|_| {
            // Say it again without the value: it may hold a password.
            let origin = layers.get("database_url").map_or(Origin::Default, |v| v.1);
            anyhow::anyhow!(
                "database URL {} (from {}) is not supported; use postgres://USER:PASSWORD@HOST:PORT/DB or sqlite:///path/to/visanav.db",
                mask_url(layers.get("database_url").map_or("", |v| v.0)),
                origin.label()
            )
        })?;
        let key_file = layers.parse("key_file", data_dir.value.join("visanav.key"), |s| {
            Ok(PathBuf::from(s))
        })?;
        let knowledge_dir = layers.parse("knowledge_dir", None, |s| Ok(Some(PathBuf::from(s))))?;
        let log = layers.parse("log", "info".to_string(), |s| Ok(s.to_string()))?;
        let request_timeout = layers.parse(
            "request_timeout_secs",
            Duration::from_secs(120),
            |s| match s.parse::<u64>() {
                Ok(n) if (1..=3600).contains(&n) => Ok(Duration::from_secs(n)),
                _ => Err("is not a number of seconds from 1 to 3600".into()),
            },
        )?;
        let trust_forwarded = layers.parse_bool("trust_forwarded", false)?;
        let minutes = |max: u64| {
            move |s: &str| match s.trim().parse::<u64>() {
                Ok(n) if (1..=max).contains(&n) => Ok(n),
                _ => Err(format!("is not a whole number from 1 to {max}")),
            }
        };
        let idle = layers.parse("session.idle_minutes", 120, minutes(7 * 24 * 60))?;
        let absolute = layers.parse("session.absolute_hours", 12, minutes(30 * 24))?;
        let session = Setting::new(
            (
                Duration::from_secs(idle.value * 60),
                Duration::from_secs(absolute.value * 3600),
            ),
            if idle.origin == Origin::Default {
                absolute.origin
            } else {
                idle.origin
            },
        );
        let ocr = ocr_settings(&layers)?;
        let smtp = mail_settings(&layers, &data_dir.value)?;
        let monitor = crate::monitor_config::monitor_settings(&layers)?;
        let monitor_in_serve = layers.parse_bool("monitor.worker", true)?;
        let seconds = |max: u64| {
            move |s: &str| match s.trim().parse::<u64>() {
                Ok(n) if (1..=max).contains(&n) => Ok(n),
                _ => Err(format!("is not a whole number of seconds from 1 to {max}")),
            }
        };
        let notify_lease_secs = layers.parse("notify.lease_secs", 120, seconds(86_400))?;
        let notify_poll_secs = layers.parse("notify.poll_secs", 5, seconds(3_600))?;
        let consult_hold_hours = layers.parse("consult.hold_hours", 48, |s| {
            match s.trim().parse::<u64>() {
                Ok(n) if (1..=MAX_HOLD_HOURS).contains(&n) => Ok(n),
                _ => Err(format!(
                    "is not a whole number of hours from 1 to {MAX_HOLD_HOURS}; set how long a \
                     consultation request waits for the attorney, e.g. 48"
                )),
            }
        })?;
        Ok(Config {
            config_file,
            data_dir,
            listen,
            public_url,
            database_url,
            key_file,
            knowledge_dir,
            log,
            request_timeout,
            trust_forwarded,
            session,
            ocr,
            smtp,
            monitor,
            monitor_in_serve,
            notify_lease_secs,
            notify_poll_secs,
            consult_hold_hours,
            shown: layers.0,
        })
    }

    /// How text is extracted from uploaded files, from the `ocr.*` settings.
    pub fn extract_config(&self) -> visanav_extract::ExtractConfig {
        self.ocr.value.clone()
    }

    /// Where people reach visanav: the public URL, else the listen address.
    pub fn base_url(&self) -> String {
        match &self.public_url.value {
            Some(u) => u.clone(),
            None => format!("http://{}", self.listen.value),
        }
    }

    /// How the notification dispatcher runs, from `notify.*`, `public_url` and, for the
    /// crash test only, `VISANAV_FAULT_PAUSE_AFTER_SEND_MS` (a pause between sending a
    /// message and recording it, so a test can kill the process in between).
    pub fn dispatcher_config(&self) -> visanav_server::notify::DispatcherConfig {
        let pause = std::env::var("VISANAV_FAULT_PAUSE_AFTER_SEND_MS")
            .ok()
            .and_then(|v| v.trim().parse::<u64>().ok())
            .unwrap_or(0);
        visanav_server::notify::DispatcherConfig {
            lease: jiff::SignedDuration::from_secs(
                i64::try_from(self.notify_lease_secs.value).unwrap_or(120),
            ),
            poll: std::time::Duration::from_secs(self.notify_poll_secs.value),
            base_url: self.base_url(),
            allow_private: self.monitor.value.allow_private,
            pause_after_send: std::time::Duration::from_millis(pause),
            ..Default::default()
        }
    }

    /// How long a consultation request holds its time while the attorney has not answered.
    pub fn consult_hold(&self) -> jiff::SignedDuration {
        jiff::SignedDuration::from_hours(i64::try_from(self.consult_hold_hours.value).unwrap_or(48))
    }

    /// How mail is sent, from the `smtp.*` settings (outbox: `DATA_DIR/outbox-mail`).
    pub fn mail_config(&self) -> visanav_mail::MailConfig {
        self.smtp.value.clone()
    }

    /// The public URL's host name, which the server accepts besides loopback names.
    pub fn public_host(&self) -> Option<String> {
        let url = self.public_url.value.as_deref()?;
        let rest = url.split_once("://").map_or(url, |(_, r)| r);
        let authority = rest.split('/').next().unwrap_or(rest);
        let host = match authority.strip_prefix('[') {
            Some(v6) => v6.split(']').next().unwrap_or(v6),
            None => authority.split(':').next().unwrap_or(authority),
        };
        Some(host.to_ascii_lowercase())
    }

    /// The effective configuration as TOML, secrets masked, each line commented with its
    /// origin. The output is itself a valid config file.
    pub fn show(&self) -> String {
        let quote = |s: &str| toml::Value::String(s.to_string()).to_string();
        let mut out = String::new();
        match &self.config_file.value {
            Some(p) => out.push_str(&format!("# config file: {}\n", p.display())),
            None => out.push_str("# config file: none (using defaults, environment and flags)\n"),
        }
        // Values that are computed defaults rather than layered text.
        let ocr = &self.ocr.value;
        let computed: [(&str, String); 14] = [
            ("data_dir", self.data_dir.value.display().to_string()),
            ("listen", self.listen.value.to_string()),
            ("database_url", self.database_url.value.expose().to_string()),
            ("key_file", self.key_file.value.display().to_string()),
            ("log", self.log.value.clone()),
            ("trust_forwarded", self.trust_forwarded.value.to_string()),
            (
                "session.idle_minutes",
                (self.session.value.0.as_secs() / 60).to_string(),
            ),
            (
                "session.absolute_hours",
                (self.session.value.1.as_secs() / 3600).to_string(),
            ),
            (
                "request_timeout_secs",
                self.request_timeout.value.as_secs().to_string(),
            ),
            ("ocr.languages", ocr.languages.clone()),
            ("ocr.time_limit_secs", ocr.time_limit.as_secs().to_string()),
            ("ocr.page_limit", ocr.page_limit.to_string()),
            ("ocr.max_jobs", ocr.max_jobs.to_string()),
            ("smtp.from", self.smtp.value.from.clone()),
        ];
        let mut flat = BTreeMap::new();
        let mut tables: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        for k in KEYS {
            let (value, origin) = match self.shown.get(k.name) {
                Some((v, o)) => (Some(v.expose().to_string()), *o),
                None => (
                    computed
                        .iter()
                        .find(|(n, _)| *n == k.name)
                        .map(|(_, v)| v.clone()),
                    Origin::Default,
                ),
            };
            let line = match value {
                Some(v) => {
                    let v = match k.shown {
                        Shown::Plain => v,
                        Shown::Url => mask_url(&v),
                        Shown::Secret => "(set)".to_string(),
                    };
                    // Within its table a key keeps the rest of its name: a dotted key such
                    // as `ceac.base_url` under [sources] is valid TOML.
                    let leaf = k.name.split_once('.').map_or(k.name, |(_, rest)| rest);
                    format!("{leaf} = {}  # {}\n", quote(&v), origin.label())
                }
                None => format!("# {}: not set ({})\n", k.name, k.help),
            };
            match k.name.split_once('.') {
                Some((table, _)) => tables.entry(table).or_default().push(line),
                None => {
                    flat.insert(k.name, line);
                }
            }
        }
        for k in KEYS.iter().filter(|k| !k.name.contains('.')) {
            out.push_str(&flat[k.name]);
        }
        for (table, lines) in tables {
            out.push_str(&format!("\n[{table}]\n"));
            for l in lines {
                out.push_str(&l);
            }
        }
        out
    }
}

/// The `ocr.*` keys as the text extractor's configuration (its origin: the most specific
/// layer any of them came from, for messages).
fn ocr_settings(layers: &Layers) -> Result<Setting<visanav_extract::ExtractConfig>> {
    let d = visanav_extract::ExtractConfig::default();
    let at_least_one = |s: &str| match s.trim().parse::<u64>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err("is not a whole number of at least 1".to_string()),
    };
    let languages = layers.parse("ocr.languages", d.languages.clone(), |s| {
        if visanav_extract::valid_languages(s) {
            Ok(s.to_string())
        } else {
            Err("is not a list of tesseract languages; use codes joined by +, e.g. \"eng\" or \"eng+spa\" (`tesseract --list-langs` shows them)".into())
        }
    })?;
    let time_limit = layers.parse("ocr.time_limit_secs", d.time_limit, |s| {
        at_least_one(s).map(Duration::from_secs)
    })?;
    let page_limit = layers.parse("ocr.page_limit", d.page_limit, |s| {
        at_least_one(s).and_then(|n| u32::try_from(n).map_err(|_| "is too large".into()))
    })?;
    let max_jobs = layers.parse("ocr.max_jobs", d.max_jobs, |s| {
        at_least_one(s).map(|n| n as usize)
    })?;
    let origin = [
        languages.origin,
        time_limit.origin,
        page_limit.origin,
        max_jobs.origin,
    ]
    .into_iter()
    .max_by_key(|o| *o as u8)
    .unwrap_or(Origin::Default);
    Ok(Setting::new(
        visanav_extract::ExtractConfig {
            languages: languages.value,
            time_limit: time_limit.value,
            page_limit: page_limit.value,
            max_jobs: max_jobs.value,
            tool_dir: None,
        },
        origin,
    ))
}

/// The `smtp.*` keys as the mailer's configuration, checked here so that a bad URL or sender
/// stops visanav at start with the key and where it came from (never the password).
fn mail_settings(layers: &Layers, data_dir: &Path) -> Result<Setting<visanav_mail::MailConfig>> {
    let url = layers.get("smtp.url");
    let from = layers.parse("smtp.from", visanav_mail::DEFAULT_FROM.to_string(), |s| {
        Ok(s.trim().to_string())
    })?;
    let url_origin = url.map_or(Origin::Default, |(_, o)| o);
    let config = visanav_mail::MailConfig {
        smtp_url: url.map(|(u, _)| visanav_mail::SmtpUrl::new(u)),
        from: from.value,
        outbox_dir: data_dir.join("outbox-mail"),
    };
    if let Err(e) = visanav_mail::Mailer::new(config.clone()) {
        let origin = match &e {
            visanav_mail::MailError::Config { setting, .. } if *setting == "smtp.from" => {
                from.origin
            }
            _ => url_origin,
        };
        bail!("{e} (from {})", origin.label());
    }
    let origin = std::cmp::max_by_key(url_origin, from.origin, |o| *o as u8);
    Ok(Setting::new(config, origin))
}

fn default_listen() -> SocketAddr {
    DEFAULT_LISTEN
        .parse()
        .unwrap_or(SocketAddr::from(([127, 0, 0, 1], 8080)))
}

fn parse_public_url(s: &str) -> Result<String, String> {
    let ok = (s.starts_with("https://") || s.starts_with("http://"))
        && s.split_once("://").is_some_and(|(_, rest)| {
            !rest.is_empty() && !rest.starts_with('/') && !rest.contains('@')
        });
    if ok {
        Ok(s.trim_end_matches('/').to_string())
    } else {
        Err("is not an http(s) URL such as https://visanav.example.org".into())
    }
}

/// Hides the password in a database URL: `postgres://u:secret@h/db` -> `postgres://u:****@h/db`.
pub fn mask_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let (authority, path) = match rest.find('/') {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    let masked_authority = match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _password)) => format!("{user}:****@{host}"),
            None => format!("{userinfo}@{host}"),
        },
        None => authority.to_string(),
    };
    // Passwords can also hide in the query string (`?password=`).
    let path = match path.split_once('?') {
        Some((p, query)) => {
            let q: Vec<String> = query
                .split('&')
                .map(|kv| match kv.split_once('=') {
                    Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}=****"),
                    _ => kv.to_string(),
                })
                .collect();
            format!("{p}?{}", q.join("&"))
        }
        None => path.to_string(),
    };
    format!("{scheme}://{masked_authority}{path}")
}

#[cfg(test)]
mod tests;
