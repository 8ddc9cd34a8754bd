//! Where a person's notifications go beyond the app: their signed webhook endpoints and their
//! ntfy push subscription (issue 13). The store keeps the secrets encrypted and hands them
//! out decrypted only to the dispatcher ([`Tx::webhook_targets`], [`Tx::ntfy_target`]); the
//! pages see the endpoints without their secrets.
//!
//! A person sees and changes only their own endpoints: every query is filtered by the
//! acting account, so someone else's endpoint looks like one that does not exist.
//!
//! The store takes secrets as text (`whsec_…`, an ntfy token) and does not check their form:
//! the caller (visanav-notify's types) does.

use jiff::{SignedDuration, Timestamp};
use visanav_core::account::{AccountId, Actor};

use crate::db::{TxMode, on_tx};
use crate::{Store, StoreError, Tx, in_tx};

/// How many webhook endpoints one person may have: enough for a home automation, a chat
/// bridge and a spare; few enough that one event cannot fan out into a flood.
pub const MAX_WEBHOOK_ENDPOINTS: usize = 5;

/// How long the previous secret keeps signing after a rotation: a day for the receiver to
/// switch to the new one.
pub const ROTATION_GRACE: SignedDuration = SignedDuration::from_hours(24);

/// An endpoint as its owner sees it on the page (no secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookEndpoint {
    pub id: String,
    pub url: String,
    pub enabled: bool,
    /// Why it was disabled (the receiver answered 410 Gone, or it failed for days).
    pub disabled_reason: Option<String>,
    /// Until when the previous secret also signs, during a rotation.
    pub previous_until_ms: Option<i64>,
    pub created_ms: i64,
}

/// What the dispatcher needs to send to one endpoint: its URL and the secrets that sign
/// (`whsec_…`, the current one first, then the previous one while its grace lasts).
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookTarget {
    pub id: String,
    pub url: String,
    pub secrets: Vec<String>,
}

impl std::fmt::Debug for WebhookTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookTarget")
            .field("id", &self.id)
            .field("url", &self.url)
            .field("secrets", &self.secrets.len())
            .finish()
    }
}

/// A person's ntfy subscription as they see it (the token is not shown again).
#[derive(Clone, PartialEq, Eq)]
pub struct NtfySubscription {
    pub server_url: String,
    pub topic: String,
    pub has_token: bool,
    pub enabled: bool,
    pub disabled_reason: Option<String>,
}

impl std::fmt::Debug for NtfySubscription {
    // The topic is a password on ntfy: whoever knows it can read the messages.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NtfySubscription")
            .field("server_url", &self.server_url)
            .field("has_token", &self.has_token)
            .field("enabled", &self.enabled)
            .finish_non_exhaustive()
    }
}

/// What the dispatcher needs to publish to a person's ntfy topic.
#[derive(Clone, PartialEq, Eq)]
pub struct NtfyDestination {
    pub server_url: String,
    pub topic: String,
    pub token: Option<String>,
}

impl std::fmt::Debug for NtfyDestination {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NtfyDestination")
            .field("server_url", &self.server_url)
            .field("has_token", &self.token.is_some())
            .finish_non_exhaustive()
    }
}

#[derive(sqlx::FromRow)]
struct EndpointRow {
    id: String,
    url: String,
    enabled: bool,
    disabled_reason: Option<String>,
    previous_until_ms: Option<i64>,
    created_ms: i64,
}

#[derive(sqlx::FromRow)]
struct TargetRow {
    id: String,
    url: String,
    secret_enc: Vec<u8>,
    previous_secret_enc: Option<Vec<u8>>,
}

#[derive(sqlx::FromRow)]
struct NtfyRow {
    server_url: String,
    topic_enc: Vec<u8>,
    token_enc: Option<Vec<u8>>,
    enabled: bool,
    disabled_reason: Option<String>,
}

fn secret_aad(id: &str) -> String {
    format!("webhook_endpoints.secret:{id}")
}

