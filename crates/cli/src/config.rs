//! Effective configuration: built-in defaults, then the TOML config file, then environment
//! variables, then command-line flags (later wins). Secrets may come from a file named by a
//! `*_FILE` variable or key. `visanav config show` prints the result with secrets masked and
//! where each value came from.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use serde::Deserialize;

pub const CONFIG_FILE_NAME: &str = "visanav.toml";
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

/// Where a setting's value came from, for `config show`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    Default,
    File,
    Env,
    Flag,
}

impl Origin {
    fn label(self) -> &'static str {
        match self {
            Origin::Default => "default",
            Origin::File => "config file",
            Origin::Env => "environment",
            Origin::Flag => "command line",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Setting<T> {
    pub value: T,
    pub origin: Origin,
}

impl<T> Setting<T> {
    fn new(value: T, origin: Origin) -> Self {
        Setting { value, origin }
    }
}

/// The keys a config file may hold.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    data_dir: Option<PathBuf>,
    listen: Option<String>,
    database_url: Option<String>,
    database_url_file: Option<PathBuf>,
    key_file: Option<PathBuf>,
    knowledge_dir: Option<PathBuf>,
    log: Option<String>,
    ocr: Option<FileOcr>,
}

/// The `[ocr]` table: reading photos and scanned PDFs.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileOcr {
    languages: Option<String>,
    time_limit_secs: Option<u64>,
    page_limit: Option<u32>,
    max_jobs: Option<usize>,
}

/// What the command line and environment said, before layering. Flags and environment
/// variables both arrive through clap; `from_env` tells which.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub config: Option<(PathBuf, Origin)>,
    pub data_dir: Option<(PathBuf, Origin)>,
    pub listen: Option<(String, Origin)>,
    pub database_url: Option<(String, Origin)>,
    pub key_file: Option<(PathBuf, Origin)>,
    pub knowledge_dir: Option<(PathBuf, Origin)>,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub config_file: Setting<Option<PathBuf>>,
    pub data_dir: Setting<PathBuf>,
    pub listen: Setting<SocketAddr>,
    /// May hold a password: print only through [`mask_url`].
    pub database_url: Setting<String>,
    pub key_file: Setting<PathBuf>,
    pub knowledge_dir: Setting<Option<PathBuf>>,
    pub log: Setting<String>,
    pub ocr: OcrSettings,
}

/// Reading photos and scanned PDFs: `ocr.*` keys, `VISANAV_OCR_*` variables.
#[derive(Debug, Clone)]
pub struct OcrSettings {
    /// tesseract languages, e.g. `eng+spa`.
    pub languages: Setting<String>,
    /// The most one file may take, in seconds.
    pub time_limit_secs: Setting<u64>,
    /// Pages of a PDF read at most.
    pub page_limit: Setting<u32>,
    /// Files the server reads at once; more are told to try again.
    pub max_jobs: Setting<usize>,
}

impl OcrSettings {
    /// Defaults, then the config file's `[ocr]` table, then the environment (`env` looks a
    /// variable up; the old name `VISANAV_OCR_LANGS` still works for the languages).
    fn load(file: Option<FileOcr>, env: &dyn Fn(&str) -> Option<String>) -> Result<OcrSettings> {
        let file = file.unwrap_or_default();
        let d = visanav_extract::ExtractConfig::default();
        let languages = layered(
            "ocr.languages",
            &["VISANAV_OCR_LANGUAGES", "VISANAV_OCR_LANGS"],
            file.languages,
            d.languages,
            env,
        )?;
        if !visanav_extract::valid_languages(&languages.value) {
            bail!(
                "ocr.languages {:?} (from {}) is not a list of tesseract languages; use codes \
                 joined by +, e.g. \"eng\" or \"eng+spa\" (`tesseract --list-langs` shows them)",
                languages.value,
                languages.origin.label()
            );
        }
        let ocr = OcrSettings {
            languages,
            time_limit_secs: layered(
                "ocr.time_limit_secs",
                &["VISANAV_OCR_TIME_LIMIT_SECS"],
                file.time_limit_secs,
                d.time_limit.as_secs(),
                env,
            )?,
            page_limit: layered(
                "ocr.page_limit",
                &["VISANAV_OCR_PAGE_LIMIT"],
                file.page_limit,
                d.page_limit,
                env,
            )?,
            max_jobs: layered(
                "ocr.max_jobs",
                &["VISANAV_OCR_MAX_JOBS"],
                file.max_jobs,
                d.max_jobs,
                env,
            )?,
        };
        for (key, value, origin) in [
            (
                "ocr.time_limit_secs",
                ocr.time_limit_secs.value,
                ocr.time_limit_secs.origin,
            ),
            (
                "ocr.page_limit",
                u64::from(ocr.page_limit.value),
                ocr.page_limit.origin,
            ),
            (
                "ocr.max_jobs",
                ocr.max_jobs.value as u64,
                ocr.max_jobs.origin,
            ),
        ] {
            if value == 0 {
                bail!(
                    "{key} is 0 (from {}); it must be at least 1",
                    origin.label()
                );
            }
        }
        Ok(ocr)
    }
}

