//! Typed hours, the default availability, validation and the stored JSON.

use jiff::civil::date;

use super::*;

fn iv(start_h: u16, start_m: u16, end_h: u16, end_m: u16) -> Interval {
    Interval::hm(start_h, start_m, end_h, end_m)
}

fn parse_err(text: &str) -> String {
    parse_hours(text)
        .expect_err(&format!("{text:?} should not parse"))
        .to_string()
}

#[test]
fn parse_hours_reads_what_people_type() {
    let day = vec![iv(9, 0, 12, 0), iv(13, 0, 17, 0)];
    assert_eq!(parse_hours("09:00-12:00, 13:00-17:00").unwrap(), day);
    assert_eq!(parse_hours("9-12,13-17").unwrap(), day);
    assert_eq!(parse_hours(" 13:00 – 17:00 ; 09:00 — 12:00 ").unwrap(), day);
    assert_eq!(
        parse_hours("9-12, 13:30-17").unwrap(),
        vec![iv(9, 0, 12, 0), iv(13, 30, 17, 0)]
    );
    assert_eq!(parse_hours("9am–5pm").unwrap(), vec![iv(9, 0, 17, 0)]);
    assert_eq!(
        parse_hours("8:30 AM - 12 PM").unwrap(),
        vec![iv(8, 30, 12, 0)]
    );
    assert_eq!(parse_hours("9-12,").unwrap(), vec![iv(9, 0, 12, 0)]);
}

#[test]
fn parse_hours_reads_midnight_as_an_end() {
    let evening = vec![Interval {
        start_min: 18 * 60,
        end_min: 1440,
    }];
    assert_eq!(parse_hours("18:00-24:00").unwrap(), evening);
    assert_eq!(parse_hours("18-24").unwrap(), evening);
    assert_eq!(parse_hours("18:00-00:00").unwrap(), evening);
    assert_eq!(parse_hours("6pm-12am").unwrap(), evening);
    assert_eq!(
        parse_hours("00:00-06:00").unwrap(),
        vec![iv(0, 0, 6, 0)],
        "a start at 00:00 stays the start of the day"
    );
}

#[test]
fn parse_hours_reads_off_and_empty_as_no_hours() {
    for text in ["", "   ", "off", "OFF", " Closed "] {
        assert_eq!(parse_hours(text).unwrap(), Vec::new(), "{text:?}");
    }
}

#[test]
fn parse_hours_says_what_is_wrong_and_how_to_fix_it() {
    assert_eq!(
        parse_err("9:10-12"),
        "hours: 09:10 is not on the 15-minute grid. Use 09:00 or 09:15."
    );
    assert_eq!(
        parse_err("12-9"),
        "hours: 12:00-09:00 does not end after it starts. Write the end later than the start, \
         in 24-hour time (17:00 for 5 in the afternoon)."
    );
    assert_eq!(
        parse_err("09:00-12:00, 11:00-13:00"),
        "hours: 09:00-12:00 and 11:00-13:00 overlap. Merge them into 09:00-13:00, or shorten one."
    );
    assert_eq!(
        parse_err("nine to five"),
        "hours: \"nine to five\" is not a range of time. Write it like 09:00-12:00."
    );
    assert_eq!(
        parse_err("9:00-1x"),
        "hours: \"1x\" is not a time. Write hours and minutes in 24-hour time, like 09:00 or 13:30."
    );
    assert_eq!(
        parse_err("25:00-26:00"),
        "hours: \"25:00\" is not a time of day. Use 00:00 to 24:00."
    );
    assert_eq!(
        parse_err("9:60-10"),
        "hours: \"9:60\" is not a time of day. Use 00:00 to 24:00."
    );
    assert_eq!(
        parse_err("24:00-24:00"),
        "hours: \"24:00-24:00\" starts at 24:00, the end of the day. Start it at 00:00 instead."
    );
    assert_eq!(
        parse_err("13pm-14"),
        "hours: \"13pm\": with am or pm the hour is 1 to 12."
    );
    assert!(parse_err("9:5-10").contains("\"9:5\" is not a time"));
    assert!(parse_err("-10").contains("\"\" is not a time"));
}

#[test]
fn a_parse_error_can_name_the_day_it_was_typed_for() {
    let err = parse_hours("12-9").unwrap_err().in_field("Monday's hours");
    assert!(
        err.to_string().starts_with("Monday's hours: 12:00-09:00"),
        "{err}"
    );
}

#[test]
fn format_hours_reads_back() {
    let day = vec![iv(9, 0, 12, 0), iv(13, 30, 17, 0)];
    assert_eq!(format_hours(&day), "09:00-12:00, 13:30-17:00");
    assert_eq!(parse_hours(&format_hours(&day)).unwrap(), day);
    assert_eq!(format_hours(&[]), "off");
    assert_eq!(parse_hours(&format_hours(&[])).unwrap(), Vec::new());
    let late = vec![Interval {
        start_min: 0,
        end_min: 1440,
    }];
    assert_eq!(format_hours(&late), "00:00-24:00");
    assert_eq!(parse_hours(&format_hours(&late)).unwrap(), late);
}

