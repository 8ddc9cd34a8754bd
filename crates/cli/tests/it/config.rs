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
