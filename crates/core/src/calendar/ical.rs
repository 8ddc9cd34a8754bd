//! An RFC 5545 writer: just what a published feed of dated events needs.
//!
//! Every content line ends in CRLF and is folded at 75 octets (section 3.1) without splitting
//! a UTF-8 character; TEXT values are escaped (section 3.3.11). All-day events use
//! `VALUE=DATE` with DTEND the next day (DTEND is exclusive, section 3.6.1); timed events
//! carry a TZID and the calendar a VTIMEZONE for it, built from jiff's time zone database.
//!
//! Why TZID + VTIMEZONE and not UTC times: a consultation is "10:00 in New York"; with its
//! zone, Google Calendar and Apple Calendar (which read the IANA name in TZID and use their own
//! rules) and Outlook (which reads the VTIMEZONE) all show it in that zone on the event and
//! convert it for the viewer. UTC times are read correctly everywhere too, but lose the zone
//! the meeting was agreed in. The VTIMEZONE lists the zone's real transitions around each
//! event (no RRULE), so it cannot disagree with the tz database where the event falls, even
//! in a year whose rules changed. A zone without an IANA name (a fixed offset) is written in
//! UTC with `Z`, which every client reads.

use jiff::civil::{Date, DateTime};
use jiff::tz::{Offset, TimeZone};
use jiff::{Timestamp, ToSpan, Zoned};

/// How often a calendar app should fetch the feed again: dates change a few times a day at
/// most, and a reminder depends on the date being right well before it.
const REFRESH: &str = "PT4H";

/// The calendar as a whole.
#[derive(Debug, Clone)]
pub struct Calendar<'a> {
    /// `-//visanav//visanav 0.1//EN`.
    pub prodid: &'a str,
    /// Shown by clients as the calendar's name (`X-WR-CALNAME`).
    pub name: &'a str,
}

/// When an event happens.
#[derive(Debug, Clone, PartialEq)]
pub enum When {
    /// A whole civil day (a deadline, an expiry): the same date wherever the viewer is.
    AllDay(Date),
    /// A meeting: from `start` to `end`, both in the zone it was agreed in.
    Timed { start: Zoned, end: Zoned },
}

/// One VEVENT, without what changes on every serving (DTSTAMP) or is kept by the store
/// (SEQUENCE, LAST-MODIFIED): see [`Stamp`].
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Stable across servings: clients match updates by it.
    pub uid: String,
    pub when: When,
    pub summary: String,
    pub description: String,
    pub url: Option<String>,
    /// Reminders, in days before the event. All-day events remind at 09:00 that day (0 is
    /// the morning of the day itself); timed events the same time that many days before (0 is
    /// one hour before).
    pub alarm_days: Vec<u32>,
}

/// What the store says about an event's version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    /// RFC 5545 SEQUENCE: 0 at first, one more each time the event's content changed.
    pub sequence: u32,
    /// When its content last changed.
    pub last_modified: Option<Timestamp>,
}

impl Event {
    /// A fingerprint of everything a client shows of the event (not DTSTAMP, SEQUENCE or
    /// LAST-MODIFIED): when it differs from the stored one, SEQUENCE goes up. FNV-1a, 64 bits,
    /// as 16 hex digits: only change detection between two versions of one event, not a
    /// security function.
    pub fn fingerprint(&self) -> String {
        let mut w = Lines::default();
        self.content(&mut w);
        self.alarms(&mut w);
        format!("{:016x}", fnv1a64(w.0.as_bytes()))
    }