fn ntfy_aad(column: &str, account: &str) -> String {
    format!("ntfy_subscriptions.{column}:{account}")
}

impl Tx<'_> {
    fn decrypt_text(&self, data: &[u8], aad: &str) -> Result<String, StoreError> {
        String::from_utf8(self.crypto.decrypt(data, aad)?)
            .map_err(|_| StoreError::Corrupt(format!("{aad} is not text")))
    }

    /// Adds an endpoint for the actor, with its first secret (`whsec_…`), and returns its id.
    /// [`StoreError::WebhookLimit`] when the actor already has [`MAX_WEBHOOK_ENDPOINTS`].
    pub async fn add_webhook_endpoint(
        &mut self,
        actor: &Actor,
        url: &str,
        secret: &str,
        now: Timestamp,
    ) -> Result<String, StoreError> {
        let me = actor.account_id().as_str();
        let count: i64 = on_tx!(self, c => sqlx::query_scalar(
            "SELECT COUNT(*) FROM webhook_endpoints WHERE account_id = $1"
        )
        .bind(me)
        .fetch_one(&mut *c)
        .await?);
        if count as usize >= MAX_WEBHOOK_ENDPOINTS {
            return Err(StoreError::WebhookLimit {
                max: MAX_WEBHOOK_ENDPOINTS,
            });
        }
        let id = uuid::Uuid::now_v7().to_string();
        let enc = self.crypto.encrypt(secret.as_bytes(), &secret_aad(&id));
        on_tx!(self, c => sqlx::query(
            "INSERT INTO webhook_endpoints (id, account_id, url, secret_enc, enabled, created_ms)
             VALUES ($1, $2, $3, $4, TRUE, $5)"
        )
        .bind(&id)
        .bind(me)
        .bind(url)
        .bind(&enc)
        .bind(now.as_millisecond())
        .execute(&mut *c)
        .await?
        .rows_affected());
        self.audit_account(
            actor.account_id(),
            actor.session_ref(),
            "webhook_added",
            &id,
            now,
        )
        .await?;
        Ok(id)
    }

    /// The actor's endpoints, oldest first.
    pub async fn list_webhook_endpoints(
        &mut self,
        actor: &Actor,
    ) -> Result<Vec<WebhookEndpoint>, StoreError> {
        let rows: Vec<EndpointRow> = on_tx!(self, c => sqlx::query_as(
            "SELECT id, url, enabled, disabled_reason, previous_until_ms, created_ms
             FROM webhook_endpoints WHERE account_id = $1 ORDER BY created_ms, id"
        )
        .bind(actor.account_id().as_str())
        .fetch_all(&mut *c)
        .await?);
        Ok(rows
            .into_iter()
            .map(|r| WebhookEndpoint {
                id: r.id,
                url: r.url,
                enabled: r.enabled,
                disabled_reason: r.disabled_reason,
                previous_until_ms: r.previous_until_ms,
                created_ms: r.created_ms,
            })
            .collect())
    }

    /// Deletes one of the actor's endpoints; false when the actor has no such endpoint.
    pub async fn delete_webhook_endpoint(
        &mut self,
        actor: &Actor,
        id: &str,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let n = on_tx!(self, c => sqlx::query(
            "DELETE FROM webhook_endpoints WHERE id = $1 AND account_id = $2"
        )
        .bind(id)
        .bind(actor.account_id().as_str())
        .execute(&mut *c)
        .await?
        .rows_affected());
        if n == 1 {
            self.audit_account(
                actor.account_id(),
                actor.session_ref(),
                "webhook_deleted",
                id,
                now,
            )
            .await?;
        }
        Ok(n == 1)
    }

    /// Gives one of the actor's endpoints a new secret. The old one keeps signing (beside the
    /// new one) for [`ROTATION_GRACE`]; a secret older than that is dropped. Rotating also
    /// re-enables a disabled endpoint: the person is attending to it. False when the actor
    /// has no such endpoint.
    pub async fn rotate_webhook_secret(
        &mut self,
        actor: &Actor,
        id: &str,
        new_secret: &str,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let enc = self.crypto.encrypt(new_secret.as_bytes(), &secret_aad(id));
        let until = now.as_millisecond() + ROTATION_GRACE.as_millis() as i64;
        // Both columns share the associated data, so the current secret moves to "previous"
        // without being decrypted.
        let n = on_tx!(self, c => sqlx::query(
            "UPDATE webhook_endpoints
             SET previous_secret_enc = secret_enc, previous_until_ms = $1, secret_enc = $2,
                 enabled = TRUE, disabled_reason = NULL
             WHERE id = $3 AND account_id = $4"
        )
        .bind(until)
        .bind(&enc)
        .bind(id)
        .bind(actor.account_id().as_str())
        .execute(&mut *c)
        .await?
        .rows_affected());
        if n == 1 {
            self.audit_account(
                actor.account_id(),
                actor.session_ref(),
                "webhook_secret_rotated",
                id,
                now,
            )
            .await?;
        }
        Ok(n == 1)
    }

    /// Turns one of the actor's endpoints back on after it was disabled.
    pub async fn enable_webhook_endpoint(
        &mut self,
        actor: &Actor,
        id: &str,
    ) -> Result<bool, StoreError> {
        let n = on_tx!(self, c => sqlx::query(
            "UPDATE webhook_endpoints SET enabled = TRUE, disabled_reason = NULL
             WHERE id = $1 AND account_id = $2"
        )
        .bind(id)
        .bind(actor.account_id().as_str())
        .execute(&mut *c)
        .await?
        .rows_affected());
        Ok(n == 1)
    }

    /// One of the actor's endpoints with its signing secrets, for "send a test event".
    pub async fn webhook_target_for(
        &mut self,
        actor: &Actor,
        id: &str,
        now: Timestamp,
    ) -> Result<Option<WebhookTarget>, StoreError> {
        let row: Option<TargetRow> = on_tx!(self, c => sqlx::query_as(
            "SELECT id, url, secret_enc,
                    CASE WHEN previous_until_ms > $1 THEN previous_secret_enc END AS previous_secret_enc
             FROM webhook_endpoints WHERE id = $2 AND account_id = $3"
        )
        .bind(now.as_millisecond())
        .bind(id)
        .bind(actor.account_id().as_str())
        .fetch_optional(&mut *c)
        .await?);
        row.map(|r| self.target_of(r)).transpose()
    }

    fn target_of(&self, row: TargetRow) -> Result<WebhookTarget, StoreError> {
        let aad = secret_aad(&row.id);
        let mut secrets = vec![self.decrypt_text(&row.secret_enc, &aad)?];
        if let Some(previous) = &row.previous_secret_enc {
            secrets.push(self.decrypt_text(previous, &aad)?);
        }
        Ok(WebhookTarget {
            id: row.id,
            url: row.url,
            secrets,
        })
    }

    /// For the dispatcher only (it acts for the system, not for a person): the account's
    /// enabled endpoints with their decrypted signing secrets, the current one first and the
    /// previous one while its grace lasts. Never show what this returns on a page.
    pub async fn webhook_targets(
        &mut self,
        account: &AccountId,
        now: Timestamp,
    ) -> Result<Vec<WebhookTarget>, StoreError> {
        let rows: Vec<TargetRow> = on_tx!(self, c => sqlx::query_as(
            "SELECT id, url, secret_enc,
                    CASE WHEN previous_until_ms > $1 THEN previous_secret_enc END AS previous_secret_enc
             FROM webhook_endpoints WHERE account_id = $2 AND enabled
             ORDER BY created_ms, id"
        )
        .bind(now.as_millisecond())
        .bind(account.as_str())
        .fetch_all(&mut *c)
        .await?);
        rows.into_iter().map(|r| self.target_of(r)).collect()
    }

    /// For the dispatcher: stops sending to an endpoint (the receiver answered 410 Gone, or
    /// it kept failing), with the reason its owner will read on the page.
    pub async fn disable_webhook_endpoint(
        &mut self,
        id: &str,
        reason: &str,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let owner: Option<String> = on_tx!(self, c => sqlx::query_scalar(
            "UPDATE webhook_endpoints SET enabled = FALSE, disabled_reason = $1
             WHERE id = $2 AND enabled RETURNING account_id"
        )
        .bind(reason)
        .bind(id)
        .fetch_optional(&mut *c)
        .await?);
        if let Some(owner) = &owner {
            let owner = AccountId::from_stored(owner.clone());
            self.audit_account(&owner, None, "webhook_disabled", id, now)
                .await?;
        }
        Ok(owner.is_some())
    }

    /// Sets (or replaces) the actor's ntfy subscription. `token: None` means no token.
    pub async fn set_ntfy(
        &mut self,
        actor: &Actor,
        server_url: &str,
        topic: &str,
        token: Option<&str>,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let me = actor.account_id().as_str();
        let topic_enc = self
            .crypto
            .encrypt(topic.as_bytes(), &ntfy_aad("topic", me));
        let token_enc = token.map(|t| self.crypto.encrypt(t.as_bytes(), &ntfy_aad("token", me)));
        on_tx!(self, c => sqlx::query(
            "INSERT INTO ntfy_subscriptions
                 (account_id, server_url, topic_enc, token_enc, enabled, disabled_reason, created_ms)
             VALUES ($1, $2, $3, $4, TRUE, NULL, $5)
             ON CONFLICT (account_id) DO UPDATE SET server_url = excluded.server_url,
                 topic_enc = excluded.topic_enc, token_enc = excluded.token_enc,
                 enabled = TRUE, disabled_reason = NULL"
        )
        .bind(me)
        .bind(server_url)
        .bind(&topic_enc)
        .bind(&token_enc)
        .bind(now.as_millisecond())
        .execute(&mut *c)
        .await?
        .rows_affected());
        self.audit_account(
            actor.account_id(),
            actor.session_ref(),
            "ntfy_set",
            server_url,
            now,
        )
        .await
    }

    /// Removes the actor's ntfy subscription; false when there was none.
    pub async fn clear_ntfy(&mut self, actor: &Actor, now: Timestamp) -> Result<bool, StoreError> {
        let n = on_tx!(self, c => sqlx::query(
            "DELETE FROM ntfy_subscriptions WHERE account_id = $1"
        )
        .bind(actor.account_id().as_str())
        .execute(&mut *c)
        .await?
        .rows_affected());
        if n == 1 {
            self.audit_account(
                actor.account_id(),
                actor.session_ref(),
                "ntfy_cleared",
                "",
                now,
            )
            .await?;
        }
        Ok(n == 1)
    }

    async fn ntfy_row(&mut self, account: &str) -> Result<Option<NtfyRow>, StoreError> {
        Ok(on_tx!(self, c => sqlx::query_as(
            "SELECT server_url, topic_enc, token_enc, enabled, disabled_reason
             FROM ntfy_subscriptions WHERE account_id = $1"
        )
        .bind(account)
        .fetch_optional(&mut *c)
        .await?))
    }

    /// The actor's ntfy subscription, if any.
    pub async fn ntfy_subscription(
        &mut self,
        actor: &Actor,
    ) -> Result<Option<NtfySubscription>, StoreError> {
        let me = actor.account_id().as_str().to_string();
        let Some(row) = self.ntfy_row(&me).await? else {
            return Ok(None);
        };
        Ok(Some(NtfySubscription {
            server_url: row.server_url,
            topic: self.decrypt_text(&row.topic_enc, &ntfy_aad("topic", &me))?,
            has_token: row.token_enc.is_some(),
            enabled: row.enabled,
            disabled_reason: row.disabled_reason,
        }))
    }

    /// For the dispatcher (and the actor's own "send a test"): where to publish for the
    /// account, with the token decrypted; `None` when it has no enabled subscription.
    pub async fn ntfy_target(
        &mut self,
        account: &AccountId,
    ) -> Result<Option<NtfyDestination>, StoreError> {
        let me = account.as_str();
        let Some(row) = self.ntfy_row(me).await? else {
            return Ok(None);
        };
        if !row.enabled {
            return Ok(None);
        }
        let token = match &row.token_enc {
            Some(t) => Some(self.decrypt_text(t, &ntfy_aad("token", me))?),
            None => None,
        };
        Ok(Some(NtfyDestination {
            server_url: row.server_url,
            topic: self.decrypt_text(&row.topic_enc, &ntfy_aad("topic", me))?,
            token,
        }))
    }

    /// For the dispatcher: stops publishing to the account's ntfy topic, with the reason.
    pub async fn disable_ntfy(
        &mut self,
        account: &AccountId,
        reason: &str,
    ) -> Result<bool, StoreError> {
        let n = on_tx!(self, c => sqlx::query(
            "UPDATE ntfy_subscriptions SET enabled = FALSE, disabled_reason = $1
             WHERE account_id = $2 AND enabled"
        )
        .bind(reason)
        .bind(account.as_str())
        .execute(&mut *c)
        .await?
        .rows_affected());
        Ok(n == 1)
    }
}

