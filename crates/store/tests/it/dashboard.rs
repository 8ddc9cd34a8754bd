//! A firm's dashboard: summaries written with every change in the same transaction, the sweep
//! as dates pass, the order, filters, search through keyed name hashes, assignment, and that
//! nothing outside the firm is ever returned. On SQLite always, on PostgreSQL when
//! `VISANAV_TEST_POSTGRES_URL` is set (one fresh database per test).

use std::collections::HashMap;
use std::sync::Arc;

use jiff::Timestamp;
use jiff::civil::Date;
use sqlx::Connection;
use visanav_core::casefile::{CaseFile, Format, Person, Refusal, StatusObservation};
use visanav_core::ids::CeacCaseNumber;
use visanav_core::knowledge::{Knowledge, StatusSource, Urgency};
use visanav_core::summary::{LatestStatus, NextDeadline, Summary, summarize};
use visanav_store::{
    AccountId, AccountKind, Actor, Assignee, CaseId, Crypto, DashboardFilter, DashboardRow,
    DuplicatePolicy, EpisodeChoice, NewNotice, PENDING_RANK, Store, StoreError, Summarizer, Sweep,
    TxMode,
};

const EXAMPLE: &str = include_str!("../../../../examples/k1-manila-221g.toml");

fn at(s: &str) -> Timestamp {
    s.parse().expect("timestamp")
}

fn day(s: &str) -> Date {
    s.parse().expect("date")
}

fn now() -> Timestamp {
    at("2025-06-10T08:00:00Z")
}

fn knowledge() -> Arc<Knowledge> {
    Arc::new(Knowledge::embedded().expect("knowledge"))
}

fn example() -> CaseFile {
    CaseFile::parse(EXAMPLE, Format::Toml, &knowledge(), day("2025-06-10")).expect("example")
}

/// The example with another case number, post and beneficiary.
fn case(number: &str, post: &str, given: &str, surname: &str) -> CaseFile {
    let mut c = example();
    c.ceac_case_number = Some(CeacCaseNumber::parse(number).expect("case number"));
    c.post = post.to_string();
    c.beneficiary = Some(Person {
        given_names: Some(given.to_string()),
        surname: Some(surname.to_string()),
        date_of_birth: None,
        nationality: Some("PH".into()),
    });
    c
}

/// A fresh database on one backend; dropped (PostgreSQL) by `cleanup`.
struct Db {
    label: &'static str,
    url: String,
    _dir: Option<tempfile::TempDir>,
    pg: Option<(String, String)>,
}

impl Db {
    async fn all() -> Vec<Db> {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut dbs = vec![Db {
            label: "sqlite",
            url: format!("sqlite://{}", dir.path().join("visanav.db").display()),
            _dir: Some(dir),
            pg: None,
        }];
        if let Some(admin) = crate::support::test_postgres_url() {
            let name = format!("t_{}", uuid::Uuid::now_v7().simple());
            let mut c = sqlx::PgConnection::connect(&admin).await.expect("connect");
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&mut c)
                .await
                .expect("create db");
            c.close().await.ok();
            let base = admin.rsplit_once('/').expect("db path").0;
            dbs.push(Db {
                label: "postgres",
                url: format!("{base}/{name}"),
                _dir: None,
                pg: Some((admin.clone(), name)),
            });
        }
        dbs
    }

    /// The store, without a summarizer.
    async fn bare(&self) -> Store {
        Store::open(&self.url, Crypto::from_master_key(&[7; 32]))
            .await
            .expect("open")
    }

    /// The store as the server and CLI open it: summaries from the plan.
    async fn store(&self) -> Store {
        self.bare()
            .await
            .with_summarizer(Summarizer::from_knowledge(knowledge()))
    }

    async fn cleanup(self) {
        if let Some((admin, name)) = self.pg {
            let mut c = sqlx::PgConnection::connect(&admin).await.expect("connect");
            sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut c)
                .await
                .expect("drop db");
        }
    }
}

macro_rules! on_every_backend {
    ($($name:ident),* $(,)?) => {$(
        #[tokio::test]
        async fn $name() {
            for db in Db::all().await {
                eprintln!("{} on {}", stringify!($name), db.label);
                checks::$name(&db).await;
                db.cleanup().await;
            }
        }
    )*};
}

