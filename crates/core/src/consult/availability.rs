//! An attorney's availability: weekly hours, date overrides and the booking policy, with the
//! checks that keep it computable (zone known, hours on the block grid, no overlaps).

use std::collections::BTreeMap;
use std::fmt;

use jiff::civil::{Date, Weekday};
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};

use super::BLOCK_MINUTES;
use super::hours::{check_intervals, format_minutes};

/// Minutes in a civil day: the latest an interval may end ("24:00").
pub const DAY_MINUTES: u16 = 1440;

/// The longest a buffer may be (one day): a longer one would block whole other days.
pub const MAX_BUFFER_MIN: u32 = 1440;

/// The longest horizon: a year ahead.
pub const MAX_HORIZON_DAYS: u32 = 365;

/// A stretch of working time within one day, in minutes from local midnight: start < end,
/// end <= 1440, both multiples of BLOCK_MINUTES.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Interval {
    pub start_min: u16,
    pub end_min: u16,
}

impl Interval {
    /// An interval from hours and minutes, e.g. `Interval::hm(9, 0, 12, 30)`.
    pub const fn hm(start_h: u16, start_m: u16, end_h: u16, end_m: u16) -> Interval {
        Interval {
            start_min: start_h * 60 + start_m,
            end_min: end_h * 60 + end_m,
        }
    }
}

impl fmt::Display for Interval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}-{}",
            format_minutes(self.start_min),
            format_minutes(self.end_min)
        )
    }
}

/// Working hours per weekday, Monday first (index 0 = Monday).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeeklyHours {
    pub days: [Vec<Interval>; 7],
}

impl WeeklyHours {
    /// The hours of one weekday.
    pub fn on(&self, day: Weekday) -> &[Interval] {
        // to_monday_zero_offset is 0..=6, always a valid index.
        &self.days[usize::from(day.to_monday_zero_offset().unsigned_abs())]
    }
}

/// What a single date has instead of its weekday's hours.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum DayOverride {
    /// No consultations that day (holiday, court, leave).
    Off,
    /// These hours instead of the weekday's (extra hours on a weekend, a shorter day).
    Hours(Vec<Interval>),
}

/// An attorney's availability, stored as JSON.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Availability {
    /// IANA name of the attorney's zone, in which the hours and overrides are meant.
    pub zone: String,
    pub weekly: WeeklyHours,
    pub overrides: BTreeMap<Date, DayOverride>,
    pub buffer_before_min: u32,
    pub buffer_after_min: u32,
    pub min_notice_min: u32,
    /// How many days ahead (after today in the attorney's zone) can be booked; the last
    /// bookable date is today + horizon_days.
    pub horizon_days: u32,
    /// At most this many consultations starting on one date (attorney's zone); None: no limit.
    pub max_per_day: Option<u32>,
}

impl Availability {
    /// A sensible default for a new attorney: Mon–Fri 09:00–12:00 and 13:00–17:00 in `zone`,
    /// no buffer before and 15 minutes after (for notes), 24 hours' notice, 60 days ahead, at
    /// most 6 consultations a day. The zone is not checked here: `validate` does.
    pub fn default_in(zone: &str) -> Availability {
        let workday = vec![Interval::hm(9, 0, 12, 0), Interval::hm(13, 0, 17, 0)];
        let mut weekly = WeeklyHours::default();
        for day in weekly.days.iter_mut().take(5) {
            *day = workday.clone();
        }
        Availability {
            zone: zone.to_string(),
            weekly,
            overrides: BTreeMap::new(),
            buffer_before_min: 0,
            buffer_after_min: 15,
            min_notice_min: 24 * 60,
            horizon_days: 60,
            max_per_day: Some(6),
        }
    }

    /// The hours worked on `date`: its override if it has one (Off: none), else its weekday's.
    pub fn hours_on(&self, date: Date) -> &[Interval] {
        match self.overrides.get(&date) {
            Some(DayOverride::Off) => &[],
            Some(DayOverride::Hours(hours)) => hours,
            None => self.weekly.on(date.weekday()),
        }
    }

