//! Free slots across DST changes in both zones, overrides, buffers, notice, horizon and the
//! daily limit; start checks; blocks.

use jiff::civil::{Date, date};
use jiff::tz::TimeZone;
use jiff::{Timestamp, Zoned};

use super::*;

/// An instant from a zoned datetime, "2027-03-14T01:00[America/New_York]".
fn at(zoned: &str) -> Timestamp {
    zoned
        .parse::<Zoned>()
        .unwrap_or_else(|e| panic!("{zoned}: {e}"))
        .timestamp()
}

fn utc(s: &str) -> Timestamp {
    s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
}

fn tz(name: &str) -> TimeZone {
    TimeZone::get(name).unwrap()
}

/// The same hours every day of the week, no buffers, no notice, no daily limit.
fn every_day(zone: &str, hours: &str) -> Availability {
    let hours = parse_hours(hours).unwrap();
    Availability {
        zone: zone.into(),
        weekly: WeeklyHours {
            days: std::array::from_fn(|_| hours.clone()),
        },
        overrides: Default::default(),
        buffer_before_min: 0,
        buffer_after_min: 0,
        min_notice_min: 0,
        horizon_days: 365,
        max_per_day: None,
    }
}

fn slots(av: &Availability, minutes: u32, booked: &[Booked], now: Timestamp) -> Vec<Slot> {
    let tz = av.validate().unwrap();
    let free = free_slots(av, &tz, minutes, booked, now);
    assert!(free.is_sorted(), "slots come in time order");
    assert!(
        free.windows(2).all(|w| w[0].end <= w[1].start),
        "no overlaps"
    );
    free
}

/// The free starts on one local date of `zone`, as "HH:MM±hh:mm" (local time and offset).
fn starts_on(free: &[Slot], zone: &str, day: Date) -> Vec<String> {
    let zone = tz(zone);
    by_day(free, &zone)
        .into_iter()
        .find(|(d, _)| *d == day)
        .map(|(_, slots)| {
            slots
                .iter()
                .map(|s| {
                    s.start
                        .to_zoned(zone.clone())
                        .strftime("%H:%M%:z")
                        .to_string()
                })
                .collect()
        })
        .unwrap_or_default()
}

const NEW_YORK: &str = "America/New_York";

#[test]
fn spring_forward_in_new_york_shortens_the_night_hours() {
    // 2027-03-14: clocks jump from 02:00 EST to 03:00 EDT.
    let av = every_day(NEW_YORK, "01:00-04:00");
    let free = slots(&av, 60, &[], at("2027-03-13T12:00[America/New_York]"));
    let day = date(2027, 3, 14);
    assert_eq!(
        starts_on(&free, NEW_YORK, day),
        ["01:00-05:00", "03:00-04:00"]
    );
    assert_eq!(starts_on(&free, NEW_YORK, date(2027, 3, 16)).len(), 3);
    assert_eq!(starts_on(&free, NEW_YORK, date(2027, 3, 15)).len(), 3);
    // The two slots are back to back in real time: 06:00Z and 07:00Z, ending 08:00Z.
    let on_day: Vec<_> = free
        .iter()
        .filter(|s| s.start >= utc("2027-03-14T05:00Z") && s.end <= utc("2027-03-14T09:00Z"))
        .collect();
    assert_eq!(on_day[0].start, utc("2027-03-14T06:00Z"));
    assert_eq!(on_day[1].end, utc("2027-03-14T08:00Z"));
}

#[test]
fn hours_that_start_or_end_in_the_gap_begin_or_stop_where_the_clocks_land() {
    let day = date(2027, 3, 14);
    let now = at("2027-03-13T12:00[America/New_York]");
    // 02:30 does not exist that night: work starts at 03:00 EDT, the first instant after.
    let free = slots(&every_day(NEW_YORK, "02:30-04:00"), 30, &[], now);
    assert_eq!(
        starts_on(&free, NEW_YORK, day),
        ["03:00-04:00", "03:30-04:00"]
    );
    // Ending at 02:30 ends at 03:00 EDT too: 00:00 EST to then is two real hours.
    let free = slots(&every_day(NEW_YORK, "00:00-02:30"), 60, &[], now);
    assert_eq!(
        starts_on(&free, NEW_YORK, day),
        ["00:00-05:00", "01:00-05:00"]
    );
    // Hours wholly inside the gap hold nothing.
    let free = slots(&every_day(NEW_YORK, "02:00-02:45"), 15, &[], now);
    assert!(starts_on(&free, NEW_YORK, day).is_empty());
}

