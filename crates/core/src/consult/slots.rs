//! Free slots from an availability and the consultations already held (rules in the module
//! doc of `consult`).

use std::collections::BTreeMap;
use std::ops::Range;

use jiff::civil::{Date, Time};
use jiff::tz::{AmbiguousOffset, TimeZone};
use jiff::{SignedDuration, Span, Timestamp};

use super::BLOCK_MINUTES;
use super::availability::{Availability, DAY_MINUTES};

const BLOCK_SECONDS: i64 = BLOCK_MINUTES as i64 * 60;

/// A consultation already held (pending or confirmed): when it runs, and the time it keeps
/// from others (its own buffers included, as claimed when it was booked).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Booked {
    pub start: Timestamp,
    pub end: Timestamp,
    pub occupied_from: Timestamp,
    pub occupied_until: Timestamp,
}

impl Booked {
    /// A consultation of `minutes` from `start`, keeping the buffers `av` asks for now.
    pub fn at(av: &Availability, start: Timestamp, minutes: u32) -> Booked {
        let (occupied_from, occupied_until) = occupied(av, start, minutes);
        Booked {
            start,
            end: plus_minutes(start, i64::from(minutes)),
            occupied_from,
            occupied_until,
        }
    }
}

/// A bookable time: [start, end).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Slot {
    pub start: Timestamp,
    pub end: Timestamp,
}

/// Why a start the applicant picked cannot be booked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Unbookable {
    #[error(
        "This time is too soon: the attorney needs more notice before a consultation. \
         Please pick a later time."
    )]
    TooSoon,
    #[error(
        "This time is too far ahead: the attorney's calendar is not open that far yet. \
         Please pick an earlier time."
    )]
    BeyondHorizon,
    #[error(
        "The attorney does not hold consultations of this length at this time. \
         Please pick one of the times shown."
    )]
    OutsideHours,
    #[error("Someone else has just booked this time. Please pick another.")]
    Taken,
    #[error("The attorney's consultations on that day are all booked. Please pick another day.")]
    DayFull,
}

/// The time a consultation of `minutes` starting at `start` keeps: [start - before, end + after).
pub fn occupied(av: &Availability, start: Timestamp, minutes: u32) -> (Timestamp, Timestamp) {
    let end = plus_minutes(start, i64::from(minutes));
    (
        plus_minutes(start, -i64::from(av.buffer_before_min)),
        plus_minutes(end, i64::from(av.buffer_after_min)),
    )
}

/// The block numbers (Unix seconds / (BLOCK_MINUTES*60)) covering [from, until): what the
/// database claims, one unique row per (attorney, block). A partly covered block counts
/// whole; an empty or reversed range covers nothing.
pub fn blocks(from: Timestamp, until: Timestamp) -> Range<i64> {
    let first = floor_second(from).div_euclid(BLOCK_SECONDS);
    if until <= from {
        return first..first;
    }
    let end_second = floor_second(until);
    let partial = end_second.rem_euclid(BLOCK_SECONDS) != 0 || until.subsec_nanosecond() != 0;
    first..end_second.div_euclid(BLOCK_SECONDS) + i64::from(partial)
}

/// Free slots of a consultation `minutes` long, in time order, from `now` on.
pub fn free_slots(
    av: &Availability,
    tz: &TimeZone,
    minutes: u32,
    booked: &[Booked],
    now: Timestamp,
) -> Vec<Slot> {
    let window = Window::new(av, tz, now);
    let taken = Occupancy::new(av, tz, booked);
    let mut free = Vec::new();
    for date in window.dates() {
        if taken.day_full(av, date) {
            continue;
        }
        free.extend(day_candidates(av, tz, date, minutes).filter(|slot| {
            slot.start >= window.earliest && !taken.overlaps(occupied(av, slot.start, minutes))
        }));
    }
    free
}

/// Whether a start the applicant picked is still a free slot; the reason when not.
pub fn check_start(
    av: &Availability,
    tz: &TimeZone,
    minutes: u32,
    booked: &[Booked],
    now: Timestamp,
    start: Timestamp,
) -> Result<Slot, Unbookable> {
    let window = Window::new(av, tz, now);
    if start < window.earliest {
        return Err(Unbookable::TooSoon);
    }
    let date = tz.to_datetime(start).date();
    if date > window.last {
        return Err(Unbookable::BeyondHorizon);
    }
    let slot = day_candidates(av, tz, date, minutes)
        .find(|slot| slot.start == start)
        .ok_or(Unbookable::OutsideHours)?;
    let taken = Occupancy::new(av, tz, booked);
    if taken.day_full(av, date) {
        return Err(Unbookable::DayFull);
    }
    if taken.overlaps(occupied(av, start, minutes)) {
        return Err(Unbookable::Taken);
    }
    Ok(slot)
}

/// Slots grouped by the local date in `zone` (the applicant's), dates in order and each
/// date's slots in time order.
pub fn by_day(slots: &[Slot], zone: &TimeZone) -> Vec<(Date, Vec<Slot>)> {
    // A map, not runs of equal dates: where clocks fall back across midnight, local dates are
    // not monotone in time.
    let mut days: BTreeMap<Date, Vec<Slot>> = BTreeMap::new();
    for slot in slots {
        days.entry(zone.to_datetime(slot.start).date())
            .or_default()
            .push(*slot);
    }
    days.into_iter()
        .map(|(date, mut slots)| {
            slots.sort();
            (date, slots)
        })
        .collect()
}

/// The dates and instants a booking may fall in, seen from `now`.
struct Window {
    /// Today in the attorney's zone.
    today: Date,
    /// The last bookable date: today + horizon_days.
    last: Date,
    /// now + minimum notice.
    earliest: Timestamp,
}

