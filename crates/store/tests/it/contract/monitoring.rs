//! Status monitoring in the store, on both backends: leases, readings, change events only
//! between two successful readings, failures told once, provider blocks, and access.

use super::*;
use jiff::SignedDuration;
use visanav_core::monitor::{CheckError, CheckSource, ObservationVia, Schedule};
use visanav_store::{CheckBy, CheckRecord, NewReading, WorkerCheck};

contract!(
    leases_hand_each_due_case_to_one_worker,
    a_change_fires_once_and_only_between_successful_readings,
    failures_are_told_once_and_blocks_pause_the_provider,
    monitoring_is_private_to_who_can_see_the_case,
    two_workers_leasing_at_once_never_share_a_case,
    a_persons_checks_count_attempts_and_unanswered_pictures,
    a_workers_checks_recorded_together_are_recorded_as_one_by_one,
);

mod checks {
    use super::*;

    fn at(minutes: i64) -> Timestamp {
        now() + SignedDuration::from_mins(minutes)
    }

    fn ok(status: &str, updated: &str, issued: bool) -> Result<NewReading, CheckError> {
        Ok(NewReading {
            history: Vec::new(),
            status: status.into(),
            last_updated: Some(updated.parse().expect("date")),
            observed_on: "2026-01-15".parse().expect("date"),
            issued,
        })
    }

    fn record(outcome: Result<NewReading, CheckError>, started: Timestamp) -> CheckRecord {
        CheckRecord {
            source: CheckSource::Ceac,
            via: ObservationVia::Direct,
            started,
            duration_ms: 12,
            outcome,
            detail: None,
            raw: Some("<span id=\"lblStatus\">answer</span>".into()),
            keep_raw_until: started + SignedDuration::from_hours(24),
        }
    }

    async fn watched_case(db: &TestDb) -> CaseId {
        let id = db.new_case().await;
        db.store
            .set_monitoring(&local(), &id, CheckSource::Ceac, true, now(), now())
            .await
            .expect("monitor");
        id
    }

    /// Leases the case to `worker` and records one check of it.
    async fn check(
        db: &TestDb,
        worker: &str,
        id: &CaseId,
        outcome: Result<NewReading, CheckError>,
        when: Timestamp,
    ) -> visanav_store::Recorded {
        let leased = db
            .store
            .lease_due(
                worker,
                &[CheckSource::Ceac],
                when,
                when,
                SignedDuration::from_mins(5),
                10,
            )
            .await
            .expect("lease");
        assert!(
            leased.iter().any(|t| &t.case_id == id),
            "the case is due and leased at {when}"
        );
        db.store
            .record_check(
                CheckBy::Worker(worker),
                id,
                &record(outcome, when),
                &Schedule::default(),
                0.5,
                when,
            )
            .await
            .expect("record")
    }

    async fn events(db: &TestDb, id: &CaseId) -> Vec<String> {
        db.store
            .case_events(&local(), id)
            .await
            .expect("events")
            .into_iter()
            .map(|e| e.kind)
            .collect()
    }

    pub async fn leases_hand_each_due_case_to_one_worker(db: &TestDb) {
        let id = watched_case(db).await;
        let lease = SignedDuration::from_mins(5);
        let first = db
            .store
            .lease_due("w1", &[CheckSource::Ceac], at(1), at(1), lease, 10)
            .await
            .expect("lease");
        assert_eq!(first.len(), 1);
        let target = &first[0];
        assert_eq!(target.case_id, id);
        assert_eq!(
            target.passport.as_ref().map(|p| p.as_str()),
            Some("P1234567A"),
            "decrypted for the check"
        );
        assert_eq!(
            target.ceac_case_number.as_ref().map(|n| n.as_str()),
            Some("MNL2025512345")
        );
        let second = db
            .store
            .lease_due("w2", &[CheckSource::Ceac], at(2), at(2), lease, 10)
            .await
            .expect("lease");
        assert!(second.is_empty(), "a leased case is not handed out again");
        assert!(
            db.store
                .lease_due("w2", &[CheckSource::Uscis], at(2), at(2), lease, 10)
                .await
                .expect("lease")
                .is_empty(),
            "only the sources asked for"
        );
        // Another worker cannot record a check of a case it does not hold.
        let stolen = db
            .store
            .record_check(
                CheckBy::Worker("w2"),
                &id,
                &record(ok("Refused", "2025-06-02", false), at(2)),
                &Schedule::default(),
                0.5,
                at(2),
            )
            .await;
        assert!(
            matches!(stolen, Err(StoreError::LeaseLost(_))),
            "{stolen:?}"
        );
        // A worker that died: its lease runs out and another worker takes the case.
        let taken = db
            .store
            .lease_due("w2", &[CheckSource::Ceac], at(7), at(7), lease, 10)
            .await
            .expect("lease");
        assert_eq!(taken.len(), 1, "an expired lease is taken over");
        let done = db
            .store
            .record_check(
                CheckBy::Worker("w2"),
                &id,
                &record(ok("Refused", "2025-06-02", false), at(7)),
                &Schedule::default(),
                0.5,
                at(7),
            )
            .await
            .expect("record");
        let next = done.next_check_ms.expect("a next check");
        assert!(
            next >= at(7 + 6 * 60).as_millisecond(),
            "not again within six hours"
        );
        assert!(
            db.store
                .lease_due("w1", &[CheckSource::Ceac], at(8), at(8), lease, 10)
                .await
                .expect("lease")
                .is_empty(),
            "a case checked in this cycle is not due again"
        );
    }

