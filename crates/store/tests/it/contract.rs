//! The storage contract: every behaviour the rest of visanav relies on, run against SQLite
//! always and against PostgreSQL when `VISANAV_TEST_POSTGRES_URL` is set (one fresh database
//! per test on that server).

use sqlx::Connection;
use visanav_core::casefile::{CaseFile, Format, Refusal, StatusObservation};
use visanav_core::ids::PassportNumber;
use visanav_core::knowledge::{Knowledge, StatusSource};
use visanav_store::{Backend, CaseId, Crypto, LOCAL_ACCOUNT, NewNotice, Store, StoreError};

const EXAMPLE: &str = include_str!("../../../../examples/k1-manila-221g.toml");
const OTHER_OWNER: &str = "00000000-0000-7000-8000-0000000000ff";

struct TestDb {
    label: &'static str,
    url: String,
    store: Store,
    _dir: Option<tempfile::TempDir>,
    pg: Option<(String, String)>,
}

impl TestDb {
    async fn sqlite(crypto: Crypto) -> TestDb {
        let dir = tempfile::tempdir().expect("tempdir");
        let url = format!("sqlite://{}", dir.path().join("visanav.db").display());
        let store = Store::open(&url, crypto).await.expect("open sqlite");
        TestDb {
            label: "sqlite",
            url,
            store,
            _dir: Some(dir),
            pg: None,
        }
    }

    async fn postgres(admin_url: &str, crypto: Crypto) -> TestDb {
        let name = format!("t_{}", uuid::Uuid::now_v7().simple());
        let mut admin = sqlx::PgConnection::connect(admin_url)
            .await
            .expect("connect to test PostgreSQL");
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .await
            .expect("create db");
        admin.close().await.ok();
        let base = admin_url
            .rsplit_once('/')
            .map(|(b, _)| b)
            .expect("URL with a database path");
        let url = format!("{base}/{name}");
        let store = Store::open(&url, crypto).await.expect("open postgres");
        TestDb {
            label: "postgres",
            url,
            store,
            _dir: None,
            pg: Some((admin_url.to_string(), name)),
        }
    }

    /// Stores the example case for the local account.
    async fn new_case(&self) -> CaseId {
        self.store
            .create_case(LOCAL_ACCOUNT, &example())
            .await
            .expect("create")
    }

    /// Runs SQL on a connection of our own, bypassing the store (to prove what the database
    /// itself enforces).
    async fn raw_execute(&self, sql: &str) -> Result<(), sqlx::Error> {
        match self.store.backend() {
            Backend::Sqlite => {
                let mut c = sqlx::SqliteConnection::connect(&self.url)
                    .await
                    .expect("connect");
                sqlx::query(sql).execute(&mut c).await.map(|_| ())
            }
            Backend::Postgres => {
                let mut c = sqlx::PgConnection::connect(&self.url)
                    .await
                    .expect("connect");
                sqlx::query(sql).execute(&mut c).await.map(|_| ())
            }
        }
    }

    /// A count from SQL with one text bind, on a connection of our own.
    async fn raw_count(&self, sql: &str, bind: &str) -> i64 {
        match self.store.backend() {
            Backend::Sqlite => {
                let mut c = sqlx::SqliteConnection::connect(&self.url)
                    .await
                    .expect("connect");
                sqlx::query_scalar(sql)
                    .bind(bind)
                    .fetch_one(&mut c)
                    .await
                    .expect("count")
            }
            Backend::Postgres => {
                let mut c = sqlx::PgConnection::connect(&self.url)
                    .await
                    .expect("connect");
                sqlx::query_scalar(sql)
                    .bind(bind)
                    .fetch_one(&mut c)
                    .await
                    .expect("count")
            }
        }
    }

    async fn cleanup(self) {
        self.store.close().await;
        if let Some((admin_url, name)) = self.pg {
            let mut admin = sqlx::PgConnection::connect(&admin_url)
                .await
                .expect("connect");
            sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut admin)
                .await
                .expect("drop db");
        }
    }
}

fn crypto() -> Crypto {
    Crypto::from_master_key(&[42; 32])
}

/// The databases to run each contract test on.
async fn test_dbs() -> Vec<TestDb> {
    let mut dbs = vec![TestDb::sqlite(crypto()).await];
    if let Some(url) = crate::support::test_postgres_url() {
        dbs.push(TestDb::postgres(&url, crypto()).await);
    }
    dbs
}

