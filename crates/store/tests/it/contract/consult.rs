//! Consultations (issue 14), on both backends: the database lets one request hold a time and
//! refuses every overlapping one, whatever the concurrency; holds lapse and free their time;
//! attorneys review before confirming and see only their firm's requests; a public request
//! reaches nobody until its address is verified; the conflict check finds the firm's cases
//! by name without decrypting them.

use super::*;
use jiff::{SignedDuration, Timestamp};
use visanav_store::{
    AccountKind, Applicant, ConsultStatus, Intake, NewConsultType, NewRequest, NewTime, Side,
};

contract!(
    fifty_concurrent_requests_for_one_slot_hold_it_once,
    overlapping_times_and_buffers_are_refused_by_the_database,
    a_lapsed_hold_frees_its_time_and_tells_both_sides,
    attorneys_review_before_confirming_and_see_only_their_firm,
    a_public_request_reaches_nobody_until_verified,
    moving_to_a_taken_time_keeps_the_old_one,
    the_conflict_check_finds_the_firms_cases_by_name,
);

mod checks {
    use super::*;

    const ZONE: &str = "America/New_York";
    /// 2026-01-20 15:00 UTC, 10:00 in New York: a Tuesday.
    fn at(minutes_after: i64) -> Timestamp {
        let base: Timestamp = "2026-01-20T15:00:00Z".parse().expect("ts");
        base + SignedDuration::from_mins(minutes_after)
    }

    async fn person(db: &TestDb, email: &str) -> Actor {
        let mut tx = db.store.begin(TxMode::Write).await.expect("begin");
        let id = tx
            .create_account(email, None, AccountKind::Person, now())
            .await
            .expect("account");
        tx.commit().await.expect("commit");
        Actor::account(id)
    }

    struct Firm {
        id: String,
        attorney: Actor,
        type_id: String,
    }

    /// A firm whose owner attorney offers a 60-minute consultation.
    async fn firm(db: &TestDb) -> Firm {
        let mut tx = db.store.begin(TxMode::Write).await.expect("begin");
        let atty = tx
            .create_account("atty@firm.example", None, AccountKind::Person, now())
            .await
            .expect("account");
        let id = tx
            .create_firm("Reyes Law", &atty, now())
            .await
            .expect("firm");
        let attorney = Actor::operator(atty);
        tx.save_offer(&attorney, &id, "Ana Reyes", "{}", true, now())
            .await
            .expect("offer");
        let type_id = tx
            .add_consult_type(
                &attorney,
                &id,
                &NewConsultType {
                    name: "First consultation".into(),
                    minutes: 60,
                    price_text: "$150".into(),
                    location: "https://meet.example/reyes".into(),
                },
                now(),
            )
            .await
            .expect("type");
        tx.commit().await.expect("commit");
        Firm {
            id,
            attorney,
            type_id,
        }
    }

    fn intake() -> Intake {
        Intake {
            visa: "K-1".into(),
            post: "MNL".into(),
            post_name: "Manila".into(),
            applicant_name: "Maria Dela Cruz".into(),
            petitioner_name: Some("John Smith".into()),
            question: "What do I send?".into(),
            ..Intake::default()
        }
    }

