use super::*;

fn all_day(date: &str, alarms: &[u32]) -> Event {
    Event {
        uid: "221g_reconsideration.c1@visa.example.org".into(),
        when: When::AllDay(date.parse().expect("date")),
        summary: "Last day: send the documents · K-1 case, Manila".into(),
        description: "What it means: the post closes the case.\n\nSee the case.".into(),
        url: Some("https://visa.example.org/cases/c1".into()),
        alarm_days: alarms.to_vec(),
    }
}

fn stamp(sequence: u32) -> Stamp {
    Stamp {
        sequence,
        last_modified: Some("2026-11-01T08:00:00Z".parse().expect("ts")),
    }
}

fn now() -> Timestamp {
    "2026-11-30T19:00:00Z".parse().expect("ts")
}

fn calendar(events: &[(Event, Stamp)]) -> String {
    write_calendar(
        &Calendar {
            prodid: "-//visanav//visanav//EN",
            name: "visanav: K-1 case, Manila",
        },
        events,
        now(),
    )
}

/// The content lines, unfolded (RFC 5545 section 3.1).
fn unfolded(text: &str) -> Vec<String> {
    text.replace("\r\n ", "")
        .split("\r\n")
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

#[test]
fn text_is_escaped() {
    assert_eq!(escape_text(r"a,b;c\d"), r"a\,b\;c\\d");
    assert_eq!(
        escape_text("one\ntwo\r\nthree\rfour"),
        r"one\ntwo\nthree\nfour"
    );
    assert_eq!(escape_text("bell\u{7}tab\t"), "belltab\t");
    // Colons and quotes need no escape in TEXT.
    assert_eq!(escape_text("at: \"x\""), "at: \"x\"");
}

#[test]
fn every_line_ends_in_crlf_and_no_bare_lf_remains() {
    let text = calendar(&[(all_day("2027-03-01", &[30, 1]), stamp(0))]);
    assert!(text.ends_with("END:VCALENDAR\r\n"));
    for (i, b) in text.bytes().enumerate() {
        if b == b'\n' {
            assert_eq!(text.as_bytes()[i - 1], b'\r', "bare LF at {i}");
        }
    }
    // The description's line breaks are escaped, not raw.
    assert!(
        text.contains(r"DESCRIPTION:What it means: the post closes the case.\n\nSee the case.")
    );
}

#[test]
fn long_lines_fold_at_75_octets_without_splitting_a_character() {
    for unit in ["a", "é", "€", "𝄞"] {
        for lead in 0..4 {
            let value = format!("{}{}", "x".repeat(lead), unit.repeat(120));
            let mut out = String::new();
            fold_into(&mut out, &format!("SUMMARY:{value}"));
            let physical: Vec<&str> = out.split("\r\n").filter(|l| !l.is_empty()).collect();
            assert!(physical.len() > 1, "folded");
            for (i, line) in physical.iter().enumerate() {
                assert!(
                    line.len() <= 75,
                    "{unit}: line {i} has {} octets",
                    line.len()
                );
                if i > 0 {
                    assert!(line.starts_with(' '), "continuation starts with a space");
                }
            }
            // A character is never split: each physical line is whole UTF-8 (it is a &str
            // slice of a String) and unfolding gives the value back exactly.
            assert_eq!(unfolded(&out), vec![format!("SUMMARY:{value}")]);
        }
    }
    let mut short = String::new();
    fold_into(&mut short, &"y".repeat(75));
    assert_eq!(
        short,
        format!("{}\r\n", "y".repeat(75)),
        "75 octets fit on one line"
    );
}

#[test]
fn the_calendar_says_what_it_is() {
    let lines = unfolded(&calendar(&[]));
    assert_eq!(
        lines,
        vec![
            "BEGIN:VCALENDAR",
            "PRODID:-//visanav//visanav//EN",
            "VERSION:2.0",
            "CALSCALE:GREGORIAN",
            "METHOD:PUBLISH",
            "X-WR-CALNAME:visanav: K-1 case\\, Manila",
            "REFRESH-INTERVAL;VALUE=DURATION:PT4H",
            "X-PUBLISHED-TTL:PT4H",
            "END:VCALENDAR",
        ]
    );
}

#[test]
fn all_day_events_end_the_next_day_and_remind_at_nine() {
    let lines = unfolded(&calendar(&[(
        all_day("2026-12-31", &[90, 30, 1, 0]),
        stamp(3),
    )]));
    let has = |l: &str| lines.iter().any(|x| x == l);
    assert!(has("DTSTART;VALUE=DATE:20261231"));
    assert!(
        has("DTEND;VALUE=DATE:20270101"),
        "DTEND is the next day, across a year"
    );
    assert!(has("UID:221g_reconsideration.c1@visa.example.org"));
    assert!(has("SEQUENCE:3"));
    assert!(has("DTSTAMP:20261130T190000Z"));
    assert!(has("LAST-MODIFIED:20261101T080000Z"));
    assert!(has("URL:https://visa.example.org/cases/c1"));
    let triggers: Vec<&str> = lines
        .iter()
        .filter_map(|l| l.strip_prefix("TRIGGER:"))
        .collect();
    assert_eq!(triggers, vec!["-P89DT15H", "-P29DT15H", "-PT15H", "PT9H"]);
    assert_eq!(lines.iter().filter(|l| *l == "ACTION:DISPLAY").count(), 4);
    // Properties come before the alarms inside the event (RFC 5545 eventc).
    let first_alarm = lines
        .iter()
        .position(|l| l == "BEGIN:VALARM")
        .expect("alarm");
    let sequence = lines.iter().position(|l| l == "SEQUENCE:3").expect("seq");
    assert!(sequence < first_alarm);
}

#[test]
fn the_fingerprint_follows_content_not_stamps() {
    let a = all_day("2027-03-01", &[30]);
    assert_eq!(a.fingerprint(), a.clone().fingerprint());
    assert_eq!(a.fingerprint().len(), 16);
    let mut moved = a.clone();
    moved.when = When::AllDay("2027-03-02".parse().expect("date"));
    let mut reworded = a.clone();
    reworded.description.push('!');
    let mut fewer_alarms = a.clone();
    fewer_alarms.alarm_days.clear();
    for changed in [moved, reworded, fewer_alarms] {
        assert_ne!(changed.fingerprint(), a.fingerprint());
    }
}

fn timed(zone: &str, start: &str, end: &str) -> Event {
    let at = |s: &str| {
        s.parse::<jiff::civil::DateTime>()
            .expect("datetime")
            .in_tz(zone)
            .expect("zone")
    };
    Event {
        when: When::Timed {
            start: at(start),
            end: at(end),
        },
        alarm_days: vec![1, 0],
        ..all_day("2027-01-15", &[])
    }
}

#[test]
fn timed_events_carry_their_zone_and_a_matching_vtimezone() {
    let text = calendar(&[(
        timed("America/New_York", "2027-01-15T10:00", "2027-01-15T10:45"),
        stamp(0),
    )]);
    let lines = unfolded(&text);
    let has = |l: &str| lines.iter().any(|x| x == l);
    assert!(has("DTSTART;TZID=America/New_York:20270115T100000"));
    assert!(has("DTEND;TZID=America/New_York:20270115T104500"));
    assert!(has("TZID:America/New_York"));
    // The VTIMEZONE comes before the events and covers the event: the last change before it
    // (to EST in November 2026) and the next one (to EDT on 2027-03-14 at 02:00).
    let tz = lines
        .iter()
        .position(|l| l == "BEGIN:VTIMEZONE")
        .expect("tz");
    let ev = lines.iter().position(|l| l == "BEGIN:VEVENT").expect("ev");
    assert!(tz < ev);
    let block = lines[tz..ev].join("\n");
    assert!(
        block.contains(
            "BEGIN:STANDARD\nDTSTART:20261101T020000\nTZOFFSETFROM:-0400\nTZOFFSETTO:-0500\nTZNAME:EST\nEND:STANDARD"
        ),
        "{block}"
    );
    assert!(
        block.contains(
            "BEGIN:DAYLIGHT\nDTSTART:20270314T020000\nTZOFFSETFROM:-0500\nTZOFFSETTO:-0400\nTZNAME:EDT\nEND:DAYLIGHT"
        ),
        "{block}"
    );
    let triggers: Vec<&str> = lines
        .iter()
        .filter_map(|l| l.strip_prefix("TRIGGER:"))
        .collect();
    assert_eq!(triggers, vec!["-P1D", "-PT1H"]);
}

#[test]
fn a_zone_without_changes_still_gets_an_observance_and_utc_is_written_with_z() {
    // Manila has not changed its clocks since 1978: the one preceding change is enough.
    let lines = unfolded(&calendar(&[(
        timed("Asia/Manila", "2027-01-15T09:00", "2027-01-15T10:00"),
        stamp(0),
    )]));
    assert!(lines.iter().any(|l| l == "TZOFFSETTO:+0800"));
    assert!(
        lines
            .iter()
            .any(|l| l == "DTSTART;TZID=Asia/Manila:20270115T090000")
    );
    let utc = unfolded(&calendar(&[(
        timed("UTC", "2027-01-15T09:00", "2027-01-15T10:00"),
        stamp(0),
    )]));
    assert!(utc.iter().any(|l| l == "DTSTART:20270115T090000Z"));
    assert!(
        !utc.iter().any(|l| l == "BEGIN:VTIMEZONE"),
        "no VTIMEZONE for UTC"
    );
}

#[test]
fn offsets_are_written_as_utc_offset_values() {
    let o = |s: i32| offset_text(Offset::from_seconds(s).expect("offset"));
    assert_eq!(o(8 * 3600), "+0800");
    assert_eq!(o(-(4 * 3600 + 30 * 60)), "-0430");
    assert_eq!(o(0), "+0000");
    assert_eq!(o(5 * 3600 + 37 * 60 + 28), "+053728");
}

#[test]
fn invitations_carry_method_sequence_organizer_and_status() {
    let event = timed("America/New_York", "2027-03-16T10:00", "2027-03-16T11:00");
    let cal = Calendar {
        prodid: "-//visanav//visanav//EN",
        name: "visanav",
    };
    let request = write_invite(
        &cal,
        &event,
        1,
        Method::Request,
        "visanav@firm.example",
        "ana@example.org",
        now(),
    );
    let lines = unfolded(&request);
    for expected in [
        "METHOD:REQUEST",
        "SEQUENCE:1",
        "ORGANIZER:mailto:visanav@firm.example",
        "ATTENDEE;ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED:mailto:ana@example.org",
        "STATUS:CONFIRMED",
        "DTSTART;TZID=America/New_York:20270316T100000",
        "BEGIN:VTIMEZONE",
    ] {
        assert!(
            lines.iter().any(|l| l == expected),
            "{expected} missing:\n{request}"
        );
    }
    assert!(!lines.iter().any(|l| l.starts_with("X-WR-CALNAME")));
    let cancel = write_invite(
        &cal,
        &event,
        2,
        Method::Cancel,
        "visanav@firm.example",
        "ana@example.org",
        now(),
    );
    let lines = unfolded(&cancel);
    for expected in ["METHOD:CANCEL", "SEQUENCE:2", "STATUS:CANCELLED"] {
        assert!(
            lines.iter().any(|l| l == expected),
            "{expected} missing:\n{cancel}"
        );
    }
    assert!(
        !lines.iter().any(|l| l == "BEGIN:VALARM"),
        "a cancellation sets no alarm"
    );
}