#[test]
fn fall_back_in_new_york_lengthens_the_night_hours() {
    // 2027-11-07: clocks go back from 02:00 EDT to 01:00 EST; 01:00-02:00 happens twice.
    let av = every_day(NEW_YORK, "01:00-04:00");
    let free = slots(&av, 60, &[], at("2027-11-06T12:00[America/New_York]"));
    assert_eq!(
        starts_on(&free, NEW_YORK, date(2027, 11, 7)),
        ["01:00-04:00", "01:00-05:00", "02:00-05:00", "03:00-05:00"]
    );
    // An interval ending inside the fold ends at its earlier instant.
    let free = slots(
        &every_day(NEW_YORK, "00:00-01:30"),
        30,
        &[],
        at("2027-11-06T12:00[America/New_York]"),
    );
    assert_eq!(
        starts_on(&free, NEW_YORK, date(2027, 11, 7)),
        ["00:00-04:00", "00:30-04:00", "01:00-04:00"]
    );
}

#[test]
fn an_applicant_in_berlin_sees_berlin_times_through_both_zones_changes() {
    // New York changes on 2027-03-14 and 2027-11-07, Berlin on 2027-03-28 and 2027-10-31:
    // for two weeks each spring and one week each autumn the gap is 5 hours, not 6.
    let berlin = "Europe/Berlin";
    let mut av = every_day(NEW_YORK, "09:00-10:00");
    av.weekly.days[5].clear();
    av.weekly.days[6].clear();
    let spring = slots(&av, 60, &[], at("2027-03-10T00:00[America/New_York]"));
    assert_eq!(
        starts_on(&spring, berlin, date(2027, 3, 12)),
        ["15:00+01:00"]
    );
    assert_eq!(
        starts_on(&spring, berlin, date(2027, 3, 15)),
        ["14:00+01:00"]
    );
    assert_eq!(
        starts_on(&spring, berlin, date(2027, 3, 26)),
        ["14:00+01:00"]
    );
    assert_eq!(
        starts_on(&spring, berlin, date(2027, 3, 29)),
        ["15:00+02:00"]
    );
    // The attorney still sees 09:00 every day.
    for day in [12, 15, 26, 29] {
        let local = starts_on(&spring, NEW_YORK, date(2027, 3, day));
        assert_eq!(local.len(), 1);
        assert!(local[0].starts_with("09:00"), "{day}: {local:?}");
    }
    let autumn = slots(&av, 60, &[], at("2027-10-25T00:00[America/New_York]"));
    assert_eq!(
        starts_on(&autumn, berlin, date(2027, 10, 29)),
        ["15:00+02:00"]
    );
    assert_eq!(
        starts_on(&autumn, berlin, date(2027, 11, 1)),
        ["14:00+01:00"]
    );
    assert_eq!(
        starts_on(&autumn, berlin, date(2027, 11, 8)),
        ["15:00+01:00"]
    );
}

#[test]
fn by_day_groups_by_the_applicants_date_not_the_attorneys() {
    // 18:00 on Friday in New York (EST) is 00:00 on Saturday in Berlin (CET).
    let mut av = every_day(NEW_YORK, "off");
    av.overrides.insert(
        date(2027, 3, 12),
        DayOverride::Hours(parse_hours("17:00-19:00").unwrap()),
    );
    let free = slots(&av, 60, &[], at("2027-03-10T00:00[America/New_York]"));
    let days = by_day(&free, &tz("Europe/Berlin"));
    let dates: Vec<_> = days.iter().map(|(d, s)| (*d, s.len())).collect();
    assert_eq!(dates, [(date(2027, 3, 12), 1), (date(2027, 3, 13), 1)]);
    assert_eq!(
        starts_on(&free, "Europe/Berlin", date(2027, 3, 13)),
        ["00:00+01:00"]
    );
    assert_eq!(by_day(&free, &tz(NEW_YORK)).len(), 1);
}