    /// A request from `who` for `[start, start + 60 min)` keeping 15 minutes after it.
    fn request<'a>(
        f: &'a Firm,
        who: Applicant<'a>,
        start: Timestamp,
        intake: &'a Intake,
    ) -> NewRequest<'a> {
        NewRequest {
            type_id: &f.type_id,
            start,
            end: start + SignedDuration::from_mins(60),
            occupied_from: start,
            occupied_until: start + SignedDuration::from_mins(75),
            applicant_zone: "Asia/Manila",
            attorney_zone: ZONE,
            applicant: who,
            case: None,
            intake,
            hold_until: now() + SignedDuration::from_hours(48),
        }
    }

    async fn events_of(db: &TestDb, kind: &str) -> i64 {
        db.raw_count("SELECT COUNT(*) FROM events WHERE kind = $1", kind)
            .await
    }

    async fn claims_of(db: &TestDb, id: &str) -> i64 {
        db.raw_count(
            "SELECT COUNT(*) FROM consult_claims WHERE consultation_id = $1",
            id,
        )
        .await
    }

    pub async fn fifty_concurrent_requests_for_one_slot_hold_it_once(db: &TestDb) {
        let f = firm(db).await;
        let mut people = Vec::new();
        for i in 0..50 {
            people.push(person(db, &format!("applicant{i}@example.org")).await);
        }
        let mut tasks = tokio::task::JoinSet::new();
        for who in people {
            let store = db.store.clone();
            let type_id = f.type_id.clone();
            tasks.spawn(async move {
                let f = Firm {
                    id: String::new(),
                    attorney: who.clone(),
                    type_id,
                };
                let intake = intake();
                let req = request(&f, Applicant::Account(&who), at(0), &intake);
                store.request_consultation(&req, now()).await
            });
        }
        let (mut held, mut taken, mut other) = (0, 0, Vec::new());
        while let Some(r) = tasks.join_next().await {
            match r.expect("task") {
                Ok(_) => held += 1,
                Err(StoreError::SlotTaken) => taken += 1,
                Err(e) => other.push(e.to_string()),
            }
        }
        assert!(
            other.is_empty(),
            "{}: unexpected errors {other:?}",
            db.label
        );
        assert_eq!((held, taken), (1, 49), "{}", db.label);
        let pending = db
            .raw_count(
                "SELECT COUNT(*) FROM consultations WHERE status = $1",
                "pending",
            )
            .await;
        assert_eq!(pending, 1);
        // 60 minutes and 15 after: five blocks, claimed once.
        let claims = db
            .raw_count(
                "SELECT COUNT(*) FROM consult_claims WHERE attorney_id <> $1",
                "",
            )
            .await;
        assert_eq!(claims, 5);
        // Both sides of the one request are told; nothing for the 49.
        assert_eq!(events_of(db, "consultation_requested").await, 2);
        let _ = f.id;
    }

    pub async fn overlapping_times_and_buffers_are_refused_by_the_database(db: &TestDb) {
        let f = firm(db).await;
        let ana = person(db, "ana@example.org").await;
        let ben = person(db, "ben@example.org").await;
        let i = intake();
        db.store
            .request_consultation(&request(&f, Applicant::Account(&ana), at(0), &i), now())
            .await
            .expect("first");
        // Overlapping by 15 minutes, and starting inside the first one's buffer.
        for start in [at(45), at(60), at(-45)] {
            let r = db
                .store
                .request_consultation(&request(&f, Applicant::Account(&ben), start, &i), now())
                .await;
            assert!(
                matches!(r, Err(StoreError::SlotTaken)),
                "{}: {start} should be taken: {r:?}",
                db.label
            );
        }
        // After the buffer: free.
        db.store
            .request_consultation(&request(&f, Applicant::Account(&ben), at(75), &i), now())
            .await
            .expect("after the buffer");
        // The rule is the database's: a raw insert of a claimed block fails too.
        let block = at(0).as_second() / 900;
        let raw = db
            .raw_execute(&format!(
                "INSERT INTO consult_claims (attorney_id, block, consultation_id)
                 SELECT attorney_id, {block}, id FROM consultations LIMIT 1"
            ))
            .await;
        assert!(
            raw.is_err(),
            "{}: the database let a block be claimed twice",
            db.label
        );
    }

    pub async fn a_lapsed_hold_frees_its_time_and_tells_both_sides(db: &TestDb) {
        let f = firm(db).await;
        let ana = person(db, "ana@example.org").await;
        let ben = person(db, "ben@example.org").await;
        let i = intake();
        let mut first = request(&f, Applicant::Account(&ana), at(0), &i);
        first.hold_until = now() + SignedDuration::from_hours(1);
        let id = db
            .store
            .request_consultation(&first, now())
            .await
            .expect("first");
        // Before the hold lapses, taken; after, free, and the first is expired.
        let later = now() + SignedDuration::from_mins(59);
        let r = db
            .store
            .request_consultation(&request(&f, Applicant::Account(&ben), at(0), &i), later)
            .await;
        assert!(matches!(r, Err(StoreError::SlotTaken)), "{r:?}");
        let after = now() + SignedDuration::from_hours(2);
        db.store
            .request_consultation(&request(&f, Applicant::Account(&ben), at(0), &i), after)
            .await
            .expect("free after the hold lapsed");
        let k = db
            .store
            .consultation(&ana, Side::Applicant, &id)
            .await
            .expect("read");
        assert_eq!(k.status, ConsultStatus::Expired);
        assert_eq!(claims_of(db, &id).await, 0);
        assert_eq!(events_of(db, "consultation_expired").await, 2);
        // The sweep finds nothing more to do.
        assert_eq!(
            db.store.expire_consultations(after).await.expect("sweep"),
            0
        );
    }

    pub async fn attorneys_review_before_confirming_and_see_only_their_firm(db: &TestDb) {
        let f = firm(db).await;
        let ana = person(db, "ana@example.org").await;
        let i = intake();
        let id = db
            .store
            .request_consultation(&request(&f, Applicant::Account(&ana), at(0), &i), now())
            .await
            .expect("request");
        // Another firm's attorney, the applicant acting as an attorney, and the attorney
        // without a second factor: not found.
        let mut tx = db.store.begin(TxMode::Write).await.expect("begin");
        let stranger = tx
            .create_account("other@firm.example", None, AccountKind::Person, now())
            .await
            .expect("account");
        tx.create_firm("Other Law", &stranger, now())
            .await
            .expect("firm");
        tx.commit().await.expect("commit");
        let no_2fa = Actor::account(f.attorney.account_id().clone());
        for who in [&Actor::operator(stranger), &ana, &no_2fa] {
            let r = db.store.consultation(who, Side::Attorney, &id).await;
            assert!(matches!(r, Err(StoreError::ConsultationNotFound)), "{r:?}");
        }
        let mut tx = db.store.begin(TxMode::Write).await.expect("begin");
        let r = tx.confirm_consultation(&f.attorney, &id, now()).await;
        assert!(matches!(r, Err(StoreError::ReviewMissing)), "{r:?}");
        // A review that does not clear still blocks confirming.
        tx.review_consultation(&f.attorney, &id, false, true, 1, now())
            .await
            .expect("review");
        let r = tx.confirm_consultation(&f.attorney, &id, now()).await;
        assert!(matches!(r, Err(StoreError::ReviewMissing)), "{r:?}");
        tx.review_consultation(&f.attorney, &id, true, true, 1, now())
            .await
            .expect("review");
        tx.confirm_consultation(&f.attorney, &id, now())
            .await
            .expect("confirm");
        tx.commit().await.expect("commit");
        let k = db
            .store
            .consultation(&ana, Side::Applicant, &id)
            .await
            .expect("read");
        assert_eq!(k.status, ConsultStatus::Confirmed);
        assert!(k.review.as_ref().is_some_and(|r| r.clears()));
        assert!(k.sequence >= 1);
        assert_eq!(events_of(db, "consultation_confirmed").await, 2);
        // A confirmed consultation still holds its time; cancelling frees it.
        assert_eq!(claims_of(db, &id).await, 5);
        let mut tx = db.store.begin(TxMode::Write).await.expect("begin");
        tx.cancel_consultation(&ana, Side::Applicant, &id, "Plans changed", now())
            .await
            .expect("cancel");
        tx.commit().await.expect("commit");
        assert_eq!(claims_of(db, &id).await, 0);
        let k = db
            .store
            .consultation(&f.attorney, Side::Attorney, &id)
            .await
            .expect("read");
        assert_eq!(
            (k.status, k.message.as_deref(), k.cancelled_by.as_deref()),
            (
                ConsultStatus::Cancelled,
                Some("Plans changed"),
                Some("applicant")
            )
        );
        // The message and the intake are not stored in clear.
        let clear = db
            .raw_count(
                "SELECT COUNT(*) FROM consultations WHERE CAST(intake_enc AS TEXT) LIKE $1",
                "%Dela Cruz%",
            )
            .await;
        assert_eq!(clear, 0);
    }

    pub async fn a_public_request_reaches_nobody_until_verified(db: &TestDb) {
        let f = firm(db).await;
        let i = intake();
        let hash = "verify-hash-1";
        let req = request(
            &f,
            Applicant::Unverified {
                email: "Visitor@Example.org",
                verify_hash: hash,
            },
            at(0),
            &i,
        );
        let id = db
            .store
            .request_consultation(&req, now())
            .await
            .expect("public request");
        assert_eq!(events_of(db, "consultation_requested").await, 0);
        assert_eq!(claims_of(db, &id).await, 5, "it holds its time meanwhile");
        let mut tx = db.store.begin(TxMode::Write).await.expect("begin");
        assert_eq!(
            tx.public_requests_since("visitor@example.org", now())
                .await
                .expect("count"),
            1
        );
        let v = tx
            .verify_consultation_request(hash, now() + SignedDuration::from_hours(48), now())
            .await
            .expect("verify")
            .expect("found");
        assert!(v.new_account);
        assert_eq!(v.consultation_id, id);
        // The link works once.
        assert!(
            tx.verify_consultation_request(hash, now(), now())
                .await
                .expect("again")
                .is_none()
        );
        tx.commit().await.expect("commit");
        let me = Actor::account(v.account);
        let k = db
            .store
            .consultation(&me, Side::Applicant, &id)
            .await
            .expect("the visitor's now");
        assert_eq!(k.status, ConsultStatus::Pending);
        assert_eq!(events_of(db, "consultation_requested").await, 2);
        let account = db
            .store
            .account(me.account_id())
            .await
            .expect("a")
            .expect("b");
        assert!(account.email_verified);
    }

    pub async fn moving_to_a_taken_time_keeps_the_old_one(db: &TestDb) {
        let f = firm(db).await;
        let ana = person(db, "ana@example.org").await;
        let ben = person(db, "ben@example.org").await;
        let i = intake();
        let a = db
            .store
            .request_consultation(&request(&f, Applicant::Account(&ana), at(0), &i), now())
            .await
            .expect("a");
        db.store
            .request_consultation(&request(&f, Applicant::Account(&ben), at(120), &i), now())
            .await
            .expect("b");
        let to = |start: Timestamp| NewTime {
            start,
            end: start + SignedDuration::from_mins(60),
            occupied_from: start,
            occupied_until: start + SignedDuration::from_mins(75),
        };
        let hold = now() + SignedDuration::from_hours(48);
        let mut tx = db.store.begin(TxMode::Write).await.expect("begin");
        let r = tx
            .reschedule_consultation(&ana, Side::Applicant, &a, to(at(105)), hold, now())
            .await;
        assert!(matches!(r, Err(StoreError::SlotTaken)), "{r:?}");
        tx.rollback().await.expect("rollback");
        assert_eq!(claims_of(db, &a).await, 5, "the old time is still held");
        // By 15 minutes: overlaps only itself, which is fine.
        let mut tx = db.store.begin(TxMode::Write).await.expect("begin");
        tx.reschedule_consultation(&ana, Side::Applicant, &a, to(at(15)), hold, now())
            .await
            .expect("move");
        tx.commit().await.expect("commit");
        let k = db
            .store
            .consultation(&ana, Side::Applicant, &a)
            .await
            .expect("read");
        assert_eq!(k.start, at(15));
        assert_eq!(events_of(db, "consultation_rescheduled").await, 2);
    }

    pub async fn the_conflict_check_finds_the_firms_cases_by_name(db: &TestDb) {
        let f = firm(db).await;
        // The example case (Maria Dela Cruz and John Smith?) shared with the firm.
        let case = db.new_case().await;
        let mut tx = db.store.begin(TxMode::Write).await.expect("begin");
        let share = tx
            .offer_share(&local(), &case, Some(&f.id), now())
            .await
            .expect("offer");
        tx.answer_share(&f.attorney, &share, true, now())
            .await
            .expect("accept");
        tx.commit().await.expect("commit");
        let stored = db
            .store
            .get_case(&local(), &case)
            .await
            .expect("case")
            .expect("found");
        let beneficiary = stored
            .case
            .beneficiary
            .as_ref()
            .map(|p| p.display_name())
            .expect("the example has a beneficiary");
        let ana = person(db, "ana@example.org").await;
        // The same person, names in another order and case: a possible conflict.
        let reversed: Vec<&str> = beneficiary.split_whitespace().rev().collect();
        let matching = Intake {
            applicant_name: reversed.join(" ").to_uppercase(),
            petitioner_name: None,
            ..intake()
        };
        let unrelated = Intake {
            applicant_name: "Zed Nobody".into(),
            petitioner_name: None,
            ..intake()
        };
        let hit = db
            .store
            .request_consultation(
                &request(&f, Applicant::Account(&ana), at(0), &matching),
                now(),
            )
            .await
            .expect("request");
        let miss = db
            .store
            .request_consultation(
                &request(&f, Applicant::Account(&ana), at(120), &unrelated),
                now(),
            )
            .await
            .expect("request");
        let mut tx = db.store.begin(TxMode::Read).await.expect("begin");
        let hits = tx.conflict_check(&f.attorney, &hit).await.expect("check");
        assert_eq!(hits.len(), 1, "{}", db.label);
        assert_eq!(hits[0].case_id, case);
        assert_eq!(hits[0].matched, "applicant");
        assert!(hits[0].names.contains(&beneficiary));
        assert!(
            tx.conflict_check(&f.attorney, &miss)
                .await
                .expect("check")
                .is_empty()
        );
        // Only the attorney may run it.
        assert!(tx.conflict_check(&ana, &hit).await.is_err());
        tx.rollback().await.expect("end");
    }
}
