//! Calendar feeds in the store, on both backends: the token finds its feed and nothing else,
//! regenerating and revoking end the old link, a feed shows only what its account can see
//! now, and an event's SEQUENCE goes up exactly when its content changes.

use super::*;
use visanav_store::{AccountKind, CalendarFeed, FeedEvent};

contract!(
    a_feed_is_found_by_its_token_until_regenerated_or_revoked,
    a_feed_shows_only_the_cases_its_account_can_see_now,
    the_sequence_goes_up_only_when_the_content_changes,
);

mod checks {
    use super::*;

    async fn make_feed(
        db: &TestDb,
        actor: &Actor,
        case: Option<&CaseId>,
    ) -> (CalendarFeed, String) {
        let mut tx = db.store.begin(TxMode::Write).await.expect("begin");
        let feed = tx
            .create_calendar_feed(actor, case, now())
            .await
            .expect("feed");
        let token = tx.calendar_feed_token(&feed);
        tx.commit().await.expect("commit");
        (feed, token)
    }

    async fn found(db: &TestDb, token: &str) -> Option<(CalendarFeed, Actor)> {
        db.store
            .calendar_feed_by_token(token)
            .await
            .expect("lookup")
    }

    async fn cases_of(db: &TestDb, token: &str) -> Option<Vec<CaseId>> {
        let (feed, actor) = found(db, token).await?;
        let mut tx = db.store.begin(TxMode::Read).await.expect("begin");
        let cases = tx.calendar_feed_cases(&actor, &feed).await.expect("cases");
        tx.commit().await.expect("commit");
        Some(cases.into_iter().map(|c| c.id).collect())
    }

    async fn account(db: &TestDb, email: &str) -> AccountId {
        let mut tx = db.store.begin(TxMode::Write).await.expect("begin");
        let id = tx
            .create_account(email, None, AccountKind::Person, now())
            .await
            .expect("account");
        tx.commit().await.expect("commit");
        id
    }

    pub async fn a_feed_is_found_by_its_token_until_regenerated_or_revoked(db: &TestDb) {
        let case = db.new_case().await;
        let (feed, token) = make_feed(db, &local(), None).await;
        assert_eq!(token.len(), 64);
        let (same, actor) = found(db, &token).await.expect("the token finds its feed");
        assert_eq!(same, feed);
        assert_eq!(actor.account_id(), local().account_id());
        assert_eq!(cases_of(db, &token).await, Some(vec![case.clone()]));
        assert!(found(db, &format!("{token}x")).await.is_none());
        assert!(found(db, "").await.is_none());
        // The database holds neither the token nor anything it could be read from.
        assert_eq!(
            db.raw_count(
                "SELECT COUNT(*) FROM calendar_feeds WHERE token_hash = $1 OR id = $1",
                &token
            )
            .await,
            0
        );
        // The link can be shown again: the same feed gives the same token.
        let tx = db.store.begin(TxMode::Read).await.expect("begin");
        assert_eq!(tx.calendar_feed_token(&feed), token);
        tx.rollback().await.expect("rollback");

        // Regenerating: a new link works, the old one is gone; a per-case feed is separate.
        let (renewed, new_token) = make_feed(db, &local(), None).await;
        assert_ne!(new_token, token);
        assert!(found(db, &token).await.is_none(), "the old link is dead");
        assert!(found(db, &new_token).await.is_some());
        let (one, one_token) = make_feed(db, &local(), Some(&case)).await;
        let mut tx = db.store.begin(TxMode::Write).await.expect("begin");
        let live = tx.calendar_feeds(&local()).await.expect("list");
        assert_eq!(
            live.iter().map(|f| f.id.as_str()).collect::<Vec<_>>(),
            vec![renewed.id.as_str(), one.id.as_str()],
            "the live feeds, all-cases first"
        );
        assert!(
            !tx.revoke_calendar_feed(&other(), &one.id, now())
                .await
                .expect("revoke"),
            "nobody else revokes it"
        );
        assert!(
            tx.revoke_calendar_feed(&local(), &one.id, now())
                .await
                .expect("revoke")
        );
        assert!(
            !tx.revoke_calendar_feed(&local(), &one.id, now())
                .await
                .expect("again"),
            "revoked once"
        );
        tx.commit().await.expect("commit");
        assert!(found(db, &one_token).await.is_none());
        assert!(found(db, &new_token).await.is_some());
    }