/// A key's value from the environment (the first of `vars` that is set), else the config
/// file, else the default.
fn layered<T: FromStr>(
    key: &str,
    vars: &[&str],
    file: Option<T>,
    default: T,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Setting<T>>
where
    T::Err: std::fmt::Display,
{
    if let Some((var, text)) = vars.iter().find_map(|v| env(v).map(|t| (*v, t))) {
        let value = text
            .trim()
            .parse::<T>()
            .map_err(|e| anyhow::anyhow!("{var}={text:?} is not a valid value for {key}: {e}"))?;
        return Ok(Setting::new(value, Origin::Env));
    }
    Ok(match file {
        Some(v) => Setting::new(v, Origin::File),
        None => Setting::new(default, Origin::Default),
    })
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

impl Config {
    pub fn load(o: &Overrides) -> Result<Config> {
        let data_dir_early = match &o.data_dir {
            Some((d, _)) => d.clone(),
            None => default_data_dir()?,
        };
        let (config_path, config_origin, must_exist) = match &o.config {
            Some((p, origin)) => (p.clone(), *origin, true),
            None => (
                data_dir_early.join(CONFIG_FILE_NAME),
                Origin::Default,
                false,
            ),
        };
        let file: FileConfig = match std::fs::read_to_string(&config_path) {
            Ok(text) => toml::from_str(&text).with_context(|| {
                format!(
                    "the config file {} is not valid; see the README's Configuration section",
                    config_path.display()
                )
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !must_exist => {
                FileConfig::default()
            }
            Err(e) => bail!("cannot read the config file {}: {e}", config_path.display()),
        };
        let config_file = Setting::new(config_path.exists().then_some(config_path), config_origin);

        let data_dir = match (&o.data_dir, file.data_dir) {
            (Some((d, origin)), _) => Setting::new(d.clone(), *origin),
            (None, Some(d)) => Setting::new(d, Origin::File),
            (None, None) => Setting::new(data_dir_early, Origin::Default),
        };

        let listen_text = match (&o.listen, file.listen) {
            (Some((l, origin)), _) => Setting::new(l.clone(), *origin),
            (None, Some(l)) => Setting::new(l, Origin::File),
            (None, None) => Setting::new(DEFAULT_LISTEN.to_string(), Origin::Default),
        };
        let listen = Setting::new(
            listen_text.value.parse::<SocketAddr>().with_context(|| {
                format!(
                    "listen address {:?} (from {}) is not an IP address and port; use e.g. 127.0.0.1:8080",
                    listen_text.value,
                    listen_text.origin.label()
                )
            })?,
            listen_text.origin,
        );

        let env_url_file = std::env::var_os("VISANAV_DATABASE_URL_FILE").map(PathBuf::from);
        let database_url = match (
            &o.database_url,
            env_url_file,
            file.database_url,
            file.database_url_file,
        ) {
            (Some((u, origin)), _, _, _) => Setting::new(u.clone(), *origin),
            (None, Some(f), _, _) => {
                Setting::new(read_secret_file(&f, "database URL")?, Origin::Env)
            }
            (None, None, Some(u), _) => Setting::new(u, Origin::File),
            (None, None, None, Some(f)) => {
                Setting::new(read_secret_file(&f, "database URL")?, Origin::File)
            }
            (None, None, None, None) => Setting::new(
                sqlite_url(&data_dir.value.join("visanav.db")),
                Origin::Default,
            ),
        };
        if !(database_url.value.starts_with("sqlite:")
            || database_url.value.starts_with("postgres:")
            || database_url.value.starts_with("postgresql:"))
        {
            bail!(
                "database URL {} (from {}) is not supported; use postgres://USER:PASSWORD@HOST:PORT/DB or sqlite:///path/to/visanav.db",
                mask_url(&database_url.value),
                database_url.origin.label()
            );
        }

        let key_file = match (&o.key_file, file.key_file) {
            (Some((k, origin)), _) => Setting::new(k.clone(), *origin),
            (None, Some(k)) => Setting::new(k, Origin::File),
            (None, None) => Setting::new(data_dir.value.join("visanav.key"), Origin::Default),
        };
        let knowledge_dir = match (&o.knowledge_dir, file.knowledge_dir) {
            (Some((k, origin)), _) => Setting::new(Some(k.clone()), *origin),
            (None, Some(k)) => Setting::new(Some(k), Origin::File),
            (None, None) => Setting::new(None, Origin::Default),
        };
        let log = match (std::env::var("RUST_LOG").ok(), file.log) {
            (Some(l), _) => Setting::new(l, Origin::Env),
            (None, Some(l)) => Setting::new(l, Origin::File),
            (None, None) => Setting::new("info".to_string(), Origin::Default),
        };
        let ocr = OcrSettings::load(file.ocr, &|var| std::env::var(var).ok())?;
        Ok(Config {
            config_file,
            data_dir,
            listen,
            database_url,
            key_file,
            knowledge_dir,
            log,
            ocr,
        })
    }

    /// How text is extracted from uploaded files, from the `ocr.*` settings.
    pub fn extract_config(&self) -> visanav_extract::ExtractConfig {
        visanav_extract::ExtractConfig {
            languages: self.ocr.languages.value.clone(),
            time_limit: Duration::from_secs(self.ocr.time_limit_secs.value),
            page_limit: self.ocr.page_limit.value,
            max_jobs: self.ocr.max_jobs.value,
            tool_dir: None,
        }
    }

    /// The effective configuration as TOML, secrets masked, each line commented with its
    /// origin. The output is itself a valid config file.
    pub fn show(&self) -> String {
        let line = |key: &str, value: String, origin: Origin| {
            format!("{key} = {value}  # {}\n", origin.label())
        };
        let quote = |s: &str| toml::Value::String(s.to_string()).to_string();
        let mut out = String::new();
        match &self.config_file.value {
            Some(p) => out.push_str(&format!("# config file: {}\n", p.display())),
            None => out.push_str("# config file: none (using defaults, environment and flags)\n"),
        }
        out.push_str(&line(
            "data_dir",
            quote(&self.data_dir.value.display().to_string()),
            self.data_dir.origin,
        ));
        out.push_str(&line(
            "listen",
            quote(&self.listen.value.to_string()),
            self.listen.origin,
        ));
        out.push_str(&line(
            "database_url",
            quote(&mask_url(&self.database_url.value)),
            self.database_url.origin,
        ));
        out.push_str(&line(
            "key_file",
            quote(&self.key_file.value.display().to_string()),
            self.key_file.origin,
        ));
        match &self.knowledge_dir.value {
            Some(k) => out.push_str(&line(
                "knowledge_dir",
                quote(&k.display().to_string()),
                self.knowledge_dir.origin,
            )),
            None => out.push_str("# knowledge_dir: built in\n"),
        }
        out.push_str(&line("log", quote(&self.log.value), self.log.origin));
        let ocr = &self.ocr;
        out.push_str(&line(
            "ocr.languages",
            quote(&ocr.languages.value),
            ocr.languages.origin,
        ));
        out.push_str(&line(
            "ocr.time_limit_secs",
            ocr.time_limit_secs.value.to_string(),
            ocr.time_limit_secs.origin,
        ));
        out.push_str(&line(
            "ocr.page_limit",
            ocr.page_limit.value.to_string(),
            ocr.page_limit.origin,
        ));
        out.push_str(&line(
            "ocr.max_jobs",
            ocr.max_jobs.value.to_string(),
            ocr.max_jobs.origin,
        ));
        out
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
mod tests {
    use super::*;

    #[test]
    fn masks_passwords() {
        assert_eq!(
            mask_url("postgres://app:s3cret@db:5432/visanav"),
            "postgres://app:****@db:5432/visanav"
        );
        assert_eq!(
            mask_url("postgres://app@db/visanav?password=x&sslmode=require"),
            "postgres://app@db/visanav?password=****&sslmode=require"
        );
        assert_eq!(mask_url("sqlite:///tmp/v.db"), "sqlite:///tmp/v.db");
    }

    #[test]
    fn layering_and_errors() {
        let dir = tempfile::tempdir().expect("tmp");
        let cfg = dir.path().join("c.toml");
        std::fs::write(
            &cfg,
            "listen = \"127.0.0.1:9000\"\ndatabase_url = \"postgres://u:pw@h/db\"\n",
        )
        .expect("w");
        let mut o = Overrides {
            config: Some((cfg.clone(), Origin::Flag)),
            data_dir: Some((dir.path().to_path_buf(), Origin::Flag)),
            ..Default::default()
        };
        let c = Config::load(&o).expect("load");
        assert_eq!(c.listen.value.port(), 9000);
        assert_eq!(c.listen.origin, Origin::File);
        assert!(c.show().contains("postgres://u:****@h/db"));
        assert!(!c.show().contains("pw@"));
        o.listen = Some(("127.0.0.1:9100".into(), Origin::Flag));
        assert_eq!(Config::load(&o).expect("load").listen.value.port(), 9100);
        o.listen = Some(("localhost".into(), Origin::Flag));
        let e = Config::load(&o).expect_err("bad listen").to_string();
        assert!(
            e.contains("\"localhost\"") && e.contains("127.0.0.1:8080"),
            "{e}"
        );
        std::fs::write(&cfg, "lisen = 1\n").expect("w");
        o.listen = None;
        let e = format!("{:#}", Config::load(&o).expect_err("unknown key"));
        assert!(e.contains("lisen"), "{e}");
    }

    #[test]
    fn ocr_keys_layer_defaults_file_and_environment() {
        let no_env = |_: &str| None;
        let d = OcrSettings::load(None, &no_env).expect("defaults");
        assert_eq!(d.languages.value, "eng");
        assert_eq!(d.languages.origin, Origin::Default);
        assert_eq!((d.page_limit.value, d.max_jobs.value), (6, 2));
        assert_eq!(d.time_limit_secs.value, 120);

        let file: FileConfig =
            toml::from_str("[ocr]\nlanguages = \"eng+spa\"\nmax_jobs = 3\n").expect("toml");
        let env = |var: &str| (var == "VISANAV_OCR_MAX_JOBS").then(|| "4".to_string());
        let s = OcrSettings::load(file.ocr, &env).expect("layered");
        assert_eq!(
            (s.languages.value.as_str(), s.languages.origin),
            ("eng+spa", Origin::File)
        );
        assert_eq!((s.max_jobs.value, s.max_jobs.origin), (4, Origin::Env));

        // The old variable still works; the new one wins over it.
        let old = |var: &str| (var == "VISANAV_OCR_LANGS").then(|| "eng+vie".to_string());
        let s = OcrSettings::load(None, &old).expect("old name");
        assert_eq!(
            (s.languages.value.as_str(), s.languages.origin),
            ("eng+vie", Origin::Env)
        );
        let both = |var: &str| match var {
            "VISANAV_OCR_LANGS" => Some("eng+vie".to_string()),
            "VISANAV_OCR_LANGUAGES" => Some("eng+tha".to_string()),
            _ => None,
        };
        let s = OcrSettings::load(None, &both).expect("both names");
        assert_eq!(s.languages.value, "eng+tha");

        let bad = |var: &str| (var == "VISANAV_OCR_TIME_LIMIT_SECS").then(|| "soon".to_string());
        let e = OcrSettings::load(None, &bad)
            .expect_err("not a number")
            .to_string();
        assert!(
            e.contains("VISANAV_OCR_TIME_LIMIT_SECS") && e.contains("soon"),
            "{e}"
        );
        let zero = |var: &str| (var == "VISANAV_OCR_MAX_JOBS").then(|| "0".to_string());
        let e = OcrSettings::load(None, &zero)
            .expect_err("zero")
            .to_string();
        assert!(
            e.contains("ocr.max_jobs") && e.contains("at least 1"),
            "{e}"
        );
        let file: FileConfig = toml::from_str("[ocr]\nlanguages = \"--psm 0\"\n").expect("toml");
        let e = OcrSettings::load(file.ocr, &no_env)
            .expect_err("bad languages")
            .to_string();
        assert!(e.contains("config file") && e.contains("eng+spa"), "{e}");
        assert!(toml::from_str::<FileConfig>("[ocr]\nlangs = \"eng\"\n").is_err());
    }
}
