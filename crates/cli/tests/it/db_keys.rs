//! The key file and the database: key privacy, no clear-text personal data, migrations.

use std::path::Path;

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
}

/// What visanav says when the key file is missing and the database holds encrypted data.
fn missing_key_message(key: &Path, database: &str) -> String {
    format!(
        "error: the key file {key} is missing, but the database {database} already holds \
         encrypted personal data. visanav will not create a new key, because a new key cannot \
         read that data. Restore the key file from your backup to {key}, or point --key-file \
         (or key_file in the config file) at it. Nothing was changed\n",
        key = key.display()
    )
}

/// What a refused command must not change: the files in the data directory (no key file,
/// nothing new) and every stored row (SQLite may checkpoint its log into the database file
/// on close, which changes bytes but not data).
fn snapshot(dir: &Path) -> (Vec<String>, Vec<String>) {
    use sqlx::{Connection, Row};
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| !n.ends_with("-wal") && !n.ends_with("-shm"))
        .collect();
    files.sort();
    let url = format!("sqlite://{}?mode=ro", dir.join("visanav.db").display());
    let rows = tokio::runtime::Runtime::new()
        .expect("runtime")
        .block_on(async {
            let mut c = sqlx::SqliteConnection::connect(&url)
                .await
                .expect("connect");
            let mut rows = Vec::new();
            for table in [
                "cases",
                "status_observations",
                "refusals",
                "case_documents",
                "notices",
                "_sqlx_migrations",
            ] {
                let sql = format!("SELECT * FROM {table} ORDER BY 1");
                for row in sqlx::query(&sql).fetch_all(&mut c).await.expect("select") {
                    let cells: Vec<String> = (0..row.len())
                        .map(|i| {
                            row.try_get::<Option<String>, _>(i)
                                .map(|v| format!("{v:?}"))
                                .or_else(|_| {
                                    row.try_get::<Option<Vec<u8>>, _>(i)
                                        .map(|v| format!("{v:?}"))
                                })
                                .or_else(|_| {
                                    row.try_get::<Option<i64>, _>(i).map(|v| format!("{v:?}"))
                                })
                                .unwrap_or_else(|_| "?".into())
                        })
                        .collect();
                    rows.push(format!("{table}: {}", cells.join(" | ")));
                }
            }
            c.close().await.expect("close");
            rows
        });
    assert!(
        rows.iter()
            .any(|r| r.starts_with("cases: ") && !r.contains('?')),
        "every cell was read: {rows:?}"
    );
    (files, rows)
}