    /// Checks everything the slot computation relies on and returns the attorney's zone.
    /// Each error names the field and says how to fix it.
    pub fn validate(&self) -> Result<TimeZone, AvailabilityError> {
        let tz = TimeZone::get(&self.zone).map_err(|_| {
            AvailabilityError::new(
                "time zone",
                format!(
                    "\"{}\" is not a time zone name visanav knows. Use an IANA name such as \
                     America/New_York or Asia/Manila.",
                    self.zone
                ),
            )
        })?;
        for (i, hours) in self.weekly.days.iter().enumerate() {
            let name = weekday_name(i);
            check_intervals(hours).map_err(|e| e.in_field(format!("{name} hours")))?;
        }
        for (date, day) in &self.overrides {
            if let DayOverride::Hours(hours) = day {
                check_intervals(hours).map_err(|e| e.in_field(format!("hours on {date}")))?;
            }
        }
        check_block_minutes("buffer before", self.buffer_before_min, MAX_BUFFER_MIN)?;
        check_block_minutes("buffer after", self.buffer_after_min, MAX_BUFFER_MIN)?;
        check_block_minutes(
            "minimum notice",
            self.min_notice_min,
            MAX_HORIZON_DAYS * DAY_MINUTES as u32,
        )?;
        if !(1..=MAX_HORIZON_DAYS).contains(&self.horizon_days) {
            return Err(AvailabilityError::new(
                "booking horizon",
                format!(
                    "{} days is not allowed. Use between 1 and {MAX_HORIZON_DAYS} days.",
                    self.horizon_days
                ),
            ));
        }
        if self.max_per_day == Some(0) {
            return Err(AvailabilityError::new(
                "maximum per day",
                "0 would allow no consultations at all. Use 1 or more, leave it empty for no \
                 limit, or mark the days off instead.",
            ));
        }
        Ok(tz)
    }
}

/// Checks a length of time in minutes: a whole number of blocks, at most `max`.
fn check_block_minutes(field: &str, minutes: u32, max: u32) -> Result<(), AvailabilityError> {
    if !minutes.is_multiple_of(BLOCK_MINUTES) {
        return Err(AvailabilityError::new(
            field,
            format!(
                "{minutes} minutes is not a multiple of {BLOCK_MINUTES}. Round it to {} or {} \
                 minutes.",
                minutes / BLOCK_MINUTES * BLOCK_MINUTES,
                (minutes / BLOCK_MINUTES + 1) * BLOCK_MINUTES
            ),
        ));
    }
    if minutes > max {
        return Err(AvailabilityError::new(
            field,
            format!("{minutes} minutes is too long. Use at most {max} minutes."),
        ));
    }
    Ok(())
}

/// Checks a consultation length before slots are computed for it: at least one block, a
/// whole number of blocks, at most a day.
pub fn check_length(minutes: u32) -> Result<(), AvailabilityError> {
    if minutes == 0 {
        return Err(AvailabilityError::new(
            "consultation length",
            format!("0 minutes is not a consultation. Use {BLOCK_MINUTES} minutes or more."),
        ));
    }
    check_block_minutes("consultation length", minutes, u32::from(DAY_MINUTES))
}

fn weekday_name(monday_zero: usize) -> &'static str {
    [
        "Monday's",
        "Tuesday's",
        "Wednesday's",
        "Thursday's",
        "Friday's",
        "Saturday's",
        "Sunday's",
    ][monday_zero % 7]
}

/// A problem with availability settings or typed hours: which field, and what to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AvailabilityError {
    /// The setting or input concerned, in words ("Monday's hours", "buffer before").
    pub field: String,
    /// What is wrong and how to fix it, in plain words.
    pub problem: String,
}

impl AvailabilityError {
    pub fn new(field: impl Into<String>, problem: impl Into<String>) -> AvailabilityError {
        AvailabilityError {
            field: field.into(),
            problem: problem.into(),
        }
    }

    /// The same problem, said of another field (a form names the day it parsed).
    pub fn in_field(self, field: impl Into<String>) -> AvailabilityError {
        AvailabilityError {
            field: field.into(),
            ..self
        }
    }
}

impl fmt::Display for AvailabilityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.problem)
    }
}

impl std::error::Error for AvailabilityError {}