    /// The properties that are the event's content.
    fn content(&self, w: &mut Lines) {
        w.text("UID", &self.uid);
        match &self.when {
            When::AllDay(date) => {
                w.raw("DTSTART;VALUE=DATE", &ymd(*date));
                let next = date.checked_add(1.day()).unwrap_or(*date);
                w.raw("DTEND;VALUE=DATE", &ymd(next));
                // A deadline takes no time: show the day as free.
                w.raw("TRANSP", "TRANSPARENT");
            }
            When::Timed { start, end } => {
                w.zoned("DTSTART", start);
                w.zoned("DTEND", end);
            }
        }
        w.text("SUMMARY", &self.summary);
        w.text("DESCRIPTION", &self.description);
        if let Some(url) = &self.url {
            w.raw("URL", url);
        }
    }

    fn alarms(&self, w: &mut Lines) {
        let mut days = self.alarm_days.clone();
        days.sort_unstable_by(|a, b| b.cmp(a));
        days.dedup();
        for d in days {
            w.raw("BEGIN", "VALARM");
            w.raw("ACTION", "DISPLAY");
            w.raw("TRIGGER", &self.trigger(d));
            w.text("DESCRIPTION", &self.summary);
            w.raw("END", "VALARM");
        }
    }

    /// The alarm's TRIGGER, relative to DTSTART (section 3.8.6.3).
    fn trigger(&self, days: u32) -> String {
        match (&self.when, days) {
            // DTSTART of an all-day event is the start of its day: 09:00 that day is +9 h,
            // 09:00 n days before is n-1 days and 15 hours before.
            (When::AllDay(_), 0) => "PT9H".to_string(),
            (When::AllDay(_), 1) => "-PT15H".to_string(),
            (When::AllDay(_), n) => format!("-P{}DT15H", n - 1),
            (When::Timed { .. }, 0) => "-PT1H".to_string(),
            (When::Timed { .. }, n) => format!("-P{n}D"),
        }
    }
}

/// The whole feed: VCALENDAR, one VTIMEZONE per zone the timed events use, and the events,
/// with `now` as every event's DTSTAMP (for a calendar with a METHOD, the time the object
/// was made, RFC 5545 section 3.8.7.2).
pub fn write_calendar(cal: &Calendar<'_>, events: &[(Event, Stamp)], now: Timestamp) -> String {
    let mut w = Lines::default();
    w.raw("BEGIN", "VCALENDAR");
    w.text("PRODID", cal.prodid);
    w.raw("VERSION", "2.0");
    w.raw("CALSCALE", "GREGORIAN");
    w.raw("METHOD", "PUBLISH");
    w.text("X-WR-CALNAME", cal.name);
    // How often to fetch again: RFC 7986's property, and the older one Outlook and Apple
    // Calendar read. Google Calendar decides for itself (about twice a day).
    w.raw("REFRESH-INTERVAL;VALUE=DURATION", REFRESH);
    w.raw("X-PUBLISHED-TTL", REFRESH);
    for (zone, span) in zones(events) {
        vtimezone(&mut w, &zone, span);
    }
    for (event, stamp) in events {
        w.raw("BEGIN", "VEVENT");
        event.content(&mut w);
        w.raw("DTSTAMP", &utc(now));
        w.raw("SEQUENCE", &stamp.sequence.to_string());
        if let Some(t) = stamp.last_modified {
            w.raw("LAST-MODIFIED", &utc(t));
        }
        event.alarms(&mut w);
        w.raw("END", "VEVENT");
    }
    w.raw("END", "VCALENDAR");
    w.0
}

/// What an emailed invitation asks of the recipient's calendar (RFC 5546).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Add the event, or update it when its UID is known and its SEQUENCE is higher.
    Request,
    /// Remove it (same UID, higher SEQUENCE).
    Cancel,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Request => "REQUEST",
            Method::Cancel => "CANCEL",
        }
    }
}