    pub async fn a_change_fires_once_and_only_between_successful_readings(db: &TestDb) {
        let id = watched_case(db).await;
        let hours = |h: i64| at(h * 60 + 1);
        // The example's latest CEAC reading is Refused, last updated 2025-06-02.
        let same = check(db, "w", &id, ok("Refused", "2025-06-02", false), hours(0)).await;
        assert_eq!((same.change.clone(), same.stored_reading), (None, false));
        // Garbled and unavailable answers between two equal readings: no change, no reading.
        for (i, e) in [CheckError::Unparseable, CheckError::Unavailable]
            .into_iter()
            .enumerate()
        {
            let r = check(db, "w", &id, Err(e), hours(30 * (i as i64 + 1))).await;
            assert_eq!(r.change, None);
        }
        let bumped = check(db, "w", &id, ok("Refused", "2025-09-01", false), hours(100)).await;
        assert_eq!(
            bumped.change.as_ref().map(|c| c.kind()),
            Some("last_updated_changed")
        );
        let issued = check(db, "w", &id, ok("Issued", "2025-09-20", true), hours(200)).await;
        assert_eq!(
            issued.change.as_ref().map(|c| c.kind()),
            Some("status_changed")
        );
        let again = check(db, "w", &id, ok("Issued", "2025-09-20", true), hours(300)).await;
        assert_eq!(again.change, None, "the same reading twice is one change");
        assert_eq!(
            events(db, &id).await,
            ["last_updated_changed", "status_changed"]
        );
        let case = checks_case(db, &id).await;
        assert_eq!(
            case.status.last().map(|s| s.status.as_str()),
            Some("Issued")
        );
        let timeline = db.store.timeline(&local(), &id).await.expect("timeline");
        let last = timeline.last().expect("entries");
        assert_eq!(
            (last.via.as_str(), last.attempt_id.is_some()),
            ("direct", true)
        );
        // The answer it came from is kept, encrypted, and reads back.
        let (attempt, answer) = db
            .store
            .attempt_answer(&local(), &id, last.attempt_id.as_deref().expect("id"))
            .await
            .expect("answer")
            .expect("kept");
        assert!(attempt.ok && attempt.changed);
        assert!(answer.contains("lblStatus"));
        let attempts = db
            .store
            .attempts(&local(), &id, 50)
            .await
            .expect("attempts");
        assert_eq!(attempts.len(), 6, "every attempt is recorded");
        assert_eq!(attempts.iter().filter(|a| !a.ok).count(), 2);
        // Days after Issued, monitoring stops: no next check.
        let late = check(
            db,
            "w",
            &id,
            ok("Issued", "2025-09-20", true),
            hours(300 + 8 * 24),
        )
        .await;
        assert_eq!(late.next_check_ms, None);
    }

    async fn checks_case(db: &TestDb, id: &CaseId) -> CaseFile {
        db.store
            .get_case(&local(), id)
            .await
            .expect("get")
            .expect("case")
            .case
    }