#[test]
fn the_default_is_a_working_week_and_valid() {
    let av = Availability::default_in("America/New_York");
    let tz = av.validate().unwrap();
    assert_eq!(tz.iana_name(), Some("America/New_York"));
    let workday = vec![iv(9, 0, 12, 0), iv(13, 0, 17, 0)];
    for monday_zero in 0..5 {
        assert_eq!(av.weekly.days[monday_zero], workday);
    }
    assert!(av.weekly.days[5].is_empty() && av.weekly.days[6].is_empty());
    assert_eq!(
        (av.buffer_before_min, av.buffer_after_min, av.min_notice_min),
        (0, 15, 1440)
    );
    assert_eq!((av.horizon_days, av.max_per_day), (60, Some(6)));
    // 2027-03-13 is a Saturday, 2027-03-15 a Monday.
    assert!(av.hours_on(date(2027, 3, 13)).is_empty());
    assert_eq!(av.hours_on(date(2027, 3, 15)), workday.as_slice());
}

#[test]
fn overrides_replace_the_weekday() {
    let mut av = Availability::default_in("Asia/Manila");
    av.overrides.insert(date(2027, 3, 15), DayOverride::Off);
    av.overrides.insert(
        date(2027, 3, 13),
        DayOverride::Hours(vec![iv(10, 0, 11, 0)]),
    );
    assert!(av.hours_on(date(2027, 3, 15)).is_empty());
    assert_eq!(
        av.hours_on(date(2027, 3, 13)),
        [iv(10, 0, 11, 0)].as_slice()
    );
    assert_eq!(av.hours_on(date(2027, 3, 16)).len(), 2);
}

fn validate_err(change: impl FnOnce(&mut Availability)) -> AvailabilityError {
    let mut av = Availability::default_in("Europe/Berlin");
    change(&mut av);
    av.validate().expect_err("should not validate")
}

#[test]
fn validate_names_the_field_and_the_fix() {
    let err = validate_err(|av| av.zone = "Mars/Olympus_Mons".into());
    assert_eq!(err.field, "time zone");
    assert_eq!(
        err.to_string(),
        "time zone: \"Mars/Olympus_Mons\" is not a time zone name visanav knows. Use an IANA \
         name such as America/New_York or Asia/Manila."
    );

    let err = validate_err(|av| av.weekly.days[1] = vec![iv(13, 0, 17, 0), iv(9, 0, 12, 0)]);
    assert_eq!(
        err.to_string(),
        "Tuesday's hours: 09:00-12:00 comes after 13:00-17:00. List the hours in time order."
    );

    let err = validate_err(|av| {
        av.overrides.insert(
            date(2027, 12, 24),
            DayOverride::Hours(vec![iv(9, 0, 11, 50)]),
        );
    });
    assert_eq!(
        err.to_string(),
        "hours on 2027-12-24: 11:50 is not on the 15-minute grid. Use 11:45 or 12:00."
    );

    let err = validate_err(|av| {
        av.weekly.days[6] = vec![Interval {
            start_min: 1380,
            end_min: 1500,
        }]
    });
    assert_eq!(err.field, "Sunday's hours");
    assert!(err.problem.contains("ends after midnight"), "{err}");

    let err = validate_err(|av| av.weekly.days[4] = vec![iv(9, 0, 9, 0)]);
    assert_eq!(err.field, "Friday's hours");
    assert!(
        err.problem.contains("does not end after it starts"),
        "{err}"
    );

    let err = validate_err(|av| av.buffer_before_min = 10);
    assert_eq!(
        err.to_string(),
        "buffer before: 10 minutes is not a multiple of 15. Round it to 0 or 15 minutes."
    );
    let err = validate_err(|av| av.buffer_after_min = 1455);
    assert_eq!(
        err.to_string(),
        "buffer after: 1455 minutes is too long. Use at most 1440 minutes."
    );
    let err = validate_err(|av| av.min_notice_min = 100);
    assert_eq!(err.field, "minimum notice");

    for horizon in [0, 366] {
        let err = validate_err(|av| av.horizon_days = horizon);
        assert_eq!(
            err.to_string(),
            format!("booking horizon: {horizon} days is not allowed. Use between 1 and 365 days.")
        );
    }
    let err = validate_err(|av| av.max_per_day = Some(0));
    assert_eq!(err.field, "maximum per day");
}

#[test]
fn validate_accepts_edges() {
    let mut av = Availability::default_in("Asia/Kathmandu");
    av.weekly.days[5] = vec![iv(0, 0, 6, 0), iv(6, 0, 24, 0)]; // touching is fine
    av.overrides.insert(date(2027, 1, 1), DayOverride::Off);
    av.overrides
        .insert(date(2027, 1, 2), DayOverride::Hours(Vec::new()));
    av.horizon_days = 365;
    av.max_per_day = None;
    av.buffer_before_min = 1440;
    assert!(av.validate().is_ok());
}

#[test]
fn check_length_wants_whole_blocks() {
    assert!(check_length(15).is_ok());
    assert!(check_length(60).is_ok());
    assert_eq!(
        check_length(0).unwrap_err().to_string(),
        "consultation length: 0 minutes is not a consultation. Use 15 minutes or more."
    );
    assert_eq!(
        check_length(50).unwrap_err().to_string(),
        "consultation length: 50 minutes is not a multiple of 15. Round it to 45 or 60 minutes."
    );
    assert!(check_length(1455).is_err());
}

#[test]
fn availability_round_trips_through_json() {
    let mut av = Availability::default_in("America/New_York");
    av.overrides.insert(date(2027, 7, 5), DayOverride::Off);
    av.overrides.insert(
        date(2027, 7, 10),
        DayOverride::Hours(vec![iv(10, 0, 12, 0)]),
    );
    let json = serde_json::to_string(&av).unwrap();
    assert!(json.contains("\"2027-07-05\":\"Off\""), "{json}");
    let back: Availability = serde_json::from_str(&json).unwrap();
    assert_eq!(back, av);
}