/// An invitation by email (iTIP, RFC 5546): one event with METHOD REQUEST or CANCEL, its
/// ORGANIZER (the address the mail comes from) and the recipient as ATTENDEE, the SEQUENCE
/// the store keeps, and a STATUS. Calendar apps add, move or remove the event by its UID.
pub fn write_invite(
    cal: &Calendar<'_>,
    event: &Event,
    sequence: u32,
    method: Method,
    organizer: &str,
    attendee: &str,
    now: Timestamp,
) -> String {
    let mut w = Lines::default();
    w.raw("BEGIN", "VCALENDAR");
    w.text("PRODID", cal.prodid);
    w.raw("VERSION", "2.0");
    w.raw("CALSCALE", "GREGORIAN");
    w.raw("METHOD", method.as_str());
    let pair = [(
        event.clone(),
        Stamp {
            sequence,
            last_modified: None,
        },
    )];
    for (zone, span) in zones(&pair) {
        vtimezone(&mut w, &zone, span);
    }
    w.raw("BEGIN", "VEVENT");
    event.content(&mut w);
    w.raw("DTSTAMP", &utc(now));
    w.raw("SEQUENCE", &sequence.to_string());
    w.raw("ORGANIZER", &format!("mailto:{organizer}"));
    w.raw(
        "ATTENDEE;ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED",
        &format!("mailto:{attendee}"),
    );
    let status = match method {
        Method::Request => "CONFIRMED",
        Method::Cancel => "CANCELLED",
    };
    w.raw("STATUS", status);
    if method == Method::Request {
        event.alarms(&mut w);
    }
    w.raw("END", "VEVENT");
    w.raw("END", "VCALENDAR");
    w.0
}

/// Content lines being written: each folded and ended with CRLF.
#[derive(Default)]
struct Lines(String);

impl Lines {
    /// A line whose value is written as it is (dates, numbers, URIs, keywords).
    fn raw(&mut self, name: &str, value: &str) {
        fold_into(&mut self.0, &format!("{name}:{value}"));
    }

    /// A TEXT value, escaped.
    fn text(&mut self, name: &str, value: &str) {
        self.raw(name, &escape_text(value));
    }

    /// A date-time in its zone: `DTSTART;TZID=America/New_York:20270115T100000`, or UTC
    /// with `Z` for a zone without an IANA name.
    fn zoned(&mut self, name: &str, at: &Zoned) {
        match iana(at.time_zone()) {
            Some(tz) => self.raw(
                &format!("{name};TZID={}", param_value(tz)),
                &local(at.datetime()),
            ),
            None => self.raw(name, &utc(at.timestamp())),
        }
    }
}

/// Escapes a TEXT value (RFC 5545 section 3.3.11): backslash, semicolon, comma and line
/// breaks (CRLF, CR or LF each become `\n`).
pub fn escape_text(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push_str("\\n");
            }
            // Other control characters are not allowed in TEXT (section 3.3.11).
            c if c.is_control() && c != '\t' => {}
            c => out.push(c),
        }
    }
    out
}

/// A parameter value: quoted when it holds a character that would end it (section 3.2).
fn param_value(value: &str) -> String {
    if value.contains([':', ';', ',']) {
        format!("\"{}\"", value.replace('"', ""))
    } else {
        value.to_string()
    }
}

/// Appends `line` folded at 75 octets, each part ended by CRLF and each continuation started
/// by one space (section 3.1). A part ends before a character that would not fit, so a
/// multi-byte UTF-8 character is never split.
pub fn fold_into(out: &mut String, line: &str) {
    const LIMIT: usize = 75;
    let mut used = 0;
    for c in line.chars() {
        if used + c.len_utf8() > LIMIT {
            out.push_str("\r\n ");
            used = 1;
        }
        out.push(c);
        used += c.len_utf8();
    }
    out.push_str("\r\n");
}

fn ymd(d: Date) -> String {
    d.strftime("%Y%m%d").to_string()
}

fn local(dt: DateTime) -> String {
    dt.strftime("%Y%m%dT%H%M%S").to_string()
}

fn utc(t: Timestamp) -> String {
    t.to_zoned(TimeZone::UTC)
        .strftime("%Y%m%dT%H%M%SZ")
        .to_string()
}

