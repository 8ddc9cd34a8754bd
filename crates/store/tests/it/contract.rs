//! The storage contract: every behaviour the rest of visanav relies on, run against SQLite
//! always and against PostgreSQL when `VISANAV_TEST_POSTGRES_URL` is set (one fresh database
//! per test on that server).

use jiff::Timestamp;
use sqlx::Connection;
use visanav_core::casefile::{CaseFile, Format, Refusal, StatusObservation};
use visanav_core::ids::PassportNumber;
use visanav_core::knowledge::{Knowledge, StatusSource};
use visanav_store::{
    AccountId, Actor, Backend, CaseId, Crypto, DuplicatePolicy, EpisodeChoice, NewNotice, Store,
    StoreError, TxMode,
};

const EXAMPLE: &str = include_str!("../../../../examples/k1-manila-221g.toml");

fn local() -> Actor {
    Actor::local()
}

/// Someone else: an account id no case belongs to.
fn other() -> Actor {
    Actor::account(AccountId::from_stored(
        "00000000-0000-7000-8000-0000000000ff".into(),
    ))
}

/// The clock, injected: the store never reads it.
fn now() -> Timestamp {
    "2026-01-15T10:00:00Z".parse().expect("timestamp")
}

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
            .create_case(&local(), &example(), now(), DuplicatePolicy::Allow)
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

    /// One text value from SQL, on a connection of our own (PostgreSQL only).
    async fn raw_text(&self, sql: &str) -> String {
        let mut c = sqlx::PgConnection::connect(&self.url)
            .await
            .expect("connect");
        sqlx::query_scalar(sql)
            .fetch_one(&mut c)
            .await
            .expect("text")
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
    importing_a_case_twice_is_refused_unless_forced,
    case_numbers_resolve_like_ids,
    a_notice_saved_twice_is_refused_or_replaced,
    unique_violations_become_named_conflicts,
    a_failing_statement_rolls_back_the_whole_notice,
    same_refusal_keeps_notes_and_takes_the_chosen_date,
    drafts_are_private_expire_and_go_with_their_case,
    deleting_a_case_leaves_none_of_its_bytes,
    transactions_compose_across_repository_calls,
    accounts_sessions_and_single_use_links,
    sharing_grants_access_and_revoking_ends_it,
);

mod checks {
    use super::*;