    pub async fn failures_are_told_once_and_blocks_pause_the_provider(db: &TestDb) {
        let id = watched_case(db).await;
        let mut when = at(1);
        let mut told = Vec::new();
        for _ in 0..5 {
            let r = check(db, "w", &id, Err(CheckError::Unavailable), when).await;
            told.push(r.told_failing);
            when = Timestamp::from_millisecond(r.next_check_ms.expect("next")).expect("ts");
        }
        assert_eq!(
            told,
            [false, false, true, false, false],
            "told once, on the third failure"
        );
        assert_eq!(events(db, &id).await, ["checks_failing"]);
        let monitors = db.store.monitors(&local(), &id).await.expect("monitors");
        assert_eq!(monitors[0].consecutive_failures, 5);
        // A block is the provider's incident: one event, no case failure, nothing leased
        // from that provider until it ends.
        let blocked = check(db, "w", &id, Err(CheckError::Blocked), when).await;
        assert!(blocked.provider_blocked);
        let until = db
            .store
            .provider_blocked_until(CheckSource::Ceac, when)
            .await
            .expect("state")
            .expect("blocked");
        assert!(until >= (when + SignedDuration::from_hours(3)).as_millisecond());
        assert_eq!(
            db.store.monitors(&local(), &id).await.expect("m")[0].consecutive_failures,
            5,
            "a block does not count against the case"
        );
        let other = watched_case(db).await;
        let leased = db
            .store
            .lease_due(
                "w",
                &[CheckSource::Ceac],
                when + SignedDuration::from_mins(1),
                when + SignedDuration::from_mins(1),
                SignedDuration::from_mins(5),
                10,
            )
            .await
            .expect("lease");
        assert!(
            leased.is_empty(),
            "no CEAC check during a block ({} leased)",
            leased.len()
        );
        let after = Timestamp::from_millisecond(until).expect("ts") + SignedDuration::from_mins(1);
        let leased = db
            .store
            .lease_due(
                "w",
                &[CheckSource::Ceac],
                after,
                after,
                SignedDuration::from_mins(5),
                10,
            )
            .await
            .expect("lease");
        assert!(
            leased.iter().any(|t| t.case_id == other),
            "checks resume after the block"
        );
        // A success resets the failures and allows telling again later.
        let recovered = db
            .store
            .record_check(
                CheckBy::Person(&local()),
                &id,
                &record(ok("Refused", "2025-06-02", false), after),
                &Schedule::default(),
                0.5,
                after,
            )
            .await
            .expect("record");
        assert_eq!(recovered.change, None);
        assert_eq!(
            db.store.monitors(&local(), &id).await.expect("m")[0].consecutive_failures,
            0
        );
        let kinds: Vec<String> = db
            .store
            .events_since(0)
            .await
            .expect("events")
            .into_iter()
            .map(|e| e.kind)
            .collect();
        assert_eq!(kinds.iter().filter(|k| *k == "provider_blocked").count(), 1);
    }

    pub async fn monitoring_is_private_to_who_can_see_the_case(db: &TestDb) {
        let id = watched_case(db).await;
        let stranger = other();
        assert!(matches!(
            db.store.monitors(&stranger, &id).await,
            Err(StoreError::CaseNotFound(_))
        ));
        assert!(matches!(
            db.store
                .set_monitoring(&stranger, &id, CheckSource::Ceac, false, now(), now())
                .await,
            Err(StoreError::CaseNotFound(_))
        ));
        let r = record(ok("Issued", "2025-09-20", true), at(1));
        assert!(matches!(
            db.store
                .record_check(
                    CheckBy::Person(&stranger),
                    &id,
                    &r,
                    &Schedule::default(),
                    0.5,
                    at(1)
                )
                .await,
            Err(StoreError::CaseNotFound(_))
        ));
        // The raw answer is stored encrypted: the bytes of the page are not in the table.
        db.store
            .record_check(
                CheckBy::Person(&local()),
                &id,
                &r,
                &Schedule::default(),
                0.5,
                at(1),
            )
            .await
            .expect("record");
        let plain = db
            .raw_count(
                "SELECT COUNT(*) FROM check_attempts WHERE case_id = $1 AND raw_enc IS NOT NULL",
                id.as_str(),
            )
            .await;
        assert_eq!(plain, 1);
        // Challenges belong to one person and are taken once.
        let challenge = db
            .store
            .save_challenge(&local(), &id, b"session", at(10))
            .await
            .expect("save");
        assert_eq!(
            db.store
                .take_challenge(&stranger, &id, &challenge, at(2))
                .await
                .ok()
                .flatten(),
            None
        );
        assert_eq!(
            db.store
                .take_challenge(&local(), &id, &challenge, at(2))
                .await
                .expect("take")
                .as_deref(),
            Some(&b"session"[..])
        );
        assert_eq!(
            db.store
                .take_challenge(&local(), &id, &challenge, at(3))
                .await
                .expect("take"),
            None
        );
        // Turning monitoring off keeps the case from being leased.
        db.store
            .set_monitoring(&local(), &id, CheckSource::Ceac, false, now(), now())
            .await
            .expect("off");
        assert!(
            db.store
                .lease_due(
                    "w",
                    &[CheckSource::Ceac],
                    at(60 * 24 * 30),
                    at(60 * 24 * 30),
                    SignedDuration::from_mins(5),
                    10
                )
                .await
                .expect("lease")
                .is_empty()
        );
    }