macro_rules! contract {
    ($($name:ident),* $(,)?) => {$(
        #[tokio::test]
        async fn $name() {
            for db in test_dbs().await {
                eprintln!("{} on {}", stringify!($name), db.label);
                checks::$name(&db).await;
                db.cleanup().await;
            }
        }
    )*};
}

fn example() -> CaseFile {
    let k = Knowledge::embedded().expect("knowledge");
    let today = "2026-01-15".parse().expect("date");
    CaseFile::parse(EXAMPLE, Format::Toml, &k, today).expect("example validates")
}

contract!(
    case_round_trips_with_everything_in_it,
    survives_reconnecting,
    other_owners_see_nothing,
    status_history_is_append_only,
    delete_removes_the_case_and_its_history,
    ids_resolve_from_unique_prefixes,
    passport_lookup_uses_keyed_hash,
    wrong_key_is_an_error_not_garbage,
    schema_is_current_after_open,
    notices_update_the_refusal_and_checklist,
);

mod checks {
    use super::*;

    pub async fn case_round_trips_with_everything_in_it(db: &TestDb) {
        let case = example();
        let id = db
            .store
            .create_case(LOCAL_ACCOUNT, &case)
            .await
            .expect("create");
        let stored = db
            .store
            .get_case(LOCAL_ACCOUNT, &id)
            .await
            .expect("get")
            .expect("found");
        assert_eq!(stored.case, case);
        assert_eq!(stored.owner, LOCAL_ACCOUNT);
        assert_eq!(
            uuid::Uuid::parse_str(&id.0)
                .expect("uuid")
                .get_version_num(),
            7
        );
        let list = db.store.list_cases(LOCAL_ACCOUNT).await.expect("list");
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].beneficiary.as_deref(), Some("Maria Clara Santos"));
        assert_eq!(list[0].latest_status.as_deref(), Some("Refused"));
        assert_eq!(list[0].latest_status_on.as_deref(), Some("2025-06-02"));
    }

    pub async fn survives_reconnecting(db: &TestDb) {
        let id = db.new_case().await;
        db.store.close().await;
        let reopened = Store::open(&db.url, crypto()).await.expect("reopen");
        let stored = reopened
            .get_case(LOCAL_ACCOUNT, &id)
            .await
            .expect("get")
            .expect("found");
        assert_eq!(stored.case, example());
        reopened.close().await;
    }

    pub async fn other_owners_see_nothing(db: &TestDb) {
        let id = db.new_case().await;
        assert!(
            db.store
                .get_case(OTHER_OWNER, &id)
                .await
                .expect("get")
                .is_none()
        );
        assert!(
            db.store
                .list_cases(OTHER_OWNER)
                .await
                .expect("list")
                .is_empty()
        );
        assert!(matches!(
            db.store.resolve_case(OTHER_OWNER, &id.0).await,
            Err(StoreError::CaseNotFound(_))
        ));
        assert!(
            !db.store
                .delete_case(OTHER_OWNER, &id)
                .await
                .expect("delete")
        );
        let obs = StatusObservation {
            on: "2025-07-01".parse().expect("d"),
            status: "Issued".into(),
            last_updated: None,
            source: StatusSource::Ceac,
        };
        assert!(matches!(
            db.store.append_status(OTHER_OWNER, &id, &obs).await,
            Err(StoreError::CaseNotFound(_))
        ));
        // The owner's case is untouched by all of that.
        assert_eq!(
            db.store
                .get_case(LOCAL_ACCOUNT, &id)
                .await
                .expect("get")
                .expect("found")
                .case,
            example()
        );
    }

    pub async fn status_history_is_append_only(db: &TestDb) {
        let id = db.new_case().await;
        let obs = StatusObservation {
            on: "2025-08-01".parse().expect("d"),
            status: "Issued".into(),
            last_updated: Some("2025-07-31".parse().expect("d")),
            source: StatusSource::Ceac,
        };
        db.store
            .append_status(LOCAL_ACCOUNT, &id, &obs)
            .await
            .expect("append");
        let stored = db
            .store
            .get_case(LOCAL_ACCOUNT, &id)
            .await
            .expect("get")
            .expect("found");
        assert_eq!(stored.case.status.len(), example().status.len() + 1);
        assert_eq!(stored.case.latest_status(), Some(&obs));
        // Rewriting history is refused by the database itself, whoever tries.
        let update = "UPDATE status_observations SET status = 'Issued'";
        let refused = db.raw_execute(update).await;
        let err = refused.expect_err("update must fail").to_string();
        assert!(err.contains("append-only"), "{err}");
    }

    pub async fn delete_removes_the_case_and_its_history(db: &TestDb) {
        let keep = db.new_case().await;
        let gone = db.new_case().await;
        assert!(
            db.store
                .delete_case(LOCAL_ACCOUNT, &gone)
                .await
                .expect("delete")
        );
        assert!(
            db.store
                .get_case(LOCAL_ACCOUNT, &gone)
                .await
                .expect("get")
                .is_none()
        );
        assert!(
            !db.store
                .delete_case(LOCAL_ACCOUNT, &gone)
                .await
                .expect("delete again")
        );
        for table in [
            "notices",
            "status_observations",
            "refusals",
            "case_documents",
        ] {
            let sql = format!("SELECT COUNT(*) FROM {table} WHERE case_id = $1");
            assert_eq!(
                db.raw_count(&sql, &gone.0).await,
                0,
                "{table} rows left behind"
            );
        }
        assert!(
            db.store
                .get_case(LOCAL_ACCOUNT, &keep)
                .await
                .expect("get")
                .is_some()
        );
    }

    pub async fn ids_resolve_from_unique_prefixes(db: &TestDb) {
        let a = db.new_case().await;
        let b = db.new_case().await;
        assert_eq!(
            db.store
                .resolve_case(LOCAL_ACCOUNT, &a.0)
                .await
                .expect("full"),
            a
        );
        assert_eq!(
            db.store
                .resolve_case(LOCAL_ACCOUNT, &b.0.to_uppercase())
                .await
                .expect("upper"),
            b
        );
        // UUIDv7s made in the same millisecond share a long prefix; find where they differ.
        let common =
            a.0.chars()
                .zip(b.0.chars())
                .take_while(|(x, y)| x == y)
                .count();
        let shared = &a.0[..common.max(4)];
        if common >= 4 {
            assert!(matches!(
                db.store.resolve_case(LOCAL_ACCOUNT, shared).await,
                Err(StoreError::AmbiguousCase { count: 2, .. })
            ));
        }
        let unique = &a.0[..(common + 1).max(4)];
        assert_eq!(
            db.store
                .resolve_case(LOCAL_ACCOUNT, unique)
                .await
                .expect("unique prefix"),
            a
        );
        assert!(matches!(
            db.store.resolve_case(LOCAL_ACCOUNT, "abc").await,
            Err(StoreError::CaseNotFound(_))
        ));
        assert!(matches!(
            db.store.resolve_case(LOCAL_ACCOUNT, "%").await,
            Err(StoreError::CaseNotFound(_))
        ));
    }

    pub async fn passport_lookup_uses_keyed_hash(db: &TestDb) {
        let id = db.new_case().await;
        let found = db
            .store
            .find_by_passport(
                LOCAL_ACCOUNT,
                &PassportNumber::parse("p1234567a").expect("p"),
            )
            .await
            .expect("find");
        assert_eq!(found, vec![id]);
        let none = db
            .store
            .find_by_passport(
                LOCAL_ACCOUNT,
                &PassportNumber::parse("X9999999").expect("p"),
            )
            .await
            .expect("find");
        assert!(none.is_empty());
    }

    pub async fn wrong_key_is_an_error_not_garbage(db: &TestDb) {
        let id = db.new_case().await;
        let wrong = Store::open(&db.url, Crypto::from_master_key(&[1; 32]))
            .await
            .expect("open");
        let err = wrong
            .get_case(LOCAL_ACCOUNT, &id)
            .await
            .expect_err("must not decrypt");
        assert!(matches!(err, StoreError::Crypto(_)), "{err}");
        assert!(err.to_string().contains("key file"), "{err}");
        wrong.close().await;
    }

    pub async fn notices_update_the_refusal_and_checklist(db: &TestDb) {
        let id = db.new_case().await;
        let mut refusal = example().refusal.expect("example has a refusal");
        refusal.requested.push("i134_support".into());
        refusal.requested.push("police_certificate".into());
        let notice = NewNotice {
            kind: "documents_requested",
            media_type: "text/plain",
            original: b"221(g) [X] Police certificate [X] I-134 for Maria Clara Santos",
            reading_json: r#"{"requests":["police_certificate","i134_support"]}"#,
        };
        // Same refusal date: the current episode is updated, not duplicated.
        let applied = db
            .store
            .apply_notice(LOCAL_ACCOUNT, &id, &refusal, notice)
            .await
            .expect("apply");
        assert!(!applied.new_episode);
        assert_eq!(
            applied.documents_added,
            vec!["i134_support".to_string()],
            "police certificate was already listed"
        );
        let case = db
            .store
            .get_case(LOCAL_ACCOUNT, &id)
            .await
            .expect("get")
            .expect("found")
            .case;
        let r = case.refusal.expect("refusal");
        assert!(r.requested.contains(&"i134_support".to_string()));
        assert_eq!(r.notes, example().refusal.expect("r").notes, "notes kept");
        assert_eq!(case.documents.len(), example().documents.len() + 1);
        assert_eq!(
            case.documents.last().map(|d| d.kind.as_str()),
            Some("i134_support")
        );

        // A later refusal starts a new episode, and becomes the one the case shows.
        let second = Refusal {
            on: "2025-09-01".parse().expect("d"),
            sections: vec!["221(g)".into()],
            requested: vec!["ds5535".into()],
            submitted_on: None,
            notes: None,
        };
        let applied = db
            .store
            .apply_notice(
                LOCAL_ACCOUNT,
                &id,
                &second,
                NewNotice {
                    kind: "documents_requested",
                    ..notice
                },
            )
            .await
            .expect("apply");
        assert!(applied.new_episode);
        let case = db
            .store
            .get_case(LOCAL_ACCOUNT, &id)
            .await
            .expect("get")
            .expect("found")
            .case;
        assert_eq!(
            case.refusal.expect("r").requested,
            vec!["ds5535".to_string()]
        );

        let notices = db
            .store
            .list_notices(LOCAL_ACCOUNT, &id)
            .await
            .expect("list");
        assert_eq!(notices.len(), 2);
        assert_eq!(notices[0].original, notice.original);
        assert!(
            db.store
                .list_notices(OTHER_OWNER, &id)
                .await
                .expect("list")
                .is_empty()
        );
        assert!(matches!(
            db.store
                .apply_notice(OTHER_OWNER, &id, &second, notice)
                .await,
            Err(StoreError::CaseNotFound(_))
        ));
        assert!(
            db.store
                .delete_case(LOCAL_ACCOUNT, &id)
                .await
                .expect("delete")
        );
    }

    pub async fn schema_is_current_after_open(db: &TestDb) {
        let s = db.store.schema_status().await.expect("status");
        assert!(s.pending.is_empty(), "{s:?}");
        assert_eq!(s.applied, Some(s.latest));
        // Migrating again is a no-op.
        db.store.migrate().await.expect("migrate twice");
    }
}

