//! What happens to a request after it is made: the attorney's review, confirmation, decline
//! or proposal of other times; the applicant's choice among proposed times; either side's
//! cancellation or rescheduling; and holds that lapse. Each change is one transaction with
//! its events (both sides are told) and with the time claims it frees or takes.

use jiff::Timestamp;
use visanav_core::account::Actor;

use super::views::side_condition;
use super::{ConsultStatus, Review, Side};
use crate::db::{TxMode, on_tx};
use crate::{Store, StoreError, Tx, in_tx};

#[derive(sqlx::FromRow)]
pub(super) struct StateRow {
    pub attorney_id: String,
    pub status: String,
    pub hold_until_ms: Option<i64>,
    pub review: Option<String>,
    pub proposals: Option<String>,
}

impl StateRow {
    fn status(&self) -> ConsultStatus {
        ConsultStatus::parse(&self.status).unwrap_or(ConsultStatus::Expired)
    }

    fn lapsed(&self, now: Timestamp) -> bool {
        self.hold_until_ms
            .is_some_and(|until| until <= now.as_millisecond())
    }

    fn review(&self) -> Option<Review> {
        self.review
            .as_deref()
            .and_then(|r| serde_json::from_str(r).ok())
    }

    fn proposals(&self) -> Vec<i64> {
        self.proposals
            .as_deref()
            .and_then(|p| serde_json::from_str(p).ok())
            .unwrap_or_default()
    }
}

/// A new time for a consultation: when it runs and the time it keeps.
#[derive(Debug, Clone, Copy)]
pub struct NewTime {
    pub start: Timestamp,
    pub end: Timestamp,
    pub occupied_from: Timestamp,
    pub occupied_until: Timestamp,
}

fn wrong_state(what: &str) -> StoreError {
    StoreError::ConsultationState(what.to_string())
}