    /// "Check now" counts every check a person started: recorded attempts, and captcha
    /// pictures fetched for them and never answered (even after they expired); a mistyped
    /// code is listed but is not a failure of the case's monitoring.
    pub async fn a_persons_checks_count_attempts_and_unanswered_pictures(db: &TestDb) {
        let id = watched_case(db).await;
        let me = local();
        db.store
            .record_check(
                CheckBy::Person(&me),
                &id,
                &record(ok("Refused", "2025-06-02", false), at(0)),
                &Schedule::default(),
                0.5,
                at(0),
            )
            .await
            .expect("record");
        let missed = db
            .store
            .record_unanswered(&me, &id, &record(Err(CheckError::CaptchaMismatch), at(1)))
            .await
            .expect("miss");
        let attempts = db.store.attempts(&me, &id, 10).await.expect("attempts");
        assert_eq!(attempts[0].id, missed);
        assert_eq!(attempts[0].error.as_deref(), Some("captcha_mismatch"));
        assert_eq!(
            db.store.monitors(&me, &id).await.expect("m")[0].consecutive_failures,
            0,
            "a typo is not the case's checks failing"
        );
        // One picture answered (taken), one abandoned: only the abandoned one counts, from
        // its expiry, and still after it expired.
        let taken = db
            .store
            .save_challenge(&me, &id, b"a", at(7))
            .await
            .expect("save");
        db.store
            .save_challenge(&me, &id, b"b", at(8))
            .await
            .expect("save");
        db.store
            .take_challenge(&me, &id, &taken, at(4))
            .await
            .expect("take");
        let counted = db
            .store
            .check_requests_since(&me, at(-60))
            .await
            .expect("count");
        assert_eq!(
            counted,
            [at(0), at(1), at(8)].map(|t| t.as_millisecond()),
            "oldest first"
        );
        // A later take (of anything) forgets only challenges long expired.
        let later = db
            .store
            .save_challenge(&me, &id, b"c", at(70))
            .await
            .expect("save");
        db.store
            .take_challenge(&me, &id, &later, at(65))
            .await
            .expect("take");
        assert_eq!(
            db.store
                .check_requests_since(&me, at(5))
                .await
                .expect("count"),
            [at(8).as_millisecond()]
        );
        assert!(
            db.store
                .check_requests_since(&other(), at(-60))
                .await
                .expect("count")
                .is_empty()
        );
    }