/// The personal data must not be readable from the database file itself.
#[tokio::test]
async fn sqlite_file_holds_no_clear_text_pii() {
    let db = TestDb::sqlite(crypto()).await;
    let id = db.new_case().await;
    // A saved notice is personal data too.
    let refusal = example().refusal.expect("refusal");
    let notice = NewNotice {
        kind: "documents_requested",
        media_type: "text/plain",
        original: b"Dear Maria Clara, please send your police certificate",
        reading_json: "{\"note\": \"Dear Maria\"}",
    };
    db.store
        .apply_notice(LOCAL_ACCOUNT, &id, &refusal, notice)
        .await
        .expect("apply");
    db.store.close().await;
    let dir = db._dir.as_ref().expect("dir").path().to_path_buf();
    let mut bytes = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("read dir") {
        bytes.extend(std::fs::read(entry.expect("entry").path()).expect("read"));
    }
    let haystack = String::from_utf8_lossy(&bytes);
    assert!(
        haystack.contains("MNL2025512345"),
        "sanity: the file does hold the case"
    );
    for secret in [
        "P1234567A",
        "SANTOS",
        "Maria Clara",
        "Dear Maria",
        "please send your police",
        "Whitfield",
        "1996-04-12",
        "courier",
    ] {
        assert!(
            !haystack.contains(secret),
            "{secret} found in clear text in the database files"
        );
    }
}