    pub async fn case_round_trips_with_everything_in_it(db: &TestDb) {
        let case = example();
        let id = db
            .store
            .create_case(&local(), &case, now(), DuplicatePolicy::Refuse)
            .await
            .expect("create");
        let stored = db
            .store
            .get_case(&local(), &id)
            .await
            .expect("get")
            .expect("found");
        assert_eq!(stored.case, case);
        assert_eq!(stored.owner, AccountId::local());
        assert_eq!(
            uuid::Uuid::parse_str(id.as_str())
                .expect("uuid")
                .get_version_num(),
            7
        );
        let list = db.store.list_cases(&local()).await.expect("list");
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
            .get_case(&local(), &id)
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
                .get_case(&other(), &id)
                .await
                .expect("get")
                .is_none()
        );
        assert!(
            db.store
                .list_cases(&other())
                .await
                .expect("list")
                .is_empty()
        );
        assert!(matches!(
            db.store.resolve_case(&other(), id.as_str()).await,
            Err(StoreError::CaseNotFound(_))
        ));
        assert!(
            !db.store
                .delete_case(&other(), &id, now())
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
            db.store.append_status(&other(), &id, &obs, now()).await,
            Err(StoreError::CaseNotFound(_))
        ));
        // The owner's case is untouched by all of that.
        assert_eq!(
            db.store
                .get_case(&local(), &id)
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
            .append_status(&local(), &id, &obs, now())
            .await
            .expect("append");
        let stored = db
            .store
            .get_case(&local(), &id)
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
                .delete_case(&local(), &gone, now())
                .await
                .expect("delete")
        );
        assert!(
            db.store
                .get_case(&local(), &gone)
                .await
                .expect("get")
                .is_none()
        );
        assert!(
            !db.store
                .delete_case(&local(), &gone, now())
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
                db.raw_count(&sql, gone.as_str()).await,
                0,
                "{table} rows left behind"
            );
        }
        assert!(
            db.store
                .get_case(&local(), &keep)
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
                .resolve_case(&local(), a.as_str())
                .await
                .expect("full"),
            a
        );
        assert_eq!(
            db.store
                .resolve_case(&local(), &b.as_str().to_uppercase())
                .await
                .expect("upper"),
            b
        );
        // UUIDv7s made in the same millisecond share a long prefix; find where they differ.
        let common = a
            .as_str()
            .chars()
            .zip(b.as_str().chars())
            .take_while(|(x, y)| x == y)
            .count();
        let shared = &a.as_str()[..common.max(4)];
        if common >= 4 {
            assert!(matches!(
                db.store.resolve_case(&local(), shared).await,
                Err(StoreError::AmbiguousCase { count: 2, .. })
            ));
        }
        let unique = &a.as_str()[..(common + 1).max(4)];
        assert_eq!(
            db.store
                .resolve_case(&local(), unique)
                .await
                .expect("unique prefix"),
            a
        );
        assert!(matches!(
            db.store.resolve_case(&local(), "abc").await,
            Err(StoreError::CaseNotFound(_))
        ));
        assert!(matches!(
            db.store.resolve_case(&local(), "%").await,
            Err(StoreError::CaseNotFound(_))
        ));
    }

    pub async fn passport_lookup_uses_keyed_hash(db: &TestDb) {
        let id = db.new_case().await;
        let found = db
            .store
            .find_by_passport(&local(), &PassportNumber::parse("p1234567a").expect("p"))
            .await
            .expect("find");
        assert_eq!(found, vec![id]);
        let none = db
            .store
            .find_by_passport(&local(), &PassportNumber::parse("X9999999").expect("p"))
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
            .get_case(&local(), &id)
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
            from_draft: None,
            episode: EpisodeChoice::Latest,
            duplicates: DuplicatePolicy::Refuse,
        };
        // Same refusal date: the current episode is updated, not duplicated.
        let applied = db
            .store
            .apply_notice(&local(), &id, &refusal, notice, now())
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
            .get_case(&local(), &id)
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
                &local(),
                &id,
                &second,
                NewNotice {
                    original: b"221(g) second letter: DS-5535",
                    episode: EpisodeChoice::New,
                    ..notice
                },
                now(),
            )
            .await
            .expect("apply");
        assert!(applied.new_episode);
        let case = db
            .store
            .get_case(&local(), &id)
            .await
            .expect("get")
            .expect("found")
            .case;
        assert_eq!(
            case.refusal.expect("r").requested,
            vec!["ds5535".to_string()]
        );

        let notices = db.store.list_notices(&local(), &id).await.expect("list");
        assert_eq!(notices.len(), 2);
        assert_eq!(notices[0].original, notice.original);
        assert!(matches!(
            db.store.list_notices(&other(), &id).await,
            Err(StoreError::CaseNotFound(_))
        ));
        // One notice by id, and the list without contents, agree with the full list.
        let one = db
            .store
            .notice(&local(), &id, &notices[1].id)
            .await
            .expect("one");
        assert_eq!(one.as_ref(), Some(&notices[1]));
        assert_eq!(
            db.store.notice(&local(), &id, "nope").await.expect("none"),
            None
        );
        assert!(matches!(
            db.store.notice(&other(), &id, &notices[1].id).await,
            Err(StoreError::CaseNotFound(_))
        ));
        let mut tx = db.store.begin(TxMode::Read).await.expect("begin");
        let headers = tx.notice_headers(&local(), &id).await.expect("headers");
        tx.commit().await.expect("commit");
        let ids: Vec<&str> = headers.iter().map(|h| h.id.as_str()).collect();
        assert_eq!(ids, [notices[0].id.as_str(), notices[1].id.as_str()]);
        assert!(matches!(
            db.store
                .apply_notice(&other(), &id, &second, notice, now())
                .await,
            Err(StoreError::CaseNotFound(_))
        ));
        assert!(
            db.store
                .delete_case(&local(), &id, now())
                .await
                .expect("delete")
        );
    }

    fn notice<'a>(original: &'a [u8]) -> NewNotice<'a> {
        NewNotice {
            kind: "documents_requested",
            media_type: "text/plain",
            original,
            reading_json: r#"{"requests":["police_certificate"]}"#,
            from_draft: None,
            episode: EpisodeChoice::Latest,
            duplicates: DuplicatePolicy::Refuse,
        }
    }

    fn refusal() -> Refusal {
        example().refusal.expect("example has a refusal")
    }

    pub(super) async fn case_of(db: &TestDb, id: &CaseId) -> CaseFile {
        db.store
            .get_case(&local(), id)
            .await
            .expect("get")
            .expect("found")
            .case
    }

    pub async fn importing_a_case_twice_is_refused_unless_forced(db: &TestDb) {
        let case = example();
        let first = db
            .store
            .create_case(&local(), &case, now(), DuplicatePolicy::Refuse)
            .await
            .expect("first");
        let again = db
            .store
            .create_case(&local(), &case, now(), DuplicatePolicy::Refuse)
            .await;
        match again {
            Err(StoreError::DuplicateCase {
                case_number,
                existing,
            }) => {
                assert_eq!(case_number, "MNL2025512345");
                assert_eq!(existing, first);
            }
            other => panic!("expected DuplicateCase, got {other:?}"),
        }
        assert_eq!(db.store.list_cases(&local()).await.expect("list").len(), 1);
        // Someone else may have a case with the same number (a firm and the applicant).
        db.raw_execute(
            "INSERT INTO accounts (id, name, kind, created_ms)
             VALUES ('00000000-0000-7000-8000-0000000000ff', 'other', 'applicant', 0)",
        )
        .await
        .expect("other account");
        db.store
            .create_case(&other(), &case, now(), DuplicatePolicy::Refuse)
            .await
            .expect("another owner");
        db.store
            .create_case(&local(), &case, now(), DuplicatePolicy::Allow)
            .await
            .expect("forced");
        assert_eq!(db.store.list_cases(&local()).await.expect("list").len(), 2);
    }

    pub async fn case_numbers_resolve_like_ids(db: &TestDb) {
        let id = db.new_case().await;
        for typed in ["MNL2025512345", "mnl-2025512345", " MNL 2025512345 "] {
            assert_eq!(
                db.store.resolve_case(&local(), typed).await.expect(typed),
                id
            );
        }
        assert!(matches!(
            db.store.resolve_case(&other(), "MNL2025512345").await,
            Err(StoreError::CaseNotFound(_))
        ));
        assert_eq!(
            db.store
                .resolve_case(&local(), id.short())
                .await
                .expect("short id"),
            id
        );
        db.new_case().await;
        assert!(matches!(
            db.store.resolve_case(&local(), "MNL2025512345").await,
            Err(StoreError::AmbiguousCase { count: 2, .. })
        ));
    }

    pub async fn a_notice_saved_twice_is_refused_or_replaced(db: &TestDb) {
        let id = db.new_case().await;
        let first = db
            .store
            .apply_notice(&local(), &id, &refusal(), notice(b"letter one"), now())
            .await
            .expect("first");
        let again = db
            .store
            .apply_notice(&local(), &id, &refusal(), notice(b"letter one"), now())
            .await;
        match again {
            Err(StoreError::DuplicateNotice { existing }) => assert_eq!(existing, first.notice_id),
            other => panic!("expected DuplicateNotice, got {other:?}"),
        }
        let forced = db
            .store
            .apply_notice(
                &local(),
                &id,
                &refusal(),
                NewNotice {
                    reading_json: r#"{"requests":["ds5535"]}"#,
                    duplicates: DuplicatePolicy::Allow,
                    ..notice(b"letter one")
                },
                now(),
            )
            .await
            .expect("forced");
        assert!(forced.replaced);
        assert_eq!(forced.notice_id, first.notice_id);
        let notices = db.store.list_notices(&local(), &id).await.expect("list");
        assert_eq!(notices.len(), 1, "one copy of the file");
        assert!(
            notices[0].reading_json.contains("ds5535"),
            "reading replaced"
        );
        // The same file on another case is not a duplicate.
        let other_case = db.new_case().await;
        db.store
            .apply_notice(
                &local(),
                &other_case,
                &refusal(),
                notice(b"letter one"),
                now(),
            )
            .await
            .expect("other case");
    }

    pub async fn unique_violations_become_named_conflicts(db: &TestDb) {
        let id = db.new_case().await;
        db.store
            .apply_notice(&local(), &id, &refusal(), notice(b"letter"), now())
            .await
            .expect("apply");
        // Copy the stored row under a new id: the unique index on (case, file hash) refuses.
        let copy = "INSERT INTO notices (id, case_id, refusal_id, kind, media_type, original_enc, reading_enc, created_ms, original_hash)
             SELECT 'copy', case_id, refusal_id, kind, media_type, original_enc, reading_enc, created_ms, original_hash FROM notices";
        let err = StoreError::from(db.raw_execute(copy).await.expect_err("duplicate"));
        match err {
            StoreError::Conflict { constraint } => {
                assert_eq!(constraint, "notices_case_original_key")
            }
            other => panic!("expected Conflict, got {other:?}"),
        }
    }

    pub async fn a_failing_statement_rolls_back_the_whole_notice(db: &TestDb) {
        let id = db.new_case().await;
        let before = case_of(db, &id).await;
        // The notice row is the last statement of applying a notice: make the database
        // refuse it, after the refusal and the checklist were already written.
        let trigger = match db.store.backend() {
            Backend::Sqlite => vec![
                "CREATE TRIGGER fail_notice BEFORE INSERT ON notices BEGIN SELECT RAISE(ABORT, 'injected failure'); END",
            ],
            Backend::Postgres => vec![
                "CREATE FUNCTION fail_notice() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'injected failure'; END $$ LANGUAGE plpgsql",
                "CREATE TRIGGER fail_notice BEFORE INSERT ON notices FOR EACH ROW EXECUTE FUNCTION fail_notice()",
            ],
        };
        for sql in trigger {
            db.raw_execute(sql).await.expect("trigger");
        }
        let mut changed = refusal();
        changed.on = "2025-09-01".parse().expect("d");
        changed.requested = vec!["ds5535".into(), "i134_support".into()];
        let err = db
            .store
            .apply_notice(&local(), &id, &changed, notice(b"letter"), now())
            .await
            .expect_err("the injected failure");
        assert!(err.to_string().contains("injected failure"), "{err}");
        assert_eq!(case_of(db, &id).await, before, "nothing changed");
        let stored = db
            .store
            .get_case(&local(), &id)
            .await
            .expect("get")
            .expect("found");
        assert_eq!(
            stored.updated_ms, stored.created_ms,
            "not even the case's change time"
        );
    }

    pub async fn same_refusal_keeps_notes_and_takes_the_chosen_date(db: &TestDb) {
        let mut case = example();
        let original = Refusal {
            notes: Some("Asked the courier about the police certificate".into()),
            submitted_on: Some("2025-06-20".parse().expect("d")),
            ..refusal()
        };
        case.refusal = Some(original.clone());
        let id = db
            .store
            .create_case(&local(), &case, now(), DuplicatePolicy::Refuse)
            .await
            .expect("create");
        let mut corrected = original.clone();
        corrected.on = "2025-06-03".parse().expect("d");
        corrected.notes = None;
        corrected.submitted_on = None;
        let applied = db
            .store
            .apply_notice(&local(), &id, &corrected, notice(b"letter"), now())
            .await
            .expect("apply");
        assert!(!applied.new_episode);
        let r = case_of(db, &id).await.refusal.expect("refusal");
        assert_eq!(r.on, corrected.on, "the date the person chose");
        assert_eq!(r.notes, original.notes, "notes kept");
        assert_eq!(r.submitted_on, original.submitted_on, "submission kept");
    }

    pub async fn drafts_are_private_expire_and_go_with_their_case(db: &TestDb) {
        use visanav_store::NewDraft;
        let id = db.new_case().await;
        let draft = NewDraft {
            media_type: "image/png",
            original: b"\x89PNG fake photo of Maria Clara's letter",
            text: "Dear Maria Clara, send your police certificate",
        };
        let did = db
            .store
            .create_draft(&local(), &id, draft, now())
            .await
            .expect("draft");
        let got = db
            .store
            .draft(&local(), &id, &did, now())
            .await
            .expect("read");
        assert_eq!(got.original, draft.original);
        assert_eq!(got.text, draft.text);
        assert!(
            !format!("{got:?}").contains("Maria"),
            "Debug hides the contents"
        );
        assert!(matches!(
            db.store.draft(&other(), &id, &did, now()).await,
            Err(StoreError::DraftNotFound)
        ));
        assert!(matches!(
            db.store.create_draft(&other(), &id, draft, now()).await,
            Err(StoreError::CaseNotFound(_))
        ));
        let tomorrow = now() + jiff::SignedDuration::from_hours(25);
        assert!(matches!(
            db.store.draft(&local(), &id, &did, tomorrow).await,
            Err(StoreError::DraftNotFound)
        ));
        // Saving consumes the draft in the same transaction.
        db.store
            .apply_notice(
                &local(),
                &id,
                &refusal(),
                NewNotice {
                    from_draft: Some(&did),
                    ..notice(draft.original)
                },
                now(),
            )
            .await
            .expect("apply");
        assert!(matches!(
            db.store.draft(&local(), &id, &did, now()).await,
            Err(StoreError::DraftNotFound)
        ));
        // A later draft goes when its case goes; an expired one when the next is made.
        db.store
            .create_draft(&local(), &id, draft, now())
            .await
            .expect("draft");
        db.store
            .delete_case(&local(), &id, now())
            .await
            .expect("delete");
        assert_eq!(
            db.raw_count(
                "SELECT COUNT(*) FROM notice_drafts WHERE case_id = $1",
                id.as_str()
            )
            .await,
            0
        );
        let keep = db.new_case().await;
        let old = db
            .store
            .create_draft(&local(), &keep, draft, now())
            .await
            .expect("old");
        db.store
            .create_draft(&local(), &keep, draft, tomorrow)
            .await
            .expect("new");
        assert_eq!(
            db.raw_count("SELECT COUNT(*) FROM notice_drafts WHERE id = $1", &old.0)
                .await,
            0,
            "expired draft purged"
        );
    }

    pub async fn deleting_a_case_leaves_none_of_its_bytes(db: &TestDb) {
        let id = db.new_case().await;
        db.store
            .apply_notice(
                &local(),
                &id,
                &refusal(),
                notice(b"Passport P1234567A of Maria Clara SANTOS"),
                now(),
            )
            .await
            .expect("apply");
        let tables = [
            "cases",
            "notices",
            "notice_drafts",
            "status_observations",
            "refusals",
            "case_documents",
        ];
        let mut rows_before = 0;
        for t in tables {
            rows_before += db
                .raw_count(
                    &format!(
                        "SELECT COUNT(*) FROM {t} WHERE {} = $1",
                        if t == "cases" { "id" } else { "case_id" }
                    ),
                    id.as_str(),
                )
                .await;
        }
        assert!(
            rows_before >= 4,
            "sanity: the case has rows ({rows_before})"
        );
        db.store
            .delete_case(&local(), &id, now())
            .await
            .expect("delete");
        for t in tables {
            let column = if t == "cases" { "id" } else { "case_id" };
            let sql = format!("SELECT COUNT(*) FROM {t} WHERE {column} = $1");
            assert_eq!(db.raw_count(&sql, id.as_str()).await, 0, "{t} keeps rows");
        }
        if db.store.backend() == Backend::Postgres {
            // A raw scan of everything stored: every row of every table, as text.
            let mut all = String::new();
            for t in tables {
                all.push_str(
                    &db.raw_text(&format!(
                        "SELECT COALESCE(string_agg(t::text, ''), '') FROM {t} t"
                    ))
                    .await,
                );
            }
            for secret in ["P1234567A", "SANTOS", "Maria Clara"] {
                assert!(!all.contains(secret), "{secret} is still stored");
            }
        }
    }

    pub async fn transactions_compose_across_repository_calls(db: &TestDb) {
        let obs = StatusObservation {
            on: "2025-08-01".parse().expect("d"),
            status: "Issued".into(),
            last_updated: None,
            source: StatusSource::Ceac,
        };
        // Two changes in one transaction, rolled back: neither happened.
        let mut tx = db.store.begin(TxMode::Write).await.expect("begin");
        let id = tx
            .create_case(&local(), &example(), now(), DuplicatePolicy::Refuse)
            .await
            .expect("create");
        tx.append_status(&local(), &id, &obs, now())
            .await
            .expect("append");
        assert_eq!(
            tx.get_case(&local(), &id)
                .await
                .expect("get")
                .expect("seen inside")
                .case
                .status
                .len(),
            example().status.len() + 1
        );
        tx.rollback().await.expect("rollback");
        assert!(
            db.store
                .get_case(&local(), &id)
                .await
                .expect("get")
                .is_none()
        );
        // The same, committed: both happened.
        let mut tx = db.store.begin(TxMode::Write).await.expect("begin");
        let id = tx
            .create_case(&local(), &example(), now(), DuplicatePolicy::Refuse)
            .await
            .expect("create");
        tx.append_status(&local(), &id, &obs, now())
            .await
            .expect("append");
        tx.commit().await.expect("commit");
        assert_eq!(
            case_of(db, &id).await.status.len(),
            example().status.len() + 1
        );
    }

    fn at(t: &str) -> Timestamp {
        t.parse().expect("timestamp")
    }

    pub async fn accounts_sessions_and_single_use_links(db: &TestDb) {
        use jiff::SignedDuration;
        use visanav_store::{AccountKind, NewSession, NewToken, TokenProblem, TokenPurpose};
        let mut tx = db.store.begin(TxMode::Write).await.expect("begin");
        let ana = tx
            .create_account(
                "Ana@Example.org",
                Some("$argon2id$fake"),
                AccountKind::Person,
                now(),
            )
            .await
            .expect("account");
        let again = tx
            .create_account(" ana@example.ORG ", None, AccountKind::Person, now())
            .await;
        match again {
            Err(StoreError::Conflict { constraint }) => {
                assert_eq!(constraint, "accounts_email_key")
            }
            other => panic!("expected a conflict on the address, got {other:?}"),
        }
        tx.rollback().await.expect("rollback");

        let mut tx = db.store.begin(TxMode::Write).await.expect("begin");
        let ana = tx
            .create_account(
                "Ana@Example.org",
                Some("$argon2id$fake"),
                AccountKind::Person,
                now(),
            )
            .await
            .unwrap_or(ana);
        let creds = tx
            .credentials("ANA@example.org")
            .await
            .expect("credentials")
            .expect("found by address, any case");
        assert_eq!(creds.account.id, ana);
        assert_eq!(creds.account.email.as_deref(), Some("ana@example.org"));
        assert!(
            !format!("{creds:?}").contains("ana@"),
            "Debug hides the address"
        );
        assert_eq!(creds.password_hash.as_deref(), Some("$argon2id$fake"));
        assert!(!creds.account.email_verified);
        tx.mark_email_verified(&ana, now()).await.expect("verify");

        // Sessions: idle and absolute expiry, sign out everywhere, disabled accounts.
        let session = |hash: &'static str| NewSession {
            id_hash: hash,
            account: &ana,
            csrf_secret: "csrf",
            label: "Firefox",
            mfa_done: false,
        };
        let day = SignedDuration::from_hours(24);
        let idle = SignedDuration::from_mins(30);
        tx.create_session(session("s1"), now(), day)
            .await
            .expect("session");
        tx.create_session(session("s2"), now(), day)
            .await
            .expect("session");
        let later = now() + SignedDuration::from_mins(20);
        let s = tx
            .session("s1", later, idle)
            .await
            .expect("get")
            .expect("live");
        assert_eq!(s.account, ana);
        assert_eq!(s.mfa_ms, None);
        assert!(
            tx.session("s2", later + SignedDuration::from_mins(20), idle)
                .await
                .expect("get")
                .is_none(),
            "idle for 40 minutes"
        );
        assert!(
            tx.session("s1", later + SignedDuration::from_mins(25), idle)
                .await
                .expect("get")
                .is_some(),
            "seen 25 minutes ago: still live"
        );
        assert!(
            tx.session(
                "s1",
                now() + SignedDuration::from_hours(25),
                SignedDuration::from_hours(48)
            )
            .await
            .expect("get")
            .is_none(),
            "past the absolute expiry"
        );
        assert_eq!(tx.delete_sessions(&ana, Some("s1")).await.expect("out"), 1);
        tx.set_disabled(&ana, Some(now())).await.expect("disable");
        assert!(tx.session("s1", later, idle).await.expect("get").is_none());
        tx.set_disabled(&ana, None).await.expect("enable");

        // Single-use links.
        let token = |hash: &'static str, minutes: i64| NewToken {
            hash,
            purpose: TokenPurpose::ResetPassword,
            account: Some(&ana),
            email: Some("ana@example.org"),
            subject: None,
            subject_secret: Some("new@example.org"),
            lifetime: SignedDuration::from_mins(minutes),
        };
        tx.create_token(token("t1", 30), now())
            .await
            .expect("token");
        tx.create_token(token("t2", 30), now())
            .await
            .expect("token");
        let used = tx
            .use_token(TokenPurpose::ResetPassword, "t1", later)
            .await
            .expect("use")
            .expect("valid");
        assert_eq!(used.account.as_ref(), Some(&ana));
        assert_eq!(used.subject_secret.as_deref(), Some("new@example.org"));
        assert_eq!(
            tx.use_token(TokenPurpose::ResetPassword, "t1", later)
                .await
                .expect("use"),
            Err(TokenProblem::Used)
        );
        assert_eq!(
            tx.use_token(TokenPurpose::VerifyEmail, "t2", later)
                .await
                .expect("use"),
            Err(TokenProblem::Unknown),
            "a link for another purpose"
        );
        assert_eq!(
            tx.use_token(
                TokenPurpose::ResetPassword,
                "t2",
                now() + SignedDuration::from_mins(31)
            )
            .await
            .expect("use"),
            Err(TokenProblem::Expired)
        );

        // The second factor: a time step is accepted once; recovery codes once each.
        tx.set_totp(&ana, Some(b"12345678901234567890"))
            .await
            .expect("totp");
        assert!(tx.accept_totp_step(&ana, 100).await.expect("step"));
        assert!(!tx.accept_totp_step(&ana, 100).await.expect("replay"));
        assert!(!tx.accept_totp_step(&ana, 99).await.expect("older"));
        assert!(tx.accept_totp_step(&ana, 101).await.expect("next"));
        tx.set_recovery_codes(&ana, &["h1".into(), "h2".into()])
            .await
            .expect("codes");
        assert!(tx.use_recovery_code(&ana, "h1", now()).await.expect("code"));
        assert!(
            !tx.use_recovery_code(&ana, "h1", now())
                .await
                .expect("again")
        );
        let creds = tx.credentials_by_id(&ana).await.expect("c").expect("found");
        assert_eq!(
            creds.totp_secret.as_deref(),
            Some(&b"12345678901234567890"[..])
        );
        assert!(creds.account.totp_enabled);
        assert!(!tx.requires_second_factor(&ana).await.expect("rsf"));
        tx.create_firm("Santos & Reyes", &ana, now())
            .await
            .expect("firm");
        assert!(
            tx.requires_second_factor(&ana).await.expect("rsf"),
            "a firm member"
        );
        tx.commit().await.expect("commit");
    }

    pub async fn sharing_grants_access_and_revoking_ends_it(db: &TestDb) {
        use visanav_store::AccountKind;
        let owner = local();
        let case = db.new_case().await;
        let mut tx = db.store.begin(TxMode::Write).await.expect("begin");
        let ben = tx
            .create_account("ben@example.org", None, AccountKind::Person, now())
            .await
            .expect("ben");
        let atty = tx
            .create_account("atty@firm.example", None, AccountKind::Person, now())
            .await
            .expect("attorney");
        let firm = tx
            .create_firm("Reyes Law", &atty, now())
            .await
            .expect("firm");
        tx.commit().await.expect("commit");
        let ben = Actor::account(ben);
        let atty_1f = Actor::account(atty.clone());
        let atty_2f = Actor::signed_in(atty.clone(), "s-atty".into(), true);

        let sees = |who: &Actor| {
            let who = who.clone();
            let case = case.clone();
            let store = db.store.clone();
            async move {
                let got = store.get_case(&who, &case).await.expect("get").is_some();
                let listed = store
                    .list_cases(&who)
                    .await
                    .expect("list")
                    .iter()
                    .any(|c| c.id == case);
                let resolved = store.resolve_case(&who, "MNL2025512345").await.is_ok();
                let notices = store.list_notices(&who, &case).await.is_ok();
                assert!(
                    got == listed && got == resolved && got == notices,
                    "every query agrees: {got} {listed} {resolved} {notices}"
                );
                got
            }
        };
        assert!(sees(&owner).await);
        assert!(
            !sees(&ben).await && !sees(&atty_2f).await,
            "nobody else, before sharing"
        );

        // A co-applicant: offered, accepted, then revoked.
        let mut tx = db.store.begin(TxMode::Write).await.expect("begin");
        assert!(
            matches!(
                tx.offer_share(&ben, &case, None, now()).await,
                Err(StoreError::CaseNotFound(_))
            ),
            "only the owner shares"
        );
        let to_ben = tx
            .offer_share(&owner, &case, None, now())
            .await
            .expect("offer");
        tx.commit().await.expect("commit");
        assert!(!sees(&ben).await, "pending is not access");
        let mut tx = db.store.begin(TxMode::Write).await.expect("begin");
        tx.answer_share(&ben, &to_ben, true, now())
            .await
            .expect("accept");
        tx.rollback().await.expect("rollback");
        assert!(!sees(&ben).await);
        let mut tx = db.store.begin(TxMode::Write).await.expect("begin");
        tx.answer_share(&ben, &to_ben, true, now())
            .await
            .expect("accept");
        tx.commit().await.expect("commit");
        assert!(sees(&ben).await, "a co-applicant sees the case");

        // A firm: its members see it only with a second factor, and keep their own notes.
        let mut tx = db.store.begin(TxMode::Write).await.expect("begin");
        let to_firm = tx
            .offer_share(&owner, &case, Some(&firm), now())
            .await
            .expect("offer");
        assert!(
            matches!(
                tx.answer_share(&ben, &to_firm, true, now()).await,
                Err(StoreError::ShareNotFound)
            ),
            "only a member answers for the firm"
        );
        tx.answer_share(&atty_1f, &to_firm, true, now())
            .await
            .expect("accept");
        tx.add_firm_note(&atty_2f, &case, &firm, "Conflict check clear", now())
            .await
            .expect("note");
        tx.commit().await.expect("commit");
        assert!(!sees(&atty_1f).await, "no second factor, no case");
        assert!(sees(&atty_2f).await, "the firm's attorney sees the case");
        let notes = db.store.firm_notes(&atty_2f, &case).await.expect("notes");
        assert_eq!(notes.len(), 1);
        assert_eq!(notes[0].body, "Conflict check clear");
        assert!(
            db.store
                .firm_notes(&owner, &case)
                .await
                .expect("owner")
                .is_empty()
        );
        assert!(
            db.store
                .firm_notes(&ben, &case)
                .await
                .expect("ben")
                .is_empty()
        );

        // Revoking ends access on the next query; the owner sees who had it, and the log.
        let shares = db.store.shares(&owner, &case).await.expect("shares");
        assert_eq!(shares.len(), 2);
        assert!(shares.iter().all(|s| s.status == "active"));
        assert!(matches!(
            db.store.shares(&ben, &case).await,
            Err(StoreError::CaseNotFound(_))
        ));
        let mut tx = db.store.begin(TxMode::Write).await.expect("begin");
        tx.revoke_share(&owner, &case, &to_firm, now())
            .await
            .expect("revoke");
        tx.revoke_share(&owner, &case, &to_ben, now())
            .await
            .expect("revoke");
        tx.commit().await.expect("commit");
        assert!(
            !sees(&atty_2f).await && !sees(&ben).await,
            "access ended at once"
        );
        assert!(matches!(
            db.store.firm_notes(&atty_2f, &case).await,
            Err(StoreError::CaseNotFound(_))
        ));
        let log = db.store.case_audit(&owner, &case).await.expect("log");
        let actions: Vec<&str> = log.iter().map(|e| e.action.as_str()).collect();
        for a in [
            "share_offered",
            "share_accepted",
            "firm_note_added",
            "share_revoked",
        ] {
            assert!(actions.contains(&a), "{a} in {actions:?}");
        }
        assert!(
            log.iter()
                .any(|e| e.session_ref.as_deref() == Some("s-atty"))
        );
        assert!(matches!(
            db.store.case_audit(&ben, &case).await,
            Err(StoreError::CaseNotFound(_))
        ));
        let update = db.raw_execute("UPDATE audit_log SET action = 'x'").await;
        assert!(
            update
                .expect_err("append-only")
                .to_string()
                .contains("append-only"),
            "the audit log cannot be rewritten"
        );
        let _ = at("2026-01-01T00:00:00Z");
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
        from_draft: None,
        episode: EpisodeChoice::Latest,
        duplicates: DuplicatePolicy::Refuse,
    };
    db.store
        .apply_notice(&local(), &id, &refusal, notice, now())
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

mod assisted;
mod calendar;
mod channels;
mod consult;
mod edits;
mod monitoring;
mod notifications;
mod reminders;