#[test]
fn manila_has_the_same_utc_hours_all_year() {
    let mut av = Availability::default_in("Asia/Manila");
    av.min_notice_min = 0;
    av.max_per_day = None;
    av.horizon_days = 363; // today and 363 days: 52 weeks
    let now = at("2027-01-04T00:00[Asia/Manila]"); // a Monday
    let free = slots(&av, 60, &[], now);
    // 52 weeks of 5 days, 7 one-hour slots each.
    assert_eq!(free.len(), 52 * 5 * 7);
    for slot in &free {
        let hour = slot.start.to_zoned(TimeZone::UTC).hour();
        assert!([1, 2, 3, 5, 6, 7, 8].contains(&hour), "{slot:?}");
    }
}

#[test]
fn kathmandu_slots_sit_on_utc_blocks() {
    // +05:45: 09:00 local is 03:15 UTC, still on the 15-minute UTC grid.
    let mut av = every_day("Asia/Kathmandu", "09:00-10:00");
    av.buffer_before_min = 15;
    av.buffer_after_min = 30;
    let free = slots(&av, 15, &[], at("2027-05-01T00:00[Asia/Kathmandu]"));
    assert_eq!(free[0].start, utc("2027-05-01T03:15Z"));
    assert_eq!(free.len(), 366 * 4);
    for slot in &free {
        assert_eq!(slot.start.as_second() % 900, 0, "{slot:?}");
        assert_eq!(blocks(slot.start, slot.end).count(), 1);
        let (from, until) = occupied(&av, slot.start, 15);
        assert_eq!(blocks(from, until).count(), 4);
        assert_eq!(blocks(from, until).start, from.as_second() / 900);
    }
}

#[test]
fn overrides_take_days_off_and_add_hours() {
    let mut av = Availability::default_in(NEW_YORK);
    av.min_notice_min = 0;
    av.max_per_day = None;
    av.overrides.insert(date(2027, 6, 2), DayOverride::Off); // a Wednesday
    av.overrides.insert(
        date(2027, 6, 5), // a Saturday
        DayOverride::Hours(parse_hours("10:00-12:00").unwrap()),
    );
    av.overrides.insert(
        date(2027, 6, 3), // a Thursday, shorter
        DayOverride::Hours(parse_hours("14:00-15:00").unwrap()),
    );
    let free = slots(&av, 60, &[], at("2027-05-31T00:00[America/New_York]"));
    assert_eq!(starts_on(&free, NEW_YORK, date(2027, 6, 1)).len(), 7);
    assert!(starts_on(&free, NEW_YORK, date(2027, 6, 2)).is_empty());
    assert_eq!(
        starts_on(&free, NEW_YORK, date(2027, 6, 3)),
        ["14:00-04:00"]
    );
    assert_eq!(
        starts_on(&free, NEW_YORK, date(2027, 6, 5)),
        ["10:00-04:00", "11:00-04:00"]
    );
    assert!(starts_on(&free, NEW_YORK, date(2027, 6, 6)).is_empty());
}

#[test]
fn buffers_keep_time_on_both_sides() {
    let mut av = every_day(NEW_YORK, "08:00-13:00");
    av.buffer_before_min = 15;
    av.buffer_after_min = 30;
    let now = at("2027-06-01T00:00[America/New_York]");
    let held = Booked::at(&av, at("2027-06-01T10:00[America/New_York]"), 60);
    assert_eq!(held.occupied_from, at("2027-06-01T09:45[America/New_York]"));
    assert_eq!(
        held.occupied_until,
        at("2027-06-01T11:30[America/New_York]")
    );
    let free = slots(&av, 30, &[held], now);
    // 09:00 would run into the booking's buffer before with its own buffer after, 11:30
    // would start its buffer before inside the booking's buffer after.
    assert_eq!(
        starts_on(&free, NEW_YORK, date(2027, 6, 1)),
        ["08:00-04:00", "08:30-04:00", "12:00-04:00", "12:30-04:00"]
    );
    // A booking keeps the time it claimed when it was made, even if the buffers shrink.
    let mut shorter = av.clone();
    shorter.buffer_after_min = 0;
    shorter.buffer_before_min = 0;
    let free = slots(&shorter, 30, &[held], now);
    assert_eq!(
        starts_on(&free, NEW_YORK, date(2027, 6, 1)),
        [
            "08:00-04:00",
            "08:30-04:00",
            "09:00-04:00",
            "11:30-04:00",
            "12:00-04:00",
            "12:30-04:00"
        ]
    );
}

