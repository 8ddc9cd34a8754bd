//! Turning events into deliveries: who hears about an event (the case's owner, the people it
//! is shared with, and the firm member assigned to it) and through which channels.

use jiff::Timestamp;
use visanav_core::reminders::REMINDER_EVENT_KINDS;

use super::Channel;
use crate::db::{Backend, TxMode, on_tx};
use crate::{Store, StoreError, Tx, in_tx};

#[derive(sqlx::FromRow)]
struct PendingEvent {
    id: String,
    case_id: Option<String>,
    kind: String,
    payload: String,
}

#[derive(sqlx::FromRow)]
struct Recipient {
    id: String,
    can_email: bool,
}

impl Tx<'_> {
    /// Fans out up to `limit` events not fanned out yet; returns how many. Each event's
    /// deliveries and its mark are written together, and the unique key on deliveries makes
    /// a second fan-out of the same event add nothing.
    pub async fn fan_out(&mut self, now: Timestamp, limit: i64) -> Result<usize, StoreError> {
        let skip_locked = match self.backend() {
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let sql = format!(
            "SELECT id, case_id, kind, payload FROM events WHERE fanned_out_ms IS NULL
             ORDER BY created_ms, id LIMIT $1{skip_locked}"
        );
        let events: Vec<PendingEvent> = on_tx!(self, c => sqlx::query_as(&sql)
            .bind(limit)
            .fetch_all(&mut *c)
            .await?);
        for event in &events {
            // A consultation's event names the one person it is for.
            if event.kind.starts_with("consultation_") {
                let to = serde_json::from_str::<serde_json::Value>(&event.payload)
                    .ok()
                    .and_then(|p| p.get("to").and_then(|t| t.as_str()).map(str::to_string));
                if let Some(person) = self.recipient(to.as_deref().unwrap_or("")).await? {
                    self.add_deliveries(&event.id, &person, None, now).await?;
                }
            }
            // Any other event with no case (a provider's block) is for the operator's log and
            // the case pages, not for anyone's inbox.
            else if let Some(case_id) = &event.case_id {
                // A reminder goes to the people who chose its lead time.
                let lead = REMINDER_EVENT_KINDS
                    .contains(&event.kind.as_str())
                    .then(|| serde_json::from_str::<serde_json::Value>(&event.payload).ok())
                    .flatten()
                    .and_then(|p| p.get("lead_days").and_then(serde_json::Value::as_u64));
                for person in self.recipients(case_id).await? {
                    self.add_deliveries(&event.id, &person, lead, now).await?;
                }
            }
            on_tx!(self, c => sqlx::query("UPDATE events SET fanned_out_ms = $1 WHERE id = $2")
                .bind(now.as_millisecond())
                .bind(&event.id)
                .execute(&mut *c)
                .await?
                .rows_affected());
        }
        Ok(events.len())
    }

    /// The ids of everyone who follows the case (see `recipients`).
    pub(super) async fn recipient_ids(&mut self, case_id: &str) -> Result<Vec<String>, StoreError> {
        Ok(self
            .recipients(case_id)
            .await?
            .into_iter()
            .map(|r| r.id)
            .collect())
    }

    /// Everyone who follows the case: its owner, the people it is shared with, and the firm
    /// member assigned to it in each firm it is shared with. Disabled accounts are left out.
    async fn recipients(&mut self, case_id: &str) -> Result<Vec<Recipient>, StoreError> {
        let rows = on_tx!(self, c => sqlx::query_as(
            "SELECT a.id, (a.email_enc IS NOT NULL AND a.email_verified_ms IS NOT NULL) AS can_email
             FROM accounts a
             WHERE a.disabled_ms IS NULL AND a.id IN (
                 SELECT owner_id FROM cases WHERE id = $1
                 UNION SELECT s.grantee_account FROM case_shares s
                       WHERE s.case_id = $1 AND s.status = 'active' AND s.grantee_account IS NOT NULL
                 UNION SELECT g.assignee_id FROM case_assignments g
                       JOIN case_shares s ON s.case_id = g.case_id AND s.grantee_firm = g.firm_id
                       WHERE g.case_id = $1 AND s.status = 'active')
             ORDER BY a.id",
        )
        .bind(case_id)
        .fetch_all(&mut *c)
        .await?);
        Ok(rows)
    }

    /// One account as a recipient, unless disabled.
    async fn recipient(&mut self, id: &str) -> Result<Option<Recipient>, StoreError> {
        let row = on_tx!(self, c => sqlx::query_as(
            "SELECT a.id, (a.email_enc IS NOT NULL AND a.email_verified_ms IS NOT NULL) AS can_email
             FROM accounts a WHERE a.id = $1 AND a.disabled_ms IS NULL",
        )
        .bind(id)
        .fetch_optional(&mut *c)
        .await?);
        Ok(row)
    }

    async fn add_deliveries(
        &mut self,
        event_id: &str,
        person: &Recipient,
        lead: Option<u64>,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let prefs = self.prefs_of(&person.id).await?;
        if lead.is_some_and(|l| !prefs.lead_days.iter().any(|d| u64::from(*d) == l)) {
            return Ok(());
        }
        // The in-app list: delivered as it is written.
        self.insert_delivery(
            event_id,
            &person.id,
            Channel::App.as_str(),
            "sent",
            now,
            now,
        )
        .await?;
        // Pushed to a person: after their quiet hours.
        let at = prefs.release_at(now);
        if person.can_email && prefs.email_enabled {
            self.insert_delivery(
                event_id,
                &person.id,
                Channel::Email.as_str(),
                "pending",
                at,
                now,
            )
            .await?;
        }
        if self.has_ntfy(&person.id).await? {
            self.insert_delivery(
                event_id,
                &person.id,
                Channel::Ntfy.as_str(),
                "pending",
                at,
                now,
            )
            .await?;
        }
        // Webhooks reach the person's own systems: at once.
        for endpoint in self.enabled_webhooks(&person.id).await? {
            let channel = format!("webhook:{endpoint}");
            self.insert_delivery(event_id, &person.id, &channel, "pending", now, now)
                .await?;
        }
        Ok(())
    }

    async fn enabled_webhooks(&mut self, account_id: &str) -> Result<Vec<String>, StoreError> {
        let ids = on_tx!(self, c => sqlx::query_scalar(
            "SELECT id FROM webhook_endpoints WHERE account_id = $1 AND enabled ORDER BY id",
        )
        .bind(account_id)
        .fetch_all(&mut *c)
        .await?);
        Ok(ids)
    }

    async fn has_ntfy(&mut self, account_id: &str) -> Result<bool, StoreError> {
        let n: i64 = on_tx!(self, c => sqlx::query_scalar(
            "SELECT COUNT(*) FROM ntfy_subscriptions WHERE account_id = $1 AND enabled",
        )
        .bind(account_id)
        .fetch_one(&mut *c)
        .await?);
        Ok(n > 0)
    }

    async fn insert_delivery(
        &mut self,
        event_id: &str,
        account_id: &str,
        channel: &str,
        state: &str,
        at: Timestamp,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let sent = (state == "sent").then_some(now.as_millisecond());
        on_tx!(self, c => sqlx::query(
            "INSERT INTO deliveries (id, event_id, account_id, channel, state, next_attempt_ms,
                 sent_ms, created_ms)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
             ON CONFLICT (event_id, account_id, channel) DO NOTHING",
        )
        .bind(uuid::Uuid::now_v7().to_string())
        .bind(event_id)
        .bind(account_id)
        .bind(channel)
        .bind(state)
        .bind(at.as_millisecond())
        .bind(sent)
        .bind(now.as_millisecond())
        .execute(&mut *c)
        .await?
        .rows_affected());
        Ok(())
    }
}

impl Store {
    pub async fn fan_out(&self, now: Timestamp, limit: i64) -> Result<usize, StoreError> {
        in_tx!(self, TxMode::Write, |tx| tx.fan_out(now, limit).await)
    }
}
