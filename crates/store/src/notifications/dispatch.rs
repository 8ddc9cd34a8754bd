//! Handing deliveries to dispatchers and recording what became of them. Any number of
//! dispatchers share one database: a lease gives each due delivery to one of them (`FOR
//! UPDATE SKIP LOCKED` on PostgreSQL); one that dies mid-send frees its deliveries when the
//! lease runs out, and the next sends them again under the same id.

use jiff::{SignedDuration, Timestamp};

use super::Channel;
use crate::db::{Backend, TxMode, on_tx, values_list};
use crate::{Store, StoreError, Tx, in_tx};

/// Attempts before a delivery is given up on (dead): with the delays below, about a day.
pub const MAX_ATTEMPTS: i64 = 10;

/// How long to wait after the `attempts`-th failed attempt: 30 s doubling, at most 6 hours.
pub fn retry_delay(attempts: i64) -> SignedDuration {
    let exp = u32::try_from(attempts.clamp(1, 20) - 1).unwrap_or(0);
    let secs = 30_i64.saturating_mul(1_i64 << exp);
    SignedDuration::from_secs(secs.min(6 * 60 * 60))
}

/// A leased delivery with what sending it needs. `Debug` shows no address.
#[derive(Clone)]
pub struct DueDelivery {
    pub id: String,
    pub channel: Option<Channel>,
    /// The webhook endpoint, for a webhook delivery.
    pub endpoint: Option<String>,
    pub attempts: i64,
    pub event_id: String,
    pub kind: String,
    pub payload: String,
    pub event_ms: i64,
    pub case_id: Option<String>,
    /// The case's visa and post: a label without personal data ("K-1 case, Manila").
    pub visa: Option<String>,
    pub post: Option<String>,
    pub account_id: String,
    /// The person's verified address, decrypted (email deliveries only).
    pub email: Option<String>,
    pub time_zone: Option<String>,
}

impl std::fmt::Debug for DueDelivery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DueDelivery")
            .field("id", &self.id)
            .field("channel", &self.channel)
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

#[derive(sqlx::FromRow)]
struct DueRow {
    id: String,
    channel: String,
    attempts: i64,
    event_id: String,
    kind: String,
    payload: String,
    event_ms: i64,
    case_id: Option<String>,
    visa: Option<String>,
    post: Option<String>,
    account_id: String,
    email_enc: Option<Vec<u8>>,
    email_verified_ms: Option<i64>,
    time_zone: Option<String>,
}

impl Tx<'_> {
    /// Leases up to `limit` deliveries due at `now` to `owner` until `now + lease`.
    pub async fn lease_deliveries(
        &mut self,
        owner: &str,
        now: Timestamp,
        lease: SignedDuration,
        limit: i64,
    ) -> Result<Vec<DueDelivery>, StoreError> {
        let skip_locked = match self.backend() {
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let until = now
            .checked_add(lease)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let sql = format!(
            "UPDATE deliveries SET lease_owner = $1, lease_until_ms = $2
             WHERE id IN (
                 SELECT id FROM deliveries
                 WHERE state = 'pending' AND next_attempt_ms <= $3
                   AND (lease_until_ms IS NULL OR lease_until_ms <= $3)
                 ORDER BY next_attempt_ms, id LIMIT $4{skip_locked})
             RETURNING id"
        );
        let ids: Vec<String> = on_tx!(self, c => sqlx::query_scalar(&sql)
            .bind(owner)
            .bind(until.as_millisecond())
            .bind(now.as_millisecond())
            .bind(limit)
            .fetch_all(&mut *c)
            .await?);
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let placeholders = values_list(1, ids.len());
        let sql = format!(
            "SELECT d.id, d.channel, d.attempts, d.event_id, e.kind, e.payload,
                    e.created_ms AS event_ms, e.case_id, c.visa, c.post, d.account_id,
                    a.email_enc, a.email_verified_ms, p.time_zone
             FROM deliveries d
             JOIN events e ON e.id = d.event_id
             JOIN accounts a ON a.id = d.account_id
             LEFT JOIN cases c ON c.id = e.case_id
             LEFT JOIN notification_prefs p ON p.account_id = d.account_id
             WHERE d.id IN {placeholders}
             ORDER BY d.next_attempt_ms, d.id"
        );
        let rows: Vec<DueRow> = on_tx!(self, c => {
            let mut query = sqlx::query_as(&sql);
            for id in &ids {
                query = query.bind(id);
            }
            query.fetch_all(&mut *c).await?
        });
        rows.into_iter().map(|row| self.due(row)).collect()
    }

    fn due(&self, row: DueRow) -> Result<DueDelivery, StoreError> {
        let (channel, endpoint) = match Channel::parse(&row.channel) {
            Some((c, e)) => (Some(c), e),
            None => (None, None),
        };
        let email = match (&row.email_enc, row.email_verified_ms, channel) {
            (Some(ct), Some(_), Some(Channel::Email)) => {
                Some(self.decrypt_email(&row.account_id, ct)?)
            }
            _ => None,
        };
        Ok(DueDelivery {
            id: row.id,
            channel,
            endpoint,
            attempts: row.attempts,
            event_id: row.event_id,
            kind: row.kind,
            payload: row.payload,
            event_ms: row.event_ms,
            case_id: row.case_id,
            visa: row.visa,
            post: row.post,
            account_id: row.account_id,
            email,
            time_zone: row.time_zone,
        })
    }

    /// Records that the delivery went out. Recorded even when the lease ran out meanwhile:
    /// the message left, and marking it spares the person a second copy.
    pub async fn delivery_sent(&mut self, id: &str, now: Timestamp) -> Result<(), StoreError> {
        on_tx!(self, c => sqlx::query(
            "UPDATE deliveries SET state = 'sent', sent_ms = $1, attempts = attempts + 1,
                 lease_owner = NULL, lease_until_ms = NULL, last_error = NULL
             WHERE id = $2 AND state = 'pending'",
        )
        .bind(now.as_millisecond())
        .bind(id)
        .execute(&mut *c)
        .await?
        .rows_affected());
        Ok(())
    }

    /// Records a failed attempt: tried again after a growing delay (or when the channel
    /// asked, `retry_after`), or given up on when the failure is permanent or the attempts
    /// are used up. `error` is for the operator and holds no personal data.
    pub async fn delivery_failed(
        &mut self,
        id: &str,
        error: &str,
        permanent: bool,
        retry_after: Option<SignedDuration>,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let attempts: Option<i64> = on_tx!(self, c => sqlx::query_scalar(
            "SELECT attempts FROM deliveries WHERE id = $1 AND state = 'pending'",
        )
        .bind(id)
        .fetch_optional(&mut *c)
        .await?);
        let Some(attempts) = attempts.map(|a| a + 1) else {
            return Ok(());
        };
        let dead = permanent || attempts >= MAX_ATTEMPTS;
        let delay = retry_delay(attempts).max(retry_after.unwrap_or_default());
        let next = now
            .checked_add(delay)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        on_tx!(self, c => sqlx::query(
            "UPDATE deliveries SET attempts = $1, state = $2, next_attempt_ms = $3,
                 last_error = $4, lease_owner = NULL, lease_until_ms = NULL
             WHERE id = $5",
        )
        .bind(attempts)
        .bind(if dead { "dead" } else { "pending" })
        .bind(next.as_millisecond())
        .bind(error)
        .bind(id)
        .execute(&mut *c)
        .await?
        .rows_affected());
        Ok(())
    }

    /// Puts dead deliveries (one, or all with `None`) back in the queue; returns how many.
    pub async fn retry_dead(
        &mut self,
        id: Option<&str>,
        now: Timestamp,
    ) -> Result<u64, StoreError> {
        let n = on_tx!(self, c => sqlx::query(
            "UPDATE deliveries SET state = 'pending', attempts = 0, next_attempt_ms = $1,
                 last_error = NULL
             WHERE state = 'dead' AND ($2 IS NULL OR id = $2)",
        )
        .bind(now.as_millisecond())
        .bind(id)
        .execute(&mut *c)
        .await?
        .rows_affected());
        Ok(n)
    }
}