/// The IANA name of a zone that has one and is not UTC itself (UTC is written with `Z`).
fn iana(tz: &TimeZone) -> Option<&str> {
    tz.iana_name().filter(|n| *n != "UTC" && *n != "Etc/UTC")
}

/// `+0800`, `-0430`, `+053728` (seconds only when there are some), as UTC-OFFSET wants.
fn offset_text(o: Offset) -> String {
    let s = o.seconds();
    let sign = if s < 0 { '-' } else { '+' };
    let s = s.unsigned_abs();
    let (h, m, sec) = (s / 3600, s % 3600 / 60, s % 60);
    if sec == 0 {
        format!("{sign}{h:02}{m:02}")
    } else {
        format!("{sign}{h:02}{m:02}{sec:02}")
    }
}

/// Each named zone the timed events use, with the first and last instant it must cover.
fn zones(events: &[(Event, Stamp)]) -> Vec<(TimeZone, (Timestamp, Timestamp))> {
    let mut out: Vec<(TimeZone, (Timestamp, Timestamp))> = Vec::new();
    for (e, _) in events {
        let When::Timed { start, end } = &e.when else {
            continue;
        };
        for at in [start, end] {
            let Some(name) = iana(at.time_zone()) else {
                continue;
            };
            let t = at.timestamp();
            match out.iter_mut().find(|(z, _)| z.iana_name() == Some(name)) {
                Some((_, (lo, hi))) => {
                    *lo = (*lo).min(t);
                    *hi = (*hi).max(t);
                }
                None => out.push((at.time_zone().clone(), (t, t))),
            }
        }
    }
    out
}

/// A VTIMEZONE with the zone's real transitions from the last one before `from` to the first
/// one after `to`; a zone that never changes gets one STANDARD observance.
fn vtimezone(w: &mut Lines, tz: &TimeZone, (from, to): (Timestamp, Timestamp)) {
    let Some(name) = iana(tz) else { return };
    w.raw("BEGIN", "VTIMEZONE");
    w.raw("TZID", &param_value(name));
    let mut transitions: Vec<(Timestamp, Offset, String, bool)> = Vec::new();
    if let Some(t) = tz
        .preceding(from.checked_add(1.second()).unwrap_or(from))
        .next()
    {
        transitions.push((
            t.timestamp(),
            t.offset(),
            t.abbreviation().to_string(),
            t.dst().is_dst(),
        ));
    }
    for t in tz.following(from) {
        let past_end = t.timestamp() > to;
        transitions.push((
            t.timestamp(),
            t.offset(),
            t.abbreviation().to_string(),
            t.dst().is_dst(),
        ));
        if past_end {
            break;
        }
    }
    if transitions.is_empty() {
        let info = tz.to_offset_info(from);
        observance(
            w,
            false,
            "19700101T000000",
            info.offset(),
            info.offset(),
            info.abbreviation(),
        );
    }
    for (at, to_offset, abbreviation, dst) in &transitions {
        // DTSTART is the local time of the change, on the clock before it (section 3.6.5).
        let before = tz.to_offset(at.checked_sub(1.second()).unwrap_or(*at));
        let start = local(before.to_datetime(*at));
        observance(w, *dst, &start, before, *to_offset, abbreviation);
    }
    w.raw("END", "VTIMEZONE");
}

fn observance(w: &mut Lines, dst: bool, start: &str, from: Offset, to: Offset, name: &str) {
    let kind = if dst { "DAYLIGHT" } else { "STANDARD" };
    w.raw("BEGIN", kind);
    w.raw("DTSTART", start);
    w.raw("TZOFFSETFROM", &offset_text(from));
    w.raw("TZOFFSETTO", &offset_text(to));
    if !name.is_empty() {
        w.text("TZNAME", name);
    }
    w.raw("END", kind);
}

fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

#[cfg(test)]
#[path = "ical_tests.rs"]
mod tests;
