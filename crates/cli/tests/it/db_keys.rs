//! The key file and the database: key privacy, no clear-text personal data, migrations.

use crate::support::*;

#[test]
fn key_file_is_private_and_database_has_no_clear_pii() {
    let env = Env::sqlite();
    env.import_example();
    let key = env.dir.path().join("visanav.key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&key).expect("key").permissions().mode() & 0o777,
            0o600
        );
    }
    let mut bytes = Vec::new();
    for e in std::fs::read_dir(env.dir.path()).expect("dir") {
        let p = e.expect("entry").path();
        if p.file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with("visanav.db"))
        {
            bytes.extend(std::fs::read(p).expect("read"));
        }
    }
    let text = String::from_utf8_lossy(&bytes);
    assert!(text.contains("MNL2025512345"));
    assert!(!text.contains("P1234567A"), "passport number in clear text");
    assert!(!text.contains("Whitfield"), "name in clear text");
    // Without the right key the data is unreadable, and the error says why.
    std::fs::remove_file(&key).expect("rm key");
    let out = env.run(&["case", "list"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("key file"), "{err}");
}

#[test]
fn db_migrate_and_check_report_the_schema() {
    let env = Env::sqlite();
    let check = env.run(&["db", "check"]);
    let text = String::from_utf8_lossy(&check.stdout);
    assert_eq!(
        check.status.code(),
        Some(3),
        "pending migrations on a new database: {text}"
    );
    assert!(text.contains("pending"), "{text}");
    let migrated = env.ok(&["db", "migrate"]);
    assert!(migrated.contains("Applied"), "{migrated}");
    let again = env.ok(&["db", "migrate"]);
    assert!(again.contains("up to date"), "{again}");
    let check = env.ok(&["db", "check"]);
    assert!(
        check.contains("SQLite")
            && check.contains("connection: ok")
            && check.contains("up to date"),
        "{check}"
    );
}
