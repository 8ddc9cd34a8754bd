//! What a person's own checks ("check now" on the case page) need besides [`Tx::record_check`]:
//! how many checks they asked for lately, for the per-person rate limit, and recording a try
//! that never reached the case (a captcha code mistyped under the manual strategy).
//!
//! Every check a person starts costs the provider requests, whether or not it ends in an
//! attempt: under the manual strategy the form and the captcha are fetched before the person
//! types anything. So the limit counts both the attempts they asked for and the captcha
//! challenges fetched for them that were never answered (an answered one became an attempt,
//! and `take_challenge` removed it): leaving a picture unanswered cannot dodge the limit.

use jiff::{SignedDuration, Timestamp};
use visanav_core::account::{Actor, CaseId};

use super::{CheckBy, CheckRecord};
use crate::db::{TxMode, on_tx};
use crate::{Store, StoreError, Tx, in_tx};

/// How long an expired, unanswered challenge is kept so that it still counts towards its
/// person's limit (longer than any limit's window).
pub(super) const CHALLENGES_COUNTED_FOR: SignedDuration = SignedDuration::from_hours(24);

impl Tx<'_> {
    /// The checks this account asked for since `since`, as the instants they count from,
    /// oldest first: the start of each attempt it requested, and the expiry of each captcha
    /// challenge fetched for it and not answered (a few minutes later than its fetch: on the
    /// side of caution). A limit of N per hour is reached when N instants are within the hour;
    /// the oldest of those N plus the hour is when the person may ask again.
    pub async fn check_requests_since(
        &mut self,
        actor: &Actor,
        since: Timestamp,
    ) -> Result<Vec<i64>, StoreError> {
        let rows: Vec<i64> = on_tx!(self, c => sqlx::query_scalar(
            "SELECT started_ms FROM check_attempts WHERE requested_by = $1 AND started_ms >= $2
             UNION ALL
             SELECT expires_ms FROM captcha_challenges WHERE account_id = $1 AND expires_ms >= $2
             ORDER BY 1",
        )
        .bind(actor.account_id().as_str())
        .bind(since.as_millisecond())
        .fetch_all(&mut *c)
        .await?);
        Ok(rows)
    }

    /// Records a person's try that did not reach the case: the source refused the captcha
    /// code they typed. It is listed with the case's checks and counts towards the person's
    /// limit, but it is neither a reading nor a failure of the case's monitoring (a typo is
    /// not "checks keep failing"), so the monitor is left as it was. `record` must be a
    /// failure. Returns the attempt's id.
    pub async fn record_unanswered(
        &mut self,
        actor: &Actor,
        id: &CaseId,
        record: &CheckRecord,
    ) -> Result<String, StoreError> {
        debug_assert!(
            record.outcome.is_err(),
            "a reading goes through record_check"
        );
        self.ensure_case(actor, id).await?;
        let attempt_id = uuid::Uuid::now_v7().to_string();
        // A failure: its answer (CEAC's mismatch page) is kept, as for any failure; the
        // attempt's time is the record's own.
        self.insert_attempt(
            id,
            record,
            &attempt_id,
            &CheckBy::Person(actor),
            false,
            true,
        )
        .await?;
        Ok(attempt_id)
    }
}

impl Store {
    pub async fn check_requests_since(
        &self,
        actor: &Actor,
        since: Timestamp,
    ) -> Result<Vec<i64>, StoreError> {
        in_tx!(self, TxMode::Read, |tx| tx
            .check_requests_since(actor, since)
            .await)
    }

    pub async fn record_unanswered(
        &self,
        actor: &Actor,
        id: &CaseId,
        record: &CheckRecord,
    ) -> Result<String, StoreError> {
        in_tx!(self, TxMode::Write, |tx| tx
            .record_unanswered(actor, id, record)
            .await)
    }
}