impl Tx<'_> {
    /// The consultation as `side` may act on it: the attorney (or the firm's owner) with a
    /// second factor, or the applicant. Anyone else: not found.
    pub(super) async fn state_for(
        &mut self,
        actor: &Actor,
        side: Side,
        id: &str,
    ) -> Result<StateRow, StoreError> {
        let sql = format!(
            "SELECT k.attorney_id, k.status, k.hold_until_ms, k.review, k.proposals
             FROM consultations k WHERE k.id = $1 AND {}",
            side_condition(actor, side, 2)
        );
        let row: Option<StateRow> = on_tx!(self, c => sqlx::query_as(&sql)
            .bind(id)
            .bind(actor.account_id().as_str())
            .fetch_optional(&mut *c)
            .await?);
        row.ok_or(StoreError::ConsultationNotFound)
    }

    /// Records the attorney's review: whether the conflict check is cleared and the firm takes
    /// the matter. Required (both yes) before confirming or proposing times.
    pub async fn review_consultation(
        &mut self,
        actor: &Actor,
        id: &str,
        conflicts_cleared: bool,
        matter_accepted: bool,
        conflicts_shown: usize,
        now: Timestamp,
    ) -> Result<Review, StoreError> {
        let row = self.state_for(actor, Side::Attorney, id).await?;
        if !matches!(
            row.status(),
            ConsultStatus::Pending | ConsultStatus::Proposed
        ) {
            return Err(wrong_state(
                "only a request waiting for an answer can be reviewed",
            ));
        }
        let review = Review {
            conflicts_cleared,
            matter_accepted,
            conflicts_shown,
            by: actor.account_id().as_str().to_string(),
            at_ms: now.as_millisecond(),
        };
        let json = serde_json::to_string(&review)
            .map_err(|e| StoreError::Corrupt(format!("review: {e}")))?;
        self.update(id, "review = $1", json, now).await?;
        let detail = format!(
            "{id}: conflicts cleared {conflicts_cleared}, matter accepted {matter_accepted}, \
             {conflicts_shown} possible conflicts shown"
        );
        self.audit_account(
            actor.account_id(),
            None,
            "consultation_reviewed",
            &detail,
            now,
        )
        .await?;
        Ok(review)
    }

    /// Confirms a pending request whose review cleared it.
    pub async fn confirm_consultation(
        &mut self,
        actor: &Actor,
        id: &str,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let row = self.state_for(actor, Side::Attorney, id).await?;
        self.require_open_request(&row, now, ConsultStatus::Pending)
            .await?;
        if !row.review().is_some_and(|r| r.clears()) {
            return Err(StoreError::ReviewMissing);
        }
        self.set_status(id, ConsultStatus::Confirmed, None, now)
            .await?;
        self.audit_account(actor.account_id(), None, "consultation_confirmed", id, now)
            .await?;
        self.consultation_event(id, "consultation_confirmed", now)
            .await
    }

    /// Declines a request, with a message for the applicant; its time is free again.
    pub async fn decline_consultation(
        &mut self,
        actor: &Actor,
        id: &str,
        message: &str,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let row = self.state_for(actor, Side::Attorney, id).await?;
        if !matches!(
            row.status(),
            ConsultStatus::Pending | ConsultStatus::Proposed
        ) {
            return Err(wrong_state(
                "only a request waiting for an answer can be declined",
            ));
        }
        self.unclaim(id).await?;
        self.set_message(id, message).await?;
        self.set_status(id, ConsultStatus::Declined, None, now)
            .await?;
        self.audit_account(actor.account_id(), None, "consultation_declined", id, now)
            .await?;
        self.consultation_event(id, "consultation_declined", now)
            .await
    }

    /// Offers other times instead of the one requested: the request stops holding its time,
    /// and stands until `hold_until` for the applicant to pick one.
    pub async fn propose_times(
        &mut self,
        actor: &Actor,
        id: &str,
        starts: &[Timestamp],
        message: &str,
        hold_until: Timestamp,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let row = self.state_for(actor, Side::Attorney, id).await?;
        self.require_open_request(&row, now, ConsultStatus::Pending)
            .await?;
        if !row.review().is_some_and(|r| r.clears()) {
            return Err(StoreError::ReviewMissing);
        }
        if starts.is_empty() {
            return Err(wrong_state("choose at least one time to propose"));
        }
        let list: Vec<i64> = starts.iter().map(|t| t.as_millisecond()).collect();
        let json = serde_json::to_string(&list).unwrap_or_else(|_| "[]".into());
        self.unclaim(id).await?;
        self.set_message(id, message).await?;
        self.update(id, "proposals = $1", json, now).await?;
        self.set_status(id, ConsultStatus::Proposed, Some(hold_until), now)
            .await?;
        self.audit_account(actor.account_id(), None, "consultation_proposed", id, now)
            .await?;
        self.consultation_event(id, "consultation_proposed", now)
            .await
    }

    /// The applicant takes one of the proposed times: confirmed at once (the attorney chose
    /// it), if the time is still free.
    pub async fn accept_proposal(
        &mut self,
        actor: &Actor,
        id: &str,
        time: NewTime,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let row = self.state_for(actor, Side::Applicant, id).await?;
        self.require_open_request(&row, now, ConsultStatus::Proposed)
            .await?;
        if !row.proposals().contains(&time.start.as_millisecond()) {
            return Err(wrong_state("that time was not one of the times proposed"));
        }
        self.release_lapsed(Some(&row.attorney_id), now).await?;
        self.claim(
            id,
            &row.attorney_id,
            time.occupied_from.as_millisecond(),
            time.occupied_until.as_millisecond(),
        )
        .await?;
        self.set_time(id, time, now).await?;
        self.set_status(id, ConsultStatus::Confirmed, None, now)
            .await?;
        self.consultation_event(id, "consultation_confirmed", now)
            .await
    }

    /// Cancels an open consultation; its time is free again and both sides are told. The
    /// notice policy (how late a side may cancel) is the caller's to check.
    pub async fn cancel_consultation(
        &mut self,
        actor: &Actor,
        side: Side,
        id: &str,
        message: &str,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let row = self.state_for(actor, side, id).await?;
        if !matches!(
            row.status(),
            ConsultStatus::Pending | ConsultStatus::Proposed | ConsultStatus::Confirmed
        ) {
            return Err(wrong_state("this consultation is not open any more"));
        }
        self.unclaim(id).await?;
        self.set_message(id, message).await?;
        self.update(id, "cancelled_by = $1", side.as_str().to_string(), now)
            .await?;
        self.set_status(id, ConsultStatus::Cancelled, None, now)
            .await?;
        self.audit_account(actor.account_id(), None, "consultation_cancelled", id, now)
            .await?;
        self.consultation_event(id, "consultation_cancelled", now)
            .await
    }

    /// Moves a pending or confirmed consultation to a new time, if free. Moved by the
    /// applicant, it waits for the attorney again (until `hold_until`); moved by the attorney,
    /// it stays as it was.
    pub async fn reschedule_consultation(
        &mut self,
        actor: &Actor,
        side: Side,
        id: &str,
        time: NewTime,
        hold_until: Timestamp,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let row = self.state_for(actor, side, id).await?;
        let status = row.status();
        if !matches!(status, ConsultStatus::Pending | ConsultStatus::Confirmed)
            || (status == ConsultStatus::Pending && row.lapsed(now))
        {
            return Err(wrong_state(
                "only a pending or confirmed consultation can be moved",
            ));
        }
        self.release_lapsed(Some(&row.attorney_id), now).await?;
        // The old time goes first: a move by 15 minutes overlaps itself.
        self.unclaim(id).await?;
        self.claim(
            id,
            &row.attorney_id,
            time.occupied_from.as_millisecond(),
            time.occupied_until.as_millisecond(),
        )
        .await?;
        self.set_time(id, time, now).await?;
        let (next, hold) = match side {
            Side::Applicant => (ConsultStatus::Pending, Some(hold_until)),
            Side::Attorney => (
                status,
                row.hold_until_ms
                    .and_then(|ms| Timestamp::from_millisecond(ms).ok()),
            ),
        };
        self.set_status(id, next, hold, now).await?;
        self.audit_account(
            actor.account_id(),
            None,
            "consultation_rescheduled",
            id,
            now,
        )
        .await?;
        self.consultation_event(id, "consultation_rescheduled", now)
            .await
    }

    /// Marks every request whose hold lapsed (of one attorney, or all) as expired, frees its
    /// time and tells both sides (nobody for an unverified one: it never reached anyone).
    pub(crate) async fn release_lapsed(
        &mut self,
        attorney: Option<&str>,
        now: Timestamp,
    ) -> Result<usize, StoreError> {
        let ids: Vec<(String, String)> = on_tx!(self, c => sqlx::query_as(
            "SELECT id, status FROM consultations
             WHERE hold_until_ms <= $1 AND status IN ('unverified', 'pending', 'proposed')
               AND ($2 IS NULL OR attorney_id = $2)
             ORDER BY hold_until_ms, id"
        )
        .bind(now.as_millisecond())
        .bind(attorney)
        .fetch_all(&mut *c)
        .await?);
        for (id, status) in &ids {
            self.unclaim(id).await?;
            self.set_status(id, ConsultStatus::Expired, None, now)
                .await?;
            if status != "unverified" {
                self.consultation_event(id, "consultation_expired", now)
                    .await?;
            }
        }
        Ok(ids.len())
    }

    /// The sweep: every lapsed hold released.
    pub async fn expire_consultations(&mut self, now: Timestamp) -> Result<usize, StoreError> {
        self.release_lapsed(None, now).await
    }

    async fn require_open_request(
        &mut self,
        row: &StateRow,
        now: Timestamp,
        expected: ConsultStatus,
    ) -> Result<(), StoreError> {
        if row.status() == expected && row.lapsed(now) {
            self.release_lapsed(Some(&row.attorney_id), now).await?;
            return Err(wrong_state(
                "this request waited too long and expired; its time is free again",
            ));
        }
        if row.status() != expected {
            return Err(wrong_state(&format!(
                "this consultation is {} now",
                row.status().label().to_lowercase()
            )));
        }
        Ok(())
    }

    async fn set_status(
        &mut self,
        id: &str,
        status: ConsultStatus,
        hold_until: Option<Timestamp>,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        on_tx!(self, c => sqlx::query(
            "UPDATE consultations SET status = $1, hold_until_ms = $2, sequence = sequence + 1,
                updated_ms = $3 WHERE id = $4"
        )
        .bind(status.as_str())
        .bind(hold_until.map(|t| t.as_millisecond()))
        .bind(now.as_millisecond())
        .bind(id)
        .execute(&mut *c)
        .await?
        .rows_affected());
        Ok(())
    }

    async fn set_time(&mut self, id: &str, t: NewTime, now: Timestamp) -> Result<(), StoreError> {
        on_tx!(self, c => sqlx::query(
            "UPDATE consultations SET start_ms = $1, end_ms = $2, occupied_from_ms = $3,
                occupied_until_ms = $4, updated_ms = $5 WHERE id = $6"
        )
        .bind(t.start.as_millisecond())
        .bind(t.end.as_millisecond())
        .bind(t.occupied_from.as_millisecond())
        .bind(t.occupied_until.as_millisecond())
        .bind(now.as_millisecond())
        .bind(id)
        .execute(&mut *c)
        .await?
        .rows_affected());
        Ok(())
    }

    async fn set_message(&mut self, id: &str, message: &str) -> Result<(), StoreError> {
        let message = message.trim();
        let enc = (!message.is_empty()).then(|| {
            self.crypto
                .encrypt(message.as_bytes(), &format!("consultations.message:{id}"))
        });
        on_tx!(self, c => sqlx::query("UPDATE consultations SET message_enc = $1 WHERE id = $2")
            .bind(enc)
            .bind(id)
            .execute(&mut *c)
            .await?
            .rows_affected());
        Ok(())
    }

    /// One column set (`assignment` uses `$1`), `updated_ms` with it.
    async fn update(
        &mut self,
        id: &str,
        assignment: &str,
        value: String,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let sql = format!("UPDATE consultations SET {assignment}, updated_ms = $2 WHERE id = $3");
        on_tx!(self, c => sqlx::query(&sql)
            .bind(value)
            .bind(now.as_millisecond())
            .bind(id)
            .execute(&mut *c)
            .await?
            .rows_affected());
        Ok(())
    }
}

impl Store {
    pub async fn expire_consultations(&self, now: Timestamp) -> Result<usize, StoreError> {
        in_tx!(self, TxMode::Write, |tx| tx.expire_consultations(now).await)
    }

    /// See [`Tx::cancel_consultation`].
    pub async fn cancel_consultation(
        &self,
        actor: &Actor,
        side: Side,
        id: &str,
        message: &str,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        in_tx!(self, TxMode::Write, |tx| tx
            .cancel_consultation(actor, side, id, message, now)
            .await)
    }

    /// See [`Tx::reschedule_consultation`].
    pub async fn reschedule_consultation(
        &self,
        actor: &Actor,
        side: Side,
        id: &str,
        time: NewTime,
        hold_until: Timestamp,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        in_tx!(self, TxMode::Write, |tx| tx
            .reschedule_consultation(actor, side, id, time, hold_until, now)
            .await)
    }

    /// See [`Tx::accept_proposal`].
    pub async fn accept_proposal(
        &self,
        actor: &Actor,
        id: &str,
        time: NewTime,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        in_tx!(self, TxMode::Write, |tx| tx
            .accept_proposal(actor, id, time, now)
            .await)
    }
}