on_every_backend!(
    a_summary_changes_with_its_case_in_the_same_transaction,
    an_edit_moves_the_summary_and_the_name_hashes,
    without_a_summarizer_rows_wait_for_the_sweep,
    the_sweep_refreshes_summaries_as_days_end,
    cases_are_ordered_by_urgency_then_deadline_then_latest_change,
    filters_search_and_pages,
    search_by_name_never_reaches_outside_the_firm,
    members_assign_cases_within_their_firm,
);

/// A firm with an owner and a paralegal (both with a second factor), and an owner of cases.
struct Firm {
    id: String,
    owner: Actor,
    paralegal: Actor,
    paralegal_id: AccountId,
}

async fn firm(store: &Store, name: &str) -> Firm {
    let mut tx = store.begin(TxMode::Write).await.expect("begin");
    let slug = name.to_lowercase().replace(' ', "");
    let owner = tx
        .create_account(
            &format!("owner@{slug}.example"),
            None,
            AccountKind::Person,
            now(),
        )
        .await
        .expect("account");
    let paralegal = tx
        .create_account(
            &format!("para@{slug}.example"),
            None,
            AccountKind::Person,
            now(),
        )
        .await
        .expect("account");
    let id = tx.create_firm(name, &owner, now()).await.expect("firm");
    tx.add_member(&id, &paralegal, visanav_store::FirmRole::Paralegal, now())
        .await
        .expect("member");
    tx.commit().await.expect("commit");
    Firm {
        id,
        owner: Actor::operator(owner),
        paralegal: Actor::operator(paralegal.clone()),
        paralegal_id: paralegal,
    }
}

/// Stores a case for a new client account and shares it with the firm (accepted).
async fn client_case(store: &Store, firm: &Firm, c: &CaseFile) -> CaseId {
    let mut tx = store.begin(TxMode::Write).await.expect("begin");
    let email = format!("client-{}@example.org", uuid::Uuid::now_v7().simple());
    let client = tx
        .create_account(&email, None, AccountKind::Person, now())
        .await
        .expect("account");
    let client = Actor::account(client);
    let id = tx
        .create_case(&client, c, now(), DuplicatePolicy::Allow)
        .await
        .expect("case");
    let share = tx
        .offer_share(&client, &id, Some(&firm.id), now())
        .await
        .expect("offer");
    tx.answer_share(&firm.owner, &share, true, now())
        .await
        .expect("accept");
    tx.commit().await.expect("commit");
    id
}

async fn rows(store: &Store, firm: &Firm, f: &DashboardFilter) -> Vec<DashboardRow> {
    store
        .firm_dashboard(&firm.owner, &firm.id, f)
        .await
        .expect("dashboard")
        .rows
}

async fn row_of(store: &Store, firm: &Firm, id: &CaseId) -> DashboardRow {
    let all = rows(
        store,
        firm,
        &DashboardFilter {
            per_page: 200,
            ..DashboardFilter::default()
        },
    )
    .await;
    all.into_iter()
        .find(|r| &r.case_id == id)
        .expect("the case is on the dashboard")
}

fn ids(rows: &[DashboardRow]) -> Vec<CaseId> {
    rows.iter().map(|r| r.case_id.clone()).collect()
}

fn notice(refusal: &Refusal) -> (Refusal, NewNotice<'static>) {
    (
        refusal.clone(),
        NewNotice {
            kind: "documents_requested",
            media_type: "text/plain",
            original: b"a later notice",
            reading_json: "{}",
            from_draft: None,
            episode: EpisodeChoice::New,
            duplicates: DuplicatePolicy::Refuse,
        },
    )
}

mod checks {
    use super::*;