impl Window {
    fn new(av: &Availability, tz: &TimeZone, now: Timestamp) -> Window {
        let today = tz.to_datetime(now).date();
        Window {
            today,
            last: today
                .checked_add(Span::new().days(i64::from(av.horizon_days)))
                .unwrap_or(Date::MAX),
            earliest: plus_minutes(now, i64::from(av.min_notice_min)),
        }
    }

    fn dates(&self) -> impl Iterator<Item = Date> + '_ {
        std::iter::successors(Some(self.today), |d| d.tomorrow().ok())
            .take_while(|d| *d <= self.last)
    }
}

/// The consultations already held, ready for questions: their occupied ranges merged into
/// disjoint sorted ranges (binary-searched), and how many start on each attorney-local date.
struct Occupancy {
    busy: Vec<(Timestamp, Timestamp)>,
    per_day: Vec<(Date, u32)>,
}

impl Occupancy {
    fn new(av: &Availability, tz: &TimeZone, booked: &[Booked]) -> Occupancy {
        let mut ranges: Vec<_> = booked
            .iter()
            .filter(|b| b.occupied_from < b.occupied_until)
            .map(|b| (b.occupied_from, b.occupied_until))
            .collect();
        ranges.sort_unstable();
        let mut busy: Vec<(Timestamp, Timestamp)> = Vec::with_capacity(ranges.len());
        for (from, until) in ranges {
            match busy.last_mut() {
                Some(last) if from <= last.1 => last.1 = last.1.max(until),
                _ => busy.push((from, until)),
            }
        }
        // Only counted when there is a limit: it costs a zone conversion per booking.
        let mut per_day: Vec<(Date, u32)> = Vec::new();
        if av.max_per_day.is_some() {
            let mut dates: Vec<Date> = booked
                .iter()
                .map(|b| tz.to_datetime(b.start).date())
                .collect();
            dates.sort_unstable();
            for date in dates {
                match per_day.last_mut() {
                    Some((d, n)) if *d == date => *n += 1,
                    _ => per_day.push((date, 1)),
                }
            }
        }
        Occupancy { busy, per_day }
    }

    /// Whether [from, until) overlaps any held consultation's occupied range.
    fn overlaps(&self, (from, until): (Timestamp, Timestamp)) -> bool {
        let i = self
            .busy
            .partition_point(|(_, busy_until)| *busy_until <= from);
        self.busy
            .get(i)
            .is_some_and(|(busy_from, _)| *busy_from < until)
    }

    fn day_full(&self, av: &Availability, date: Date) -> bool {
        let Some(max) = av.max_per_day else {
            return false;
        };
        let held = self
            .per_day
            .binary_search_by_key(&date, |(d, _)| *d)
            .map_or(0, |i| self.per_day[i].1);
        held >= max
    }
}

/// The candidate slots of one attorney-local date, in time order: every `minutes` from each
/// interval's start, ending by the interval's end, both as instants.
fn day_candidates<'a>(
    av: &'a Availability,
    tz: &'a TimeZone,
    date: Date,
    minutes: u32,
) -> impl Iterator<Item = Slot> + 'a {
    let step = SignedDuration::from_mins(i64::from(minutes));
    // A zero length would never advance.
    let hours = if minutes == 0 {
        &[][..]
    } else {
        av.hours_on(date)
    };
    hours
        .iter()
        .filter_map(move |interval| {
            Some((
                local_instant(tz, date, interval.start_min)?,
                local_instant(tz, date, interval.end_min)?,
            ))
        })
        .flat_map(move |(open, close)| {
            std::iter::successors(Some(open), move |t| t.checked_add(step).ok()).map_while(
                move |start| {
                    let end = start.checked_add(step).ok()?;
                    (end <= close).then_some(Slot { start, end })
                },
            )
        })
}

/// The instant of `minute_of_day` on `date` in `tz` (1440: the next midnight). Where clocks
/// skip that time (a gap), the first instant after the gap; where they repeat it (a fold),
/// the earlier of the two.
/// None past midnight: `validate` refuses such hours, and unvalidated ones must not panic.
fn local_instant(tz: &TimeZone, date: Date, minute_of_day: u16) -> Option<Timestamp> {
    let dt = match minute_of_day {
        DAY_MINUTES => date.tomorrow().ok()?.at(0, 0, 0, 0),
        m if m < DAY_MINUTES => {
            let hour = i8::try_from(m / 60).ok()?;
            let minute = i8::try_from(m % 60).ok()?;
            date.to_datetime(Time::new(hour, minute, 0, 0).ok()?)
        }
        _ => return None,
    };
    match tz.to_ambiguous_timestamp(dt).offset() {
        AmbiguousOffset::Unambiguous { offset } => offset.to_timestamp(dt).ok(),
        AmbiguousOffset::Fold { before, .. } => before.to_timestamp(dt).ok(),
        AmbiguousOffset::Gap { after, .. } => {
            // Read with the offset after the gap, dt falls before the transition; the
            // transition itself is the first instant after the gap.
            let before_gap = after.to_timestamp(dt).ok()?;
            tz.following(before_gap).next().map(|t| t.timestamp())
        }
    }
}

/// `ts` moved by `minutes`, held at the ends of time instead of overflowing.
fn plus_minutes(ts: Timestamp, minutes: i64) -> Timestamp {
    ts.saturating_add(SignedDuration::from_mins(minutes))
        .unwrap_or(ts)
}

/// Whole seconds since the epoch, rounded down (also before 1970).
fn floor_second(ts: Timestamp) -> i64 {
    ts.as_second() - i64::from(ts.subsec_nanosecond() < 0)
}
