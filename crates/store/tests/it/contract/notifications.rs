//! Notifications in the store, on both backends: who an event reaches and through which
//! channels, fanning out once, leases that give each delivery to one dispatcher, backoff and
//! the dead state, the in-app list, quiet hours, and the one-click unsubscribe.

use super::*;
use jiff::SignedDuration;
use visanav_store::{AccountKind, NotificationPrefs, QuietHours};

contract!(
    an_event_reaches_the_people_who_follow_the_case_once,
    deliveries_are_leased_retried_given_up_and_retried_by_hand,
);

mod checks {
    use super::*;

    /// An event for the case, as a change writes it.
    async fn event(db: &TestDb, case: &visanav_core::account::CaseId, n: u32) {
        db.raw_execute(&format!(
            "INSERT INTO events (id, case_id, kind, payload, created_ms) VALUES ('{}', '{}', \
             'status_changed', '{{\"source\":\"ceac\"}}', {})",
            uuid::Uuid::now_v7(),
            case.as_str(),
            now().as_millisecond() + i64::from(n)
        ))
        .await
        .expect("event");
    }

    /// A person with a verified address the case is shared with, and a stranger.
    async fn follower_and_stranger(
        db: &TestDb,
        case: &visanav_core::account::CaseId,
    ) -> (Actor, Actor) {
        let mut tx = db.store.begin(TxMode::Write).await.expect("begin");
        let ben = tx
            .create_account("ben@example.org", None, AccountKind::Person, now())
            .await
            .expect("ben");
        tx.mark_email_verified(&ben, now()).await.expect("verified");
        let eve = tx
            .create_account("eve@example.org", None, AccountKind::Person, now())
            .await
            .expect("eve");
        tx.mark_email_verified(&eve, now()).await.expect("verified");
        let share = tx
            .offer_share(&local(), case, None, now())
            .await
            .expect("offer");
        let ben = Actor::account(ben);
        tx.answer_share(&ben, &share, true, now())
            .await
            .expect("accept");
        tx.commit().await.expect("commit");
        (ben, Actor::account(eve))
    }

    async fn lease(db: &TestDb, who: &str, at: Timestamp) -> Vec<visanav_store::DueDelivery> {
        db.store
            .lease_deliveries(who, at, SignedDuration::from_mins(2), 10)
            .await
            .expect("lease")
    }