    pub async fn a_summary_changes_with_its_case_in_the_same_transaction(db: &Db) {
        let store = db.store().await;
        let f = firm(&store, "Reyes Law").await;
        let c = example();
        let id = client_case(&store, &f, &c).await;
        let expected = summarize(&c, &knowledge(), now());
        let first = row_of(&store, &f, &id).await;
        assert_eq!(
            first.urgency_rank,
            visanav_core::summary::urgency_rank(expected.urgency)
        );
        assert_eq!(
            first.next_deadline,
            expected.next_deadline.map(|d| (d.due, d.title))
        );
        assert_eq!(first.latest_status.as_deref(), Some("Refused"));
        assert_eq!(first.status_since, Some(day("2025-06-02")));
        assert_eq!(first.help_reasons, expected.help_reasons);
        assert_eq!(first.client.as_deref(), Some("Maria Clara Santos"));

        // A status appended, then rolled back: the old summary stays.
        let owner = store
            .get_case(&f.owner, &id)
            .await
            .expect("get")
            .expect("visible to the firm");
        let client = Actor::account(owner.owner.clone());
        let issued = StatusObservation {
            on: day("2025-06-09"),
            status: "Issued".into(),
            last_updated: None,
            source: StatusSource::Ceac,
        };
        let mut tx = store.begin(TxMode::Write).await.expect("begin");
        tx.append_status(&client, &id, &issued, now())
            .await
            .expect("append");
        tx.rollback().await.expect("rollback");
        assert_eq!(row_of(&store, &f, &id).await, first);

        // Committed: status, since and the plan's view move together.
        store
            .append_status(&client, &id, &issued, now())
            .await
            .expect("append");
        let after = row_of(&store, &f, &id).await;
        assert_eq!(after.latest_status.as_deref(), Some("Issued"));
        assert_eq!(after.status_since, Some(day("2025-06-09")));
        let mut with_issued = c.clone();
        with_issued.status.push(issued.clone());
        let expected = summarize(&with_issued, &knowledge(), now());
        assert_eq!(
            after.next_deadline,
            expected.next_deadline.map(|d| (d.due, d.title))
        );
        // The same status read again later: "since" stays where it changed.
        let again = StatusObservation {
            on: day("2025-06-10"),
            ..issued
        };
        store
            .append_status(&client, &id, &again, now())
            .await
            .expect("append");
        assert_eq!(
            row_of(&store, &f, &id).await.status_since,
            Some(day("2025-06-09"))
        );

        // A notice applied (a new refusal episode): the 221(g) deadline moves with it.
        let refused = StatusObservation {
            on: day("2025-06-10"),
            status: "Refused".into(),
            last_updated: None,
            source: StatusSource::Ceac,
        };
        let later = Refusal {
            on: day("2025-06-10"),
            ..c.refusal.clone().expect("refusal")
        };
        let before_notice = row_of(&store, &f, &id).await;
        let mut tx = store.begin(TxMode::Write).await.expect("begin");
        tx.append_status(&client, &id, &refused, now())
            .await
            .expect("append");
        let (r, n) = notice(&later);
        tx.apply_notice(&client, &id, &r, n, now())
            .await
            .expect("notice");
        tx.commit().await.expect("commit");
        let after_notice = row_of(&store, &f, &id).await;
        assert_ne!(after_notice, before_notice);
        assert_eq!(after_notice.latest_status.as_deref(), Some("Refused"));
        assert_eq!(after_notice.status_since, Some(day("2025-06-10")));
        let now_case = store
            .get_case(&client, &id)
            .await
            .expect("get")
            .expect("case")
            .case;
        let expected = summarize(&now_case, &knowledge(), now());
        assert_eq!(
            after_notice.next_deadline,
            expected.next_deadline.map(|d| (d.due, d.title))
        );
        store.close().await;
    }

