//! Documents that expire: when, on what basis, and by when to have a new one.

use jiff::ToSpan;
use jiff::civil::Date;

use super::{Builder, Expiry, ExpiryStatus, Stage, Target, add_days, sub_months};
use crate::casefile::{CaseDocument, Refusal};
use crate::knowledge::Document;

/// The rule that states a document's validity, for its post-specific remarks.
fn validity_rule(document: &str) -> Option<&'static str> {
    match document {
        "medical_exam" => Some("medical_exam_validity"),
        "police_certificate" => Some("police_certificate_validity"),
        "passport" => Some("passport_validity"),
        _ => None,
    }
}

/// What every document's expiry is judged against.
struct Judge<'a, 'k> {
    today: Date,
    /// The earliest day the case can be resolved: documents usable only until before it
    /// are expiring.
    horizon: Date,
    /// Once the visa is issued, the documents have done their job.
    still_relevant: bool,
    requested: &'a [String],
    send: Target<'a, 'k>,
}

pub(super) fn expiries<'k>(
    b: &mut Builder<'_, 'k>,
    stage: Stage,
    submitted_on: Option<Date>,
    open_refusal: Option<&Refusal>,
    send: Target<'_, 'k>,
) -> Vec<Expiry<'k>> {
    let today = b.today;
    // A case in processing is resolved, at the earliest, the typical AP time after the last
    // submission (or after today, if nothing has been sent yet).
    let typical_ap = b
        .rule("administrative_processing_typical")
        .and_then(|r| r.days);
    let judge = Judge {
        today,
        horizon: typical_ap
            .and_then(|d| add_days(submitted_on.unwrap_or(today).max(today), d))
            .unwrap_or(today),
        still_relevant: !matches!(stage, Stage::InTheUs | Stage::VisaIssued),
        requested: open_refusal.map(|r| r.requested.as_slice()).unwrap_or(&[]),
        send,
    };
    let mut expiries: Vec<Expiry<'k>> = b
        .case
        .documents
        .iter()
        .filter_map(|doc| expiry(b, &judge, doc))
        .collect();
    expiries.sort_by_key(|e| e.expires_on);
    expiries
}

/// When a document expires and on what basis: stated, or its issue date plus the
/// catalogue's validity.
fn expires_on(doc: &CaseDocument, entry: &Document) -> Option<(Date, &'static str)> {
    let months = entry.validity.as_ref().and_then(|v| v.months);
    match (doc.expires_on, doc.issued_on, months) {
        (Some(e), _, _) => Some((e, "stated")),
        (None, Some(issued), Some(months)) => issued
            .checked_add(i64::from(months).months())
            .ok()
            .map(|e| (e, "rule")),
        _ => None,
    }
}

fn expiry<'k>(b: &Builder<'_, 'k>, j: &Judge<'_, 'k>, doc: &CaseDocument) -> Option<Expiry<'k>> {
    let (case, k, today) = (b.case, b.k, j.today);
    let entry = k.document(&doc.kind)?;
    let validity = entry.validity.as_ref();
    let (expires_on, basis) = expires_on(doc, entry)?;
    // A passport must still have months left after travel: the usable end is earlier.
    let usable_until = match validity.and_then(|v| v.min_remaining_months) {
        Some(m) => sub_months(expires_on, m).unwrap_or(expires_on),
        None => expires_on,
    };
    let status = if expires_on < today {
        ExpiryStatus::Expired
    } else if j.still_relevant && usable_until <= j.horizon {
        ExpiryStatus::Expiring
    } else {
        ExpiryStatus::Ok
    };
    let mut renew_by = match status {
        ExpiryStatus::Ok => None,
        ExpiryStatus::Expired => Some(today),
        ExpiryStatus::Expiring => Some(usable_until.max(today)),
    };
    // A requested document must reach the post by the send-by date, not merely be valid.
    let mut renew_for = None;
    if let (Some(r), Some(by)) = (renew_by, j.send.act_by())
        && j.requested.contains(&doc.kind)
        && by.date < r
    {
        renew_by = Some(by.date);
        renew_for = Some(by.deadline);
    }
    let notes = validity_rule(&entry.id)
        .and_then(|id| k.rule(id))
        .map(|r| r.notes_for(&case.post))
        .unwrap_or_default();
    Some(Expiry {
        document: &entry.id,
        name: &entry.name,
        expires_on,
        basis,
        status,
        renew_by,
        renew_for,
        rule: validity.map(|v| v.rule.as_str()).unwrap_or(""),
        uncertain: entry.uncertain.as_deref(),
        notes,
        sources: &entry.sources,
    })
}
