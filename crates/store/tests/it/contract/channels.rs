//! Webhook endpoints and ntfy subscriptions (issue 13), on both backends: each person sees
//! and changes only their own, secrets are stored encrypted, and a rotation keeps the old
//! secret signing for its grace period only.

use super::*;
use jiff::SignedDuration;
use visanav_store::{AccountKind, MAX_WEBHOOK_ENDPOINTS, ROTATION_GRACE};

contract!(
    webhook_endpoints_belong_to_their_owner,
    rotation_signs_with_both_secrets_until_the_grace_ends,
    disabled_endpoints_are_not_dispatched_to_until_rotated,
    ntfy_subscriptions_are_set_replaced_and_cleared_per_person,
);

mod checks {
    use super::*;

    /// A person with an account of their own.
    async fn person(db: &TestDb, email: &str) -> Actor {
        let mut tx = db.store.begin(TxMode::Write).await.expect("begin");
        let id = tx
            .create_account(email, None, AccountKind::Person, now())
            .await
            .expect("account");
        tx.commit().await.expect("commit");
        Actor::account(id)
    }

    /// How many rows hold `needle`'s bytes in `column` as stored (0 when it is encrypted).
    async fn stored_in_clear(db: &TestDb, table: &str, column: &str, needle: &str) -> i64 {
        let sql = match db.store.backend() {
            Backend::Sqlite => {
                format!("SELECT COUNT(*) FROM {table} WHERE instr({column}, CAST($1 AS BLOB)) > 0")
            }
            Backend::Postgres => format!(
                "SELECT COUNT(*) FROM {table} WHERE position(convert_to($1, 'UTF8') in {column}) > 0"
            ),
        };
        db.raw_count(&sql, needle).await
    }

    const URL: &str = "https://hooks.example.org/visanav";
    const SECRET_A: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const SECRET_B: &str = "whsec_c2VjcmV0LW9mLWEtcm90YXRlZC1lbmRwb2ludA==";

    pub async fn webhook_endpoints_belong_to_their_owner(db: &TestDb) {
        let ana = person(db, "ana@example.org").await;
        let ben = person(db, "ben@example.org").await;
        let id = db
            .store
            .add_webhook_endpoint(&ana, URL, SECRET_A, now())
            .await
            .expect("add");
        let listed = db.store.list_webhook_endpoints(&ana).await.expect("list");
        assert_eq!(listed.len(), 1);
        assert_eq!(
            (listed[0].id.as_str(), listed[0].url.as_str()),
            (id.as_str(), URL)
        );
        assert!(listed[0].enabled);
        assert_eq!(listed[0].previous_until_ms, None);

        // Ben sees none of Ana's, and can neither rotate, test nor delete hers.
        assert!(
            db.store
                .list_webhook_endpoints(&ben)
                .await
                .expect("l")
                .is_empty()
        );
        assert!(
            !db.store
                .rotate_webhook_secret(&ben, &id, SECRET_B, now())
                .await
                .expect("r")
        );
        assert!(
            db.store
                .webhook_target_for(&ben, &id, now())
                .await
                .expect("t")
                .is_none()
        );
        assert!(
            !db.store
                .delete_webhook_endpoint(&ben, &id, now())
                .await
                .expect("d")
        );
        assert!(
            db.store
                .webhook_targets(ben.account_id(), now())
                .await
                .expect("t")
                .is_empty()
        );

        // The secret is stored encrypted: the text is nowhere in the table.
        assert_eq!(
            stored_in_clear(db, "webhook_endpoints", "secret_enc", "MfKQ9r8G").await,
            0
        );
        // The dispatcher gets it back decrypted.
        let targets = db
            .store
            .webhook_targets(ana.account_id(), now())
            .await
            .expect("t");
        assert_eq!(targets.len(), 1);
        assert_eq!(targets[0].secrets, [SECRET_A]);
        assert!(!format!("{:?}", targets[0]).contains("MfKQ"));

        // A person has a few endpoints at most.
        for _ in 1..MAX_WEBHOOK_ENDPOINTS {
            db.store
                .add_webhook_endpoint(&ana, URL, SECRET_B, now())
                .await
                .expect("add");
        }
        assert!(matches!(
            db.store.add_webhook_endpoint(&ana, URL, SECRET_B, now()).await,
            Err(StoreError::WebhookLimit { max }) if max == MAX_WEBHOOK_ENDPOINTS
        ));
        // Ben's own count is his own.
        db.store
            .add_webhook_endpoint(&ben, URL, SECRET_B, now())
            .await
            .expect("ben's");

        assert!(
            db.store
                .delete_webhook_endpoint(&ana, &id, now())
                .await
                .expect("d")
        );
        assert!(
            !db.store
                .delete_webhook_endpoint(&ana, &id, now())
                .await
                .expect("again")
        );
        assert_eq!(
            db.store
                .list_webhook_endpoints(&ana)
                .await
                .expect("l")
                .len(),
            MAX_WEBHOOK_ENDPOINTS - 1
        );
    }