    pub async fn an_edit_moves_the_summary_and_the_name_hashes(db: &Db) {
        let store = db.store().await;
        let f = firm(&store, "Edit Law").await;
        let c = example();
        let id = client_case(&store, &f, &c).await;
        let before = row_of(&store, &f, &id).await;
        let client = Actor::account(
            store
                .get_case(&f.owner, &id)
                .await
                .expect("get")
                .expect("case")
                .owner,
        );
        // The refusal was a year earlier, and the beneficiary's name was misspelt.
        let mut edited = c.clone();
        let earlier = |d: Date| d.checked_sub(jiff::Span::new().days(352)).expect("date");
        if let Some(r) = edited.refusal.as_mut() {
            r.on = earlier(r.on);
        }
        edited.beneficiary = Some(Person {
            given_names: Some("Marie Claire".into()),
            surname: Some("Santos".into()),
            date_of_birth: None,
            nationality: Some("PH".into()),
        });
        let search = |q: &str| DashboardFilter {
            search: Some(q.into()),
            ..DashboardFilter::default()
        };
        // Rolled back: nothing moved, the old name still finds the case.
        let mut tx = store.begin(TxMode::Write).await.expect("begin");
        tx.update_case(&client, &id, &edited, now())
            .await
            .expect("edit");
        tx.rollback().await.expect("rollback");
        assert_eq!(row_of(&store, &f, &id).await, before);
        assert_eq!(
            ids(&rows(&store, &f, &search("maria clara")).await),
            vec![id.clone()]
        );
        // Committed: the deadline and the names move with the edit.
        store
            .update_case(&client, &id, &edited, now())
            .await
            .expect("edit");
        let after = row_of(&store, &f, &id).await;
        let expected = summarize(&edited, &knowledge(), now());
        assert_ne!(after.next_deadline, before.next_deadline);
        assert_eq!(
            after.next_deadline,
            expected.next_deadline.map(|d| (d.due, d.title))
        );
        assert_eq!(after.client.as_deref(), Some("Marie Claire Santos"));
        assert!(rows(&store, &f, &search("maria clara")).await.is_empty());
        assert_eq!(
            ids(&rows(&store, &f, &search("marie claire")).await),
            vec![id.clone()]
        );
        store.close().await;
    }

    pub async fn without_a_summarizer_rows_wait_for_the_sweep(db: &Db) {
        let bare = db.bare().await;
        let f = firm(&bare, "Bare Law").await;
        let id = client_case(&bare, &f, &example()).await;
        let pending = row_of(&bare, &f, &id).await;
        assert_eq!(pending.urgency_rank, PENDING_RANK);
        assert_eq!(pending.next_deadline, None);
        // What needs no knowledge base is there already: the status and the name hashes.
        assert_eq!(pending.latest_status.as_deref(), Some("Refused"));
        let by_name = DashboardFilter {
            search: Some("santos".into()),
            ..DashboardFilter::default()
        };
        assert_eq!(ids(&rows(&bare, &f, &by_name).await), vec![id.clone()]);
        assert!(matches!(
            bare.sweep(Sweep::All, now()).await,
            Err(StoreError::NoSummarizer)
        ));
        bare.close().await;

        let store = db.store().await;
        assert_eq!(store.sweep(Sweep::Stale, now()).await.expect("sweep"), 1);
        let done = row_of(&store, &f, &id).await;
        assert_ne!(done.urgency_rank, PENDING_RANK);
        assert!(done.next_deadline.is_some());
        store.close().await;
    }

    pub async fn the_sweep_refreshes_summaries_as_days_end(db: &Db) {
        let store = db.store().await;
        let f = firm(&store, "Sweep Law").await;
        let c = example();
        let id = client_case(&store, &f, &c).await;
        let first = row_of(&store, &f, &id).await;
        // Still the same day in Manila: nothing is stale.
        assert_eq!(
            store
                .sweep(Sweep::Stale, at("2025-06-10T15:59:00Z"))
                .await
                .expect("sweep"),
            0
        );
        // Past the 221(g) window's end: the summary moves on, and only then.
        let (due, _) = first.next_deadline.clone().expect("a deadline");
        let after: Timestamp = due
            .tomorrow()
            .expect("date")
            .to_zoned(jiff::tz::TimeZone::UTC)
            .expect("zoned")
            .timestamp()
            .checked_add(jiff::SignedDuration::from_hours(12))
            .expect("later");
        assert_eq!(store.sweep(Sweep::Stale, after).await.expect("sweep"), 1);
        assert_eq!(store.sweep(Sweep::Stale, after).await.expect("sweep"), 0);
        let moved = row_of(&store, &f, &id).await;
        let expected = summarize(&c, &knowledge(), after);
        assert_ne!(moved.next_deadline, first.next_deadline);
        assert_eq!(
            moved.next_deadline,
            expected.next_deadline.map(|d| (d.due, d.title))
        );
        assert_eq!(
            moved.urgency_rank,
            visanav_core::summary::urgency_rank(expected.urgency)
        );
        // A full sweep takes every case, stale or not.
        assert_eq!(store.sweep(Sweep::All, after).await.expect("sweep"), 1);
        store.close().await;
    }

