//! The configuration's layering, masking and error messages.

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

fn overrides(dir: &Path, cfg: &Path) -> Overrides {
    let mut o = Overrides {
        config: Some((cfg.to_path_buf(), Origin::Flag)),
        ..Default::default()
    };
    o.set("data_dir", Some(dir.display().to_string()), Origin::Flag);
    o
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
    let mut o = overrides(dir.path(), &cfg);
    let c = Config::load(&o).expect("load");
    assert_eq!(c.listen.value.port(), 9000);
    assert_eq!(c.listen.origin, Origin::File);
    assert!(c.show().contains("postgres://u:****@h/db"));
    assert!(!c.show().contains("pw@"));
    o.set("listen", Some("127.0.0.1:9100".into()), Origin::Flag);
    assert_eq!(Config::load(&o).expect("load").listen.value.port(), 9100);
    o.set("listen", Some("localhost".into()), Origin::Flag);
    let e = Config::load(&o).expect_err("bad listen").to_string();
    assert!(
        e.contains("\"localhost\"") && e.contains("127.0.0.1:8080") && e.contains("command line"),
        "{e}"
    );
    std::fs::write(&cfg, "lisen = 1\n").expect("w");
    let o = overrides(dir.path(), &cfg);
    let e = format!("{:#}", Config::load(&o).expect_err("unknown key"));
    assert!(e.contains("`lisen`") && e.contains("listen"), "{e}");
}

#[test]
fn secrets_never_reach_debug_and_show_masks_them() {
    let dir = tempfile::tempdir().expect("tmp");
    let cfg = dir.path().join("c.toml");
    let secret_file = dir.path().join("db-url");
    std::fs::write(&secret_file, "postgres://app:hunter2@db/visanav\n").expect("w");
    std::fs::write(
        &cfg,
        format!(
            "database_url_file = {:?}\npublic_url = \"https://Visa.Example.org/\"\nrequest_timeout_secs = 30\n",
            secret_file.display().to_string()
        ),
    )
    .expect("w");
    let c = Config::load(&overrides(dir.path(), &cfg)).expect("load");
    assert_eq!(
        c.database_url.value.expose(),
        "postgres://app:hunter2@db/visanav"
    );
    assert!(
        !format!("{c:?}").contains("hunter2"),
        "Debug holds the password"
    );
    let shown = c.show();
    assert!(
        !shown.contains("hunter2") && shown.contains("app:****@db"),
        "{shown}"
    );
    assert!(
        shown.contains("request_timeout_secs = \"30\"  # config file"),
        "{shown}"
    );
    assert_eq!(c.public_host().as_deref(), Some("visa.example.org"));
    assert_eq!(c.request_timeout.value, Duration::from_secs(30));
    // What config show prints is itself a config file that loads.
    let again = dir.path().join("again.toml");
    std::fs::write(&again, &shown).expect("w");
    Config::load(&overrides(dir.path(), &again)).expect("show output loads");
}

#[test]
fn smtp_settings_become_the_mail_config_with_the_password_masked() {
    let dir = tempfile::tempdir().expect("tmp");
    let cfg = dir.path().join("c.toml");
    std::fs::write(&cfg, "").expect("w");
    let c = Config::load(&overrides(dir.path(), &cfg)).expect("empty config file");
    let mail = c.mail_config();
    assert!(mail.smtp_url.is_none());
    assert_eq!(mail.outbox_dir, dir.path().join("outbox-mail"));
    assert!(c.show().contains("# smtp.url: not set"), "{}", c.show());

    let url_file = dir.path().join("smtp-url");
    std::fs::write(&url_file, "smtps://mailer:hunter2@mail.example.org\n").expect("w");
    std::fs::write(
        &cfg,
        format!(
            "[smtp]\nurl_file = {:?}\nfrom = \"visanav <noreply@example.org>\"\n",
            url_file.display().to_string()
        ),
    )
    .expect("w");
    let c = Config::load(&overrides(dir.path(), &cfg)).expect("load");
    let mail = c.mail_config();
    assert_eq!(
        mail.smtp_url.as_ref().map(|u| u.expose()),
        Some("smtps://mailer:hunter2@mail.example.org")
    );
    assert_eq!(mail.from, "visanav <noreply@example.org>");
    assert_eq!(c.smtp.origin, Origin::File);
    let shown = c.show();
    assert!(
        shown.contains("url = \"smtps://mailer:****@mail.example.org\"")
            && shown.contains("from = \"visanav <noreply@example.org>\""),
        "{shown}"
    );
    assert!(!shown.contains("hunter2") && !format!("{c:?}").contains("hunter2"));

    for (text, wanted, origin) in [
        (
            "[smtp]\nurl = \"http://mailer:hunter2@mail.example.org\"\nfrom = \"a@example.org\"",
            "smtp.url: ",
            "(from config file)",
        ),
        (
            "[smtp]\nurl = \"smtps://mailer:hunter2@mail.example.org\"",
            "smtp.from: ",
            "(from default)",
        ),
    ] {
        std::fs::write(&cfg, text).expect("w");
        let e = format!(
            "{:#}",
            Config::load(&overrides(dir.path(), &cfg)).expect_err(text)
        );
        assert!(e.contains(wanted) && e.contains(origin), "{e}");
        assert!(!e.contains("hunter2"), "{e}");
    }
}

#[test]
fn every_key_is_documented_and_named_consistently() {
    for k in KEYS {
        assert!(!k.help.is_empty(), "{}", k.name);
        let expected = format!("VISANAV_{}", k.name.replace('.', "_").to_ascii_uppercase());
        assert!(
            k.env == expected || k.name == "log" || SHORT_ENV_NAMES.contains(&k.env),
            "{} uses {}",
            k.name,
            k.env
        );
    }
}

#[test]
fn bad_values_name_the_key_and_the_fix() {
    let dir = tempfile::tempdir().expect("tmp");
    let cfg = dir.path().join("c.toml");
    for (text, wanted) in [
        (
            "request_timeout_secs = 0",
            "request_timeout_secs \"0\" (from config file) is not a number of seconds",
        ),
        (
            "public_url = \"visa.example.org\"",
            "public_url \"visa.example.org\" (from config file) is not an http(s) URL",
        ),
        (
            "database_url = \"mysql://u:pw@h/db\"",
            "database URL mysql://u:****@h/db (from config file) is not supported",
        ),
        (
            "[consult]\nhold_hours = 0",
            "consult.hold_hours \"0\" (from config file) is not a whole number of hours from 1 to 720",
        ),
    ] {
        std::fs::write(&cfg, text).expect("w");
        let e = format!(
            "{:#}",
            Config::load(&overrides(dir.path(), &cfg)).expect_err(text)
        );
        assert!(e.contains(wanted), "{e}");
        assert!(!e.contains("pw@"), "{e}");
    }
}