    pub async fn an_event_reaches_the_people_who_follow_the_case_once(db: &TestDb) {
        let case = db.new_case().await;
        let (ben, eve) = follower_and_stranger(db, &case).await;
        event(db, &case, 1).await;
        assert_eq!(db.store.fan_out(now(), 10).await.expect("fan out"), 1);
        assert_eq!(
            db.store.fan_out(now(), 10).await.expect("again"),
            0,
            "an event is fanned out once"
        );
        // The owner (this machine's account, no address) and Ben see it in the app; only
        // Ben, who has a verified address, gets an email; Eve nothing.
        for (who, n) in [(&local(), 1), (&ben, 1), (&eve, 0)] {
            assert_eq!(
                db.store.notifications(who, 10).await.expect("list").len(),
                n
            );
            assert_eq!(
                db.store.unread_notifications(who).await.expect("n"),
                n as i64
            );
        }
        let due = lease(db, "d1", now()).await;
        assert_eq!(due.len(), 1, "one email");
        assert_eq!(due[0].email.as_deref(), Some("ben@example.org"));
        assert_eq!(due[0].visa.as_deref(), Some("K-1"));
        assert!(
            !format!("{:?}", due[0]).contains("ben@"),
            "no address in Debug"
        );
        assert!(
            lease(db, "d2", now()).await.is_empty(),
            "leased to one only"
        );
        db.store
            .delivery_sent(&due[0].id, now())
            .await
            .expect("sent");
        // Read: one, then all.
        let list = db.store.notifications(&ben, 10).await.expect("list");
        db.store
            .mark_notifications_read(&ben, Some(&list[0].id), now())
            .await
            .expect("read");
        assert_eq!(db.store.unread_notifications(&ben).await.expect("n"), 0);
        assert_eq!(
            db.store
                .mark_notifications_read(&eve, Some(&list[0].id), now())
                .await
                .expect("read"),
            0,
            "nobody marks another's notification"
        );
        // Quiet hours hold the email (not the app entry) until they end.
        let quiet = NotificationPrefs {
            quiet: Some(QuietHours {
                start_min: 0,
                end_min: 23 * 60 + 59,
            }),
            ..NotificationPrefs::default()
        };
        db.store
            .set_notification_prefs(&ben, &quiet, now())
            .await
            .expect("prefs");
        assert_eq!(db.store.notification_prefs(&ben).await.expect("p"), quiet);
        event(db, &case, 2).await;
        db.store.fan_out(now(), 10).await.expect("fan out");
        assert_eq!(db.store.unread_notifications(&ben).await.expect("n"), 1);
        assert!(
            lease(db, "d1", now()).await.is_empty(),
            "held in quiet hours"
        );
        let after = now() + SignedDuration::from_hours(14);
        let held = lease(db, "d1", after).await;
        assert_eq!(held.len(), 1, "sent when they end");
        db.store
            .delivery_sent(&held[0].id, after)
            .await
            .expect("sent");
        // The one-click unsubscribe turns Ben's email off; the app list goes on.
        assert!(
            db.store
                .unsubscribe_delivery(&held[0].id, now())
                .await
                .expect("unsub")
        );
        assert!(
            !db.store
                .unsubscribe_delivery("no-such-id", now())
                .await
                .expect("unsub")
        );
        assert!(
            !db.store
                .notification_prefs(&ben)
                .await
                .expect("p")
                .email_enabled
        );
        event(db, &case, 3).await;
        db.store.fan_out(now(), 10).await.expect("fan out");
        assert!(lease(db, "d1", after).await.is_empty(), "no email any more");
        assert_eq!(db.store.unread_notifications(&ben).await.expect("n"), 2);
    }

    pub async fn deliveries_are_leased_retried_given_up_and_retried_by_hand(db: &TestDb) {
        let case = db.new_case().await;
        let _ = follower_and_stranger(db, &case).await;
        event(db, &case, 1).await;
        db.store.fan_out(now(), 10).await.expect("fan out");
        let due = lease(db, "d1", now()).await;
        let id = due[0].id.clone();
        // A passing failure: tried again after 30 s, by anyone.
        db.store
            .delivery_failed(&id, "the mail server is down", false, None, now())
            .await
            .expect("failed");
        assert!(
            lease(db, "d2", now() + SignedDuration::from_secs(29))
                .await
                .is_empty()
        );
        let later = now() + SignedDuration::from_secs(31);
        let again = lease(db, "d2", later).await;
        assert_eq!((again.len(), again[0].attempts), (1, 1));
        // A lease that runs out (a dispatcher died) frees the delivery, same id.
        let expired = later + SignedDuration::from_mins(3);
        let taken = lease(db, "d3", expired).await;
        assert_eq!(
            taken[0].id, id,
            "the same delivery, the same idempotency key"
        );
        // A permanent failure: dead, listed for the operator, put back by hand.
        db.store
            .delivery_failed(
                &taken[0].id,
                "the server refused the recipient",
                true,
                None,
                expired,
            )
            .await
            .expect("failed");
        let dead = db.store.deliveries(Some("dead"), 10).await.expect("dead");
        assert_eq!(dead.len(), 1);
        assert_eq!(
            dead[0].last_error.as_deref(),
            Some("the server refused the recipient")
        );
        assert!(
            lease(db, "d1", expired + SignedDuration::from_hours(48))
                .await
                .is_empty()
        );
        assert_eq!(db.store.retry_dead(None, expired).await.expect("retry"), 1);
        let back = lease(db, "d1", expired).await;
        assert_eq!((back.len(), back[0].attempts), (1, 0));
        db.store
            .delivery_sent(&back[0].id, expired)
            .await
            .expect("sent");
        let sent = db.store.deliveries(Some("sent"), 10).await.expect("sent");
        assert_eq!(sent.len(), 1);
        assert!(
            lease(db, "d1", expired + SignedDuration::from_hours(48))
                .await
                .is_empty()
        );
    }
}