    /// A summarizer that gives each case (by case number) the summary the test chose.
    fn chosen(table: HashMap<String, Summary>) -> Summarizer {
        Summarizer::new(move |c: &CaseFile, _| {
            let key = c
                .ceac_case_number
                .as_ref()
                .map(|n| n.as_str().to_string())
                .unwrap_or_default();
            table.get(&key).cloned().expect("a chosen summary")
        })
    }

    fn summary(urgency: Urgency, due: Option<&str>, since: Option<&str>) -> Summary {
        Summary {
            computed_for: day("2025-06-10"),
            valid_until: at("2025-06-10T16:00:00Z"),
            urgency,
            next_deadline: due.map(|d| NextDeadline {
                due: day(d),
                title: format!("due {d}"),
            }),
            latest_status: since.map(|s| LatestStatus {
                status: "Refused".into(),
                since: day(s),
            }),
            help_reasons: Vec::new(),
            dates: Vec::new(),
        }
    }

    pub async fn cases_are_ordered_by_urgency_then_deadline_then_latest_change(db: &Db) {
        use Urgency::{Consider, None as NoHelp, Now, Soon};
        // (case number, urgency, next deadline, status since), in the expected order.
        let expected: [(&str, Urgency, Option<&str>, Option<&str>); 8] = [
            ("MNL2025000001", Now, Some("2025-06-20"), Some("2025-05-01")),
            ("MNL2025000002", Now, Some("2025-07-01"), Some("2025-06-01")),
            ("MNL2025000003", Now, Some("2025-07-01"), Some("2025-05-01")),
            ("MNL2025000004", Now, None, Some("2025-06-05")),
            ("MNL2025000005", Soon, Some("2025-06-11"), None),
            (
                "MNL2025000006",
                Consider,
                Some("2026-01-01"),
                Some("2025-06-09"),
            ),
            ("MNL2025000007", Consider, Some("2026-01-01"), None),
            (
                "MNL2025000008",
                NoHelp,
                Some("2025-06-10"),
                Some("2025-06-10"),
            ),
        ];
        let table = expected
            .iter()
            .map(|(n, u, d, s)| (n.to_string(), summary(*u, *d, *s)))
            .collect();
        let store = db.bare().await.with_summarizer(chosen(table));
        let f = firm(&store, "Order Law").await;
        let mut made = HashMap::new();
        // Stored in another order than expected, so the order comes from the query.
        for i in [4, 7, 0, 2, 6, 1, 5, 3] {
            let (number, ..) = expected[i];
            let id = client_case(&store, &f, &case(number, "MNL", "Ana", "Cruz")).await;
            made.insert(number, id);
        }
        let want: Vec<CaseId> = expected.iter().map(|e| made[e.0].clone()).collect();
        let got = rows(&store, &f, &DashboardFilter::default()).await;
        assert_eq!(ids(&got), want);
        assert_eq!(
            got[0].next_deadline,
            Some((day("2025-06-20"), "due 2025-06-20".into()))
        );
        // Pages follow one another without overlap or gap.
        let mut paged = Vec::new();
        for page in 0..3 {
            let p = store
                .firm_dashboard(
                    &f.paralegal,
                    &f.id,
                    &DashboardFilter {
                        page,
                        per_page: 3,
                        ..DashboardFilter::default()
                    },
                )
                .await
                .expect("page");
            assert_eq!(p.has_more, page < 2, "page {page}");
            paged.extend(ids(&p.rows));
        }
        assert_eq!(paged, want);
        store.close().await;
    }

