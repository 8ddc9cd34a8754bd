//! Consultation slots: an attorney's availability and the free times it leaves, pure (the
//! caller passes `now` and the consultations already held; the database enforces the rest).
//!
//! # How free slots are computed
//!
//! - **Dates.** Every local date in the attorney's zone from today (in that zone) to
//!   today + `horizon_days`, both included. A date's hours are its override if it has one
//!   (`Off`: none), else its weekday's.
//! - **Instants.** Each interval's start and end are civil times in the attorney's zone,
//!   turned into instants with jiff's time zone database: a time the clocks skip (a
//!   spring-forward gap) becomes the first instant after the gap, a time they repeat (a
//!   fall-back fold) the earlier of its two instants. So an interval 01:00–04:00 in
//!   America/New_York holds 2 hours of work on the spring-forward day and 4 (3 + the
//!   repeated hour) on the fall-back day.
//! - **Candidates.** A consultation of `minutes` may start at the interval's start instant
//!   and every `minutes` after it, as long as it ends at or before the interval's end instant.
//! - **Free.** A candidate is free when it starts at or after now + `min_notice_min`; the time
//!   it would keep, [start − `buffer_before_min`, end + `buffer_after_min`), overlaps no held
//!   consultation's [occupied_from, occupied_until); and fewer than `max_per_day` held
//!   consultations start on that attorney-local date.
//! - **The applicant's view.** Slots are instants; `by_day` groups them by the applicant's
//!   local date, so each side sees its own clock whatever either zone's DST does.
//!
//! # Blocks
//!
//! The database keeps double bookings out by claiming the occupied range in blocks of
//! [`BLOCK_MINUTES`] counted from the Unix epoch (see [`blocks`]), one unique row per
//! attorney and block. Working hours, buffers, notice and lengths are whole blocks, and every
//! zone's offset in use today is a multiple of 15 minutes (Asia/Kathmandu's +05:45 and
//! Australia/Eucla's +08:45 included; only historical local mean times are not), so a slot
//! starting on the local grid starts on a UTC block boundary and claims exactly its blocks.
//!
//! # Time zone data
//!
//! Zones come from jiff's default database source: the system's `/usr/share/zoneinfo` on
//! Unix (Debian package `tzdata`), a bundled copy on Windows.

mod availability;
mod hours;
mod slots;

#[cfg(test)]
mod availability_tests;
#[cfg(test)]
mod slots_tests;

pub use availability::{
    Availability, AvailabilityError, DAY_MINUTES, DayOverride, Interval, MAX_BUFFER_MIN,
    MAX_HORIZON_DAYS, WeeklyHours, check_length,
};
pub use hours::{format_hours, parse_hours};
pub use slots::{Booked, Slot, Unbookable, blocks, by_day, check_start, free_slots, occupied};

/// Bookings claim time in blocks of this many minutes (the database's unique claims use them):
/// working hours, lengths and buffers are all multiples of it.
pub const BLOCK_MINUTES: u32 = 15;
