//! A day's hours as people type and read them: "09:00-12:00, 13:00-17:00".

use super::BLOCK_MINUTES;
use super::availability::{AvailabilityError, DAY_MINUTES, Interval};

const FIELD: &str = "hours";

/// Parses a day's hours as people type them: ranges separated by commas (or semicolons), each
/// two times joined by a hyphen or a dash: "09:00-12:00, 13:00-17:00", "9-12, 13:30-17",
/// "9am–5pm". An end of "24:00" (or "00:00", "12am") is midnight at the end of the day. Empty,
/// "off" or "closed" mean no hours. Ranges may come in any order; they are returned sorted and
/// must not overlap.
pub fn parse_hours(text: &str) -> Result<Vec<Interval>, AvailabilityError> {
    let text = text.trim();
    if text.is_empty() || text.eq_ignore_ascii_case("off") || text.eq_ignore_ascii_case("closed") {
        return Ok(Vec::new());
    }
    let mut hours = text
        .split([',', ';'])
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(parse_range)
        .collect::<Result<Vec<_>, _>>()?;
    hours.sort_by_key(|i| (i.start_min, i.end_min));
    check_intervals(&hours)?;
    Ok(hours)
}

/// Shows hours the way `parse_hours` reads them back: "09:00-12:00, 13:00-17:00", or "off".
pub fn format_hours(hours: &[Interval]) -> String {
    if hours.is_empty() {
        return "off".to_string();
    }
    hours
        .iter()
        .map(Interval::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// "HH:MM" for minutes since midnight (1440 is "24:00").
pub(crate) fn format_minutes(minutes: u16) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// Checks a day's intervals: each starts before it ends, ends by 24:00, lies on the block
/// grid; together in time order without overlapping (touching is fine).
pub(crate) fn check_intervals(hours: &[Interval]) -> Result<(), AvailabilityError> {
    for i in hours {
        check_interval(i)?;
    }
    for pair in hours.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        if b.start_min < a.start_min {
            return Err(AvailabilityError::new(
                FIELD,
                format!("{b} comes after {a}. List the hours in time order."),
            ));
        }
        if b.start_min < a.end_min {
            let merged = Interval {
                start_min: a.start_min,
                end_min: a.end_min.max(b.end_min),
            };
            return Err(AvailabilityError::new(
                FIELD,
                format!("{a} and {b} overlap. Merge them into {merged}, or shorten one."),
            ));
        }
    }
    Ok(())
}

fn check_interval(i: &Interval) -> Result<(), AvailabilityError> {
    if i.end_min > DAY_MINUTES {
        return Err(AvailabilityError::new(
            FIELD,
            format!(
                "{i} ends after midnight. End it at 24:00 at the latest and put the rest on the next day."
            ),
        ));
    }
    for t in [i.start_min, i.end_min] {
        if !u32::from(t).is_multiple_of(BLOCK_MINUTES) {
            let block = BLOCK_MINUTES as u16;
            return Err(AvailabilityError::new(
                FIELD,
                format!(
                    "{} is not on the {BLOCK_MINUTES}-minute grid. Use {} or {}.",
                    format_minutes(t),
                    format_minutes(t / block * block),
                    format_minutes((t / block + 1) * block),
                ),
            ));
        }
    }
    if i.start_min >= i.end_min {
        return Err(AvailabilityError::new(
            FIELD,
            format!(
                "{i} does not end after it starts. Write the end later than the start, in \
                 24-hour time (17:00 for 5 in the afternoon)."
            ),
        ));
    }
    Ok(())
}

/// One range, "9-12" or "13:30 – 17:00".
fn parse_range(part: &str) -> Result<Interval, AvailabilityError> {
    let Some((start, end)) = part.split_once(['-', '–', '—']) else {
        return Err(AvailabilityError::new(
            FIELD,
            format!("\"{part}\" is not a range of time. Write it like 09:00-12:00."),
        ));
    };
    let start_min = parse_time(start.trim())?;
    let end_min = match parse_time(end.trim())? {
        // Midnight as an end is the end of the day.
        0 => DAY_MINUTES,
        t => t,
    };
    if start_min == DAY_MINUTES {
        return Err(AvailabilityError::new(
            FIELD,
            format!("\"{part}\" starts at 24:00, the end of the day. Start it at 00:00 instead."),
        ));
    }
    Ok(Interval { start_min, end_min })
}

/// One time: "9", "09", "9:30", "24:00", "9am", "5:30 pm".
fn parse_time(token: &str) -> Result<u16, AvailabilityError> {
    let not_a_time = || {
        AvailabilityError::new(
            FIELD,
            format!(
                "\"{token}\" is not a time. Write hours and minutes in 24-hour time, like 09:00 \
                 or 13:30."
            ),
        )
    };
    let lower = token.to_ascii_lowercase();
    let (clock, meridiem) = if let Some(rest) = lower.strip_suffix("am") {
        (rest.trim_end(), Some(false))
    } else if let Some(rest) = lower.strip_suffix("pm") {
        (rest.trim_end(), Some(true))
    } else {
        (lower.as_str(), None)
    };
    let (h, m) = clock.split_once(':').unwrap_or((clock, "00"));
    let digits = |s: &str, max_len: usize| {
        if s.is_empty() || s.len() > max_len || !s.bytes().all(|b| b.is_ascii_digit()) {
            None
        } else {
            s.parse::<u16>().ok()
        }
    };
    let (Some(mut hour), Some(minute)) = (digits(h, 2), digits(m, 2)) else {
        return Err(not_a_time());
    };
    if m.len() != 2 {
        return Err(not_a_time());
    }
    if let Some(pm) = meridiem {
        if !(1..=12).contains(&hour) {
            return Err(AvailabilityError::new(
                FIELD,
                format!("\"{token}\": with am or pm the hour is 1 to 12."),
            ));
        }
        hour = match (hour, pm) {
            (12, false) => 0,
            (12, true) => 12,
            (h, false) => h,
            (h, true) => h + 12,
        };
    }
    let minutes = hour * 60 + minute;
    if minute > 59 || minutes > DAY_MINUTES {
        return Err(AvailabilityError::new(
            FIELD,
            format!("\"{token}\" is not a time of day. Use 00:00 to 24:00."),
        ));
    }
    Ok(minutes)
}