#[test]
fn minimum_notice_is_counted_from_now() {
    let mut av = every_day(NEW_YORK, "09:00-17:00");
    av.min_notice_min = 24 * 60;
    let free = slots(&av, 60, &[], at("2027-06-01T10:00[America/New_York]"));
    assert_eq!(free[0].start, at("2027-06-02T10:00[America/New_York]"));
    let free = slots(&av, 60, &[], at("2027-06-01T10:01[America/New_York]"));
    assert_eq!(free[0].start, at("2027-06-02T11:00[America/New_York]"));
    // Without notice, today's remaining hours are free and past ones are not.
    av.min_notice_min = 0;
    let free = slots(&av, 60, &[], at("2027-06-01T10:30[America/New_York]"));
    assert_eq!(free[0].start, at("2027-06-01T11:00[America/New_York]"));
}

#[test]
fn the_horizon_counts_dates_in_the_attorneys_zone() {
    let mut av = every_day(NEW_YORK, "09:00-10:00");
    av.horizon_days = 2;
    // 23:30 on June 1st in New York is already June 2nd in UTC.
    let now = at("2027-06-01T23:30[America/New_York]");
    let free = slots(&av, 60, &[], now);
    let days: Vec<_> = by_day(&free, &tz(NEW_YORK))
        .into_iter()
        .map(|(d, _)| d)
        .collect();
    assert_eq!(days, [date(2027, 6, 2), date(2027, 6, 3)]);
    let tz = tz(NEW_YORK);
    let start = at("2027-06-04T09:00[America/New_York]");
    assert_eq!(
        check_start(&av, &tz, 60, &[], now, start),
        Err(Unbookable::BeyondHorizon)
    );
}

#[test]
fn the_daily_limit_counts_starts_on_the_attorneys_date() {
    let mut av = every_day(NEW_YORK, "09:00-22:00");
    av.max_per_day = Some(2);
    let now = at("2027-05-31T00:00[America/New_York]");
    // 20:00 in New York on June 1st is June 2nd in UTC: it counts for June 1st.
    let late = Booked::at(&av, at("2027-06-01T20:00[America/New_York]"), 60);
    let early = Booked::at(&av, at("2027-06-01T09:00[America/New_York]"), 60);
    let other = Booked::at(&av, at("2027-06-02T09:00[America/New_York]"), 60);
    let free = slots(&av, 60, &[late, early, other], now);
    assert!(starts_on(&free, NEW_YORK, date(2027, 6, 1)).is_empty());
    assert_eq!(starts_on(&free, NEW_YORK, date(2027, 6, 2)).len(), 12);
    assert_eq!(starts_on(&free, NEW_YORK, date(2027, 6, 3)).len(), 13);
    av.max_per_day = Some(3);
    let free = slots(&av, 60, &[late, early, other], now);
    assert_eq!(starts_on(&free, NEW_YORK, date(2027, 6, 1)).len(), 11);
}