    pub async fn filters_search_and_pages(db: &Db) {
        let store = db.store().await;
        let f = firm(&store, "Filter Law").await;
        let mnl = client_case(
            &store,
            &f,
            &case("MNL2025100001", "MNL", "José María", "Núñez"),
        )
        .await;
        let mut issued = case("BGT2025100002", "BGT", "Ana", "Cruz");
        issued.status.push(StatusObservation {
            on: day("2025-06-05"),
            status: "Issued".into(),
            last_updated: None,
            source: StatusSource::Ceac,
        });
        let bgt = client_case(&store, &f, &issued).await;
        let all = rows(&store, &f, &DashboardFilter::default()).await;
        assert_eq!(all.len(), 2);
        let by = |filter: DashboardFilter| {
            let store = &store;
            let f = &f;
            async move { ids(&rows(store, f, &filter).await) }
        };
        let post = DashboardFilter {
            post: Some("BGT".into()),
            ..DashboardFilter::default()
        };
        assert_eq!(by(post).await, vec![bgt.clone()]);
        let status = DashboardFilter {
            status: Some("Refused".into()),
            ..DashboardFilter::default()
        };
        assert_eq!(by(status).await, vec![mnl.clone()]);
        let mnl_row = all.iter().find(|r| r.case_id == mnl).expect("row");
        let urgency = DashboardFilter {
            urgency: Some(mnl_row.urgency_rank),
            post: Some("MNL".into()),
            ..DashboardFilter::default()
        };
        assert_eq!(by(urgency).await, vec![mnl.clone()]);
        let (due, _) = mnl_row.next_deadline.clone().expect("deadline");
        let due_soon = DashboardFilter {
            due_by: Some(due),
            ..DashboardFilter::default()
        };
        assert!(by(due_soon).await.contains(&mnl));
        let before = DashboardFilter {
            due_by: Some(due.yesterday().expect("date")),
            post: Some("MNL".into()),
            ..DashboardFilter::default()
        };
        assert!(by(before).await.is_empty());
        // Search: the case number, or the name in any case, with or without accents.
        for q in [
            "MNL2025100001",
            "mnl-2025100001",
            "jose nunez",
            "NÚÑEZ",
            "José  María Núñez",
            "maria",
        ] {
            let s = DashboardFilter {
                search: Some(q.into()),
                ..DashboardFilter::default()
            };
            assert_eq!(by(s).await, vec![mnl.clone()], "{q}");
        }
        // The petitioner's name finds both (the example's petitioner is on both).
        let s = DashboardFilter {
            search: Some("whitfield".into()),
            ..DashboardFilter::default()
        };
        assert_eq!(by(s).await.len(), 2);
        for q in ["jose cruz", "nunes", "-"] {
            let s = DashboardFilter {
                search: Some(q.into()),
                ..DashboardFilter::default()
            };
            assert!(by(s).await.is_empty(), "{q}");
        }
        store.close().await;
    }

    pub async fn search_by_name_never_reaches_outside_the_firm(db: &Db) {
        let store = db.store().await;
        let ours = firm(&store, "Ours Law").await;
        let theirs = firm(&store, "Theirs Law").await;
        let mine = client_case(
            &store,
            &ours,
            &case("MNL2025200001", "MNL", "Lucía", "Reyes"),
        )
        .await;
        let elsewhere = client_case(
            &store,
            &theirs,
            &case("MNL2025200002", "MNL", "Lucia", "Reyes"),
        )
        .await;
        // A case with the same name that nobody shared, and one shared then revoked.
        let mut tx = store.begin(TxMode::Write).await.expect("begin");
        let loner = tx
            .create_account("loner@example.org", None, AccountKind::Person, now())
            .await
            .expect("account");
        let loner = Actor::account(loner);
        tx.create_case(
            &loner,
            &case("MNL2025200003", "MNL", "Lucia", "Reyes"),
            now(),
            DuplicatePolicy::Allow,
        )
        .await
        .expect("case");
        let revoked = tx
            .create_case(
                &loner,
                &case("MNL2025200004", "MNL", "Lucia", "Reyes"),
                now(),
                DuplicatePolicy::Allow,
            )
            .await
            .expect("case");
        let share = tx
            .offer_share(&loner, &revoked, Some(&ours.id), now())
            .await
            .expect("offer");
        tx.answer_share(&ours.owner, &share, true, now())
            .await
            .expect("accept");
        tx.revoke_share(&loner, &revoked, &share, now())
            .await
            .expect("revoke");
        tx.commit().await.expect("commit");
        for q in [
            "lucia reyes",
            "reyes",
            "MNL2025200002",
            "MNL2025200003",
            "MNL2025200004",
        ] {
            let s = DashboardFilter {
                search: Some(q.into()),
                ..DashboardFilter::default()
            };
            let found = ids(&rows(&store, &ours, &s).await);
            assert!(
                found.iter().all(|id| id == &mine),
                "{q}: only our firm's case, got {found:?}"
            );
        }
        let everything = ids(&rows(&store, &ours, &DashboardFilter::default()).await);
        assert_eq!(everything, vec![mine.clone()]);
        let theirs_rows = ids(&rows(&store, &theirs, &DashboardFilter::default()).await);
        assert_eq!(theirs_rows, [elsewhere]);
        // A member of another firm, or one without a second factor, sees no firm at all.
        assert!(matches!(
            store
                .firm_dashboard(&theirs.owner, &ours.id, &DashboardFilter::default())
                .await,
            Err(StoreError::FirmNotFound)
        ));
        let first_factor_only = Actor::account(ours.owner.account_id().clone());
        assert!(matches!(
            store
                .firm_dashboard(&first_factor_only, &ours.id, &DashboardFilter::default())
                .await,
            Err(StoreError::FirmNotFound)
        ));
        assert!(matches!(
            store
                .firm_dashboard(&loner, &ours.id, &DashboardFilter::default())
                .await,
            Err(StoreError::FirmNotFound)
        ));
        store.close().await;
    }

