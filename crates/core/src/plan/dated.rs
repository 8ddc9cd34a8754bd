//! The plan's dated items: which deadlines, expiries and renew-by dates a person is shown
//! (the calendar feed) and which of them are still ahead and asking for attention (the
//! feed's alarms, the reminder sweep's reminders). One function decides, so the feed and the
//! reminders never disagree on what is a live date.
//!
//! Deadlines:
//! - `Met`: left out. It asks nothing more.
//! - `Upcoming`, `DueSoon`, `Running`: shown, live.
//! - `Passed` (an action not done in time): shown, not live. An item that silently vanished
//!   would read as "dealt with"; kept, it says what the date meant (the plan then usually has
//!   a new deadline, such as reinstatement, which is an item of its own).
//! - `Ended` (a fact that ran out, such as how long the visa was valid): left out. It never
//!   asked for an action, and when it matters the plan has an action deadline for it (entry)
//!   that stays as `Passed` if it was missed.
//!
//! Documents: an expiry is live while its date is ahead; an expired document is shown (not
//! live) only while documents still matter to the case (before the visa is issued). When a
//! document must be renewed before it expires (a passport must have months left), the date
//! to have a new one by is an item of its own, live.

use jiff::civil::Date;

use super::{Deadline, DeadlineKind, DeadlineState, Expiry, ExpiryStatus, Plan, Stage};

/// What a dated item is.
#[derive(Debug, Clone, Copy)]
pub enum DatedWhat<'p, 'k> {
    /// The last day of a deadline.
    Deadline(&'p Deadline<'k>),
    /// The day a document expires.
    Expiry(&'p Expiry<'k>),
    /// The day to have a new document by, before the one held expires.
    RenewBy(&'p Expiry<'k>),
}

/// One date of the plan a person is shown.
#[derive(Debug, Clone)]
pub struct DatedItem<'p, 'k> {
    /// Stable within the case and unique in it: the deadline kind (`221g_reconsideration`),
    /// `expiry-passport` or `renew-passport`, with `-2`, `-3`… for a second document of a
    /// kind (an old and a new passport). The calendar feed's UIDs are built from it.
    pub key: String,
    pub on: Date,
    pub what: DatedWhat<'p, 'k>,
    /// Still ahead (or running) and asking for attention: the feed sets alarms on it and
    /// the reminder sweep reminds of it. A passed deadline or an expired document is shown
    /// but not live.
    pub live: bool,
}

/// The plan's dated items, deadlines first (earliest first), then each document's expiry
/// and renew-by date.
pub fn dated_items<'p, 'k>(plan: &'p Plan<'k>) -> Vec<DatedItem<'p, 'k>> {
    let mut items: Vec<DatedItem<'p, 'k>> = plan
        .deadlines
        .iter()
        .filter_map(|d| {
            let live = match d.state {
                DeadlineState::Met | DeadlineState::Ended => return None,
                DeadlineState::Upcoming | DeadlineState::DueSoon | DeadlineState::Running => true,
                DeadlineState::Passed => false,
            };
            Some(DatedItem {
                key: kind_name(d.kind),
                on: d.due,
                what: DatedWhat::Deadline(d),
                live,
            })
        })
        .collect();
    let documents_matter = !matches!(plan.stage, Stage::VisaIssued | Stage::InTheUs);
    for x in &plan.expiries {
        let expired = x.status == ExpiryStatus::Expired;
        if expired && !documents_matter {
            continue;
        }
        push_unique(
            &mut items,
            DatedItem {
                key: format!("expiry-{}", x.document),
                on: x.expires_on,
                what: DatedWhat::Expiry(x),
                live: !expired,
            },
        );
        if let Some(r) = renew_by(x, plan.today) {
            push_unique(
                &mut items,
                DatedItem {
                    key: format!("renew-{}", x.document),
                    on: r,
                    what: DatedWhat::RenewBy(x),
                    live: true,
                },
            );
        }
    }
    items
}

/// The day to have a new document by, when it is an item of its own. A renew-by date of
/// today may be today only because the document's usable window has already ended (the plan
/// then says "today"): such an item would move every day. Only a date still ahead, or one set
/// by a deadline, is an item; the expiry stays either way.
fn renew_by(x: &Expiry<'_>, today: Date) -> Option<Date> {
    x.renew_by.filter(|r| {
        x.status != ExpiryStatus::Expired
            && *r < x.expires_on
            && (*r > today || (x.renew_for.is_some() && *r == today))
    })
}

/// Adds the item, its key made unique with `-2`, `-3`… when another item has it.
fn push_unique<'p, 'k>(items: &mut Vec<DatedItem<'p, 'k>>, mut item: DatedItem<'p, 'k>) {
    let base = item.key.clone();
    let mut n = 2;
    while items.iter().any(|o| o.key == item.key) {
        item.key = format!("{base}-{n}");
        n += 1;
    }
    items.push(item);
}

/// The deadline kind's stable name (its serialised form): `221g_reconsideration`.
pub fn kind_name(kind: DeadlineKind) -> String {
    serde_json::to_value(kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_else(|| format!("{kind:?}"))
}