#[test]
fn check_start_gives_the_reason() {
    let mut av = Availability::default_in(NEW_YORK);
    av.max_per_day = Some(1);
    let tz = tz(NEW_YORK);
    let now = at("2027-06-01T10:00[America/New_York]"); // a Tuesday
    let wed_10 = at("2027-06-02T10:00[America/New_York]");
    let check = |booked: &[Booked], start| check_start(&av, &tz, 60, booked, now, start);

    assert_eq!(
        check(&[], wed_10),
        Ok(Slot {
            start: wed_10,
            end: at("2027-06-02T11:00[America/New_York]")
        })
    );
    assert_eq!(
        check(&[], at("2027-06-02T09:00[America/New_York]")),
        Err(Unbookable::TooSoon)
    );
    assert_eq!(
        check(&[], utc("2027-05-01T14:00Z")),
        Err(Unbookable::TooSoon)
    );
    assert_eq!(
        check(&[], at("2027-08-02T10:00[America/New_York]")),
        Err(Unbookable::BeyondHorizon)
    );
    for outside in [
        "2027-06-02T10:15[America/New_York]", // not on the hour from 09:00
        "2027-06-02T12:00[America/New_York]", // lunch
        "2027-06-02T16:30[America/New_York]", // would end after 17:00
        "2027-06-05T10:00[America/New_York]", // Saturday
    ] {
        assert_eq!(
            check(&[], at(outside)),
            Err(Unbookable::OutsideHours),
            "{outside}"
        );
    }
    let taken = Booked::at(&av, at("2027-06-02T10:30[America/New_York]"), 30);
    let mut unlimited = av.clone();
    unlimited.max_per_day = None;
    assert_eq!(
        check_start(&unlimited, &tz, 60, &[taken], now, wed_10),
        Err(Unbookable::Taken)
    );
    assert_eq!(check(&[taken], wed_10), Err(Unbookable::DayFull));
    // A booking whose buffer after ends exactly at the start leaves it free.
    let before = Booked::at(&unlimited, at("2027-06-02T09:00[America/New_York]"), 45);
    assert_eq!(before.occupied_until, wed_10);
    assert!(check_start(&unlimited, &tz, 60, &[before], now, wed_10).is_ok());
    // Every free slot passes the check, and only those.
    let free = free_slots(&unlimited, &tz, 60, &[taken], now);
    assert!(
        free.iter()
            .all(|s| check_start(&unlimited, &tz, 60, &[taken], now, s.start) == Ok(*s))
    );
    assert_eq!(
        check_start(&av, &tz, 0, &[], now, wed_10),
        Err(Unbookable::OutsideHours)
    );
}

#[test]
fn unbookable_speaks_plainly() {
    assert_eq!(
        Unbookable::Taken.to_string(),
        "Someone else has just booked this time. Please pick another."
    );
    assert!(Unbookable::TooSoon.to_string().contains("more notice"));
    assert!(
        Unbookable::BeyondHorizon
            .to_string()
            .contains("too far ahead")
    );
    assert!(
        Unbookable::OutsideHours
            .to_string()
            .contains("one of the times shown")
    );
    assert!(Unbookable::DayFull.to_string().contains("another day"));
}

#[test]
fn blocks_cover_the_range_rounding_outwards() {
    let b = |from: &str, until: &str| blocks(utc(from), utc(until));
    let first = utc("2027-06-01T00:00Z").as_second() / 900;
    assert_eq!(
        b("2027-06-01T00:00Z", "2027-06-01T00:30Z"),
        first..first + 2
    );
    assert_eq!(
        b("2027-06-01T00:05Z", "2027-06-01T00:10Z"),
        first..first + 1
    );
    assert_eq!(
        b("2027-06-01T00:14:59Z", "2027-06-01T00:15:00.001Z"),
        first..first + 2
    );
    assert!(b("2027-06-01T00:30Z", "2027-06-01T00:30Z").is_empty());
    assert!(b("2027-06-01T00:30Z", "2027-06-01T00:00Z").is_empty());
    // Before 1970 the block numbers are negative and still round down at the start.
    assert_eq!(b("1969-12-31T23:50Z", "1970-01-01T00:00Z"), -1..0);
    assert_eq!(b("1969-12-31T23:59:59.5Z", "1970-01-01T00:00:00.5Z"), -1..1);
    // Adjacent consultations claim adjacent blocks, never the same one.
    let one = b("2027-06-01T09:00Z", "2027-06-01T10:00Z");
    let two = b("2027-06-01T10:00Z", "2027-06-01T11:00Z");
    assert_eq!(one.end, two.start);
}

#[test]
fn a_zero_length_has_no_slots() {
    let av = every_day(NEW_YORK, "09:00-10:00");
    assert!(slots(&av, 0, &[], utc("2027-06-01T00:00Z")).is_empty());
}

#[test]
fn hours_past_midnight_in_an_unvalidated_availability_give_no_slots() {
    let mut av = every_day(NEW_YORK, "09:00-10:00");
    av.weekly.days = std::array::from_fn(|_| {
        vec![Interval {
            start_min: 1380,
            end_min: 3000,
        }]
    });
    let tz = tz(NEW_YORK);
    assert!(free_slots(&av, &tz, 60, &[], utc("2027-06-01T00:00Z")).is_empty());
}