/// A lost key file must never be papered over with a new key: the database's data would be
/// unreadable with it, and the real problem (restore the key) would hide behind decryption
/// errors. The refusal says where the key was expected and what to do, and writes nothing.
#[test]
fn missing_key_for_a_database_with_data_is_refused_and_nothing_is_written() {
    let env = Env::sqlite();
    let id = env.import_example();
    let key = env.dir.path().join("visanav.key");
    let backup = tempfile::tempdir().expect("tempdir");
    let saved = backup.path().join("visanav.key");
    std::fs::rename(&key, &saved).expect("move the key away");
    let before = snapshot(env.dir.path());
    let database = format!("sqlite://{}", env.dir.path().join("visanav.db").display());
    for args in [
        &["case", "list"][..],
        &["case", "show", &id],
        &["db", "migrate"],
        &["plan", &id],
    ] {
        let out = env.run(args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert_eq!(
            String::from_utf8_lossy(&out.stderr),
            missing_key_message(&key, &database),
            "{args:?}"
        );
        assert!(out.stdout.is_empty(), "{args:?}");
        assert!(!key.exists(), "{args:?} created a key file");
        assert_eq!(
            snapshot(env.dir.path()),
            before,
            "{args:?} wrote to the data directory"
        );
    }
    // `db check` reads no personal data: it works without the key, and creates none.
    let check = env.ok(&["db", "check"]);
    assert!(check.contains("up to date"), "{check}");
    assert!(!key.exists());
    // The advice works: point --key-file at the backup.
    let shown = env.ok(&[
        "case",
        "show",
        &id,
        "--key-file",
        saved.to_str().expect("p"),
    ]);
    assert!(shown.contains("Maria Clara Santos"), "{shown}");
    // Or restore it where it was expected.
    std::fs::rename(&saved, &key).expect("restore");
    assert!(
        env.ok(&["case", "show", &id])
            .contains("Maria Clara Santos")
    );
}

/// A key is still created without asking for a new database, and for one that holds no
/// encrypted data (every case deleted).
#[test]
fn a_key_is_created_for_a_new_or_empty_database() {
    let env = Env::sqlite();
    let key = env.dir.path().join("visanav.key");
    let out = env.run(&["case", "list"]);
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with(&format!("Created a new key file at {} ", key.display())),
        "{err}"
    );
    assert!(key.exists());
    let id = env.import_example();
    env.ok(&["case", "delete", &id, "--yes"]);
    std::fs::remove_file(&key).expect("rm key");
    let out = env.run(&["case", "list"]);
    assert!(
        out.status.success()
            && String::from_utf8_lossy(&out.stderr).contains("Created a new key file"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(key.exists());
}

/// With a valid key file that is not the database's key, reading fails on decryption, and
/// says so; no key is created or replaced.
#[test]
fn wrong_key_fails_on_decryption() {
    let env = Env::sqlite();
    let id = env.import_example();
    let key = env.dir.path().join("visanav.key");
    std::fs::remove_file(&key).expect("rm key");
    let wrong = format!("{}\n", "ab".repeat(32));
    std::fs::write(&key, &wrong).expect("write wrong key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    }
    for args in [&["case", "list"][..], &["case", "show", &id]] {
        let out = env.run(args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert_eq!(
            String::from_utf8_lossy(&out.stderr),
            "error: stored personal data could not be decrypted: the key file does not match \
             this database (was the key file replaced or lost?), or the data was altered\n",
            "{args:?}"
        );
        assert_eq!(
            std::fs::read_to_string(&key).expect("key"),
            wrong,
            "key untouched"
        );
    }
}

/// The same refusal on PostgreSQL, whose "holds encrypted data" check is its own SQL.
#[tokio::test]
async fn postgres_missing_key_is_refused() {
    let Some((env, admin, name)) = postgres_env().await else {
        return;
    };
    let result = tokio::task::spawn_blocking(move || {
        env.import_example();
        let key = env.dir.path().join("visanav.key");
        std::fs::remove_file(&key).expect("rm key");
        let out = env.run(&["case", "list"]);
        assert_eq!(out.status.code(), Some(1));
        let url = env.database_url.clone().expect("url");
        assert_eq!(
            String::from_utf8_lossy(&out.stderr),
            missing_key_message(&key, &url)
        );
        assert!(!key.exists());
    })
    .await;
    drop_postgres(&admin, &name).await;
    result.expect("postgres leg");
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

/// Applies the store's SQLite migrations up to `version` only, as an older visanav would have.
async fn migrate_sqlite_up_to(url: &str, version: i64) {
    use sqlx::Connection;
    use sqlx::migrate::{Migrate, Migrator};
    let dir = repo_root().join("crates/store/migrations/sqlite");
    let migrator = Migrator::new(dir.as_path()).await.expect("migrations");
    let mut c = sqlx::SqliteConnection::connect(&format!("{url}?mode=rwc"))
        .await
        .expect("connect");
    c.ensure_migrations_table().await.expect("table");
    for m in migrator.iter().filter(|m| m.version <= version) {
        c.apply(m).await.expect("apply");
    }
    c.close().await.expect("close");
}

/// A database an older visanav left at an earlier schema is reported as pending (exit 3), and
/// one with a migration recorded as failed is reported as such (exit 4), with what to do;
/// `db migrate` refuses to go on from a failed migration.
#[tokio::test]
async fn db_check_reports_part_migrated_and_failed_migrations() {
    let env = Env::sqlite();
    let db = env.dir.path().join("visanav.db");
    let url = format!("sqlite://{}", db.display());
    migrate_sqlite_up_to(&url, 1).await;
    let env = tokio::task::spawn_blocking(move || {
        let out = env.run(&["db", "check"]);
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        assert_eq!(out.status.code(), Some(3), "{text}");
        let latest = visanav_store::latest_migration();
        // Every migration after the first is pending (numbers may have gaps: they are
        // handed out to branches in advance).
        let pending = std::fs::read_dir(repo_root().join("crates/store/migrations/sqlite"))
            .expect("migrations")
            .count()
            - 1;
        assert!(
            text.contains(&format!(
                "schema version: 1 (this visanav knows up to {latest})"
            )) && text.contains(&format!(
                "migrations: {pending} pending; run `visanav db migrate`"
            )),
            "{text}"
        );
        env
    })
    .await
    .expect("check");

    // Migration 2 recorded as started but not finished.
    {
        use sqlx::Connection;
        let mut c = sqlx::SqliteConnection::connect(&url)
            .await
            .expect("connect");
        sqlx::query(
            "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time)
             VALUES (2, 'notices', FALSE, X'00', -1)",
        )
        .execute(&mut c)
        .await
        .expect("insert failed migration");
        c.close().await.expect("close");
    }
    tokio::task::spawn_blocking(move || {
        let advice = format!(
            "migration 2 of the database {url} did not finish (recorded with success = false in \
             _sqlx_migrations), so its schema may be half-changed. visanav will not migrate it \
             further. Restore the database from the backup taken before the upgrade, then run \
             `visanav db migrate` again"
        );
        let out = env.run(&["db", "check"]);
        let text = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(4), "{text}");
        assert!(
            text.contains(&format!("migrations: FAILED; {advice}\n")),
            "{text}"
        );
        let out = env.run(&["db", "migrate"]);
        assert_eq!(out.status.code(), Some(1));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.ends_with(&format!("\nerror: {advice}\n")), "{err}");
    })
    .await
    .expect("failed migration");
}
