//! Assisted checks in the store, on both backends: a page a person handed over that holds no
//! reading is kept as an attempt and nothing more (no block of the provider, no failure
//! count, no schedule change); cases are found by the CEAC id a page shows, among those the
//! actor may see; the bookmarklet's token is replaced when made anew and the database takes
//! its scope.

use super::*;
use jiff::SignedDuration;
use visanav_core::monitor::{CheckError, CheckSource, ObservationVia, Schedule};
use visanav_store::{CheckBy, CheckRecord, NewApiToken, NewReading, TokenScope};

contract!(
    an_assisted_failure_is_kept_but_changes_nothing_else,
    cases_are_found_by_the_ceac_id_a_page_shows,
    making_the_bookmarklet_anew_revokes_the_old_token,
);

mod checks {
    use super::*;

    fn assisted(outcome: Result<NewReading, CheckError>) -> CheckRecord {
        CheckRecord {
            source: CheckSource::Ceac,
            via: ObservationVia::Assisted,
            started: now(),
            duration_ms: 1,
            outcome,
            detail: Some("from the person's browser".into()),
            raw: Some("<span>page</span>".into()),
            keep_raw_until: now() + SignedDuration::from_hours(24),
        }
    }

    async fn record(db: &TestDb, id: &CaseId, r: &CheckRecord) -> visanav_store::Recorded {
        db.store
            .record_check(
                CheckBy::Person(&local()),
                id,
                r,
                &Schedule::default(),
                0.5,
                now(),
            )
            .await
            .expect("record")
    }

    pub async fn an_assisted_failure_is_kept_but_changes_nothing_else(db: &TestDb) {
        let id = db.new_case().await;
        db.store
            .set_monitoring(&local(), &id, CheckSource::Ceac, true, now(), now())
            .await
            .expect("monitor");
        let before = db.store.monitors(&local(), &id).await.expect("m");
        for error in [
            CheckError::Blocked,
            CheckError::CaptchaMismatch,
            CheckError::NotFound,
            CheckError::CaptchaMismatch,
        ] {
            let r = record(db, &id, &assisted(Err(error))).await;
            assert!(!r.provider_blocked && !r.told_failing && r.change.is_none());
        }
        assert_eq!(
            db.store
                .provider_blocked_until(CheckSource::Ceac, now())
                .await
                .expect("state"),
            None,
            "a person's browser being blocked is not the server being blocked"
        );
        let after = db.store.monitors(&local(), &id).await.expect("m");
        assert_eq!(after, before, "no failure counted, nothing rescheduled");
        let attempts = db.store.attempts(&local(), &id, 10).await.expect("a");
        assert_eq!(
            attempts.len(),
            4,
            "each attempt is kept for the person to see"
        );
        assert!(
            attempts
                .iter()
                .all(|a| a.via() == ObservationVia::Assisted && !a.ok)
        );
        assert!(
            db.store
                .case_events(&local(), &id)
                .await
                .expect("events")
                .is_empty()
        );
        // A reading handed over counts like any other: it is the new baseline.
        let reading = NewReading {
            history: Vec::new(),
            status: "Refused".into(),
            last_updated: Some("2025-07-15".parse().expect("date")),
            observed_on: "2026-01-15".parse().expect("date"),
            issued: false,
        };
        let r = record(db, &id, &assisted(Ok(reading))).await;
        assert!(r.stored_reading);
        assert_eq!(
            r.change.as_ref().map(|c| c.kind()),
            Some("last_updated_changed"),
            "the example's last reading was Refused, updated 2025-06-02"
        );
        let timeline = db.store.timeline(&local(), &id).await.expect("t");
        assert_eq!(timeline.last().map(|t| t.via.as_str()), Some("assisted"));
        assert_eq!(
            db.store
                .checks_requested_since(&local(), now() - SignedDuration::from_hours(1))
                .await
                .expect("count"),
            0,
            "pages handed over do not use up \"check now\""
        );
    }

    pub async fn cases_are_found_by_the_ceac_id_a_page_shows(db: &TestDb) {
        let first = db.new_case().await;
        let second = db.new_case().await;
        for shown in ["MNL2025512345", " mnl-2025512345 ", "AA00B7QPGN"] {
            assert_eq!(
                db.store
                    .cases_with_ceac_id(&local(), shown)
                    .await
                    .expect("find"),
                [first.clone(), second.clone()],
                "{shown:?}"
            );
        }
        for nothing in ["MNL2025000000", "", "   "] {
            assert!(
                db.store
                    .cases_with_ceac_id(&local(), nothing)
                    .await
                    .expect("find")
                    .is_empty(),
                "{nothing:?}"
            );
        }
        assert!(
            db.store
                .cases_with_ceac_id(&other(), "MNL2025512345")
                .await
                .expect("find")
                .is_empty(),
            "another person's cases are not found"
        );
    }

    pub async fn making_the_bookmarklet_anew_revokes_the_old_token(db: &TestDb) {
        let account = local().account_id().clone();
        let mut tx = db.store.begin(TxMode::Write).await.expect("begin");
        for (hash, scope) in [
            ("h-api", TokenScope::ReadWrite),
            ("h-ceac-1", TokenScope::CeacSubmit),
        ] {
            tx.create_api_token(
                NewApiToken {
                    hash,
                    account: &account,
                    name: "t",
                    scope,
                    second_factor: false,
                    lifetime: SignedDuration::from_hours(24),
                },
                now(),
            )
            .await
            .expect("token");
        }
        let revoked = tx
            .revoke_api_tokens_with_scope(&account, TokenScope::CeacSubmit, now())
            .await
            .expect("revoke");
        tx.commit().await.expect("commit");
        assert_eq!(revoked, 1);
        let live = |hash: &'static str| {
            let store = db.store.clone();
            async move {
                store
                    .live_api_token(hash, now())
                    .await
                    .expect("read")
                    .map(|(t, _)| t.scope)
            }
        };
        assert_eq!(live("h-ceac-1").await, None, "the old bookmarklet stops");
        assert_eq!(
            live("h-api").await,
            Some(TokenScope::ReadWrite),
            "API tokens stay"
        );
        // The database itself knows the scopes: `ceac` is taken, anything else refused.
        let insert = |id: &str, scope: &str| {
            format!(
                "INSERT INTO api_tokens (id, account_id, hash, name, scope, second_factor,
                     created_ms, expires_ms)
                 VALUES ('{id}', '{}', 'h-{id}', 'x', '{scope}', FALSE, 0, 1)",
                AccountId::LOCAL
            )
        };
        db.raw_execute(&insert("raw-ceac", "ceac"))
            .await
            .expect("the ceac scope is allowed");
        assert!(db.raw_execute(&insert("raw-admin", "admin")).await.is_err());
    }
}