    pub async fn rotation_signs_with_both_secrets_until_the_grace_ends(db: &TestDb) {
        let ana = person(db, "ana@example.org").await;
        let id = db
            .store
            .add_webhook_endpoint(&ana, URL, SECRET_A, now())
            .await
            .expect("add");
        assert!(
            db.store
                .rotate_webhook_secret(&ana, &id, SECRET_B, now())
                .await
                .expect("rotate")
        );
        let listed = db.store.list_webhook_endpoints(&ana).await.expect("list");
        let until = now().checked_add(ROTATION_GRACE).expect("t");
        assert_eq!(listed[0].previous_until_ms, Some(until.as_millisecond()));

        let during = now()
            .checked_add(SignedDuration::from_hours(23))
            .expect("t");
        let targets = db
            .store
            .webhook_targets(ana.account_id(), during)
            .await
            .expect("t");
        assert_eq!(
            targets[0].secrets,
            [SECRET_B, SECRET_A],
            "new first, old beside it"
        );
        let own = db
            .store
            .webhook_target_for(&ana, &id, during)
            .await
            .expect("t")
            .expect("own");
        assert_eq!(own.secrets, [SECRET_B, SECRET_A]);

        let after = now()
            .checked_add(SignedDuration::from_hours(25))
            .expect("t");
        let targets = db
            .store
            .webhook_targets(ana.account_id(), after)
            .await
            .expect("t");
        assert_eq!(
            targets[0].secrets,
            [SECRET_B],
            "the old secret no longer signs"
        );

        // A second rotation drops the first secret for good.
        assert!(
            db.store
                .rotate_webhook_secret(&ana, &id, SECRET_A, after)
                .await
                .expect("r")
        );
        let targets = db
            .store
            .webhook_targets(ana.account_id(), after)
            .await
            .expect("t");
        assert_eq!(targets[0].secrets, [SECRET_A, SECRET_B]);
    }

    pub async fn disabled_endpoints_are_not_dispatched_to_until_rotated(db: &TestDb) {
        let ana = person(db, "ana@example.org").await;
        let id = db
            .store
            .add_webhook_endpoint(&ana, URL, SECRET_A, now())
            .await
            .expect("add");
        let mut tx = db.store.begin(TxMode::Write).await.expect("begin");
        assert!(
            tx.disable_webhook_endpoint(&id, "the receiver answered 410 Gone", now())
                .await
                .expect("d")
        );
        assert!(
            !tx.disable_webhook_endpoint(&id, "again", now())
                .await
                .expect("d"),
            "already off"
        );
        tx.commit().await.expect("commit");
        assert!(
            db.store
                .webhook_targets(ana.account_id(), now())
                .await
                .expect("t")
                .is_empty()
        );
        let listed = db.store.list_webhook_endpoints(&ana).await.expect("l");
        assert!(!listed[0].enabled);
        assert_eq!(
            listed[0].disabled_reason.as_deref(),
            Some("the receiver answered 410 Gone")
        );

        // A new secret is the owner attending to it: it is on again.
        assert!(
            db.store
                .rotate_webhook_secret(&ana, &id, SECRET_B, now())
                .await
                .expect("r")
        );
        assert_eq!(
            db.store
                .webhook_targets(ana.account_id(), now())
                .await
                .expect("t")
                .len(),
            1
        );
    }

    pub async fn ntfy_subscriptions_are_set_replaced_and_cleared_per_person(db: &TestDb) {
        let ana = person(db, "ana@example.org").await;
        let ben = person(db, "ben@example.org").await;
        assert!(db.store.ntfy_subscription(&ana).await.expect("n").is_none());
        db.store
            .set_ntfy(
                &ana,
                "https://ntfy.example.org",
                "k1-ana-x7q",
                Some("tk_secret"),
                now(),
            )
            .await
            .expect("set");
        let sub = db
            .store
            .ntfy_subscription(&ana)
            .await
            .expect("n")
            .expect("some");
        assert_eq!(sub.server_url, "https://ntfy.example.org");
        assert_eq!(sub.topic, "k1-ana-x7q");
        assert!(sub.has_token && sub.enabled);
        assert!(
            !format!("{sub:?}").contains("k1-ana"),
            "the topic is a password"
        );
        let dest = db
            .store
            .ntfy_target(ana.account_id())
            .await
            .expect("t")
            .expect("some");
        assert_eq!(dest.token.as_deref(), Some("tk_secret"));
        assert!(!format!("{dest:?}").contains("tk_secret"));
        // Topic and token are encrypted at rest.
        assert_eq!(
            stored_in_clear(db, "ntfy_subscriptions", "topic_enc", "k1-ana").await,
            0
        );
        assert_eq!(
            stored_in_clear(db, "ntfy_subscriptions", "token_enc", "tk_secret").await,
            0
        );
        // Ben sees nothing of Ana's and clearing his own removes none of hers.
        assert!(db.store.ntfy_subscription(&ben).await.expect("n").is_none());
        assert!(!db.store.clear_ntfy(&ben, now()).await.expect("c"));

        // Replacing drops the token when none is given, and turns it back on.
        let mut tx = db.store.begin(TxMode::Write).await.expect("begin");
        assert!(
            tx.disable_ntfy(ana.account_id(), "refused our token")
                .await
                .expect("d")
        );
        tx.commit().await.expect("commit");
        assert!(
            db.store
                .ntfy_target(ana.account_id())
                .await
                .expect("t")
                .is_none()
        );
        db.store
            .set_ntfy(&ana, "https://push.example.net/ntfy", "other", None, now())
            .await
            .expect("replace");
        let dest = db
            .store
            .ntfy_target(ana.account_id())
            .await
            .expect("t")
            .expect("on again");
        assert_eq!(
            (dest.server_url.as_str(), dest.topic.as_str(), dest.token),
            ("https://push.example.net/ntfy", "other", None)
        );
        assert!(db.store.clear_ntfy(&ana, now()).await.expect("clear"));
        assert!(db.store.ntfy_subscription(&ana).await.expect("n").is_none());
    }
}
