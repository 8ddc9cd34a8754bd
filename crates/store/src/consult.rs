//! Consultations with an attorney: what each attorney offers (availability, consultation
//! types), the requests applicants make, the attorney's review and decision, and the time
//! requests hold.
//!
//! The rules that keep people safe are in the database or in the SQL of every access:
//! - No double booking: a consultation holding time claims its 15-minute blocks (buffers
//!   included) under the primary key of `consult_claims`; a second claim on any block fails,
//!   whichever process makes it. [`StoreError::SlotTaken`] is that failure.
//! - A request holds its time only while it stands: an unverified public request for minutes,
//!   a pending one until the attorney's answer or its hold lapses (default 48 hours). Lapsed
//!   holds are released before every new claim on the attorney's time and by the sweep
//!   ([`Tx::expire_consultations`]), in the transaction that marks them expired.
//! - Attorneys act only on their firm's requests, and only with a second factor (as for firm
//!   cases); applicants only on their own. Both are conditions of the queries.
//! - The intake (case facts, names, the question) is personal data: encrypted, never logged.
//!
//! Times are Unix milliseconds here; the zones and slots are `visanav_core::consult`'s
//! business (the server computes them and passes the claimed range in).

mod decisions;
mod events;
mod requests;
mod settings;
mod views;

use serde::{Deserialize, Serialize};

pub use decisions::NewTime;
pub use requests::{Applicant, NewRequest, VerifiedRequest};
pub use settings::{AttorneyOffer, ConsultType, NewConsultType};
pub use views::{ConflictHit, Consultation, ConsultationRow, HeldTime};

/// How long an unverified public request holds its time: long enough to open the email.
pub const UNVERIFIED_HOLD_MINUTES: i64 = 15;

/// Where a consultation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsultStatus {
    /// A public request waiting for its email address to be verified.
    Unverified,
    /// Waiting for the attorney; holds its time.
    Pending,
    /// The attorney offered other times; the applicant picks one.
    Proposed,
    Confirmed,
    Declined,
    Cancelled,
    /// Nobody acted in time; its time is free again.
    Expired,
}

impl ConsultStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ConsultStatus::Unverified => "unverified",
            ConsultStatus::Pending => "pending",
            ConsultStatus::Proposed => "proposed",
            ConsultStatus::Confirmed => "confirmed",
            ConsultStatus::Declined => "declined",
            ConsultStatus::Cancelled => "cancelled",
            ConsultStatus::Expired => "expired",
        }
    }

    pub fn parse(s: &str) -> Option<ConsultStatus> {
        Some(match s {
            "unverified" => ConsultStatus::Unverified,
            "pending" => ConsultStatus::Pending,
            "proposed" => ConsultStatus::Proposed,
            "confirmed" => ConsultStatus::Confirmed,
            "declined" => ConsultStatus::Declined,
            "cancelled" => ConsultStatus::Cancelled,
            "expired" => ConsultStatus::Expired,
            _ => return None,
        })
    }

    /// In plain words, for both sides.
    pub fn label(self) -> &'static str {
        match self {
            ConsultStatus::Unverified => "Waiting for the email address to be confirmed",
            ConsultStatus::Pending => "Requested: waiting for the attorney",
            ConsultStatus::Proposed => "The attorney proposed other times",
            ConsultStatus::Confirmed => "Confirmed",
            ConsultStatus::Declined => "Declined by the attorney",
            ConsultStatus::Cancelled => "Cancelled",
            ConsultStatus::Expired => "Expired: nobody answered in time",
        }
    }

    /// Still going: something can happen to it.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            ConsultStatus::Unverified
                | ConsultStatus::Pending
                | ConsultStatus::Proposed
                | ConsultStatus::Confirmed
        )
    }
}

/// What the attorney sees about the applicant's situation: filled from the case (or from the
/// public booking form) when the request is made, and kept as sent.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Intake {
    pub visa: String,
    /// The post's code ("MNL") and name.
    pub post: String,
    pub post_name: String,
    /// What CEAC shows ("Refused"), if known.
    pub ceac_status: Option<String>,
    /// The refusal's kind and the documents asked for, in words, if a notice was read.
    pub refusal: Option<String>,
    pub requested_documents: Vec<String>,
    /// Deadlines as (title, date) in the case's post's calendar.
    pub deadlines: Vec<(String, String)>,
    /// Why the plan recommends legal help, most urgent first.
    pub help_reasons: Vec<String>,
    /// "now", "soon", "consider" or "none".
    pub help_urgency: String,
    pub applicant_name: String,
    pub petitioner_name: Option<String>,
    pub question: String,
}

impl std::fmt::Debug for Intake {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Intake")
            .field("visa", &self.visa)
            .field("post", &self.post)
            .finish_non_exhaustive()
    }
}

/// The attorney's review, recorded before confirming.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Review {
    pub conflicts_cleared: bool,
    pub matter_accepted: bool,
    /// How many possible conflicts the check showed when the review was recorded.
    pub conflicts_shown: usize,
    pub by: String,
    pub at_ms: i64,
}

impl Review {
    /// Both questions answered yes: the attorney may confirm.
    pub fn clears(&self) -> bool {
        self.conflicts_cleared && self.matter_accepted
    }
}

/// Who acts on a consultation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    Applicant,
    Attorney,
}

impl Side {
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Applicant => "applicant",
            Side::Attorney => "attorney",
        }
    }
}

/// Block numbers (Unix seconds / 900) covering `[from_ms, until_ms)`: what a consultation
/// claims. Both ends are on the 15-minute grid (the core's slots are).
pub(crate) fn blocks(from_ms: i64, until_ms: i64) -> std::ops::Range<i64> {
    const BLOCK_MS: i64 = 15 * 60 * 1000;
    from_ms.div_euclid(BLOCK_MS)..(until_ms + BLOCK_MS - 1).div_euclid(BLOCK_MS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_cover_the_range_and_nothing_more() {
        let m = 60_000;
        assert_eq!(blocks(0, 15 * m), 0..1);
        assert_eq!(blocks(15 * m, 75 * m), 1..5);
        // A range ending off the grid still claims the block it ends in.
        assert_eq!(blocks(0, 16 * m), 0..2);
        assert!(blocks(30 * m, 30 * m).is_empty());
    }

    #[test]
    fn statuses_round_trip() {
        for s in [
            ConsultStatus::Unverified,
            ConsultStatus::Pending,
            ConsultStatus::Proposed,
            ConsultStatus::Confirmed,
            ConsultStatus::Declined,
            ConsultStatus::Cancelled,
            ConsultStatus::Expired,
        ] {
            assert_eq!(ConsultStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(ConsultStatus::parse("held"), None);
    }
}