    pub async fn a_feed_shows_only_the_cases_its_account_can_see_now(db: &TestDb) {
        let owner = local();
        let case = db.new_case().await;
        let ben = Actor::account(account(db, "ben@example.org").await);
        let atty = account(db, "atty@firm.example").await;

        // Nobody makes a feed of a case they cannot see.
        let mut tx = db.store.begin(TxMode::Write).await.expect("begin");
        assert!(matches!(
            tx.create_calendar_feed(&ben, Some(&case), now()).await,
            Err(StoreError::CaseNotFound(_))
        ));
        tx.rollback().await.expect("rollback");
        let (_, ben_all) = make_feed(db, &ben, None).await;
        assert_eq!(cases_of(db, &ben_all).await, Some(vec![]));

        // Shared with Ben: his feeds show it; revoked: they stop at once.
        let mut tx = db.store.begin(TxMode::Write).await.expect("begin");
        let share = tx
            .offer_share(&owner, &case, None, now())
            .await
            .expect("offer");
        tx.answer_share(&ben, &share, true, now())
            .await
            .expect("accept");
        tx.commit().await.expect("commit");
        let (_, ben_one) = make_feed(db, &ben, Some(&case)).await;
        assert_eq!(cases_of(db, &ben_all).await, Some(vec![case.clone()]));
        assert_eq!(cases_of(db, &ben_one).await, Some(vec![case.clone()]));
        let mut tx = db.store.begin(TxMode::Write).await.expect("begin");
        tx.revoke_share(&owner, &case, &share, now())
            .await
            .expect("revoke");
        tx.commit().await.expect("commit");
        assert_eq!(cases_of(db, &ben_all).await, Some(vec![]));
        assert_eq!(
            cases_of(db, &ben_one).await,
            Some(vec![]),
            "a per-case feed of a case no longer shared shows nothing"
        );

        // A firm's member: only a feed made with the second factor shows the firm's cases.
        let mut tx = db.store.begin(TxMode::Write).await.expect("begin");
        let firm = tx
            .create_firm("Reyes Law", &atty, now())
            .await
            .expect("firm");
        let to_firm = tx
            .offer_share(&owner, &case, Some(&firm), now())
            .await
            .expect("offer");
        tx.answer_share(&Actor::account(atty.clone()), &to_firm, true, now())
            .await
            .expect("accept");
        tx.commit().await.expect("commit");
        let (_, first_factor) = make_feed(db, &Actor::account(atty.clone()), None).await;
        assert_eq!(cases_of(db, &first_factor).await, Some(vec![]));
        let two = Actor::signed_in(atty.clone(), "s-atty".into(), true);
        let (_, second_factor) = make_feed(db, &two, None).await;
        assert_eq!(cases_of(db, &second_factor).await, Some(vec![case.clone()]));

        // Deleting the owner's case, then an account: their feeds go with them.
        let (_, owner_one) = make_feed(db, &owner, Some(&case)).await;
        db.store
            .delete_case(&owner, &case, now())
            .await
            .expect("delete");
        assert!(
            found(db, &owner_one).await.is_none(),
            "the case's feed is gone"
        );
        assert_eq!(cases_of(db, &second_factor).await, Some(vec![]));
        let mut tx = db.store.begin(TxMode::Write).await.expect("begin");
        tx.delete_account(&ben, now()).await.expect("delete ben");
        tx.commit().await.expect("commit");
        assert!(
            found(db, &ben_all).await.is_none(),
            "a deleted account's feed is dead"
        );
    }

    pub async fn the_sequence_goes_up_only_when_the_content_changes(db: &TestDb) {
        let case = db.new_case().await;
        let uid = format!("221g_reconsideration.{case}@visa.example.org");
        let serve = |fingerprint: &'static str, who: Actor| {
            let uid = uid.clone();
            let case = case.clone();
            let store = db.store.clone();
            async move {
                let event = FeedEvent {
                    uid: &uid,
                    case: &case,
                    fingerprint,
                };
                store
                    .calendar_event_versions(&who, &[event], now())
                    .await
                    .expect("versions")[0]
                    .sequence
            }
        };
        assert_eq!(serve("aaaa", local()).await, 0, "new: 0");
        assert_eq!(serve("aaaa", local()).await, 0, "unchanged: still 0");
        assert_eq!(serve("bbbb", local()).await, 1, "changed: one more");
        assert_eq!(serve("bbbb", local()).await, 1);
        // Someone who cannot see the case changes nothing (and learns nothing).
        assert_eq!(serve("cccc", other()).await, 0);
        assert_eq!(
            serve("bbbb", local()).await,
            1,
            "still 1 after the stranger"
        );
        assert_eq!(serve("cccc", local()).await, 2);
        // Many events at once, in order; a transaction records them all or none.
        let other_uid = format!("expiry-passport.{case}@visa.example.org");
        let mut tx = db.store.begin(TxMode::Write).await.expect("begin");
        let versions = tx
            .record_event_versions(
                &local(),
                &[
                    FeedEvent {
                        uid: &other_uid,
                        case: &case,
                        fingerprint: "p1",
                    },
                    FeedEvent {
                        uid: &uid,
                        case: &case,
                        fingerprint: "dddd",
                    },
                ],
                now(),
            )
            .await
            .expect("record");
        tx.rollback().await.expect("rollback");
        assert_eq!(
            versions.iter().map(|v| v.sequence).collect::<Vec<_>>(),
            vec![0, 3]
        );
        assert_eq!(serve("cccc", local()).await, 2, "rolled back");
        assert_eq!(
            db.raw_count(
                "SELECT COUNT(*) FROM calendar_event_versions WHERE case_id = $1",
                case.as_str()
            )
            .await,
            1
        );
    }
}