/// The same, each in a transaction of its own, for the pages and the command line.
impl Store {
    pub async fn add_webhook_endpoint(
        &self,
        actor: &Actor,
        url: &str,
        secret: &str,
        now: Timestamp,
    ) -> Result<String, StoreError> {
        in_tx!(self, TxMode::Write, |tx| tx
            .add_webhook_endpoint(actor, url, secret, now)
            .await)
    }

    pub async fn list_webhook_endpoints(
        &self,
        actor: &Actor,
    ) -> Result<Vec<WebhookEndpoint>, StoreError> {
        in_tx!(self, TxMode::Read, |tx| tx
            .list_webhook_endpoints(actor)
            .await)
    }

    pub async fn delete_webhook_endpoint(
        &self,
        actor: &Actor,
        id: &str,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        in_tx!(self, TxMode::Write, |tx| tx
            .delete_webhook_endpoint(actor, id, now)
            .await)
    }

    pub async fn rotate_webhook_secret(
        &self,
        actor: &Actor,
        id: &str,
        new_secret: &str,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        in_tx!(self, TxMode::Write, |tx| tx
            .rotate_webhook_secret(actor, id, new_secret, now)
            .await)
    }

    pub async fn webhook_target_for(
        &self,
        actor: &Actor,
        id: &str,
        now: Timestamp,
    ) -> Result<Option<WebhookTarget>, StoreError> {
        in_tx!(self, TxMode::Read, |tx| tx
            .webhook_target_for(actor, id, now)
            .await)
    }