    pub async fn members_assign_cases_within_their_firm(db: &Db) {
        let store = db.store().await;
        let f = firm(&store, "Assign Law").await;
        let other = firm(&store, "Other Law").await;
        let id = client_case(&store, &f, &example()).await;
        let second = client_case(&store, &f, &case("MNL2025300002", "MNL", "Ana", "Cruz")).await;
        // The paralegal assigns the case to themself; the owner sees it.
        store
            .assign_case(&f.paralegal, &f.id, &id, Some(&f.paralegal_id), now())
            .await
            .expect("assign");
        assert_eq!(
            row_of(&store, &f, &id).await.assignee,
            Some(f.paralegal_id.clone())
        );
        let mine = DashboardFilter {
            assignee: Assignee::Member(f.paralegal_id.clone()),
            ..DashboardFilter::default()
        };
        assert_eq!(ids(&rows(&store, &f, &mine).await), vec![id.clone()]);
        let nobody = DashboardFilter {
            assignee: Assignee::Nobody,
            ..DashboardFilter::default()
        };
        assert_eq!(ids(&rows(&store, &f, &nobody).await), vec![second.clone()]);
        // Reassigned to the owner, then unassigned.
        store
            .assign_case(&f.paralegal, &f.id, &id, Some(f.owner.account_id()), now())
            .await
            .expect("reassign");
        assert_eq!(
            row_of(&store, &f, &id).await.assignee.as_ref(),
            Some(f.owner.account_id())
        );
        store
            .assign_case(&f.owner, &f.id, &id, None, now())
            .await
            .expect("unassign");
        assert_eq!(row_of(&store, &f, &id).await.assignee, None);
        // Only to a member of the firm; only by a member of the firm that has the case.
        assert!(matches!(
            store
                .assign_case(&f.owner, &f.id, &id, Some(other.owner.account_id()), now())
                .await,
            Err(StoreError::AccountNotFound)
        ));
        assert!(matches!(
            store
                .assign_case(
                    &other.owner,
                    &f.id,
                    &id,
                    Some(other.owner.account_id()),
                    now()
                )
                .await,
            Err(StoreError::CaseNotFound(_))
        ));
        assert!(matches!(
            store
                .assign_case(
                    &other.owner,
                    &other.id,
                    &id,
                    Some(other.owner.account_id()),
                    now()
                )
                .await,
            Err(StoreError::CaseNotFound(_))
        ));
        // The client's case log shows who assigned and unassigned, by id only.
        let stored = store
            .get_case(&f.owner, &id)
            .await
            .expect("get")
            .expect("case");
        let log = store
            .case_audit(&Actor::account(stored.owner), &id)
            .await
            .expect("log");
        let actions: Vec<&str> = log.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(
            actions
                .iter()
                .filter(|a| a.starts_with("case_"))
                .copied()
                .collect::<Vec<_>>(),
            [
                "case_created",
                "case_assigned",
                "case_assigned",
                "case_unassigned"
            ]
        );
        store.close().await;
    }
}
