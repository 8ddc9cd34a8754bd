//! `visanav config show`: effective settings with their origins, secrets masked.

use crate::support::*;

#[test]
fn config_show_masks_secrets_and_reads_file_variables() {
    let env = Env::sqlite();
    let secret = env.write(
        "db-url",
        "postgres://visanav:hunter2@db.internal:5432/visanav\n",
    );
    let out = env
        .cmd(&["config", "show"])
        .env("VISANAV_DATABASE_URL_FILE", &secret)
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("postgres://visanav:****@db.internal:5432/visanav"),
        "{text}"
    );
    assert!(!text.contains("hunter2"));
    assert!(text.contains("# environment"));
    let cfg = env.write("visanav.toml", "listen = \"127.0.0.1:9999\"\n");
    let text = env.ok(&["config", "show"]);
    assert!(
        text.contains(&cfg.display().to_string())
            && text.contains("127.0.0.1:9999\"  # config file"),
        "{text}"
    );
    let text = env.ok(&[
        "config",
        "show",
        "--data-dir",
        env.dir.path().to_str().expect("p"),
    ]);
    assert!(text.contains("data_dir"), "{text}");
}

#[test]
fn config_show_lists_the_ocr_keys_with_their_origins() {
    let env = Env::sqlite();
    let text = env.ok(&["config", "show"]);
    let ocr = |text: &str| text[text.find("[ocr]").expect("[ocr] table")..].to_string();
    for line in [
        "languages = \"eng\"  # default",
        "time_limit_secs = \"120\"  # default",
        "page_limit = \"6\"  # default",
        "max_jobs = \"2\"  # default",
    ] {
        assert!(ocr(&text).contains(line), "{line} in\n{text}");
    }
    env.write(
        "visanav.toml",
        "[ocr]\nlanguages = \"eng+spa\"\npage_limit = 2\n",
    );
    let out = env
        .cmd(&["config", "show"])
        .env("VISANAV_OCR_MAX_JOBS", "4")
        .env("VISANAV_OCR_TIME_LIMIT_SECS", "30")
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for line in [
        "languages = \"eng+spa\"  # config file",
        "time_limit_secs = \"30\"  # environment",
        "page_limit = \"2\"  # config file",
        "max_jobs = \"4\"  # environment",
    ] {
        assert!(ocr(&text).contains(line), "{line} in\n{text}");
    }
    // What `config show` prints is itself a config file that gives the same values.
    env.write("visanav.toml", &text);
    let again = env.ok(&["config", "show"]);
    assert!(
        ocr(&again).contains("max_jobs = \"4\"  # config file"),
        "{again}"
    );
    let out = env
        .cmd(&["config", "show"])
        .env("VISANAV_OCR_PAGE_LIMIT", "many")
        .output()
        .expect("run");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success()
            && err.contains("ocr.page_limit \"many\" (from environment)")
            && err.contains("whole number"),
        "{err}"
    );
    // The old variable name for the languages still works.
    let out = env
        .cmd(&["config", "show"])
        .env("VISANAV_OCR_LANGS", "eng+vie")
        .output()
        .expect("run");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("languages = \"eng+vie\"  # environment")
    );
}
