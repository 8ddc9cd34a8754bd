//! What people and operators read: a person's notification list (the app channel) with its
//! unread count, and the queue for the operator (`visanav outbox`).

use jiff::Timestamp;
use serde::Serialize;
use visanav_core::account::Actor;

use crate::db::{TxMode, on_tx};
use crate::{Store, StoreError, Tx, in_tx};

/// One entry of a person's notification list.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct NotificationView {
    pub id: String,
    pub kind: String,
    /// The event's details (no personal data), as written with the event.
    pub payload: String,
    pub case_id: Option<String>,
    pub visa: Option<String>,
    pub post: Option<String>,
    pub created_ms: i64,
    pub read_ms: Option<i64>,
}

/// One delivery, for the operator.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct DeliveryView {
    pub id: String,
    pub event_id: String,
    pub kind: String,
    pub channel: String,
    pub state: String,
    pub attempts: i64,
    pub next_attempt_ms: Option<i64>,
    pub last_error: Option<String>,
    pub created_ms: i64,
    pub sent_ms: Option<i64>,
}

impl Tx<'_> {
    /// The actor's own notifications, newest first.
    pub async fn notifications(
        &mut self,
        actor: &Actor,
        limit: i64,
    ) -> Result<Vec<NotificationView>, StoreError> {
        let rows = on_tx!(self, c => sqlx::query_as(
            "SELECT d.id, e.kind, e.payload, e.case_id, c.visa, c.post, e.created_ms, d.read_ms
             FROM deliveries d JOIN events e ON e.id = d.event_id
             LEFT JOIN cases c ON c.id = e.case_id
             WHERE d.account_id = $1 AND d.channel = 'app'
             ORDER BY e.created_ms DESC, d.id DESC LIMIT $2",
        )
        .bind(actor.account_id().as_str())
        .bind(limit)
        .fetch_all(&mut *c)
        .await?);
        Ok(rows)
    }

    /// How many of the actor's notifications are unread.
    pub async fn unread_notifications(&mut self, actor: &Actor) -> Result<i64, StoreError> {
        let n = on_tx!(self, c => sqlx::query_scalar(
            "SELECT COUNT(*) FROM deliveries
             WHERE account_id = $1 AND channel = 'app' AND read_ms IS NULL",
        )
        .bind(actor.account_id().as_str())
        .fetch_one(&mut *c)
        .await?);
        Ok(n)
    }

    /// Marks the actor's notifications read: one, or all with `None`.
    pub async fn mark_notifications_read(
        &mut self,
        actor: &Actor,
        id: Option<&str>,
        now: Timestamp,
    ) -> Result<u64, StoreError> {
        let n = on_tx!(self, c => sqlx::query(
            "UPDATE deliveries SET read_ms = $1
             WHERE account_id = $2 AND channel = 'app' AND read_ms IS NULL
               AND ($3 IS NULL OR id = $3)",
        )
        .bind(now.as_millisecond())
        .bind(actor.account_id().as_str())
        .bind(id)
        .execute(&mut *c)
        .await?
        .rows_affected());
        Ok(n)
    }

    /// The queue, for the operator: deliveries in `state` (all with `None`), oldest first.
    pub async fn deliveries(
        &mut self,
        state: Option<&str>,
        limit: i64,
    ) -> Result<Vec<DeliveryView>, StoreError> {
        let rows = on_tx!(self, c => sqlx::query_as(
            "SELECT d.id, d.event_id, e.kind, d.channel, d.state, d.attempts, d.next_attempt_ms,
                    d.last_error, d.created_ms, d.sent_ms
             FROM deliveries d JOIN events e ON e.id = d.event_id
             WHERE d.channel <> 'app' AND ($1 IS NULL OR d.state = $1)
             ORDER BY d.created_ms, d.id LIMIT $2",
        )
        .bind(state)
        .bind(limit)
        .fetch_all(&mut *c)
        .await?);
        Ok(rows)
    }

    /// The actor's own latest deliveries through one channel (`webhook:<id>`, `ntfy`,
    /// `email`): the delivery log their settings pages show.
    pub async fn my_deliveries(
        &mut self,
        actor: &Actor,
        channel: &str,
        limit: i64,
    ) -> Result<Vec<DeliveryView>, StoreError> {
        let rows = on_tx!(self, c => sqlx::query_as(
            "SELECT d.id, d.event_id, e.kind, d.channel, d.state, d.attempts, d.next_attempt_ms,
                    d.last_error, d.created_ms, d.sent_ms
             FROM deliveries d JOIN events e ON e.id = d.event_id
             WHERE d.account_id = $1 AND d.channel = $2
             ORDER BY d.created_ms DESC, d.id DESC LIMIT $3",
        )
        .bind(actor.account_id().as_str())
        .bind(channel)
        .bind(limit)
        .fetch_all(&mut *c)
        .await?);
        Ok(rows)
    }

    /// Events not fanned out yet (the operator's view of the outbox's head).
    pub async fn events_waiting(&mut self) -> Result<i64, StoreError> {
        let n = on_tx!(self, c => sqlx::query_scalar(
            "SELECT COUNT(*) FROM events WHERE fanned_out_ms IS NULL",
        )
        .fetch_one(&mut *c)
        .await?);
        Ok(n)
    }
}

impl Store {
    pub async fn notifications(
        &self,
        actor: &Actor,
        limit: i64,
    ) -> Result<Vec<NotificationView>, StoreError> {
        in_tx!(self, TxMode::Read, |tx| tx
            .notifications(actor, limit)
            .await)
    }

    pub async fn unread_notifications(&self, actor: &Actor) -> Result<i64, StoreError> {
        in_tx!(self, TxMode::Read, |tx| tx
            .unread_notifications(actor)
            .await)
    }

    pub async fn mark_notifications_read(
        &self,
        actor: &Actor,
        id: Option<&str>,
        now: Timestamp,
    ) -> Result<u64, StoreError> {
        in_tx!(self, TxMode::Write, |tx| tx
            .mark_notifications_read(actor, id, now)
            .await)
    }

    pub async fn deliveries(
        &self,
        state: Option<&str>,
        limit: i64,
    ) -> Result<Vec<DeliveryView>, StoreError> {
        in_tx!(self, TxMode::Read, |tx| tx.deliveries(state, limit).await)
    }

    pub async fn my_deliveries(
        &self,
        actor: &Actor,
        channel: &str,
        limit: i64,
    ) -> Result<Vec<DeliveryView>, StoreError> {
        in_tx!(self, TxMode::Read, |tx| tx
            .my_deliveries(actor, channel, limit)
            .await)
    }

    pub async fn events_waiting(&self) -> Result<i64, StoreError> {
        in_tx!(self, TxMode::Read, |tx| tx.events_waiting().await)
    }

    pub async fn notification_prefs(
        &self,
        actor: &Actor,
    ) -> Result<super::NotificationPrefs, StoreError> {
        in_tx!(self, TxMode::Read, |tx| tx.notification_prefs(actor).await)
    }

    pub async fn set_notification_prefs(
        &self,
        actor: &Actor,
        prefs: &super::NotificationPrefs,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        in_tx!(self, TxMode::Write, |tx| tx
            .set_notification_prefs(actor, prefs, now)
            .await)
    }
}

impl Store {
    pub async fn unsubscribe_delivery(
        &self,
        delivery_id: &str,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        in_tx!(self, TxMode::Write, |tx| tx
            .unsubscribe_delivery(delivery_id, now)
            .await)
    }
}