/// What became of one delivery, to record with others (`Store::record_deliveries`).
#[derive(Debug, Clone)]
pub enum DeliveryOutcome {
    Sent,
    Failed {
        /// For the operator; no personal data.
        error: String,
        permanent: bool,
        retry_after: Option<SignedDuration>,
    },
}

impl Store {
    /// Records what became of a batch of deliveries in one transaction: one commit for the
    /// lot, and no contention between a batch's sends for SQLite's single writer.
    pub async fn record_deliveries(
        &self,
        outcomes: &[(String, DeliveryOutcome)],
        now: Timestamp,
    ) -> Result<(), StoreError> {
        in_tx!(self, TxMode::Write, |tx| {
            let mut done = Ok(());
            for (id, outcome) in outcomes {
                let step = match outcome {
                    DeliveryOutcome::Sent => tx.delivery_sent(id, now).await,
                    DeliveryOutcome::Failed {
                        error,
                        permanent,
                        retry_after,
                    } => {
                        tx.delivery_failed(id, error, *permanent, *retry_after, now)
                            .await
                    }
                };
                if let Err(e) = step {
                    done = Err(e);
                    break;
                }
            }
            done
        })
    }

    pub async fn lease_deliveries(
        &self,
        owner: &str,
        now: Timestamp,
        lease: SignedDuration,
        limit: i64,
    ) -> Result<Vec<DueDelivery>, StoreError> {
        in_tx!(self, TxMode::Write, |tx| tx
            .lease_deliveries(owner, now, lease, limit)
            .await)
    }

    pub async fn delivery_sent(&self, id: &str, now: Timestamp) -> Result<(), StoreError> {
        in_tx!(self, TxMode::Write, |tx| tx.delivery_sent(id, now).await)
    }

    pub async fn delivery_failed(
        &self,
        id: &str,
        error: &str,
        permanent: bool,
        retry_after: Option<SignedDuration>,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        in_tx!(self, TxMode::Write, |tx| tx
            .delivery_failed(id, error, permanent, retry_after, now)
            .await)
    }

    pub async fn retry_dead(&self, id: Option<&str>, now: Timestamp) -> Result<u64, StoreError> {
        in_tx!(self, TxMode::Write, |tx| tx.retry_dead(id, now).await)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_by_doubling_up_to_six_hours() {
        assert_eq!(retry_delay(1), SignedDuration::from_secs(30));
        assert_eq!(retry_delay(2), SignedDuration::from_secs(60));
        assert_eq!(retry_delay(5), SignedDuration::from_secs(480));
        assert_eq!(retry_delay(30), SignedDuration::from_hours(6));
    }
}