    /// Many cases due at once and two workers leasing concurrently, each from its own
    /// connection: every case goes to exactly one of them.
    pub async fn two_workers_leasing_at_once_never_share_a_case(db: &TestDb) {
        let mut ids = Vec::new();
        for _ in 0..60 {
            ids.push(watched_case(db).await);
        }
        let worker = |name: &'static str| {
            let store = db.store.clone();
            async move {
                let mut mine = Vec::new();
                for round in 0..40 {
                    let batch = store
                        .lease_due(
                            name,
                            &[CheckSource::Ceac],
                            at(1 + round),
                            at(1 + round),
                            SignedDuration::from_mins(60),
                            3,
                        )
                        .await
                        .expect("lease");
                    mine.extend(batch.into_iter().map(|t| t.case_id));
                    // "Check" the cases a little while, as a worker would.
                    tokio::time::sleep(std::time::Duration::from_millis(2)).await;
                }
                mine
            }
        };
        let (a, b) = tokio::join!(worker("a"), worker("b"));
        let mut all: Vec<CaseId> = a.iter().chain(b.iter()).cloned().collect();
        let total = all.len();
        all.sort_by(|x, y| x.as_str().cmp(y.as_str()));
        all.dedup();
        assert_eq!(all.len(), total, "no case leased twice");
        assert_eq!(total, ids.len(), "every due case leased");
        // PostgreSQL runs the two leases at once (SKIP LOCKED); SQLite's one writer may serve
        // one worker all along, which is fair enough on one machine.
        if db.store.backend() == Backend::Postgres {
            assert!(
                !a.is_empty() && !b.is_empty(),
                "both workers got work ({} / {})",
                a.len(),
                b.len()
            );
        }
    }

    /// The group commit: a confirmation, a lost lease, a change and a failure recorded in one
    /// transaction each do what they do alone, and the lost lease undoes nothing else.
    pub async fn a_workers_checks_recorded_together_are_recorded_as_one_by_one(db: &TestDb) {
        let confirmed = watched_case(db).await;
        let changed = watched_case(db).await;
        let failing = watched_case(db).await;
        // Not due yet, so not leased: its check is one this worker does not hold.
        let not_held = db.new_case().await;
        db.store
            .set_monitoring(&local(), &not_held, CheckSource::Ceac, true, at(600), now())
            .await
            .expect("monitor");
        let lease = SignedDuration::from_mins(5);
        let leased = db
            .store
            .lease_due("w1", &[CheckSource::Ceac], at(1), at(1), lease, 10)
            .await
            .expect("lease");
        assert_eq!(leased.len(), 3);
        let group = [
            (&confirmed, ok("Refused", "2025-06-02", false)),
            (&not_held, ok("Refused", "2025-06-02", false)),
            (&changed, ok("Issued", "2025-09-20", true)),
            (&failing, Err(CheckError::Unavailable)),
        ]
        .map(|(id, outcome)| WorkerCheck {
            case_id: id.clone(),
            record: record(outcome, at(2)),
            jitter: 0.5,
        });
        let results = db
            .store
            .record_worker_checks("w1", &group, &Schedule::default(), at(2))
            .await
            .expect("recorded");
        assert_eq!(results.len(), 4);
        let first = results[0].as_ref().expect("a confirmation");
        assert_eq!((first.change.clone(), first.stored_reading), (None, false));
        assert!(
            matches!(results[1], Err(StoreError::LeaseLost(_))),
            "{:?}",
            results[1]
        );
        let third = results[2].as_ref().expect("a change");
        assert_eq!(
            third.change.as_ref().map(|c| c.kind()),
            Some("status_changed")
        );
        assert!(third.stored_reading);
        assert!(results[3].is_ok(), "a failure is recorded");
        // The confirmation: one attempt, no answer kept, lease released, next check planned.
        let attempts = db
            .store
            .attempts(&local(), &confirmed, 10)
            .await
            .expect("attempts");
        assert_eq!(attempts.len(), 1);
        let attempt = &attempts[0];
        assert!(attempt.ok && !attempt.changed && !attempt.has_answer);
        assert_eq!(
            (attempt.status.as_deref(), attempt.last_updated.as_deref()),
            (Some("Refused"), Some("2025-06-02"))
        );
        assert_eq!(attempt.id, first.attempt_id);
        let monitor = &db.store.monitors(&local(), &confirmed).await.expect("m")[0];
        assert_eq!(monitor.next_check_ms, first.next_check_ms);
        assert!(
            first.next_check_ms.expect("next") >= at(2 + 6 * 60).as_millisecond(),
            "not again within six hours"
        );
        assert_eq!(monitor.last_attempt_ms, Some(at(2).as_millisecond()));
        assert!(events(db, &confirmed).await.is_empty());
        // The others, as alone.
        assert!(
            db.store
                .attempts(&local(), &not_held, 10)
                .await
                .expect("attempts")
                .is_empty(),
            "a check of a case not held is not recorded"
        );
        assert_eq!(events(db, &changed).await, ["status_changed"]);
        assert_eq!(
            db.store.monitors(&local(), &failing).await.expect("m")[0].consecutive_failures,
            1
        );
        // Every lease is released: nothing is due or held any more.
        assert!(
            db.store
                .lease_due("w2", &[CheckSource::Ceac], at(3), at(3), lease, 10)
                .await
                .expect("lease")
                .is_empty()
        );
        // A second confirmation later keeps its "issued since" and adds no event.
        let again = db
            .store
            .lease_due(
                "w1",
                &[CheckSource::Ceac],
                at(3 * 24 * 60),
                at(3 * 24 * 60),
                lease,
                10,
            )
            .await
            .expect("lease");
        assert!(again.iter().any(|t| t.case_id == changed));
        let issued_again = [WorkerCheck {
            case_id: changed.clone(),
            record: record(ok("Issued", "2025-09-20", true), at(3 * 24 * 60)),
            jitter: 0.5,
        }];
        let results = db
            .store
            .record_worker_checks("w1", &issued_again, &Schedule::default(), at(3 * 24 * 60))
            .await
            .expect("recorded");
        assert_eq!(results[0].as_ref().expect("ok").change, None);
        assert_eq!(events(db, &changed).await, ["status_changed"]);
    }
}
