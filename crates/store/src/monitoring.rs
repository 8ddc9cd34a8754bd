//! Status monitoring in the database: which cases are watched and when they are due, leases
//! that let any number of workers share the checks, every attempt with its (encrypted)
//! answer, readings added to the status history, change events in the same transaction, and
//! per-provider state (a Cloudflare block, the global rate limit).
//!
//! Access: a worker writes only for a case whose lease it holds ([`CheckBy::Worker`]); a
//! person only for a case they can see ([`CheckBy::Person`]). Reads for pages take the actor.

mod assisted;
mod group;
mod lease;
mod person;
mod read;
mod record;

use jiff::Timestamp;
use jiff::civil::Date;
use serde::Serialize;
use visanav_core::account::{Actor, CaseId};
use visanav_core::ids::{CeacCaseNumber, Ds160Id, PassportNumber, ReceiptNumber};
use visanav_core::monitor::{Change, CheckError, CheckSource, ObservationVia};

pub use group::WorkerCheck;
pub use read::{AttemptView, EventRow, MonitorView, TimelineEntry};

/// How long the answer of a check is kept (encrypted) by default: long enough for a person
/// or their attorney to look back at what the source said around a change.
pub const KEEP_ANSWERS: jiff::SignedDuration = jiff::SignedDuration::from_hours(90 * 24);

/// Who records a check, which decides the access rule.
#[derive(Debug, Clone, Copy)]
pub enum CheckBy<'a> {
    /// A background worker, by its lease owner name: only for cases it has leased.
    Worker(&'a str),
    /// A person ("check now", a saved CEAC page): only for cases they can see.
    Person(&'a Actor),
}

/// What a worker needs to check one leased case. `Debug` shows no personal value.
#[derive(Clone)]
pub struct CheckTarget {
    pub case_id: CaseId,
    pub source: CheckSource,
    pub visa: String,
    pub post: String,
    pub ceac_case_number: Option<CeacCaseNumber>,
    pub ds160_id: Option<Ds160Id>,
    pub uscis_receipt: Option<ReceiptNumber>,
    pub passport: Option<PassportNumber>,
    pub surname: Option<String>,
}

impl std::fmt::Debug for CheckTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CheckTarget")
            .field("case_id", &self.case_id)
            .field("source", &self.source)
            .finish_non_exhaustive()
    }
}

/// A successful, validated reading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewReading {
    /// The status in the knowledge base's spelling.
    pub status: String,
    pub last_updated: Option<Date>,
    /// The day it was read (at the case's post).
    pub observed_on: Date,
    /// Whether the status means the visa was issued (monitoring slows, then stops).
    pub issued: bool,
    /// The steps the source lists as done (USCIS's history), imported with the reading.
    pub history: Vec<HistoryStep>,
}

/// A step a source lists as done, with its day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HistoryStep {
    pub on: Date,
    pub text: String,
}

/// One check, as the caller ran it.
#[derive(Clone)]
pub struct CheckRecord {
    pub source: CheckSource,
    pub via: ObservationVia,
    pub started: Timestamp,
    pub duration_ms: i64,
    pub outcome: Result<NewReading, CheckError>,
    /// For the operator: what went wrong, without personal data.
    pub detail: Option<String>,
    /// The source's answer, stored encrypted until `keep_raw_until`.
    pub raw: Option<String>,
    pub keep_raw_until: Timestamp,
}

impl std::fmt::Debug for CheckRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CheckRecord")
            .field("source", &self.source)
            .field("via", &self.via)
            .field("outcome", &self.outcome.as_ref().map(|r| &r.status))
            .finish_non_exhaustive()
    }
}

/// What recording a check did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Recorded {
    pub attempt_id: String,
    /// The change the reading made, if any: exactly when an event was written.
    pub change: Option<Change>,
    /// Whether the reading was added to the status history.
    pub stored_reading: bool,
    /// When the case is due next (`None`: monitoring has run its course or is off).
    pub next_check_ms: Option<i64>,
    /// Whether this failure was the one that tells the person checks keep failing.
    pub told_failing: bool,
    /// Whether this check started a provider incident (a block).
    pub provider_blocked: bool,
}

impl CheckRecord {
    /// The error code of a failed check, for the attempt row.
    pub(crate) fn error_code(&self) -> Option<&'static str> {
        self.outcome.as_ref().err().map(|e| e.code())
    }
}