    /// For the dispatcher only: see [`Tx::webhook_targets`].
    pub async fn webhook_targets(
        &self,
        account: &AccountId,
        now: Timestamp,
    ) -> Result<Vec<WebhookTarget>, StoreError> {
        in_tx!(self, TxMode::Read, |tx| tx
            .webhook_targets(account, now)
            .await)
    }

    pub async fn set_ntfy(
        &self,
        actor: &Actor,
        server_url: &str,
        topic: &str,
        token: Option<&str>,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        in_tx!(self, TxMode::Write, |tx| tx
            .set_ntfy(actor, server_url, topic, token, now)
            .await)
    }

    pub async fn clear_ntfy(&self, actor: &Actor, now: Timestamp) -> Result<bool, StoreError> {
        in_tx!(self, TxMode::Write, |tx| tx.clear_ntfy(actor, now).await)
    }

    pub async fn ntfy_subscription(
        &self,
        actor: &Actor,
    ) -> Result<Option<NtfySubscription>, StoreError> {
        in_tx!(self, TxMode::Read, |tx| tx.ntfy_subscription(actor).await)
    }

    /// For the dispatcher and the owner's own test: see [`Tx::ntfy_target`].
    pub async fn ntfy_target(
        &self,
        account: &AccountId,
    ) -> Result<Option<NtfyDestination>, StoreError> {
        in_tx!(self, TxMode::Read, |tx| tx.ntfy_target(account).await)
    }
}
